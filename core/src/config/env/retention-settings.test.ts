import { describe, expect, it } from 'vitest';
import { EnvReader } from './env-reader.js';
import { readRetentionSettings } from './retention-settings.js';

describe('readRetentionSettings', () => {
  it('keeps conversations forever and sweeps hourly by default', () => {
    expect(readRetentionSettings(new EnvReader({}, '/srv'))).toEqual({ defaultDays: 0, tenantDays: {}, sweepIntervalMinutes: 60 });
  });

  it('reads a default, per-tenant overrides (0 keeps a tenant forever) and the sweep interval', () => {
    const read = new EnvReader(
      { CONVERSATION_RETENTION_DAYS: '90', CONVERSATION_RETENTION_TENANT_DAYS: ' acme=30 , globex=0,team=a=7 ', CONVERSATION_RETENTION_SWEEP_MINUTES: '15' },
      '/srv',
    );
    expect(readRetentionSettings(read)).toEqual({ defaultDays: 90, tenantDays: { acme: 30, globex: 0, 'team=a': 7 }, sweepIntervalMinutes: 15 });
    expect(read.problems).toEqual([]);
  });

  it('reports malformed, negative, fractional, oversized and repeated values, naming the variable', () => {
    const read = new EnvReader(
      {
        CONVERSATION_RETENTION_DAYS: '-1',
        CONVERSATION_RETENTION_TENANT_DAYS: 'acme=30,acme=7,=5,beta,gamma=1.5,delta=99999999,eps=',
        CONVERSATION_RETENTION_SWEEP_MINUTES: '0',
      },
      '/srv',
    );
    expect(readRetentionSettings(read)).toEqual({ defaultDays: 0, tenantDays: { acme: 30 }, sweepIntervalMinutes: 60 });
    expect(read.problems.map((problem) => problem.split(':')[0])).toEqual([
      'CONVERSATION_RETENTION_DAYS',
      'CONVERSATION_RETENTION_TENANT_DAYS',
      'CONVERSATION_RETENTION_TENANT_DAYS',
      'CONVERSATION_RETENTION_TENANT_DAYS',
      'CONVERSATION_RETENTION_TENANT_DAYS',
      'CONVERSATION_RETENTION_TENANT_DAYS',
      'CONVERSATION_RETENTION_TENANT_DAYS',
      'CONVERSATION_RETENTION_SWEEP_MINUTES',
    ]);
    expect(read.problems[1]).toBe('CONVERSATION_RETENTION_TENANT_DAYS: "acme" is given twice');
  });
});
