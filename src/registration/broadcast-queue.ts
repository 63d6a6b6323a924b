/**
 * Broadcasts that wait for the first registration: at most
 * MAX_QUEUED_BROADCASTS, each for at most QUEUE_WAIT_MS. The ACK releases them
 * in order; a NAK, a timeout or stop() fails them. Every broadcast refused or
 * failed here counts in broadcastsFailed.
 */
import { Clock, TimerHandle } from '../util/clock';
import { FdCounters, ForeignDeviceError } from './types';

/** Broadcasts that may wait for the first registration. */
export const MAX_QUEUED_BROADCASTS = 100;
/** How long one queued broadcast may wait, ms. */
export const QUEUE_WAIT_MS = 5000;

interface QueuedBroadcast {
  frame: Buffer;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: TimerHandle;
}

export class BroadcastQueue {
  private readonly waiting: QueuedBroadcast[] = [];

  /**
   * `send` sends a released broadcast; `describeBbmd` is asked when a message is
   * made (the BBMD's address may have been resolved meanwhile).
   */
  constructor(
    private readonly clock: Clock,
    private readonly counters: FdCounters,
    private readonly send: (frame: Buffer) => Promise<void>,
    private readonly describeBbmd: () => string,
  ) {}

  /** Holds `frame` until release() or fail(); refuses it when full (EQUEUEFULL), fails it after QUEUE_WAIT_MS (EQUEUETIMEOUT). */
  add(frame: Buffer): Promise<void> {
    if (this.waiting.length >= MAX_QUEUED_BROADCASTS) {
      this.counters.broadcastsFailed++;
      return Promise.reject(
        new ForeignDeviceError(
          'EQUEUEFULL',
          `${MAX_QUEUED_BROADCASTS} broadcasts already wait for the registration with BBMD ${this.describeBbmd()}; slow down the flow`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const entry: QueuedBroadcast = {
        frame,
        resolve,
        reject,
        timer: this.clock.setTimeout(() => {
          this.remove(entry);
          this.counters.broadcastsFailed++;
          reject(
            new ForeignDeviceError(
              'EQUEUETIMEOUT',
              `broadcast dropped: still not registered with BBMD ${this.describeBbmd()} after ${QUEUE_WAIT_MS / 1000} s`,
            ),
          );
        }, QUEUE_WAIT_MS),
      };
      this.waiting.push(entry);
    });
  }

  /** Sends every waiting broadcast, in order; each caller gets its outcome. */
  release(): void {
    for (const entry of this.waiting.splice(0)) {
      this.clock.clearTimeout(entry.timer);
      this.send(entry.frame).then(entry.resolve, entry.reject);
    }
  }

  /** Fails every waiting broadcast with ENOTREGISTERED and `reason`. */
  fail(reason: string): void {
    for (const entry of this.waiting.splice(0)) {
      this.clock.clearTimeout(entry.timer);
      this.counters.broadcastsFailed++;
      entry.reject(new ForeignDeviceError('ENOTREGISTERED', reason));
    }
  }

  private remove(entry: QueuedBroadcast): void {
    const index = this.waiting.indexOf(entry);
    if (index !== -1) this.waiting.splice(index, 1);
  }
}
