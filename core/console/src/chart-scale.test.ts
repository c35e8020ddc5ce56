import { describe, expect, it } from 'vitest';
import { countAxis, linearScale, niceCeiling, ticks } from './chart-scale.js';

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

  it('gives count axes whole-number ticks', () => {
    for (const value of [0, 1, 2, 3, 4, 5, 7, 9, 10, 11, 23, 37, 64, 99, 150, 1234]) {
      const { maximum, tickCount } = countAxis(value);
      expect(maximum, String(value)).toBeGreaterThanOrEqual(value);
      for (const tick of ticks(maximum, tickCount)) expect(Number.isInteger(tick), `${value}: ${tick}`).toBe(true);
    }
    expect(countAxis(3)).toEqual({ maximum: 4, tickCount: 4 });
    expect(countAxis(23)).toEqual({ maximum: 40, tickCount: 4 });
  });
});
