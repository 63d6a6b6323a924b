/**
 * NPDU header (ANSI/ASHRAE 135 clause 6.2): version, control, the optional
 * destination (DNET/DLEN/DADR) and source (SNET/SLEN/SADR) specifiers, hop
 * count, the network-layer message type, and where the APDU starts.
 * Pure: decodeNpdu() checks every length before it reads and throws only
 * DecodeError.
 */
import { DecodeError } from './decode-error';

export const NPDU_VERSION = 0x01;

/** Control octet bits (clause 6.2.2). */
const CONTROL_NETWORK_MESSAGE = 0x80;
const CONTROL_DNET = 0x20;
const CONTROL_SNET = 0x08;
const CONTROL_EXPECTING_REPLY = 0x04;
const CONTROL_PRIORITY = 0x03;

/** DNET of a global broadcast. */
export const GLOBAL_NETWORK = 0xffff;

export interface NetworkMessage {
  type: number;
  /** Present only for proprietary message types (0x80..0xFF). */
  vendorId: number | null;
}

/** A decoded NPDU header. MAC addresses are lower-case hex ("" for a broadcast DADR). */
export interface NpduHeader {
  version: number;
  control: number;
  expectingReply: boolean;
  priority: number;
  dnet: number | null;
  dadr: string | null;
  snet: number | null;
  sadr: string | null;
  hopCount: number | null;
  networkMessage: NetworkMessage | null;
  /** Offset of the APDU (or of the network message's data) in the NPDU. */
  apduOffset: number;
}

/**
 * Decodes the header of an NPDU.
 * @throws DecodeError when the NPDU is truncated or not BACnet version 1.
 */
export function decodeNpdu(npdu: Uint8Array): NpduHeader {
  if (npdu.length < 2) throw new DecodeError(`truncated NPDU: ${npdu.length} octets, at least 2 needed`);
  const version = npdu[0];
  if (version !== NPDU_VERSION) {
    throw new DecodeError(`NPDU version 0x${version.toString(16).padStart(2, '0')} is not BACnet's 0x01`);
  }
  const control = npdu[1];
  let at = 2;
  const need = (count: number, what: string): void => {
    if (npdu.length - at < count) {
      throw new DecodeError(`truncated NPDU: ${what} needs ${count} octets at offset ${at}, ${npdu.length - at} left`, at);
    }
  };
  let dnet: number | null = null;
  let dadr: string | null = null;
  if (control & CONTROL_DNET) {
    need(3, 'DNET and DLEN');
    dnet = (npdu[at] << 8) | npdu[at + 1];
    const dlen = npdu[at + 2];
    at += 3;
    need(dlen, 'DADR');
    dadr = hexOf(npdu, at, dlen);
    at += dlen;
  }
  let snet: number | null = null;
  let sadr: string | null = null;
  if (control & CONTROL_SNET) {
    need(3, 'SNET and SLEN');
    snet = (npdu[at] << 8) | npdu[at + 1];
    const slen = npdu[at + 2];
    at += 3;
    // SLEN 0 would make the source a broadcast address, which clause 6.2.2 forbids.
    if (slen === 0) throw new DecodeError('NPDU source address length (SLEN) is 0', at - 1);
    need(slen, 'SADR');
    sadr = hexOf(npdu, at, slen);
    at += slen;
  }
  let hopCount: number | null = null;
  if (dnet !== null) {
    need(1, 'hop count');
    hopCount = npdu[at++];
  }
  let networkMessage: NetworkMessage | null = null;
  if (control & CONTROL_NETWORK_MESSAGE) {
    need(1, 'network message type');
    const type = npdu[at++];
    let vendorId: number | null = null;
    if (type >= 0x80) {
      need(2, 'vendor ID');
      vendorId = (npdu[at] << 8) | npdu[at + 1];
      at += 2;
    }
    networkMessage = { type, vendorId };
  }
  return {
    version,
    control,
    expectingReply: (control & CONTROL_EXPECTING_REPLY) !== 0,
    priority: control & CONTROL_PRIORITY,
    dnet,
    dadr,
    snet,
    sadr,
    hopCount,
    networkMessage,
    apduOffset: at,
  };
}

/**
 * Where the APDU starts, checking the header as decodeNpdu() does but building
 * nothing: for the per-message send path, which only needs to know the header is
 * whole. Agrees with decodeNpdu(npdu).apduOffset (a property test holds them together).
 * @throws DecodeError exactly when decodeNpdu() would.
 */
export function npduHeaderLength(npdu: Uint8Array): number {
  const length = npdu.length;
  if (length < 2 || npdu[0] !== NPDU_VERSION) return decodeNpdu(npdu).apduOffset; // throws the detailed error
  const control = npdu[1];
  let at = 2;
  if (control & CONTROL_DNET) {
    if (length - at < 3) return decodeNpdu(npdu).apduOffset;
    at += 3 + npdu[at + 2];
  }
  if (control & CONTROL_SNET) {
    if (length - at < 3 || npdu[at + 2] === 0) return decodeNpdu(npdu).apduOffset;
    at += 3 + npdu[at + 2];
  }
  if (control & CONTROL_DNET) at += 1;
  if (control & CONTROL_NETWORK_MESSAGE) {
    if (at >= length) return decodeNpdu(npdu).apduOffset;
    at += npdu[at] >= 0x80 ? 3 : 1;
  }
  // Any shortfall is reported with decodeNpdu()'s words.
  return at <= length ? at : decodeNpdu(npdu).apduOffset;
}

/** What encodeNpdu() needs; every field is optional. */
export interface NpduOptions {
  expectingReply?: boolean;
  priority?: number;
  /** Destination network; 0xFFFF with an empty `dadr` is a global broadcast. */
  dnet?: number;
  /** Destination MAC as hex ("" = broadcast on `dnet`). */
  dadr?: string;
  snet?: number;
  sadr?: string;
  /** Defaults to 255 when `dnet` is set. */
  hopCount?: number;
  networkMessage?: NetworkMessage;
}

/** Builds an NPDU: header from `options`, then `body` (the APDU or network message data). */
export function encodeNpdu(options: NpduOptions, body: Uint8Array = new Uint8Array(0)): Buffer {
  // Options that only mean something together with another are refused rather than dropped.
  if (options.dnet === undefined && (options.dadr !== undefined || options.hopCount !== undefined)) {
    throw new TypeError('DADR and hop count need a DNET');
  }
  if (options.snet === undefined && options.sadr !== undefined) throw new TypeError('SADR needs an SNET');
  if (options.dnet === GLOBAL_NETWORK && (options.dadr ?? '') !== '') throw new TypeError('a global broadcast (DNET 65535) has no DADR');
  if (options.snet === GLOBAL_NETWORK) throw new RangeError('SNET 65535 is not a network number');
  const message = options.networkMessage;
  if (message && message.type <= 0xff && (message.type >= 0x80) !== (message.vendorId !== null && message.vendorId !== undefined)) {
    throw new TypeError('a vendor ID goes with a proprietary network message type (0x80..0xFF), and only with one');
  }
  const dadr = options.dnet !== undefined ? hexBytes(options.dadr ?? '', 'DADR') : null;
  const sadr = options.snet !== undefined ? hexBytes(options.sadr ?? '', 'SADR') : null;
  if (sadr !== null && sadr.length === 0) throw new RangeError('SADR must not be empty when SNET is given');
  const priority = options.priority ?? 0;
  if (!Number.isInteger(priority) || priority < 0 || priority > 3) throw new RangeError(`priority must be 0..3, got ${priority}`);
  let control = priority;
  if (options.expectingReply) control |= CONTROL_EXPECTING_REPLY;
  if (dadr !== null) control |= CONTROL_DNET;
  if (sadr !== null) control |= CONTROL_SNET;
  if (options.networkMessage) control |= CONTROL_NETWORK_MESSAGE;
  const bytes: number[] = [NPDU_VERSION, control];
  if (dadr !== null) bytes.push(...uint16(options.dnet as number, 'DNET'), dadr.length, ...dadr);
  if (sadr !== null) bytes.push(...uint16(options.snet as number, 'SNET'), sadr.length, ...sadr);
  if (dadr !== null) bytes.push(uint8(options.hopCount ?? 255, 'hop count'));
  if (options.networkMessage) {
    const { type, vendorId } = options.networkMessage;
    bytes.push(uint8(type, 'network message type'));
    if (type >= 0x80) bytes.push(...uint16(vendorId ?? 0, 'vendor ID'));
  }
  const out = Buffer.allocUnsafe(bytes.length + body.length);
  out.set(bytes, 0);
  out.set(body, bytes.length);
  return out;
}

function hexOf(bytes: Uint8Array, at: number, count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) text += bytes[at + i].toString(16).padStart(2, '0');
  return text;
}

function hexBytes(text: string, what: string): number[] {
  if (!/^([0-9a-fA-F]{2})*$/.test(text) || text.length > 2 * 255) {
    throw new TypeError(`${what} must be hex octets (at most 255), got ${JSON.stringify(text)}`);
  }
  const out: number[] = [];
  for (let i = 0; i < text.length; i += 2) out.push(parseInt(text.slice(i, i + 2), 16));
  return out;
}

function uint8(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new RangeError(`${what} must be 0..255, got ${value}`);
  return value;
}

function uint16(value: number, what: string): [number, number] {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new RangeError(`${what} must be 0..65535, got ${value}`);
  return [value >>> 8, value & 0xff];
}
