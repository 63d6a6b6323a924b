/**
 * Time, injected. The registration state machine never calls Date.now() or
 * setTimeout() itself, so tests drive it with a fake clock through hours of
 * protocol time in milliseconds.
 *
 * Two readings: `monotonic()` for everything that schedules or measures (a
 * gateway without a real-time clock boots with a wrong date and NTP later
 * steps it by hours or years; schedules must not notice), and `now()`, the
 * wall clock, only to put epoch timestamps into snapshots.
 */
export type TimerHandle = object;

export interface Clock {
  /** Wall-clock time, epoch milliseconds: for timestamps shown to people. */
  now(): number;
  /** Milliseconds from an arbitrary origin that never jumps: for scheduling and round trips. */
  monotonic(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, Math.max(0, ms)),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
