/**
 * The stand-in's own notion of "now": a base clock (real time by default, or a frozen/test clock)
 * plus an offset moved by `advance()`. Instance state transitions are scheduled on it, so a test can
 * jump past them without sleeping.
 */
export class StandInClock {
  private offsetMs = 0;
  constructor(private readonly base: () => number = Date.now) {}

  now(): number {
    return this.base() + this.offsetMs;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance(ms): ms must be a finite non-negative number, got ${ms}`);
    this.offsetMs += ms;
  }
}
