/**
 * Timers owned by a fake (device, server, COV server), kept in one Set so
 * that stop() can clear every timer still pending.
 */

/** Runs `fn` after `ms`; the timer leaves `timers` when it fires. */
export function schedule(timers: Set<NodeJS.Timeout>, fn: () => void, ms: number): NodeJS.Timeout {
  const timer = setTimeout(() => {
    timers.delete(timer);
    fn();
  }, ms);
  timers.add(timer);
  return timer;
}

/** Cancels `timer` (null: nothing to cancel) and forgets it. */
export function cancelTimer(timers: Set<NodeJS.Timeout>, timer: NodeJS.Timeout | null): void {
  if (timer === null) return;
  clearTimeout(timer);
  timers.delete(timer);
}
