import { describe, expect, it } from 'vitest';
import { restartDelay } from './restart-delay.js';

describe('restartDelay', () => {
  it('restarts at once after a crash, then doubles the delay up to the maximum', () => {
    const backoff = { initialMs: 100, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5, 6].map((attempt) => restartDelay(attempt, backoff))).toEqual([0, 100, 200, 400, 800, 1_000]);
  });
});
