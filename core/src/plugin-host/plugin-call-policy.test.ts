import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PluginPolicy } from '../config/plugins-config.js';
import { InconclusiveAttempt, PluginCallPolicy } from './plugin-call-policy.js';
import type { BreakerState } from './tool-metrics.js';

const HALF_OPEN_AFTER_MS = 1_000;

function policyWith(failureThreshold: number): PluginCallPolicy {
  const policy: PluginPolicy = {
    timeoutMs: 1_000,
    setupTimeoutMs: 1_000,
    maxConcurrent: 1,
    maxQueue: 0,
    maxOutputBytes: 1_000,
    breaker: { failureThreshold, halfOpenAfterMs: HALF_OPEN_AFTER_MS },
    retry: { maxAttempts: 1 },
  };
  return new PluginCallPolicy(policy, (_state: BreakerState) => {});
}

const failed = () => Promise.resolve({ countsAgainstBreaker: true });
const succeeded = () => Promise.resolve({ countsAgainstBreaker: false });
const cancelled = () => Promise.reject(new InconclusiveAttempt({ countsAgainstBreaker: false, outcome: 'cancelled' }));

describe('PluginCallPolicy breaker', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands back a stopped attempt without counting it as a failure or as a success', async () => {
    const policy = policyWith(2);
    await policy.throughBreaker(failed);
    expect(await policy.throughBreaker(cancelled)).toEqual({ countsAgainstBreaker: false, outcome: 'cancelled' });
    for (let index = 0; index < 5; index += 1) await policy.throughBreaker(cancelled);
    expect(policy.breakerState).toBe('closed');
    // The failure before the cancellations still counts: one more opens the breaker.
    await policy.throughBreaker(failed);
    expect(policy.breakerState).toBe('open');
  });

  it('a success still resets the run of failures', async () => {
    const policy = policyWith(2);
    await policy.throughBreaker(failed);
    await policy.throughBreaker(succeeded);
    await policy.throughBreaker(failed);
    expect(policy.breakerState).toBe('closed');
  });

  it('closes a half-open breaker whose probe was stopped, as for any call that did not fail', async () => {
    vi.useFakeTimers();
    const policy = policyWith(1);
    await policy.throughBreaker(failed);
    expect(policy.breakerState).toBe('open');
    expect(policy.throughBreaker(succeeded)).toBeUndefined();
    await vi.advanceTimersByTimeAsync(HALF_OPEN_AFTER_MS);
    expect(policy.breakerState).toBe('half-open');
    expect(await policy.throughBreaker(cancelled)).toMatchObject({ outcome: 'cancelled' });
    expect(policy.breakerState).toBe('closed');
    policy.dispose();
  });
});
