import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startIdleTimeoutScope } from './idle-timeout-scope.js';

describe('startIdleTimeoutScope', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('without progress is a plain timeout: TimeoutError after idleMs, parent let go', () => {
    const parent = new AbortController();
    const scope = startIdleTimeoutScope(parent.signal, 1_000, Date.now() + 60_000);
    vi.advanceTimersByTime(999);
    expect(scope.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(scope.signal.reason).toMatchObject({ name: 'TimeoutError' });
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('keeps going past idleMs in total while progress comes in time, and aborts after one gap that is too long', () => {
    const scope = startIdleTimeoutScope(new AbortController().signal, 1_000, Date.now() + 60_000);
    for (let step = 0; step < 10; step += 1) {
      vi.advanceTimersByTime(900);
      scope.progress();
    }
    expect(scope.signal.aborted).toBe(false); // 9 s in, ten times the idle limit
    vi.advanceTimersByTime(999);
    expect(scope.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(scope.signal.reason).toMatchObject({ name: 'TimeoutError' });
  });

  it('aborts at endsAt however steady the progress', () => {
    const scope = startIdleTimeoutScope(new AbortController().signal, 1_000, Date.now() + 2_500);
    for (let step = 0; step < 4; step += 1) {
      vi.advanceTimersByTime(500);
      scope.progress();
    }
    expect(scope.signal.aborted).toBe(false);
    vi.advanceTimersByTime(500);
    expect(scope.signal.reason).toMatchObject({ name: 'TimeoutError' });
  });

  it('is due at once when endsAt has passed, and comes aborted from an aborted parent', () => {
    const late = startIdleTimeoutScope(new AbortController().signal, 1_000, Date.now() - 1);
    vi.advanceTimersByTime(0);
    expect(late.signal.aborted).toBe(true);
    const reason = new Error('gone');
    const orphan = startIdleTimeoutScope(AbortSignal.abort(reason), 1_000, Date.now() + 5_000);
    expect(orphan.signal.reason).toBe(reason);
    orphan.progress();
    orphan.dispose();
  });

  it('follows the parent with its reason; after dispose nothing aborts it and no timer or listener is left', () => {
    const parent = new AbortController();
    const followed = startIdleTimeoutScope(parent.signal, 1_000, Date.now() + 5_000);
    const disposed = startIdleTimeoutScope(parent.signal, 1_000, Date.now() + 5_000);
    disposed.dispose();
    disposed.dispose();
    const reason = new Error('client left');
    parent.abort(reason);
    expect(followed.signal.reason).toBe(reason);
    vi.advanceTimersByTime(10_000);
    expect(disposed.signal.aborted).toBe(false);
    followed.dispose();
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('progress stamps the time only: one timer however many chunks arrive', () => {
    const scope = startIdleTimeoutScope(new AbortController().signal, 1_000, Date.now() + 60_000);
    for (let chunk = 0; chunk < 500; chunk += 1) scope.progress();
    expect(vi.getTimerCount()).toBe(1);
    scope.dispose();
  });
});
