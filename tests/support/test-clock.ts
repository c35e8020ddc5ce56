/**
 * A deterministic clock for stores and sessions: every reading is 1 ms after the previous one
 * (so timestamps are distinct and ordered), and tests jump ahead with `advance`.
 */
export class TestClock {
  private current: number;

  constructor(start: Date | number = Date.UTC(2026, 0, 1, 12, 0, 0)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  /** Returns the current time and moves 1 ms forward. Pass as `now`. */
  readonly now = (): Date => {
    const reading = new Date(this.current);
    this.current += 1;
    return reading;
  };

  /** Milliseconds, same stepping as {@link now}. */
  readonly nowMs = (): number => this.now().getTime();

  /** The time the next reading will return, without consuming it. */
  peek(): Date {
    return new Date(this.current);
  }

  advance(milliseconds: number): void {
    this.current += milliseconds;
  }
}
