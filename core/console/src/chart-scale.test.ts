import { describe, expect, it } from 'vitest';
import { linearScale, niceCeiling, ticks } from './chart-scale.js';

describe('chart scales', () => {
  it('rounds a maximum up to a nice number', () => {
    expect(niceCeiling(0.0032)).toBeCloseTo(0.005);
    expect(niceCeiling(7)).toBe(10);
    expect(niceCeiling(10)).toBe(10);
    expect(niceCeiling(11)).toBe(20);
    expect(niceCeiling(2.2)).toBe(2.5);
    expect(niceCeiling(0)).toBe(1);
    expect(niceCeiling(Number.NaN)).toBe(1);
    expect(niceCeiling(-3)).toBe(1);
  });

  it('maps a domain onto a range, also inverted (SVG y grows downwards)', () => {
    const y = linearScale([0, 10], [200, 0]);
    expect(y(0)).toBe(200);
    expect(y(5)).toBe(100);
    expect(y(10)).toBe(0);
    expect(linearScale([3, 3], [0, 100])(3)).toBe(0);
  });

  it('spaces ticks evenly from zero', () => {
    expect(ticks(10)).toEqual([0, 2.5, 5, 7.5, 10]);
    expect(ticks(1, 2)).toEqual([0, 0.5, 1]);
  });
});
