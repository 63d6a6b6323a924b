/**
 * The fake device as a COV server (clause 13.1, 13.14, 13.15): accepts
 * SubscribeCOV and SubscribeCOVProperty, keeps a subscription table keyed by
 * subscriber (address and routing), process ID, object and property, with
 * lifetimes; notifies right after each (re)subscription and on each change
 * (analog present-value beyond cov-increment, any change of another
 * monitored value, any change of status-flags), confirmed with its own
 * invoke IDs and retries, or unconfirmed. restart() forgets everything and
 * announces the device with an I-Am. All octets come from the package
 * codec; sockets belong to FakeDevice, which hands in a `reply` per request.
 */
import { isDeepStrictEqual } from 'node:util';
import type { BipAddress } from '../../dist/protocol/address';
import { ConfirmedApdu, SERVICE, encodeConfirmedApdu } from '../../dist/protocol/confirmed-apdu';
import { DecodeError } from '../../dist/protocol/decode-error';
import { ERROR_CLASSES, ERROR_CODES, OBJECT_TYPES, PROPERTY_IDENTIFIERS, REJECT_REASONS, formatObjectReference, nameOf, numberOf } from '../../dist/protocol/names';
import type { PropertyValue } from '../../dist/protocol/property-values';
import { CovValue, encodeCovNotification, encodeUnconfirmedCovNotificationApdu } from '../../dist/protocol/services/cov-notification';
import { SubscribeCovRequest, decodeSubscribeCovRequest, isCovCancellation } from '../../dist/protocol/services/subscribe-cov';
import { decodeSubscribeCovPropertyRequest } from '../../dist/protocol/services/subscribe-cov-property';
import type { Reply } from './fake-device-server';
import type { FakeObjectDatabase } from './fake-objects';
import { cancelTimer, schedule } from './timers';

/** A subscription as tests see it. */
export interface CovSubscriptionSeen {
  from: BipAddress;
  processId: number;
  /** `"analog-input:1"`. */
  object: string;
  /** The monitored property of a SubscribeCOVProperty, else null. */
  property: string | null;
  confirmed: boolean;
  /** Seconds asked for; 0 indefinite. */
  lifetime: number;
  covIncrement: number | null;
}

/** A cancellation received; `matched` is false when no such subscription existed (still a Simple-ACK, clause 13.14.2). */
export interface CovCancellationSeen {
  from: BipAddress;
  processId: number;
  object: string;
  property: string | null;
  matched: boolean;
}

/** A notification sent (its first try). */
export interface CovNotificationSent {
  to: BipAddress;
  processId: number;
  object: string;
  confirmed: boolean;
  /** The Confirmed-Request's invoke ID; null for an unconfirmed one. */
  invokeId: number | null;
  timeRemaining: number;
  /** The values sent, by property name, as the object database holds them. */
  values: { [property: string]: PropertyValue };
}

export interface CovCounters {
  /** SubscribeCOV and SubscribeCOVProperty requests, cancellations included. */
  subscribeRequests: number;
  /** Subscriptions accepted (renewals included). */
  subscribed: number;
  cancellations: number;
  /** Requests answered with an Error or a Reject. */
  refused: number;
  confirmedSent: number;
  unconfirmedSent: number;
  /** Confirmed notifications sent again after no answer. */
  resends: number;
  /** Simple-ACKs to our confirmed notifications. */
  acks: number;
  /** Error, Reject or Abort answers to them. */
  negativeAnswers: number;
  /** Confirmed notifications given up after every retry. */
  unanswered: number;
  expired: number;
  restarts: number;
}

interface Subscription extends CovSubscriptionSeen {
  key: string;
  objectKey: string;
  reply: Reply;
  /** When it lapses (Date.now() ms), or null for an indefinite one. */
  expiresAt: number | null;
  timer: NodeJS.Timeout | null;
  /** The monitored value and status-flags at the last notification. */
  last: { value: PropertyValue | undefined; flags: PropertyValue | undefined } | null;
}

interface Pending {
  apdu: Buffer;
  reply: Reply;
  tries: number;
  timer: NodeJS.Timeout | null;
}

/** Table 13-1's objects: analog, binary and multi-state inputs, outputs and values. */
const COV_TYPES = new Set(['analog-input', 'analog-output', 'analog-value', 'binary-input', 'binary-output', 'binary-value', 'multi-state-input', 'multi-state-output', 'multi-state-value']);
/** Properties SubscribeCOVProperty accepts here; others answer property/not-cov-property. */
const COV_PROPERTIES = new Set(['present-value', 'status-flags', 'out-of-service', 'event-state', 'reliability', 'priority-array']);
const LOG_LIMIT = 1000;
const INVOKE_IDS = 256;

export class FakeCov {
  /** Milliseconds per second of lifetime and of time remaining (tests shorten it). */
  secondMs = 1000;
  /** Wait this long for the answer to a confirmed notification, then send it again. */
  timeoutMs = 1000;
  /** Send a confirmed notification again at most this often. */
  retries = 3;
  readonly counters: CovCounters = {
    subscribeRequests: 0, subscribed: 0, cancellations: 0, refused: 0, confirmedSent: 0, unconfirmedSent: 0,
    resends: 0, acks: 0, negativeAnswers: 0, unanswered: 0, expired: 0, restarts: 0,
  };
  readonly cancellations: CovCancellationSeen[] = [];
  readonly notifications: CovNotificationSent[] = [];
  private readonly table = new Map<string, Subscription>();
  private readonly pending = new Map<string, Pending>();
  private invokeId = 0;

  constructor(
    private readonly objects: FakeObjectDatabase,
    private readonly device: { instance: number; maxApdu: number },
    private readonly timers: Set<NodeJS.Timeout>,
    /** Sends the restart I-Am; gets each former subscriber's reply path. */
    private readonly announce: (subscribers: Reply[]) => void,
  ) {
    objects.onChange = (key) => this.changed(key);
  }

  /** The subscriptions in force. */
  subscriptions(): CovSubscriptionSeen[] {
    return [...this.table.values()].map(({ from, processId, object, property, confirmed, lifetime, covIncrement }) => ({ from, processId, object, property, confirmed, lifetime, covIncrement }));
  }

  /** Takes the COV requests and the answers to our confirmed notifications; false for anything else (FakeDeviceServer's). */
  handle(apdu: ConfirmedApdu, peer: string, from: BipAddress, reply: Reply): boolean {
    if (apdu.type === 'confirmed-request') {
      const property = apdu.service === SERVICE.subscribeCovProperty;
      if (apdu.segmented || (!property && apdu.service !== SERVICE.subscribeCov)) return false;
      this.onSubscribe(apdu.invokeId, apdu.service, apdu.data, peer, from, reply);
      return true;
    }
    if (apdu.type === 'segment-ack' || (apdu.type === 'abort' && !apdu.fromServer)) return false;
    const key = `${peer}/${apdu.invokeId}`;
    const waiting = this.pending.get(key);
    if (!waiting) return false;
    this.settle(key);
    if (apdu.type === 'simple-ack' && apdu.service === SERVICE.confirmedCovNotification) this.counters.acks++;
    else this.counters.negativeAnswers++;
    return true;
  }

  /** Forgets every subscription and unanswered notification, then announces the device (its restart, clause 13.1: subscriptions need not survive it). */
  restart(): void {
    this.counters.restarts++;
    const subscribers = new Map<string, Reply>();
    for (const sub of this.table.values()) subscribers.set(sub.key.split('|')[0], sub.reply);
    this.stop();
    this.announce([...subscribers.values()]);
  }

  /** Drops subscriptions and pending notifications and their timers (the device stops). */
  stop(): void {
    for (const sub of this.table.values()) cancelTimer(this.timers, sub.timer);
    this.table.clear();
    for (const key of [...this.pending.keys()]) this.settle(key);
  }

  private onSubscribe(invokeId: number, service: number, data: Buffer, peer: string, from: BipAddress, reply: Reply): void {
    this.counters.subscribeRequests++;
    let request: SubscribeCovRequest & { property?: number; covIncrement?: number | null };
    try {
      request = service === SERVICE.subscribeCov ? decodeSubscribeCovRequest(data) : decodeSubscribeCovPropertyRequest(data);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.counters.refused++;
      reply(encodeConfirmedApdu({ type: 'reject', invokeId, reason: numberOf(REJECT_REASONS, 'invalid-tag') }), false);
      return;
    }
    const object = formatObjectReference(request.object);
    const property = request.property === undefined ? null : String(nameOf(PROPERTY_IDENTIFIERS, request.property));
    const key = `${peer}|${request.processId}|${object}|${property ?? ''}`;
    if (isCovCancellation(request)) {
      const sub = this.table.get(key);
      if (sub) cancelTimer(this.timers, sub.timer);
      this.counters.cancellations++;
      pushBounded(this.cancellations, { from, processId: request.processId, object, property, matched: this.table.delete(key) });
      reply(encodeConfirmedApdu({ type: 'simple-ack', invokeId, service }), false);
      return;
    }
    const refusal = this.refusal(object, property);
    if (refusal) {
      this.counters.refused++;
      const [errorClass, errorCode] = refusal;
      reply(encodeConfirmedApdu({ type: 'error', invokeId, service, errorClass: numberOf(ERROR_CLASSES, errorClass), errorCode: numberOf(ERROR_CODES, errorCode) }), false);
      return;
    }
    const old = this.table.get(key);
    if (old) cancelTimer(this.timers, old.timer);
    const lifetime = request.lifetime ?? 0;
    const sub: Subscription = {
      key, objectKey: object, reply, from, processId: request.processId, object, property,
      confirmed: request.confirmed ?? false, lifetime, covIncrement: request.covIncrement ?? null,
      expiresAt: lifetime > 0 ? Date.now() + lifetime * this.secondMs : null, timer: null, last: null,
    };
    if (lifetime > 0) {
      sub.timer = schedule(this.timers, () => {
        sub.timer = null;
        if (this.table.get(key) !== sub) return;
        this.table.delete(key);
        this.counters.expired++;
      }, lifetime * this.secondMs);
    }
    this.table.set(key, sub);
    this.counters.subscribed++;
    reply(encodeConfirmedApdu({ type: 'simple-ack', invokeId, service }), false);
    this.notify(sub);
  }

  /** The error class and code for a subscription this device refuses, as bacnet-stack answers them; null to accept. */
  private refusal(object: string, property: string | null): [string, string] | null {
    if (this.objects.get(object, 'object-identifier') === undefined) return ['object', 'unknown-object'];
    if (!COV_TYPES.has(object.split(':')[0])) return ['object', 'optional-functionality-not-supported'];
    if (property === null) return null;
    if (this.objects.get(object, property) === undefined) return ['property', 'unknown-property'];
    return COV_PROPERTIES.has(property) ? null : ['property', 'not-cov-property'];
  }

  /**
   * Clause 13.1: notify the subscriptions on `objectKey` whose monitored value
   * or status-flags changed enough; on the next turn, so a WriteProperty's
   * Simple-ACK goes before the notification it causes.
   */
  private changed(objectKey: string): void {
    schedule(this.timers, () => {
      for (const sub of [...this.table.values()]) {
        if (sub.objectKey === objectKey && this.due(sub)) this.notify(sub);
      }
    }, 0);
  }

  private due(sub: Subscription): boolean {
    const now = this.snapshot(sub);
    const last = sub.last;
    if (last === null || !isDeepStrictEqual(now.flags, last.flags)) return true;
    if (typeof now.value === 'number' && typeof last.value === 'number') {
      const own = sub.property === null || sub.property === 'present-value' ? this.objects.get(sub.objectKey, 'cov-increment') : undefined;
      const increment = sub.covIncrement ?? (typeof own === 'number' ? own : 0);
      return now.value !== last.value && Math.abs(now.value - last.value) >= increment;
    }
    return !isDeepStrictEqual(now.value, last.value);
  }

  private snapshot(sub: Subscription): { value: PropertyValue | undefined; flags: PropertyValue | undefined } {
    return { value: this.objects.get(sub.objectKey, sub.property ?? 'present-value'), flags: this.objects.get(sub.objectKey, 'status-flags') };
  }

  /** Sends the monitored value and status-flags to the subscriber, and remembers them as the reference for the next change. */
  private notify(sub: Subscription): void {
    sub.last = this.snapshot(sub);
    const names = [sub.property ?? 'present-value', 'status-flags'].filter((name, i, all) => all.indexOf(name) === i);
    const type = numberOf(OBJECT_TYPES, sub.object.split(':')[0]);
    const ref = { type, instance: Number(sub.object.split(':')[1]) };
    const values: CovValue[] = [];
    const shown: CovNotificationSent['values'] = {};
    for (const name of names) {
      const property = numberOf(PROPERTY_IDENTIFIERS, name);
      const read = this.objects.read(ref, property, null);
      if ('error' in read) continue;
      values.push({ property, index: null, value: read.value, priority: null });
      shown[name] = this.objects.get(sub.objectKey, name) as PropertyValue;
    }
    const timeRemaining = sub.expiresAt === null ? 0 : Math.max(0, Math.ceil((sub.expiresAt - Date.now()) / this.secondMs));
    const notification = { processId: sub.processId, initiatingDevice: { type: 8, instance: this.device.instance }, object: ref, timeRemaining, values };
    let invokeId: number | null = null;
    if (sub.confirmed) {
      const peer = sub.key.split('|')[0];
      invokeId = this.nextInvokeId(peer);
      const apdu = encodeConfirmedApdu({
        type: 'confirmed-request', segmented: false, moreFollows: false, segmentedResponseAccepted: false, maxSegments: null,
        maxApdu: this.device.maxApdu, invokeId, sequenceNumber: null, windowSize: null, service: SERVICE.confirmedCovNotification,
        data: encodeCovNotification(notification),
      });
      const waiting: Pending = { apdu, reply: sub.reply, tries: 0, timer: null };
      this.pending.set(`${peer}/${invokeId}`, waiting);
      this.counters.confirmedSent++;
      this.sendConfirmed(`${peer}/${invokeId}`, waiting);
    } else {
      this.counters.unconfirmedSent++;
      sub.reply(encodeUnconfirmedCovNotificationApdu(notification), false);
    }
    pushBounded(this.notifications, { to: sub.from, processId: sub.processId, object: sub.object, confirmed: sub.confirmed, invokeId, timeRemaining, values: shown });
  }

  /** Sends (again) and waits timeoutMs for the answer; after `retries` resends, gives up. */
  private sendConfirmed(key: string, waiting: Pending): void {
    waiting.reply(waiting.apdu, true);
    waiting.timer = schedule(this.timers, () => {
      waiting.timer = null;
      if (waiting.tries >= this.retries) {
        this.pending.delete(key);
        this.counters.unanswered++;
        return;
      }
      waiting.tries++;
      this.counters.resends++;
      this.sendConfirmed(key, waiting);
    }, this.timeoutMs);
  }

  private settle(key: string): void {
    const waiting = this.pending.get(key);
    if (waiting) cancelTimer(this.timers, waiting.timer);
    this.pending.delete(key);
  }

  /** The next invoke ID in sequence for `peer`, skipping ones still unanswered (at most 256 steps). */
  private nextInvokeId(peer: string): number {
    for (let step = 0; step < INVOKE_IDS; step++) {
      this.invokeId = (this.invokeId + 1) % INVOKE_IDS;
      if (!this.pending.has(`${peer}/${this.invokeId}`)) return this.invokeId;
    }
    throw new Error(`256 confirmed notifications to ${peer} unanswered`);
  }
}

function pushBounded<T>(log: T[], item: T): void {
  log.push(item);
  if (log.length > LOG_LIMIT) log.splice(0, log.length - LOG_LIMIT);
}
