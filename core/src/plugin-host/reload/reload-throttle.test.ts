import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReloadThrottle } from './reload-throttle.js';

describe('ReloadThrottle', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers a burst of requests with one reload after the debounce', async () => {
    const run = vi.fn(async () => {});
    const throttle = new ReloadThrottle(run, { debounceMs: 500, minIntervalMs: 10_000 });
    expect(throttle.request()).toBe('scheduled');
    for (let index = 0; index < 50; index += 1) expect(throttle.request()).toBe('coalesced');
    await vi.advanceTimersByTimeAsync(499);
    expect(run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('keeps reloads at least the minimum interval apart while requests keep coming', async () => {
    const run = vi.fn(async () => {});
    const throttle = new ReloadThrottle(run, { debounceMs: 100, minIntervalMs: 5_000 });
    // A server announcing a change every 50 ms for 20 s.
    for (let elapsed = 0; elapsed < 20_000; elapsed += 50) {
      throttle.request();
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(run.mock.calls.length).toBeGreaterThanOrEqual(4);
    expect(run.mock.calls.length).toBeLessThanOrEqual(5);
  });

  it('swallows a failed reload and runs nothing after dispose', async () => {
    const run = vi.fn(async () => {
      throw new Error('refused');
    });
    const throttle = new ReloadThrottle(run, { debounceMs: 10, minIntervalMs: 10 });
    throttle.request();
    await vi.advanceTimersByTimeAsync(10);
    expect(run).toHaveBeenCalledTimes(1);
    throttle.request();
    throttle.dispose();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(run).toHaveBeenCalledTimes(1);
    expect(throttle.request()).toBe('coalesced');
  });
});
