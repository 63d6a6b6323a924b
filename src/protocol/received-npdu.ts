/**
 * What an arriving NPDU is, decoded once for every receiver: the NPDU header,
 * the APDU's type and service, and the I-Am fields when it is an I-Am. Pure:
 * a malformed or truncated NPDU header or APDU type/service throws DecodeError
 * (the endpoint counts it and drops the datagram); an I-Am whose fields do not
 * decode as a Device I-Am is no such thing: it comes with iAm null.
 */
import type { BipAddress } from './address';
import { ApduSummary, IAm, decodeIAmOrNull, describeApdu, isIAm } from './apdu';
import { NpduHeader, decodeNpdu } from './npdu';

/** An NPDU that reached this foreign device, with where it came from and how. */
export interface ReceivedNpdu {
  npdu: Buffer;
  /** The originating device: the Forwarded-NPDU's address field, else the UDP source. */
  source: BipAddress;
  /** The BBMD that forwarded it, or null when it did not come as a Forwarded-NPDU. */
  via: BipAddress | null;
  /** BVLL function name: Forwarded-NPDU, Original-Unicast-NPDU or Original-Broadcast-NPDU. */
  bvlcFunction: string;
  header: NpduHeader;
  /** Null for a network-layer message. */
  apdu: ApduSummary | null;
  /** The I-Am's fields; null for anything else and for an I-Am that is not a readable Device I-Am. */
  iAm: IAm | null;
}

/** Decodes what arrived; throws DecodeError for a malformed NPDU header or APDU (an undecodable I-Am gives iAm null). */
export function decodeReceived(npdu: Buffer, source: BipAddress, via: BipAddress | null, bvlcFunction: string): ReceivedNpdu {
  const header = decodeNpdu(npdu);
  let apdu: ApduSummary | null = null;
  let iAm: IAm | null = null;
  if (header.networkMessage === null) {
    apdu = describeApdu(npdu, header.apduOffset);
    if (isIAm(npdu, header.apduOffset)) iAm = decodeIAmOrNull(npdu, header.apduOffset);
  }
  return { npdu, source, via, bvlcFunction, header, apdu, iAm };
}

/** A broadcast: relayed by a BBMD, broadcast on the local subnet, or addressed to every network. */
export function isBroadcast(received: ReceivedNpdu): boolean {
  return received.bvlcFunction !== 'Original-Unicast-NPDU' || received.header.dnet === 0xffff;
}

/**
 * A copy that shares no object or octet with `received`. The endpoint decodes a datagram
 * once; when it goes to more than one receiver (two fd-receive nodes on one config node,
 * or config nodes sharing a socket), the first gets the decoded objects and each other a
 * copy, so a flow that changes its message cannot change another node's, as Node-RED
 * itself clones a message sent down more than one wire.
 */
export function copyReceived(received: ReceivedNpdu): ReceivedNpdu {
  const { header } = received;
  return {
    npdu: Buffer.from(received.npdu),
    source: { ...received.source },
    via: received.via && { ...received.via },
    bvlcFunction: received.bvlcFunction,
    header: { ...header, networkMessage: header.networkMessage && { ...header.networkMessage } },
    apdu: received.apdu && { ...received.apdu },
    iAm: received.iAm && { ...received.iAm },
  };
}
