import { describe, expect, it } from 'vitest';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, isRetryableFailure, serverRequestedDelayMs } from './retry-policy.js';

const headers = (values: Record<string, string>) => new Headers(values);

describe('retry policy', () => {
  it('retries transient statuses and connection failures only', () => {
    for (const status of [408, 409, 429, 500, 502, 503, 504]) expect(isRetryableFailure({ status })).toBe(true);
    for (const status of [400, 401, 403, 404, 422]) expect(isRetryableFailure({ status })).toBe(false);
    expect(isRetryableFailure({ status: undefined })).toBe(true);
  });

  it('lets x-should-retry override the status and never retries a spent quota', () => {
    expect(isRetryableFailure({ status: 500, headers: headers({ 'x-should-retry': 'false' }) })).toBe(false);
    expect(isRetryableFailure({ status: 400, headers: headers({ 'x-should-retry': 'true' }) })).toBe(true);
    expect(isRetryableFailure({ status: 429, code: 'insufficient_quota' })).toBe(false);
  });

  it('reads retry-after-ms first, then retry-after seconds or an HTTP date', () => {
    expect(serverRequestedDelayMs(headers({ 'retry-after-ms': '150.5', 'retry-after': '9' }))).toBe(150.5);
    expect(serverRequestedDelayMs(headers({ 'retry-after': '2' }))).toBe(2000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(serverRequestedDelayMs(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), now)).toBe(3000);
    expect(serverRequestedDelayMs(headers({}))).toBeUndefined();
    expect(serverRequestedDelayMs(headers({ 'retry-after': 'soon' }))).toBeUndefined();
  });

  it('uses full jitter below a capped exponential ceiling', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(backoffDelayMs(0, policy, () => 0.999)).toBe(99);
    expect(backoffDelayMs(2, policy, () => 0.5)).toBe(200);
    expect(backoffDelayMs(10, policy, () => 0.999)).toBe(999);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(3, policy, () => 0.9, 42)).toBe(42);
  });
});
