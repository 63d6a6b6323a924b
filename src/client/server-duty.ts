/**
 * The one thing our socket does as a BACnet server (CLIENT.md): a
 * ConfirmedCOVNotification sent to us gets a Simple-ACK and goes to whoever
 * listens (fd-cov); any other confirmed request gets Reject
 * unrecognized-service, and a segmented one Abort segmentation-not-supported.
 * Only requests sent to us unicast are answered: one that came as a broadcast
 * or for another network is not ours.
 */
import { BvlcFunction, encodeNpduFrame } from '../protocol/bvll';
import { ConfirmedApdu, SERVICE, decodeConfirmedApdu, encodeConfirmedApdu } from '../protocol/confirmed-apdu';
import { DecodeError } from '../protocol/decode-error';
import { ABORT_REASONS, REJECT_REASONS, numberOf } from '../protocol/names';
import { NpduOptions, encodeNpdu } from '../protocol/npdu';
import { ReceivedNpdu, isBroadcast } from '../protocol/received-npdu';
import { ListenerList } from '../util/listener-list';
import type { TransactionSocket } from './transaction-manager';

/** A ConfirmedCOVNotification that was acknowledged: the service data and where it came from. */
export interface ConfirmedNotification {
  readonly received: ReceivedNpdu;
  readonly data: Buffer;
}

export interface ServerDutyCounters {
  /** ConfirmedCOVNotifications acknowledged. */
  acknowledged: number;
  /** Other confirmed requests rejected or aborted. */
  refused: number;
}

const UNRECOGNIZED_SERVICE = numberOf(REJECT_REASONS, 'unrecognized-service');
const SEGMENTATION_NOT_SUPPORTED = numberOf(ABORT_REASONS, 'segmentation-not-supported');

export class ServerDuty {
  readonly counters: ServerDutyCounters = { acknowledged: 0, refused: 0 };
  /** Acknowledged ConfirmedCOVNotifications. */
  readonly notifications = new ListenerList<ConfirmedNotification>();

  constructor(private readonly socket: TransactionSocket) {}

  /** Answers `received` when it is a confirmed request sent to us; true when it was one. */
  handle(received: ReceivedNpdu): boolean {
    if (received.apdu?.type !== 'Confirmed-Request') return false;
    // A broadcast (Forwarded-NPDU, Original-Broadcast-NPDU) or one for another network is not ours to answer.
    if (isBroadcast(received) || received.via !== null || received.header.dnet !== null) return true;
    let request: ConfirmedApdu;
    try {
      request = decodeConfirmedApdu(received.npdu, received.header.apduOffset);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      return true;
    }
    if (request.type !== 'confirmed-request') return true;
    const { invokeId, service } = request;
    if (request.segmented) {
      this.counters.refused++;
      this.reply(received, { type: 'abort', fromServer: true, invokeId, reason: SEGMENTATION_NOT_SUPPORTED });
    } else if (service === SERVICE.confirmedCovNotification) {
      this.counters.acknowledged++;
      this.reply(received, { type: 'simple-ack', invokeId, service });
      this.notifications.emit({ received, data: Buffer.from(request.data) });
    } else {
      this.counters.refused++;
      this.reply(received, { type: 'reject', invokeId, reason: UNRECOGNIZED_SERVICE });
    }
    return true;
  }

  /** To the requester, through its router when SNET/SADR say it is behind one. */
  private reply(received: ReceivedNpdu, apdu: ConfirmedApdu): void {
    const options: NpduOptions = {};
    if (received.header.snet !== null) {
      options.dnet = received.header.snet;
      options.dadr = received.header.sadr ?? '';
    }
    const frame = encodeNpduFrame(BvlcFunction.OriginalUnicastNpdu, encodeNpdu(options, encodeConfirmedApdu(apdu)));
    // A lost answer is the requester's retry to make: nothing to do with a send error here.
    this.socket.send(frame, received.source).catch(() => undefined);
  }
}
