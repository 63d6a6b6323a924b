/**
 * What one received datagram is, decoded once: its BVLL frame, and for an
 * NPDU-carrying frame the NPDU header, APDU and I-Am (decodeReceived). Pure.
 * Malformed input is a value here, never a throw: the router counts it.
 */
import type { BipAddress } from '../protocol/address';
import { BvlcFunction, BvllFrame, BvllFrameOf, bvlcFunctionName, decodeBvll } from '../protocol/bvll';
import { DecodeError } from '../protocol/decode-error';
import { ReceivedNpdu, decodeReceived } from '../protocol/received-npdu';

/** The frames a BBMD sends a foreign device in answer to its requests. */
export type BbmdAnswer = BvllFrameOf<typeof BvlcFunction.Result | typeof BvlcFunction.ReadFdtAck | typeof BvlcFunction.ReadBdtAck>;

export type Datagram =
  /** Not a B/IPv4 frame decodeBvll() accepts. */
  | { readonly kind: 'malformed' }
  /** For the manager of the BBMD that sent it. */
  | { readonly kind: 'answer'; readonly frame: BbmdAnswer }
  /**
   * A Forwarded-, Original-Unicast- or Original-Broadcast-NPDU. `origin`: the
   * Forwarded-NPDU's originating address, null for the others. `received`: null
   * when the NPDU header or APDU is malformed.
   */
  | { readonly kind: 'npdu'; readonly origin: BipAddress | null; readonly received: ReceivedNpdu | null }
  /** Requests a BBMD would serve (Register, Read-FDT, Write-BDT, ...) and Secure-BVLL: nothing for a foreign device. */
  | { readonly kind: 'ignored' };

const MALFORMED: Datagram = Object.freeze({ kind: 'malformed' });
const IGNORED: Datagram = Object.freeze({ kind: 'ignored' });

/** Decodes `data`, which came from `from` (the UDP source: a Forwarded-NPDU's `via`, else the NPDU's source). */
export function decodeDatagram(data: Buffer, from: BipAddress): Datagram {
  let frame: BvllFrame;
  try {
    frame = decodeBvll(data);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    return MALFORMED;
  }
  switch (frame.function) {
    case BvlcFunction.Result:
    case BvlcFunction.ReadFdtAck:
    case BvlcFunction.ReadBdtAck:
      return { kind: 'answer', frame };
    case BvlcFunction.ForwardedNpdu:
      return { kind: 'npdu', origin: frame.origin, received: decodeNpdu(frame.npdu, frame.origin, from, 'Forwarded-NPDU') };
    case BvlcFunction.OriginalUnicastNpdu:
    case BvlcFunction.OriginalBroadcastNpdu:
      return { kind: 'npdu', origin: null, received: decodeNpdu(frame.npdu, from, null, bvlcFunctionName(frame.function)) };
    default:
      return IGNORED;
  }
}

function decodeNpdu(npdu: Buffer, source: BipAddress, via: BipAddress | null, fn: string): ReceivedNpdu | null {
  try {
    return decodeReceived(npdu, source, via, fn);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    return null;
  }
}
