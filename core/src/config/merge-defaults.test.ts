import { describe, expect, it } from 'vitest';
import { mergeDefaults } from './merge-defaults.js';

const defaults = { timeoutMs: 10_000, maxQueue: 32, breaker: { failureThreshold: 5, halfOpenAfterMs: 30_000 }, retry: { maxAttempts: 1 } };

describe('mergeDefaults', () => {
  it('takes every field from the defaults when nothing overrides them', () => {
    expect(mergeDefaults(defaults, undefined)).toEqual(defaults);
    expect(mergeDefaults(defaults, {})).toEqual(defaults);
  });

  it('lets a set value win, zero included, and fills the rest field by field inside nested objects', () => {
    expect(mergeDefaults(defaults, { maxQueue: 0, breaker: { halfOpenAfterMs: 100 } })).toEqual({
      timeoutMs: 10_000,
      maxQueue: 0,
      breaker: { failureThreshold: 5, halfOpenAfterMs: 100 },
      retry: { maxAttempts: 1 },
    });
  });

  it('treats an explicitly undefined field as unset', () => {
    expect(mergeDefaults(defaults, { timeoutMs: undefined, breaker: undefined }).timeoutMs).toBe(10_000);
    expect(mergeDefaults(defaults, { breaker: undefined }).breaker).toEqual(defaults.breaker);
  });

  it('keeps the key order of the defaults whatever order the overrides use, and drops keys the defaults lack', () => {
    const merged = mergeDefaults(defaults, { retry: { maxAttempts: 2 }, timeoutMs: 5, extra: 'x' } as Parameters<typeof mergeDefaults<typeof defaults>>[1]);
    expect(Object.keys(merged)).toEqual(['timeoutMs', 'maxQueue', 'breaker', 'retry']);
    expect(merged).not.toHaveProperty('extra');
  });

  it('copies instead of sharing or changing its inputs', () => {
    const overrides = { breaker: { failureThreshold: 1 } };
    const merged = mergeDefaults(defaults, overrides);
    expect(merged.breaker).not.toBe(defaults.breaker);
    expect(defaults.breaker.failureThreshold).toBe(5);
    expect(overrides).toEqual({ breaker: { failureThreshold: 1 } });
  });

  it('treats a hostile override of the wrong shape as unset instead of merging into it', () => {
    const hostile = { breaker: 'open', retry: [1, 2], ['__proto__']: { polluted: true } } as unknown as Parameters<typeof mergeDefaults<typeof defaults>>[1];
    const merged = mergeDefaults(defaults, hostile);
    expect(merged.breaker).toEqual(defaults.breaker);
    expect(merged.retry).toEqual(defaults.retry);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
