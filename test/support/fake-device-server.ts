/**
 * The confirmed-service side of a fake device (clause 5.4, server): answers
 * ReadProperty, ReadPropertyMultiple (fake-rpm.ts; unless turned off) and
 * WriteProperty from its object database, Rejects any other service, and sends a Complex-ACK too long for the requester in segments
 * (clause 5.4.5) when the device may segment its answers, else Aborts. All
 * octets come from the package codec. Sockets, timers and NPDU addressing
 * belong to FakeDevice, which hands each request in with a `reply` function.
 */
import { ConfirmedApdu, SERVICE, encodeConfirmedApdu } from '../../dist/protocol/confirmed-apdu';
import { DecodeError } from '../../dist/protocol/decode-error';
import { ABORT_REASONS, ERROR_CLASSES, ERROR_CODES, PROPERTY_IDENTIFIERS, REJECT_REASONS, formatObjectReference, nameOf, numberOf } from '../../dist/protocol/names';
import { decodeReadPropertyRequest, encodeReadPropertyAck } from '../../dist/protocol/services/read-property';
import { decodeWritePropertyRequest } from '../../dist/protocol/services/write-property';
import { decodeContextValue } from '../../dist/protocol/application-tags';
import { decodePropertyAddress, decodeValueField } from '../../dist/protocol/services/property-address';
import type { BipAddress } from '../../dist/protocol/address';
import type { ReadAccessSpecification } from '../../dist/protocol/services/read-property-multiple';
import { FakeError, FakeObjectDatabase } from './fake-objects';
import { answerReadPropertyMultiple } from './fake-rpm';
import { cancelTimer, schedule } from './timers';

/** Sends one APDU back to the requester (FakeDevice adds NPDU, BVLL and routing). */
export type Reply = (apdu: Buffer, expectingReply: boolean) => void;

/** A confirmed request the device received. */
export interface RequestSeen {
  /** "ReadProperty", "ReadPropertyMultiple", "WriteProperty", or the service choice's number. */
  service: string | number;
  invokeId: number;
  from: BipAddress;
  /** `"analog-input:1"`; null when the request did not decode. */
  object: string | null;
  /** The kebab name (a number when proprietary); null when the request did not decode. */
  property: string | number | null;
  index: number | null;
  priority: number | null;
  maxApdu: number;
  maxSegments: number | null;
  segmentedResponseAccepted: boolean;
}

/** A Segment-ACK the device received. */
export interface SegmentAckSeen {
  invokeId: number;
  sequenceNumber: number;
  windowSize: number;
  negative: boolean;
  /** Whether it belonged to a segmented answer in progress. */
  matched: boolean;
}

export interface ServerCounters {
  confirmed: number;
  readProperty: number;
  /** ReadPropertyMultiple requests, answered or (turned off) rejected. */
  readPropertyMultiple: number;
  writeProperty: number;
  simpleAcks: number;
  complexAcks: number;
  errors: number;
  rejects: number;
  aborts: number;
  /** Segments sent, resends included. */
  segmentsSent: number;
  /** Segments not sent because of `dropSegments`. */
  segmentsDropped: number;
  segmentAcks: number;
  /** Windows resent after no Segment-ACK came in time. */
  segmentTimeouts: number;
  /** Segmented answers acknowledged to the last segment. */
  segmentedCompleted: number;
  /** Segmented answers given up after too many timeouts, or aborted by the client. */
  segmentedFailed: number;
}

export interface ServerSettings {
  /** 0 both, 1 transmit, 2 receive, 3 none: 0 and 1 may send segmented answers. */
  segmentation: number;
  /** This device's max APDU. */
  maxApdu: number;
  /** Proposed window size of segmented answers, 1..127. */
  windowSize: number;
  /** Wait for a Segment-ACK this long before resending the window. */
  segmentTimeoutMs: number;
  /** Resend a window at most this often, then give up. */
  segmentRetries: number;
  /** Segment numbers lost on their first sending, in every segmented answer. */
  dropSegments: readonly number[];
  /** Delay before each answer (a segmented answer: before its first segment). */
  answerDelayMs: number;
  /** Answer ReadPropertyMultiple; false Rejects it with unrecognized-service, as a device without it does. */
  readPropertyMultiple: boolean;
}

/** A segmented Complex-ACK being sent (clause 5.4.5.3, SEGMENTED_RESPONSE). */
interface Transmission {
  peer: string;
  invokeId: number;
  service: number;
  segments: Buffer[];
  reply: Reply;
  /** First segment of the current window, and how many it holds (1 until the first Segment-ACK). */
  first: number;
  window: number;
  tries: number;
  timer: NodeJS.Timeout | null;
  toDrop: Set<number>;
}

/** The longest log kept of requests and of Segment-ACKs. */
const LOG_LIMIT = 1000;
/** Complex-ACK header octets: unsegmented 3, segmented 5 (sequence number and window size). */
const ACK_HEADER = 3;
const SEGMENT_HEADER = 5;
/** Sequence numbers are one octet; we never wrap them. */
const MAX_SEGMENTS = 256;
const SERVICE_NAMES = new Map<number, string>([
  [SERVICE.readProperty, 'ReadProperty'],
  [SERVICE.readPropertyMultiple, 'ReadPropertyMultiple'],
  [SERVICE.writeProperty, 'WriteProperty'],
]);

export class FakeDeviceServer {
  readonly counters: ServerCounters = {
    confirmed: 0, readProperty: 0, readPropertyMultiple: 0, writeProperty: 0, simpleAcks: 0, complexAcks: 0, errors: 0, rejects: 0, aborts: 0,
    segmentsSent: 0, segmentsDropped: 0, segmentAcks: 0, segmentTimeouts: 0, segmentedCompleted: 0, segmentedFailed: 0,
  };
  readonly requests: RequestSeen[] = [];
  readonly segmentAcks: SegmentAckSeen[] = [];
  /** The read access specifications of each ReadPropertyMultiple answered (RequestSeen has no room for a list). */
  readonly readPropertyMultipleSpecs: ReadAccessSpecification[][] = [];
  private readonly transmissions = new Map<string, Transmission>();

  constructor(
    readonly objects: FakeObjectDatabase,
    private readonly settings: () => ServerSettings,
    private readonly timers: Set<NodeJS.Timeout>,
  ) {}

  /** A confirmed-service APDU from `peer` (address and routing, a key), to be answered through `reply`. */
  handle(apdu: ConfirmedApdu, peer: string, from: BipAddress, reply: Reply): void {
    if (apdu.type === 'confirmed-request') this.onRequest(apdu, peer, from, reply);
    else if (apdu.type === 'segment-ack' && !apdu.fromServer) this.onSegmentAck(apdu, peer);
    else if (apdu.type === 'abort' && !apdu.fromServer) this.cancel(`${peer}/${apdu.invokeId}`);
  }

  /** Stops every segmented answer in progress (the device stops). */
  stop(): void {
    for (const key of [...this.transmissions.keys()]) this.cancel(key);
  }

  private onRequest(req: Extract<ConfirmedApdu, { type: 'confirmed-request' }>, peer: string, from: BipAddress, reply: Reply): void {
    this.counters.confirmed++;
    const seen: RequestSeen = {
      service: SERVICE_NAMES.get(req.service) ?? req.service,
      invokeId: req.invokeId,
      from,
      object: null,
      property: null,
      index: null,
      priority: null,
      maxApdu: req.maxApdu,
      maxSegments: req.maxSegments,
      segmentedResponseAccepted: req.segmentedResponseAccepted,
    };
    pushBounded(this.requests, seen);
    // A retry of a request still being answered in segments starts that answer over.
    this.cancel(`${peer}/${req.invokeId}`);
    const answer = (build: () => void): void => this.later(build);
    if (req.segmented) {
      // We never reassemble segmented requests (the client under test sends none).
      answer(() => this.abort(reply, req.invokeId, 'segmentation-not-supported'));
      return;
    }
    if (req.service === SERVICE.readProperty) {
      this.counters.readProperty++;
      let target;
      try {
        target = decodeReadPropertyRequest(req.data);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        answer(() => this.reject(reply, req.invokeId, 'invalid-tag'));
        return;
      }
      Object.assign(seen, { object: formatObjectReference(target.object), property: nameOf(PROPERTY_IDENTIFIERS, target.property), index: target.index });
      const result = this.objects.read(target.object, target.property, target.index);
      if ('error' in result) {
        answer(() => this.error(reply, req.invokeId, req.service, result.error));
        return;
      }
      const data = encodeReadPropertyAck({ ...target, value: result.value });
      answer(() => this.complexAck(req, peer, reply, data));
    } else if (req.service === SERVICE.readPropertyMultiple && this.settings().readPropertyMultiple) {
      this.counters.readPropertyMultiple++;
      let answered;
      try {
        answered = answerReadPropertyMultiple(this.objects, req.data);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        answer(() => this.reject(reply, req.invokeId, 'invalid-tag'));
        return;
      }
      pushBounded(this.readPropertyMultipleSpecs, answered.specs);
      answer(() => this.complexAck(req, peer, reply, answered.ack));
    } else if (req.service === SERVICE.writeProperty) {
      this.counters.writeProperty++;
      let request;
      try {
        request = decodeWritePropertyRequest(req.data);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        // bacnet-stack rejects a priority outside 1..16 with parameter-out-of-range (clause 15.9.1.1.5).
        const reason = priorityOutOfRange(req.data) ? 'parameter-out-of-range' : 'invalid-tag';
        answer(() => this.reject(reply, req.invokeId, reason));
        return;
      }
      Object.assign(seen, {
        object: formatObjectReference(request.object),
        property: nameOf(PROPERTY_IDENTIFIERS, request.property),
        index: request.index,
        priority: request.priority,
      });
      const failure = this.objects.write(request.object, request.property, request.index, Buffer.from(request.value), request.priority);
      answer(() => (failure ? this.error(reply, req.invokeId, req.service, failure) : this.simpleAck(reply, req.invokeId, req.service)));
    } else {
      if (req.service === SERVICE.readPropertyMultiple) this.counters.readPropertyMultiple++;
      answer(() => this.reject(reply, req.invokeId, 'unrecognized-service'));
    }
  }

  /** The Complex-ACK whole, in segments, or the Abort when it cannot go (clause 5.4.5.1). */
  private complexAck(req: Extract<ConfirmedApdu, { type: 'confirmed-request' }>, peer: string, reply: Reply, data: Buffer): void {
    const settings = this.settings();
    const limit = Math.min(settings.maxApdu, req.maxApdu);
    if (ACK_HEADER + data.length <= limit) {
      this.counters.complexAcks++;
      const ack: ConfirmedApdu = { type: 'complex-ack', segmented: false, moreFollows: false, invokeId: req.invokeId, sequenceNumber: null, windowSize: null, service: req.service, data };
      reply(encodeConfirmedApdu(ack), false);
      return;
    }
    const canSegment = settings.segmentation === 0 || settings.segmentation === 1;
    if (!canSegment) {
      this.abort(reply, req.invokeId, req.segmentedResponseAccepted ? 'segmentation-not-supported' : 'buffer-overflow');
      return;
    }
    if (!req.segmentedResponseAccepted) {
      this.abort(reply, req.invokeId, 'segmentation-not-supported');
      return;
    }
    const size = limit - SEGMENT_HEADER;
    const count = Math.ceil(data.length / size);
    if (count > Math.min(req.maxSegments ?? MAX_SEGMENTS, MAX_SEGMENTS)) {
      this.abort(reply, req.invokeId, 'buffer-overflow');
      return;
    }
    const segments = Array.from({ length: count }, (_, i) => data.subarray(i * size, (i + 1) * size));
    const tx: Transmission = {
      peer, invokeId: req.invokeId, service: req.service, segments, reply,
      first: 0, window: 1, tries: 0, timer: null, toDrop: new Set(settings.dropSegments),
    };
    this.counters.complexAcks++;
    this.transmissions.set(`${peer}/${req.invokeId}`, tx);
    this.sendWindow(tx);
  }

  /** Sends the segments first .. first + window - 1 and waits for their Segment-ACK. */
  private sendWindow(tx: Transmission): void {
    const settings = this.settings();
    const last = tx.segments.length - 1;
    for (let seq = tx.first; seq <= Math.min(last, tx.first + tx.window - 1); seq++) {
      if (tx.toDrop.delete(seq)) {
        this.counters.segmentsDropped++;
        continue;
      }
      this.counters.segmentsSent++;
      const segment: ConfirmedApdu = {
        type: 'complex-ack', segmented: true, moreFollows: seq < last, invokeId: tx.invokeId,
        sequenceNumber: seq, windowSize: settings.windowSize, service: tx.service, data: tx.segments[seq],
      };
      tx.reply(encodeConfirmedApdu(segment), true);
    }
    this.arm(tx, settings);
  }

  private arm(tx: Transmission, settings: ServerSettings): void {
    if (tx.timer) cancelTimer(this.timers, tx.timer);
    tx.timer = schedule(this.timers, () => {
      tx.timer = null;
      this.counters.segmentTimeouts++;
      if (++tx.tries > settings.segmentRetries) {
        this.counters.segmentedFailed++;
        this.transmissions.delete(`${tx.peer}/${tx.invokeId}`);
        return;
      }
      this.sendWindow(tx);
    }, settings.segmentTimeoutMs);
  }

  /**
   * Clause 5.4.5.3: a Segment-ACK for the last segment ends the answer; one
   * within the window moves it on (a negative one resends from the segment
   * after the one named); an older positive one is a duplicate and only
   * restarts the timer.
   */
  private onSegmentAck(ack: Extract<ConfirmedApdu, { type: 'segment-ack' }>, peer: string): void {
    this.counters.segmentAcks++;
    const tx = this.transmissions.get(`${peer}/${ack.invokeId}`);
    pushBounded(this.segmentAcks, { invokeId: ack.invokeId, sequenceNumber: ack.sequenceNumber, windowSize: ack.windowSize, negative: ack.negative, matched: tx !== undefined });
    if (!tx) return;
    const settings = this.settings();
    const last = tx.segments.length - 1;
    const seq = ack.sequenceNumber;
    if (seq === last && !ack.negative) {
      this.counters.segmentedCompleted++;
      this.cancel(`${peer}/${ack.invokeId}`, false);
      return;
    }
    const inWindow = seq >= tx.first - 1 && seq <= Math.min(last, tx.first + tx.window - 1);
    if (!inWindow || (seq === tx.first - 1 && !ack.negative)) {
      this.arm(tx, settings);
      return;
    }
    tx.first = seq + 1;
    tx.window = Math.max(1, Math.min(ack.windowSize, settings.windowSize));
    tx.tries = 0;
    this.sendWindow(tx);
  }

  /** Ends a segmented answer; counted as failed unless it completed. */
  private cancel(key: string, failed = true): void {
    const tx = this.transmissions.get(key);
    if (!tx) return;
    if (tx.timer) cancelTimer(this.timers, tx.timer);
    this.transmissions.delete(key);
    if (failed) this.counters.segmentedFailed++;
  }

  private simpleAck(reply: Reply, invokeId: number, service: number): void {
    this.counters.simpleAcks++;
    reply(encodeConfirmedApdu({ type: 'simple-ack', invokeId, service }), false);
  }

  private error(reply: Reply, invokeId: number, service: number, error: FakeError): void {
    this.counters.errors++;
    const errorClass = numberOf(ERROR_CLASSES, error.errorClass);
    const errorCode = numberOf(ERROR_CODES, error.errorCode);
    reply(encodeConfirmedApdu({ type: 'error', invokeId, service, errorClass, errorCode }), false);
  }

  private reject(reply: Reply, invokeId: number, reason: string): void {
    this.counters.rejects++;
    reply(encodeConfirmedApdu({ type: 'reject', invokeId, reason: numberOf(REJECT_REASONS, reason) }), false);
  }

  private abort(reply: Reply, invokeId: number, reason: string): void {
    this.counters.aborts++;
    reply(encodeConfirmedApdu({ type: 'abort', fromServer: true, invokeId, reason: numberOf(ABORT_REASONS, reason) }), false);
  }

  /** Runs `fn` after answerDelayMs (at once when 0). */
  private later(fn: () => void): void {
    const delay = this.settings().answerDelayMs;
    if (delay > 0) schedule(this.timers, fn, delay);
    else fn();
  }
}

/** Whether a WriteProperty request is well-formed but for a priority [4] outside 1..16. */
function priorityOutOfRange(data: Uint8Array): boolean {
  try {
    const { next } = decodePropertyAddress(data);
    const value = decodeValueField(data, next);
    if (value.next >= data.length) return false;
    const priority = decodeContextValue(data, value.next, 'unsigned', 4);
    return typeof priority.value !== 'number' || priority.value < 1 || priority.value > 16;
  } catch (e) {
    if (e instanceof DecodeError) return false;
    throw e;
  }
}

function pushBounded<T>(log: T[], item: T): void {
  log.push(item);
  if (log.length > LOG_LIMIT) log.splice(0, log.length - LOG_LIMIT);
}
