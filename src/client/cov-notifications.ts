/**
 * COV notifications arriving on one socket (CLIENT.md "fd-cov", "Confirmed
 * requests"): each goes to the subscription that owns its subscriber process
 * ID (process IDs are unique on the socket), which checks the monitored object
 * and the device. A ConfirmedCOVNotification (already acknowledged by
 * server-duty.ts) that nobody owns gets one SubscribeCOV cancellation, at most
 * once a minute per (source, process ID, object), so a subscription left
 * behind by a crash or an old deploy ends instead of sending for ever.
 */
import { SERVICE } from '../protocol/confirmed-apdu';
import { DecodeError } from '../protocol/decode-error';
import { ObjectReference } from '../protocol/names';
import type { ReceivedNpdu } from '../protocol/received-npdu';
import { CovNotification, decodeCovNotification, decodeUnconfirmedCovNotificationApdu } from '../protocol/services/cov-notification';
import { encodeSubscribeCovRequest } from '../protocol/services/subscribe-cov';
import type { Clock } from '../util/clock';
import { answerSource, destinationKey } from './destination';
import type { ConfirmedNotification } from './server-duty';
import type { TransactionManager } from './transaction-manager';

/** A subscription as the router sees it. */
export interface CovOwner {
  /** Takes the notification when it is for its object and device; false: not its own. */
  deliver(notification: CovNotification, received: ReceivedNpdu, confirmed: boolean): boolean;
}

export interface CovNotificationCounters {
  /** Notifications an owner took. */
  delivered: number;
  /** Notifications nobody owned (unconfirmed ones are dropped, confirmed ones may get a cancellation). */
  unowned: number;
  /** Cancellations sent for unowned confirmed notifications. */
  cancellations: number;
  /** Notifications whose service data did not decode. */
  malformed: number;
}

/** A cancellation per (source, process ID, object) at most this often. */
export const UNOWNED_CANCEL_INTERVAL_MS = 60_000;
/** Bounded memory of cancellations sent: the oldest is forgotten beyond this. */
export const MAX_CANCELLATIONS_REMEMBERED = 1000;
/** The cancellation for an unowned notification: one try, short. */
const CANCEL_TIMEOUT_MS = 1000;
/** Probing for a free process ID ends here (a socket never holds this many subscriptions). */
const MAX_PROBES = 1_000_000;

const UNCONFIRMED_COV = 'Unconfirmed-COV-Notification';

export class CovNotifications {
  readonly counters: CovNotificationCounters = { delivered: 0, unowned: 0, cancellations: 0, malformed: 0 };
  private readonly owners = new Map<number, CovOwner>();
  /** Key → monotonic time of the cancellation sent, oldest first. */
  private readonly cancelled = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    /** The socket's transaction manager: cancellations go out through it. */
    private readonly transactions: TransactionManager,
  ) {}

  /** Whether a subscription holds `processId` on this socket. */
  owns(processId: number): boolean {
    return this.owners.has(processId);
  }

  /** `owner` takes `processId` (from covProcessId with owns()); returns the function that gives it back. */
  claim(processId: number, owner: CovOwner): () => void {
    if (this.owners.has(processId)) throw new Error(`subscriber process identifier ${processId} is taken on this socket`);
    this.owners.set(processId, owner);
    return () => {
      if (this.owners.get(processId) === owner) this.owners.delete(processId);
    };
  }

  /** An UnconfirmedCOVNotification received on the socket (anything else: false, untouched). */
  handleUnconfirmed(received: ReceivedNpdu): boolean {
    // Cheap test first: this runs for every datagram.
    if (received.apdu?.type !== 'Unconfirmed-Request' || received.apdu.service !== UNCONFIRMED_COV) return false;
    let notification: CovNotification;
    try {
      notification = decodeUnconfirmedCovNotificationApdu(received.npdu, received.header.apduOffset);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.counters.malformed++;
      return true;
    }
    if (!this.route(notification, received, false)) this.counters.unowned++;
    return true;
  }

  /** A ConfirmedCOVNotification, already acknowledged (ServerDuty.notifications). */
  handleConfirmed(confirmed: ConfirmedNotification): void {
    let notification: CovNotification;
    try {
      notification = decodeCovNotification(confirmed.data);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.counters.malformed++;
      return;
    }
    if (this.route(notification, confirmed.received, true)) return;
    this.counters.unowned++;
    this.cancelUnowned(notification, confirmed.received);
  }

  private route(notification: CovNotification, received: ReceivedNpdu, confirmed: boolean): boolean {
    const owner = this.owners.get(notification.processId);
    if (!owner || !owner.deliver(notification, received, confirmed)) return false;
    this.counters.delivered++;
    return true;
  }

  /** One SubscribeCOV cancellation to the notification's source, unless one went there within the minute. */
  private cancelUnowned(notification: CovNotification, received: ReceivedNpdu): void {
    const destination = answerSource(received);
    const key = `${destinationKey(destination)}|${notification.processId}|${objectKey(notification.object)}`;
    const now = this.clock.monotonic();
    this.forgetOld(now);
    if (this.cancelled.has(key)) return;
    this.cancelled.set(key, now);
    if (this.cancelled.size > MAX_CANCELLATIONS_REMEMBERED) this.cancelled.delete(this.cancelled.keys().next().value as string);
    this.counters.cancellations++;
    const data = encodeSubscribeCovRequest({ processId: notification.processId, object: notification.object, confirmed: null, lifetime: null });
    const request = { destination, deviceKey: destinationKey(destination), service: SERVICE.subscribeCov, data, timeoutMs: CANCEL_TIMEOUT_MS, retries: 0 };
    // Best effort: a device that does not answer keeps notifying, and gets another one after the minute.
    this.transactions.request(request).catch(() => undefined);
  }

  /** Entries are in the order they were sent: the old ones are at the front. */
  private forgetOld(now: number): void {
    for (const [key, at] of this.cancelled) {
      if (now - at < UNOWNED_CANCEL_INTERVAL_MS) break;
      this.cancelled.delete(key);
    }
  }
}

/**
 * The subscriber process ID of the node `nodeId`: FNV-1a (32 bits) of its
 * UTF-8 octets, so a redeploy or a restart finds the same one and renews the
 * subscription it left; the next value (modulo 2^32) while `taken` says it is
 * in use on this socket.
 */
export function covProcessId(nodeId: string, taken: (id: number) => boolean): number {
  let hash = 0x811c9dc5;
  for (const octet of Buffer.from(nodeId, 'utf8')) {
    hash ^= octet;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  for (let probe = 0; probe < MAX_PROBES; probe++) {
    const id = (hash + probe) >>> 0;
    if (!taken(id)) return id;
  }
  throw new Error(`no free subscriber process identifier near ${hash}`);
}

/** "type:instance" of an object, for keys. */
export function objectKey(object: ObjectReference): string {
  return `${object.type}:${object.instance}`;
}
