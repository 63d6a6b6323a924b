/** One confirmed request's state in the transaction manager (clause 5.4.4's client states). */
import type { TimerHandle } from '../util/clock';
import { SegmentReassembly } from './segment-reassembly';
import type { TransactionError } from './transaction-error';
import type { ConfirmedRequest } from './transaction-manager';

export type TransactionState =
  /** In its device's queue, not sent. */
  | 'waiting'
  /** Sent, no answer yet (AWAIT_CONFIRMATION). */
  | 'awaiting'
  /** Receiving a segmented Complex-ACK (SEGMENTED_CONFIRMATION). */
  | 'segmented'
  | 'done';

export class Transaction {
  state: TransactionState = 'waiting';
  invokeId = -1;
  /** Datagrams sent with this invoke ID so far. */
  tries = 0;
  /** The encoded request, resent as it is on a retry. */
  frame: Buffer = Buffer.alloc(0);
  /** The one timer running: queue wait, APDU timeout or segment timeout. */
  timer: TimerHandle | null = null;
  /** Monotonic time by which it ends, set when first sent. */
  deadline = 0;
  /** How long it may last once sent, and wait before that: timeout × (retries + 1). */
  readonly bound: number;
  readonly reassembly = new SegmentReassembly();
  readonly promise: Promise<Buffer | null>;
  resolve!: (data: Buffer | null) => void;
  reject!: (err: TransactionError) => void;

  constructor(
    readonly request: ConfirmedRequest,
    readonly queuedAt: number,
  ) {
    this.bound = request.timeoutMs * (request.retries + 1);
    this.promise = new Promise<Buffer | null>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}
