/**
 * A fake Clock for the state machine: time moves only when a test says so,
 * and timers fire in due order. `advance()` runs every timer due within the
 * span, letting promise callbacks settle between timers, so async steps
 * inside the manager (resolve, send) complete as they would in real time.
 */
import type { Clock, TimerHandle } from '../../dist/util/clock';

interface FakeTimer {
  id: number;
  due: number;
  callback: () => void;
}

export class FakeClock implements Clock {
  private time = 0;
  private wallOffset: number;
  private nextId = 1;
  private timers = new Map<number, FakeTimer>();
  /** Every timer ever set, with its due time and delay: for assertions on scheduling. */
  readonly history: { id: number; at: number; delay: number }[] = [];

  constructor(wallStart = Date.UTC(2026, 0, 1)) {
    this.wallOffset = wallStart;
  }

  now(): number {
    return this.wallOffset + this.time;
  }

  monotonic(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    const delay = Math.max(0, ms);
    this.timers.set(id, { id, due: this.time + delay, callback });
    this.history.push({ id, at: this.time, delay });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete((handle as { id: number }).id);
  }

  /** Timers set and not yet fired or cleared. */
  get pending(): number {
    return this.timers.size;
  }

  /** Due time of the earliest pending timer, or null. */
  nextDue(): number | null {
    let best: number | null = null;
    for (const t of this.timers.values()) if (best === null || t.due < best) best = t.due;
    return best;
  }

  /** Steps the wall clock (as NTP does on a gateway without a real-time clock); monotonic time is untouched. */
  jumpWallClock(ms: number): void {
    this.wallOffset += ms;
  }

  /** Moves time forward by `ms`, firing due timers in order and settling promises after each. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await flush();
    for (;;) {
      const next = this.earliest();
      if (!next || next.due > end) break;
      this.time = Math.max(this.time, next.due);
      this.timers.delete(next.id);
      next.callback();
      await flush();
    }
    this.time = end;
    await flush();
  }

  private earliest(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers.values()) if (!best || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    return best;
  }
}

/** Lets queued promise callbacks run (several rounds, for chains of awaits). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
