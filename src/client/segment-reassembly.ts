/**
 * The client's half of a segmented Complex-ACK (clause 5.4.4.3,
 * SEGMENTED_CONFIRMATION): segments kept in order, a Segment-ACK at the end
 * of each window and for the last segment, a negative one for a segment out
 * of order, duplicates dropped. Pure: the transaction sends what it returns.
 */
import { ABORT_REASONS, numberOf } from '../protocol/names';

/** Segments we accept in one answer (we say 64 in max-segments-accepted). */
export const MAX_SEGMENTS = 64;
/** Largest window we take, whatever the server proposes. */
export const MAX_WINDOW = 16;

/** What a Complex-ACK segment brings that reassembly looks at. */
export interface Segment {
  readonly sequenceNumber: number;
  readonly windowSize: number;
  readonly moreFollows: boolean;
  readonly data: Uint8Array;
}

export interface SegmentAckToSend {
  readonly sequenceNumber: number;
  readonly windowSize: number;
  readonly negative: boolean;
}

export type ReassemblyStep =
  | { readonly kind: 'continue'; readonly ack: SegmentAckToSend | null }
  | { readonly kind: 'complete'; readonly ack: SegmentAckToSend; readonly data: Buffer }
  | { readonly kind: 'abort'; readonly reason: number };

const BUFFER_OVERFLOW = numberOf(ABORT_REASONS, 'buffer-overflow');
const WINDOW_OUT_OF_RANGE = numberOf(ABORT_REASONS, 'window-size-out-of-range');

export class SegmentReassembly {
  private readonly parts: Buffer[] = [];
  /** The last segment taken in order (LastSequenceNumber). */
  private last = 0;
  /** The segment our last Segment-ACK acknowledged (InitialSequenceNumber). */
  private initial = 0;
  private windowSize = 1;

  /** Takes segment 0 (the caller checked its number); the step says what to send. */
  begin(first: Segment): ReassemblyStep {
    // Clause 20.1.2.6: a proposed window is 1..127.
    if (first.windowSize < 1 || first.windowSize > 127) return { kind: 'abort', reason: WINDOW_OUT_OF_RANGE };
    this.windowSize = Math.min(first.windowSize, MAX_WINDOW);
    this.parts.push(Buffer.from(first.data));
    return first.moreFollows ? { kind: 'continue', ack: this.ack(0, false) } : this.complete(0);
  }

  /** Takes any later segment. */
  next(segment: Segment): ReassemblyStep {
    const seq = segment.sequenceNumber;
    if (seq === ((this.last + 1) & 0xff)) {
      if (this.parts.length >= MAX_SEGMENTS) return { kind: 'abort', reason: BUFFER_OVERFLOW };
      this.parts.push(Buffer.from(segment.data));
      this.last = seq;
      if (!segment.moreFollows) return this.complete(seq);
      if (seq !== ((this.initial + this.windowSize) & 0xff)) return { kind: 'continue', ack: null };
      this.initial = seq;
      return { kind: 'continue', ack: this.ack(seq, false) };
    }
    const behind = (this.last - seq) & 0xff;
    if (behind < 128) {
      // A duplicate: the server resends a window when our Segment-ACK got lost, so the
      // window's last segment gets that ACK again; the others are dropped.
      return { kind: 'continue', ack: seq === this.initial ? this.ack(seq, false) : null };
    }
    // Ahead of what we have: one was lost. Ask again from the last one in order.
    this.initial = this.last;
    return { kind: 'continue', ack: this.ack(this.last, true) };
  }

  /** Segments taken so far. */
  get count(): number {
    return this.parts.length;
  }

  private complete(seq: number): ReassemblyStep {
    return { kind: 'complete', ack: this.ack(seq, false), data: Buffer.concat(this.parts) };
  }

  private ack(sequenceNumber: number, negative: boolean): SegmentAckToSend {
    return { sequenceNumber, windowSize: this.windowSize, negative };
  }
}
