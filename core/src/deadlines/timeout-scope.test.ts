import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTimeoutScope } from './timeout-scope.js';

describe('startTimeoutScope', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('aborts with the parent and carries its reason', () => {
    const parent = new AbortController();
    const scope = startTimeoutScope(parent.signal, 10_000);
    const reason = new Error('client left');
    parent.abort(reason);
    expect(scope.signal.aborted).toBe(true);
    expect(scope.signal.reason).toBe(reason);
  });

  it('aborts with a TimeoutError when its time is up, and lets go of the parent', () => {
    const parent = new AbortController();
    const scope = startTimeoutScope(parent.signal, 1_000);
    vi.advanceTimersByTime(999);
    expect(scope.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(scope.signal.aborted).toBe(true);
    expect(scope.signal.reason).toMatchObject({ name: 'TimeoutError' });
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('starts aborted when the parent already is', () => {
    const reason = new Error('gone');
    const scope = startTimeoutScope(AbortSignal.abort(reason), 1_000);
    expect(scope.signal.reason).toBe(reason);
    scope.dispose();
  });

  it('after dispose neither the timer nor the parent aborts it, and no listener or timer is left', () => {
    const parent = new AbortController();
    const scope = startTimeoutScope(parent.signal, 1_000);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1);
    scope.dispose();
    scope.dispose();
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    parent.abort();
    vi.advanceTimersByTime(5_000);
    expect(scope.signal.aborted).toBe(false);
  });

  it('treats a negative or zero budget as already due', () => {
    const scope = startTimeoutScope(new AbortController().signal, -5);
    vi.advanceTimersByTime(0);
    expect(scope.signal.aborted).toBe(true);
  });
});
