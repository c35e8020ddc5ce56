import { describe, expect, it } from 'vitest';
import { RecentUpdateIds } from './recent-update-ids.js';

describe('RecentUpdateIds', () => {
  it('admits an update id once and refuses its redeliveries', () => {
    const recent = new RecentUpdateIds();
    expect(recent.isFirstDelivery(100)).toBe(true);
    expect(recent.isFirstDelivery(101)).toBe(true);
    expect(recent.isFirstDelivery(100)).toBe(false);
    expect(recent.isFirstDelivery(101)).toBe(false);
  });

  it('remembers only the newest ids, so memory stays bounded', () => {
    const recent = new RecentUpdateIds(3);
    for (const id of [1, 2, 3, 4]) expect(recent.isFirstDelivery(id)).toBe(true);
    // 1 was forgotten when 4 arrived; 2, 3 and 4 are still known.
    expect(recent.isFirstDelivery(1)).toBe(true);
    expect(recent.isFirstDelivery(4)).toBe(false);
    expect(recent.isFirstDelivery(3)).toBe(false);
  });
});
