/**
 * What an arriving NPDU is, decoded once for every receiver: the NPDU header,
 * the APDU's type and service, and the I-Am fields when it is an I-Am. Pure:
 * anything malformed or truncated throws DecodeError (the endpoint counts it
 * and drops the datagram).
 */
import type { BipAddress } from './address';
import { ApduSummary, IAm, decodeIAm, describeApdu, isIAm } from './apdu';
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
  iAm: IAm | null;
}

/** Decodes what arrived; throws DecodeError for a malformed NPDU, APDU or I-Am. */
export function decodeReceived(npdu: Buffer, source: BipAddress, via: BipAddress | null, bvlcFunction: string): ReceivedNpdu {
  const header = decodeNpdu(npdu);
  let apdu: ApduSummary | null = null;
  let iAm: IAm | null = null;
  if (header.networkMessage === null) {
    apdu = describeApdu(npdu, header.apduOffset);
    if (isIAm(npdu, header.apduOffset)) iAm = decodeIAm(npdu, header.apduOffset);
  }
  return { npdu, source, via, bvlcFunction, header, apdu, iAm };
}

/** A broadcast: relayed by a BBMD, broadcast on the local subnet, or addressed to every network. */
export function isBroadcast(received: ReceivedNpdu): boolean {
  return received.bvlcFunction !== 'Original-Unicast-NPDU' || received.header.dnet === 0xffff;
}
