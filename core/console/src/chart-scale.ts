// Scale maths for the SVG charts, free of DOM so Node tests cover it.

/** The smallest "nice" number (1, 2, 2.5, 5 × 10ⁿ) at or above `value`; 1 for nothing to show. */
export function niceCeiling(value: number): number {
  if (!Number.isFinite(value) || value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    const candidate = step * magnitude;
    if (candidate >= value * (1 - 1e-9)) return candidate;
  }
  return 10 * magnitude;
}

/** Maps `domain` linearly onto `range` (a degenerate domain maps to the range's start). */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): (value: number) => number {
  const [domainStart, domainEnd] = domain;
  const [rangeStart, rangeEnd] = range;
  const span = domainEnd - domainStart;
  return (value) => (span === 0 ? rangeStart : rangeStart + ((value - domainStart) / span) * (rangeEnd - rangeStart));
}

/** `count + 1` evenly spaced ticks from 0 to `maximum`. */
export function ticks(maximum: number, count = 4): number[] {
  return Array.from({ length: count + 1 }, (_unused, index) => (maximum * index) / count);
}

/**
 * A y axis for counts: a maximum from 1, 2, 4, 5, 8 × 10ⁿ and a tick count that keeps every tick a
 * whole number (no "0.3 calls").
 */
export function countAxis(value: number): { readonly maximum: number; readonly tickCount: number } {
  if (!Number.isFinite(value) || value <= 1) return { maximum: 1, tickCount: 1 };
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const [step, tickCount] of [[1, 5], [2, 2], [4, 4], [5, 5], [8, 4], [10, 5]] as const) {
    if (step * magnitude >= value) return { maximum: step * magnitude, tickCount: magnitude === 1 && step === 1 ? 1 : tickCount };
  }
  return { maximum: 10 * magnitude, tickCount: 5 };
}
