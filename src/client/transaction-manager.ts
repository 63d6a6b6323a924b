/**
 * The client side of clause 5.4 on one socket: confirmed requests sent,
 * retried and matched with their answers, segmented Complex-ACKs reassembled,
 * at most a few outstanding and a bounded queue per device, every request
 * ended within timeout × (retries + 1) of its first send. The socket's one
 * server duty (server-duty.ts) answers confirmed requests sent to us.
 * Time and the socket are injected.
 */
import { BipAddress } from '../protocol/address';
import { BvlcFunction, encodeNpduFrame } from '../protocol/bvll';
import { ConfirmedApdu, MAX_APDU_ACCEPTED, decodeConfirmedApdu, encodeConfirmedApdu } from '../protocol/confirmed-apdu';
import { DecodeError } from '../protocol/decode-error';
import { ABORT_REASONS, numberOf } from '../protocol/names';
import { NpduOptions, encodeNpdu } from '../protocol/npdu';
import type { ReceivedNpdu } from '../protocol/received-npdu';
import type { Clock } from '../util/clock';
import { errorMessage } from '../util/errors';
import { Destination, answerSource, destinationKey } from './destination';
import { InvokeIds } from './invoke-ids';
import { MAX_SEGMENTS, ReassemblyStep } from './segment-reassembly';
import { Transaction } from './transaction';
import { TransactionError } from './transaction-error';

/** What the manager needs of the socket. */
export interface TransactionSocket {
  /** Sends one datagram; rejects with the socket's error. */
  send(frame: Uint8Array, to: BipAddress): Promise<void>;
}

export interface ConfirmedRequest {
  readonly destination: Destination;
  /** The device the request is for (its instance or address): the unit of the per-device limits. */
  readonly deviceKey: string;
  /** Confirmed service choice. */
  readonly service: number;
  /** The service request's octets. */
  readonly data: Uint8Array;
  /** APDU timeout, ms: the wait for each try's answer, and for each segment. */
  readonly timeoutMs: number;
  /** Tries after the first. */
  readonly retries: number;
}

export interface TransactionManagerOptions {
  clock: Clock;
  socket: TransactionSocket;
  /** Requests outstanding at once per device (CLIENT.md: 2). */
  maxOutstandingPerDevice?: number;
  /** Requests waiting per device beyond those (CLIENT.md: 100). */
  maxWaitingPerDevice?: number;
}

export interface TransactionCounters {
  /** Requests handed to request(). */
  requests: number;
  /** Datagrams sent again after an APDU timeout. */
  retries: number;
  /** Answers that matched no outstanding request (late, foreign, wrong service or state). */
  unmatched: number;
  /** Answers whose APDU did not decode. */
  malformed: number;
}

const TSM_TIMEOUT = numberOf(ABORT_REASONS, 'tsm-timeout');

/** One device's requests: those outstanding and those waiting for a slot. */
interface DeviceQueue {
  outstanding: number;
  readonly waiting: Transaction[];
}

export class TransactionManager {
  readonly counters: TransactionCounters = { requests: 0, retries: 0, unmatched: 0, malformed: 0 };
  private readonly clock: Clock;
  private readonly socket: TransactionSocket;
  private readonly maxOutstanding: number;
  private readonly maxWaiting: number;
  private readonly devices = new Map<string, DeviceQueue>();
  /** Outstanding transactions by destination key, then invoke ID. */
  private readonly outstanding = new Map<string, Map<number, Transaction>>();
  private readonly invokeIds = new InvokeIds();
  private closed = false;

  constructor(options: TransactionManagerOptions) {
    this.clock = options.clock;
    this.socket = options.socket;
    this.maxOutstanding = options.maxOutstandingPerDevice ?? 2;
    this.maxWaiting = options.maxWaitingPerDevice ?? 100;
  }

  /**
   * Sends a confirmed request and resolves with the Complex-ACK's service data
   * (reassembled when segmented), or null for a Simple-ACK.
   * @throws TransactionError for an Error, Reject or Abort, silence, a full queue, a send error or close()
   */
  request(request: ConfirmedRequest): Promise<Buffer | null> {
    this.counters.requests++;
    if (this.closed) return Promise.reject(new TransactionError({ kind: 'closed' }));
    const tx = new Transaction(request, this.clock.monotonic());
    const queue = this.queueOf(request.deviceKey);
    if (queue.outstanding < this.maxOutstanding) {
      this.start(tx, queue);
    } else if (queue.waiting.length >= this.maxWaiting) {
      this.dropQueueIfIdle(request.deviceKey, queue);
      return Promise.reject(new TransactionError({ kind: 'busy', waiting: queue.waiting.length }));
    } else {
      queue.waiting.push(tx);
      // A request waits no longer than one transaction may last.
      tx.timer = this.clock.setTimeout(() => this.waitedTooLong(tx, queue), tx.bound);
    }
    return tx.promise;
  }

  /** Every NPDU the socket received: answers to our requests are taken here. */
  handle(received: ReceivedNpdu): boolean {
    const type = received.apdu?.type;
    if (type === undefined || type === 'Unconfirmed-Request' || type === 'Confirmed-Request') return false;
    let apdu: ConfirmedApdu;
    try {
      apdu = decodeConfirmedApdu(received.npdu, received.header.apduOffset);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.counters.malformed++;
      return true;
    }
    const tx = this.outstanding.get(destinationKey(answerSource(received)))?.get(apdu.invokeId);
    if (!tx || !this.answer(tx, apdu)) this.counters.unmatched++;
    return true;
  }

  /** Ends every request with a 'closed' error; later requests fail at once. Idempotent. */
  close(): void {
    this.closed = true;
    for (const queue of this.devices.values()) {
      for (const tx of queue.waiting.splice(0)) this.settle(tx, new TransactionError({ kind: 'closed' }));
    }
    for (const byId of this.outstanding.values()) {
      for (const tx of byId.values()) this.finish(tx, new TransactionError({ kind: 'closed' }));
    }
  }

  /** Requests outstanding or waiting, over all devices: 0 once everything ended. */
  get pending(): number {
    let n = 0;
    for (const queue of this.devices.values()) n += queue.outstanding + queue.waiting.length;
    return n;
  }

  // ---- a transaction's life ------------------------------------------------------

  private start(tx: Transaction, queue: DeviceQueue): void {
    queue.outstanding++;
    tx.state = 'awaiting';
    tx.deadline = this.clock.monotonic() + tx.bound;
    const key = destinationKey(tx.request.destination);
    let byId = this.outstanding.get(key);
    if (!byId) this.outstanding.set(key, (byId = new Map()));
    tx.invokeId = this.invokeIds.next(key, byId);
    byId.set(tx.invokeId, tx);
    try {
      tx.frame = this.requestFrame(tx);
    } catch (err) {
      // Data too long for a datagram, a bad DADR...: fail this request, not request() or a timer callback.
      this.finish(tx, new TransactionError({ kind: 'send', cause: errorMessage(err) }));
      return;
    }
    this.sendTry(tx);
  }

  private sendTry(tx: Transaction): void {
    tx.tries++;
    this.restartTimer(tx, () => this.tryTimedOut(tx));
    this.sendFrame(tx, tx.frame);
  }

  private tryTimedOut(tx: Transaction): void {
    if (tx.state !== 'awaiting') return;
    if (tx.tries <= tx.request.retries && this.clock.monotonic() < tx.deadline) {
      this.counters.retries++;
      this.sendTry(tx);
      return;
    }
    this.finish(tx, new TransactionError({ kind: 'timeout', tries: tx.tries }));
  }

  /** True when `apdu` belongs to `tx` in its state. */
  private answer(tx: Transaction, apdu: ConfirmedApdu): boolean {
    const service = tx.request.service;
    switch (apdu.type) {
      case 'simple-ack':
        if (tx.state !== 'awaiting' || apdu.service !== service) return false;
        this.finish(tx, null);
        return true;
      case 'complex-ack':
        if (apdu.service !== service) return false;
        return this.complexAck(tx, apdu);
      case 'error':
        if (apdu.service !== service) return false;
        this.finish(tx, new TransactionError({ kind: 'error', errorClass: apdu.errorClass, errorCode: apdu.errorCode }));
        return true;
      case 'reject':
        if (tx.state !== 'awaiting') return false;
        this.finish(tx, new TransactionError({ kind: 'reject', reason: apdu.reason }));
        return true;
      case 'abort':
        if (!apdu.fromServer) return false;
        this.finish(tx, new TransactionError({ kind: 'abort', reason: apdu.reason, fromServer: true }));
        return true;
      default:
        // Segment-ACKs answer segmented requests, which we never send; a confirmed request is not an answer.
        return false;
    }
  }

  private complexAck(tx: Transaction, apdu: Extract<ConfirmedApdu, { type: 'complex-ack' }>): boolean {
    if (!apdu.segmented) {
      if (tx.state !== 'awaiting') return false;
      this.finish(tx, Buffer.from(apdu.data));
      return true;
    }
    const segment = { sequenceNumber: apdu.sequenceNumber ?? 0, windowSize: apdu.windowSize ?? 1, moreFollows: apdu.moreFollows, data: apdu.data };
    if (tx.state === 'awaiting') {
      if (segment.sequenceNumber !== 0) return false;
      tx.state = 'segmented';
      this.step(tx, tx.reassembly.begin(segment));
      return true;
    }
    if (tx.state !== 'segmented') return false;
    this.step(tx, tx.reassembly.next(segment));
    return true;
  }

  private step(tx: Transaction, step: ReassemblyStep): void {
    if (step.kind === 'abort') {
      this.abort(tx, step.reason);
      return;
    }
    if (step.ack) this.sendSegmentAck(tx, step.ack.sequenceNumber, step.ack.windowSize, step.ack.negative);
    if (step.kind === 'complete') {
      this.finish(tx, step.data);
      return;
    }
    // No segment within the APDU timeout (bounded by the transaction's deadline): we abort.
    this.restartTimer(tx, () => this.abort(tx, TSM_TIMEOUT));
  }

  /** Sends an Abort for `tx` and fails it with that reason. */
  private abort(tx: Transaction, reason: number): void {
    const apdu: ConfirmedApdu = { type: 'abort', fromServer: false, invokeId: tx.invokeId, reason };
    this.sendFrame(tx, this.frameTo(tx.request.destination, encodeConfirmedApdu(apdu), false));
    this.finish(tx, new TransactionError({ kind: 'abort', reason, fromServer: false }));
  }

  private sendSegmentAck(tx: Transaction, sequenceNumber: number, windowSize: number, negative: boolean): void {
    const apdu: ConfirmedApdu = { type: 'segment-ack', negative, fromServer: false, invokeId: tx.invokeId, sequenceNumber, windowSize };
    this.sendFrame(tx, this.frameTo(tx.request.destination, encodeConfirmedApdu(apdu), false));
  }

  // ---- ending, queues ------------------------------------------------------------

  /** Ends an outstanding transaction (result or error) and starts the device's next. */
  private finish(tx: Transaction, result: Buffer | null | TransactionError): void {
    if (tx.state === 'done') return;
    const key = destinationKey(tx.request.destination);
    const byId = this.outstanding.get(key);
    if (byId?.get(tx.invokeId) === tx) {
      byId.delete(tx.invokeId);
      if (byId.size === 0) this.outstanding.delete(key);
    }
    this.settle(tx, result);
    const queue = this.devices.get(tx.request.deviceKey);
    if (!queue) return;
    queue.outstanding--;
    const next = this.closed ? undefined : queue.waiting.shift();
    if (next) {
      this.clock.clearTimeout(next.timer as object);
      this.start(next, queue);
    }
    this.dropQueueIfIdle(tx.request.deviceKey, queue);
  }

  private settle(tx: Transaction, result: Buffer | null | TransactionError): void {
    if (tx.state === 'done') return;
    tx.state = 'done';
    if (tx.timer) this.clock.clearTimeout(tx.timer);
    tx.timer = null;
    if (result instanceof TransactionError) tx.reject(result);
    else tx.resolve(result);
  }

  private waitedTooLong(tx: Transaction, queue: DeviceQueue): void {
    const at = queue.waiting.indexOf(tx);
    if (at < 0) return;
    queue.waiting.splice(at, 1);
    tx.timer = null;
    this.settle(tx, new TransactionError({ kind: 'busy', waiting: queue.waiting.length + 1 }));
  }

  private queueOf(deviceKey: string): DeviceQueue {
    let queue = this.devices.get(deviceKey);
    if (!queue) this.devices.set(deviceKey, (queue = { outstanding: 0, waiting: [] }));
    return queue;
  }

  private dropQueueIfIdle(deviceKey: string, queue: DeviceQueue): void {
    if (queue.outstanding === 0 && queue.waiting.length === 0) this.devices.delete(deviceKey);
  }

  // ---- frames and timers -------------------------------------------------------

  private requestFrame(tx: Transaction): Buffer {
    const apdu: ConfirmedApdu = {
      type: 'confirmed-request',
      segmented: false,
      moreFollows: false,
      segmentedResponseAccepted: true,
      maxSegments: MAX_SEGMENTS,
      maxApdu: MAX_APDU_ACCEPTED,
      invokeId: tx.invokeId,
      sequenceNumber: null,
      windowSize: null,
      service: tx.request.service,
      data: Buffer.from(tx.request.data),
    };
    return this.frameTo(tx.request.destination, encodeConfirmedApdu(apdu), true);
  }

  private frameTo(destination: Destination, apdu: Buffer, expectingReply: boolean): Buffer {
    const options: NpduOptions = { expectingReply };
    if (destination.network !== null) {
      options.dnet = destination.network;
      options.dadr = destination.mac ?? '';
    }
    return encodeNpduFrame(BvlcFunction.OriginalUnicastNpdu, encodeNpdu(options, apdu));
  }

  private sendFrame(tx: Transaction, frame: Buffer): void {
    this.socket.send(frame, tx.request.destination.address).catch((err: unknown) => {
      this.finish(tx, new TransactionError({ kind: 'send', cause: errorMessage(err) }));
    });
  }

  /** One timer per transaction: `ms` is the APDU timeout, never past the transaction's deadline. */
  private restartTimer(tx: Transaction, onTimeout: () => void): void {
    if (tx.timer) this.clock.clearTimeout(tx.timer);
    const left = Math.max(0, tx.deadline - this.clock.monotonic());
    tx.timer = this.clock.setTimeout(() => {
      tx.timer = null;
      // At the deadline a segmented answer is aborted; a try that timed out is retried or ended.
      if (tx.state === 'segmented' && this.clock.monotonic() >= tx.deadline) this.abort(tx, TSM_TIMEOUT);
      else onTimeout();
    }, Math.min(tx.request.timeoutMs, left));
  }
}
