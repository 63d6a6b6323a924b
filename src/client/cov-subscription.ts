/**
 * One fd-cov subscription (CLIENT.md "fd-cov"): SubscribeCOV or
 * SubscribeCOVProperty sent at start and renewed at half the lifetime (at
 * least every 25 s behind NAT), retried with backoff after a failure, sent
 * again at once when the registration recovers or the device says I-Am, and
 * cancelled on close within a second. Its notifications come from the
 * socket's router (cov-notifications.ts) under its process ID. Time and
 * randomness are injected; no Node-RED here.
 */
import { SERVICE } from '../protocol/confirmed-apdu';
import { ObjectReference, PROPERTY_IDENTIFIERS, formatObjectReference, nameOf, numberOf } from '../protocol/names';
import type { ReceivedNpdu } from '../protocol/received-npdu';
import { CovNotification, covValuesByName } from '../protocol/services/cov-notification';
import { encodeSubscribeCovRequest } from '../protocol/services/subscribe-cov';
import { encodeSubscribeCovPropertyRequest } from '../protocol/services/subscribe-cov-property';
import type { Clock, TimerHandle } from '../util/clock';
import { errorMessage } from '../util/errors';
import type { RequestWords } from './client-error';
import { CovNotifications, CovOwner, covProcessId, objectKey } from './cov-notifications';
import type { DeviceReference } from './device-reference';
import { DeviceTarget, DeviceTargets, targetWords } from './device-target';
import { BacnetInfo, bacnetInfo, sendConfirmed } from './point-client';
import type { TransactionManager } from './transaction-manager';

export interface CovFollowOptions {
  /** The flow node's id: the stable process ID is its hash. */
  readonly nodeId: string;
  readonly device: DeviceReference;
  readonly object: ObjectReference;
  /** null: SubscribeCOV; else SubscribeCOVProperty on it. */
  readonly property: number | null;
  /** A number makes it SubscribeCOVProperty (on present-value when property is null). */
  readonly covIncrement: number | null;
  /** Seconds, 60..86400. */
  readonly lifetime: number;
  readonly confirmed: boolean;
  /** Per try, ms; default 3000. */
  readonly timeoutMs?: number;
  /** Default 3. */
  readonly retries?: number;
}

export interface CovMessage {
  payload: unknown;
  statusFlags: unknown;
  topic: string;
  bacnet: { device: BacnetInfo['device']; object: string; property: string | number; timeRemaining: number; values: Record<string, unknown> };
}

export type CovState =
  | { kind: 'subscribing' }
  | { kind: 'subscribed'; lifetime: number }
  | { kind: 'failed'; error: Error; retryInMs: number; firstOfEpisode: boolean }
  | { kind: 'closed' };

export interface CovListener {
  notification(message: CovMessage): void;
  state(state: CovState): void;
}

/** The socket a subscription talks through: its transactions and its notification router. */
export interface CovSocket {
  readonly transactions: TransactionManager;
  readonly covNotifications: CovNotifications;
}

/** What a subscription needs from its client (bacnet-client.ts), injected for tests. */
export interface CovContext {
  readonly clock: Clock;
  /** Uniform in [0, 1): the backoff's jitter. */
  readonly random: () => number;
  readonly targets: Pick<DeviceTargets, 'find'>;
  /** The socket, through the config node's lease (held while the flow node is its user). */
  socket(): Promise<CovSocket>;
  /** The config node has a publicAddress (NAT): renew at least every 25 s. */
  readonly publicAddress: boolean;
  /** A listener threw: said, never thrown back into the protocol code. */
  warn(text: string): void;
  /** The subscription closed: the client forgets it. */
  closed(subscription: CovSubscription): void;
}

export const MIN_LIFETIME_S = 60;
export const MAX_LIFETIME_S = 86_400;
/** Renewal at least this often with a publicAddress, so a NAT mapping cannot lapse. */
export const NAT_RENEW_MS = 25_000;
export const BACKOFF_FIRST_MS = 1000;
export const BACKOFF_MAX_MS = 60_000;
/** ±20 % jitter on each backoff delay. */
export const BACKOFF_JITTER = 0.2;
/** close() resolves within this, answered or not. */
export const CLOSE_BOUND_MS = 1000;

const PRESENT_VALUE = numberOf(PROPERTY_IDENTIFIERS, 'present-value');

/** The renewal period for `lifetimeS`: half of it, at most 25 s with a publicAddress. */
export function renewalMs(lifetimeS: number, publicAddress: boolean): number {
  const half = (lifetimeS * 1000) / 2;
  return publicAddress ? Math.min(half, NAT_RENEW_MS) : half;
}

/** The wait after failure number `failures` (0 for the first): 1 s doubling to min(60 s, lifetime/2), ±20 %. */
export function backoffMs(failures: number, lifetimeS: number, random: () => number): number {
  const cap = Math.min(BACKOFF_MAX_MS, (lifetimeS * 1000) / 2);
  const base = Math.min(cap, BACKOFF_FIRST_MS * 2 ** Math.min(failures, 30));
  return Math.round(base * (1 - BACKOFF_JITTER + 2 * BACKOFF_JITTER * random()));
}

export class CovSubscription implements CovOwner {
  private readonly timeoutMs: number;
  private readonly retries: number;
  /** The property subscribed with SubscribeCOVProperty, or null for SubscribeCOV. */
  private readonly monitored: number | null;
  private started = false;
  private isClosed = false;
  private closing: Promise<void> | null = null;
  /** A subscribe request (or its device lookup) is under way. */
  private busy = false;
  private timer: TimerHandle | null = null;
  private failures = 0;
  /** A failure was reported since the last success: the next one is not the first of its episode. */
  private inEpisode = false;
  private subscribed = false;
  /** A subscribe request went out: the device may hold a subscription that close() must end. */
  private sent = false;
  private target: DeviceTarget | null = null;
  private sentObject: ObjectReference | null = null;
  private socket: CovSocket | null = null;
  private unclaim: (() => void) | null = null;
  private assignedId: number | null = null;

  constructor(
    private readonly options: CovFollowOptions,
    private readonly listener: CovListener,
    private readonly context: CovContext,
  ) {
    const { lifetime, property, covIncrement } = options;
    if (!Number.isInteger(lifetime) || lifetime < MIN_LIFETIME_S || lifetime > MAX_LIFETIME_S) {
      throw new RangeError(`lifetime must be an integer ${MIN_LIFETIME_S}..${MAX_LIFETIME_S} seconds, got ${lifetime}`);
    }
    if (covIncrement !== null && (typeof covIncrement !== 'number' || !Number.isFinite(covIncrement) || covIncrement < 0)) {
      throw new RangeError(`covIncrement must be a number of at least 0 or null, got ${String(covIncrement)}`);
    }
    this.monitored = property ?? (covIncrement !== null ? PRESENT_VALUE : null);
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.retries = options.retries ?? 3;
  }

  /** The subscriber process identifier: the node id's hash, or the free value probed on the socket once started. */
  get processId(): number {
    return this.assignedId ?? covProcessId(this.options.nodeId, () => false);
  }

  /** Subscribes (once; later calls do nothing). */
  start(): void {
    if (this.started || this.isClosed) return;
    this.started = true;
    void this.attempt();
  }

  /** The registration went from not registered to registered: subscribe again now. */
  registrationRecovered(): void {
    if (this.started && !this.isClosed && !this.busy) void this.attempt();
  }

  /** An I-Am arrived: when it is this device's (it may have restarted and forgotten us), subscribe again now. */
  deviceAnnounced(received: ReceivedNpdu): void {
    if (!this.started || this.isClosed || this.busy || received.iAm === null) return;
    const instance = this.target?.instance ?? (this.options.device.kind === 'instance' ? this.options.device.instance : null);
    const ours =
      instance !== null
        ? received.iAm.deviceInstance === instance
        : this.target !== null && sameAddress(received, this.target);
    if (ours) void this.attempt();
  }

  /**
   * Stops renewing and cancels the subscription when a request was sent (one
   * try, 1 s); resolves within CLOSE_BOUND_MS whatever the device does.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.isClosed = true;
    this.clearTimer();
    this.closing = (async () => {
      if (this.sent) await this.within(CLOSE_BOUND_MS, this.cancel());
      this.unclaim?.();
      this.unclaim = null;
      this.report({ kind: 'closed' });
      this.context.closed(this);
    })();
    return this.closing;
  }

  deliver(notification: CovNotification, received: ReceivedNpdu, _confirmed: boolean): boolean {
    const object = this.sentObject;
    if (object === null || objectKey(notification.object) !== objectKey(object)) return false;
    const target = this.target;
    if (target !== null && !(target.instance !== null ? notification.initiatingDevice.instance === target.instance : sameAddress(received, target))) return false;
    // After close the notification is still ours (no cancellation of our own subscription), only not passed on.
    if (this.isClosed || target === null) return true;
    let values: Record<string, unknown>;
    try {
      values = covValuesByName(notification);
    } catch (err) {
      this.context.warn(`COV notification from ${targetWords(target).device} with a value that does not decode: ${errorMessage(err)}`);
      return true;
    }
    const property = nameOf(PROPERTY_IDENTIFIERS, this.monitored ?? PRESENT_VALUE);
    const info = bacnetInfo(target, object, { property: this.monitored ?? PRESENT_VALUE, index: null });
    const device = { ...info.device, instance: info.device.instance ?? notification.initiatingDevice.instance };
    const message: CovMessage = {
      payload: values[String(property)] ?? null,
      statusFlags: values['status-flags'] ?? null,
      topic: `${device.instance ?? device.address}/${info.object}/${property}`,
      bacnet: { device, object: info.object, property, timeRemaining: notification.timeRemaining, values },
    };
    try {
      this.listener.notification(message);
    } catch (err) {
      this.context.warn(`fd-cov listener failed on a notification: ${errorMessage(err)}`);
    }
    return true;
  }

  /** One subscribe: lookup, request, then the renewal or the retry scheduled. */
  private async attempt(): Promise<void> {
    this.clearTimer();
    this.busy = true;
    if (!this.subscribed) this.report({ kind: 'subscribing' });
    try {
      const socket = await this.claimOn();
      const target = await this.context.targets.find(this.options.device, this.timeoutMs);
      const object = target.objectToSend(this.options.object, false);
      if (this.isClosed) return;
      this.target = target;
      this.sentObject = object;
      this.sent = true;
      await sendConfirmed(socket.transactions, target, this.words(target, object), this.service(), this.request(object, false), {
        timeoutMs: this.timeoutMs,
        retries: this.retries,
      });
      if (this.isClosed) return;
      this.failures = 0;
      this.inEpisode = false;
      this.subscribed = true;
      this.report({ kind: 'subscribed', lifetime: this.options.lifetime });
      this.schedule(renewalMs(this.options.lifetime, this.context.publicAddress));
    } catch (err) {
      if (this.isClosed) return;
      const retryInMs = backoffMs(this.failures++, this.options.lifetime, this.context.random);
      const firstOfEpisode = !this.inEpisode;
      this.inEpisode = true;
      this.subscribed = false;
      this.report({ kind: 'failed', error: err instanceof Error ? err : new Error(String(err)), retryInMs, firstOfEpisode });
      this.schedule(retryInMs);
    } finally {
      this.busy = false;
    }
  }

  /** The socket, with this subscription's process ID claimed on it (again when the socket changed). */
  private async claimOn(): Promise<CovSocket> {
    const socket = await this.context.socket();
    // Closed while the lease was awaited: claim nothing (close() already gave back what it could).
    if (this.isClosed) throw new Error('closed');
    if (socket !== this.socket) {
      this.unclaim?.();
      const router = socket.covNotifications;
      const id = covProcessId(this.options.nodeId, (candidate) => router.owns(candidate));
      this.unclaim = router.claim(id, this);
      this.assignedId = id;
      this.socket = socket;
    }
    return socket;
  }

  /** The cancellation: same process ID and object, neither lifetime nor confirmed; one try. */
  private async cancel(): Promise<void> {
    const { socket, target, sentObject } = this;
    if (!socket || !target || !sentObject) return;
    try {
      await sendConfirmed(socket.transactions, target, this.words(target, sentObject), this.service(), this.request(sentObject, true), {
        timeoutMs: CLOSE_BOUND_MS,
        retries: 0,
      });
    } catch {
      // Unanswered or refused: the device ends it when the lifetime runs out.
    }
  }

  private request(object: ObjectReference, cancel: boolean): Buffer {
    const fields = {
      processId: this.processId,
      object,
      confirmed: cancel ? null : this.options.confirmed,
      lifetime: cancel ? null : this.options.lifetime,
    };
    if (this.monitored === null) return encodeSubscribeCovRequest(fields);
    return encodeSubscribeCovPropertyRequest({ ...fields, property: this.monitored, index: null, covIncrement: cancel ? null : this.options.covIncrement });
  }

  private service(): number {
    return this.monitored === null ? SERVICE.subscribeCov : SERVICE.subscribeCovProperty;
  }

  private words(target: DeviceTarget, object: ObjectReference): RequestWords {
    const what = formatObjectReference(object) + (this.monitored === null ? '' : ` ${nameOf(PROPERTY_IDENTIFIERS, this.monitored)}`);
    return { ...targetWords(target), service: this.monitored === null ? 'SubscribeCOV' : 'SubscribeCOVProperty', what };
  }

  private schedule(ms: number): void {
    this.clearTimer();
    this.timer = this.context.clock.setTimeout(() => {
      this.timer = null;
      if (!this.isClosed && !this.busy) void this.attempt();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer === null) return;
    this.context.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** `work`, or nothing after `ms`: the timer is cleared either way, so none is left behind. */
  private within(ms: number, work: Promise<void>): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.context.clock.setTimeout(resolve, ms);
      void work.finally(() => {
        this.context.clock.clearTimeout(timer);
        resolve();
      });
    });
  }

  private report(state: CovState): void {
    try {
      this.listener.state(state);
    } catch (err) {
      this.context.warn(`fd-cov listener failed on a state change: ${errorMessage(err)}`);
    }
  }
}

/** Whether `received` came from the target's address (and network and MAC behind a router). */
function sameAddress(received: ReceivedNpdu, target: DeviceTarget): boolean {
  const { destination } = target;
  if (received.source.address !== destination.address.address || received.source.port !== destination.address.port) return false;
  if (destination.network === null) return received.header.snet === null;
  return received.header.snet === destination.network && (received.header.sadr ?? '').toLowerCase() === (destination.mac ?? '').toLowerCase();
}
