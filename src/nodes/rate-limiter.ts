/**
 * At most `perSecond` events in any one-second window, exactly: a ring of the
 * last `perSecond` accepted times. O(1) per event, no timer. 0 = no limit.
 */
export class RateLimiter {
  private readonly times: Float64Array;
  private next = 0;

  constructor(
    readonly perSecond: number,
    private readonly now: () => number,
  ) {
    if (!Number.isInteger(perSecond) || perSecond < 0) throw new RangeError(`rate must be a whole number ≥ 0, got ${perSecond}`);
    this.times = new Float64Array(perSecond).fill(-Infinity);
  }

  /** Takes one slot if the window has room; false means over the limit. */
  tryTake(): boolean {
    if (this.perSecond === 0) return true;
    const now = this.now();
    // The oldest of the last N accepted events must be a full second old.
    if (now - this.times[this.next] < 1000) return false;
    this.times[this.next] = now;
    this.next = (this.next + 1) % this.perSecond;
    return true;
  }
}
