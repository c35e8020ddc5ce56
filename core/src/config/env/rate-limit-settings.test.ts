import { describe, expect, it } from 'vitest';
import { EnvReader } from './env-reader.js';
import { readRateLimitSettings } from './rate-limit-settings.js';

describe('readRateLimitSettings', () => {
  it('allows 120 requests a minute with a burst of 30 and no tenant budgets by default', () => {
    expect(readRateLimitSettings(new EnvReader({}, '/srv'))).toEqual({ requestsPerMinute: 120, burst: 30, modelTokensPerMinute: 0, toolCallsPerMinute: 0 });
  });

  it('reads each budget and reports negative or fractional ones, naming the variable', () => {
    const read = new EnvReader({ RATE_LIMIT_PER_MINUTE: '600', RATE_LIMIT_BURST: '-5', TENANT_MODEL_TOKENS_PER_MINUTE: '100000', TENANT_TOOL_CALLS_PER_MINUTE: '0.5' }, '/srv');
    expect(readRateLimitSettings(read)).toMatchObject({ requestsPerMinute: 600, modelTokensPerMinute: 100_000 });
    expect(read.problems.map((problem) => problem.split(':')[0])).toEqual(['RATE_LIMIT_BURST', 'TENANT_TOOL_CALLS_PER_MINUTE']);
  });
});
