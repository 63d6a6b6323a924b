/**
 * BVLL (BACnet Virtual Link Layer) frames of B/IPv4, ANSI/ASHRAE 135 Annex J.
 *
 * Every frame is `81 FF LL LL ...`: type 0x81, a function octet, and the
 * length of the whole frame (header included) as two big-endian octets.
 * decodeBvll() checks every length before it reads and throws only DecodeError;
 * encodeBvll() is its exact inverse for every frame decodeBvll() returns.
 * Pure: no I/O.
 */
import { BIP_ADDRESS_LENGTH, BipAddress, readBipAddress, writeBipAddress } from './address';
import { DecodeError } from './decode-error';

/** The type octet of B/IPv4 (Annex J). 0x82 is B/IPv6 (Annex U), which we do not speak. */
export const BVLL_TYPE_BIPV4 = 0x81;
/** Octets of the BVLL header: type, function, length. */
export const BVLL_HEADER_LENGTH = 4;
/** Largest NPDU that fits a B/IPv4 frame: 1476-octet APDU plus the largest NPDU header. */
export const MAX_NPDU_LENGTH = 1497;
/** Octets in a Forwarded-NPDU before the NPDU: header and the originating B/IP address. */
export const FORWARDED_HEADER_LENGTH = BVLL_HEADER_LENGTH + BIP_ADDRESS_LENGTH;
/** Largest BVLL frame we accept: a Forwarded-NPDU carrying the largest NPDU. */
export const MAX_FRAME_LENGTH = FORWARDED_HEADER_LENGTH + MAX_NPDU_LENGTH;

/** BVLC function codes (Annex J.2). */
export const BvlcFunction = {
  Result: 0x00,
  WriteBdt: 0x01,
  ReadBdt: 0x02,
  ReadBdtAck: 0x03,
  ForwardedNpdu: 0x04,
  RegisterForeignDevice: 0x05,
  ReadFdt: 0x06,
  ReadFdtAck: 0x07,
  DeleteFdtEntry: 0x08,
  DistributeBroadcastToNetwork: 0x09,
  OriginalUnicastNpdu: 0x0a,
  OriginalBroadcastNpdu: 0x0b,
  SecureBvll: 0x0c,
} as const;
export type BvlcFunctionCode = (typeof BvlcFunction)[keyof typeof BvlcFunction];

const FUNCTION_NAMES: readonly string[] = [
  'BVLC-Result',
  'Write-Broadcast-Distribution-Table',
  'Read-Broadcast-Distribution-Table',
  'Read-Broadcast-Distribution-Table-Ack',
  'Forwarded-NPDU',
  'Register-Foreign-Device',
  'Read-Foreign-Device-Table',
  'Read-Foreign-Device-Table-Ack',
  'Delete-Foreign-Device-Table-Entry',
  'Distribute-Broadcast-To-Network',
  'Original-Unicast-NPDU',
  'Original-Broadcast-NPDU',
  'Secure-BVLL',
];

/** The standard's name of a BVLC function, or `Unknown-0xNN`. */
export function bvlcFunctionName(code: number): string {
  return FUNCTION_NAMES[code] ?? `Unknown-0x${hex(code & 0xff, 2)}`;
}

/** BVLC-Result codes (Annex J.2.1.1). */
export const ResultCode = {
  Success: 0x0000,
  WriteBdtNak: 0x0010,
  ReadBdtNak: 0x0020,
  RegisterForeignDeviceNak: 0x0030,
  ReadFdtNak: 0x0040,
  DeleteFdtEntryNak: 0x0050,
  DistributeBroadcastToNetworkNak: 0x0060,
} as const;

const RESULT_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0000, 'Successful-Completion'],
  [0x0010, 'Write-Broadcast-Distribution-Table-NAK'],
  [0x0020, 'Read-Broadcast-Distribution-Table-NAK'],
  [0x0030, 'Register-Foreign-Device-NAK'],
  [0x0040, 'Read-Foreign-Device-Table-NAK'],
  [0x0050, 'Delete-Foreign-Device-Table-Entry-NAK'],
  [0x0060, 'Distribute-Broadcast-To-Network-NAK'],
]);

/** The standard's name of a BVLC-Result code; codes seen in the wild but not in the standard give `Unknown-0xNNNN`. */
export function resultCodeName(code: number): string {
  return RESULT_NAMES.get(code) ?? `Unknown-0x${hex(code & 0xffff, 4)}`;
}

/** One entry of a Broadcast Distribution Table: a BBMD and its broadcast distribution mask. */
export interface BdtEntry {
  address: string;
  port: number;
  /** Dotted-quad mask; 255.255.255.255 means "send to the BBMD itself". */
  mask: string;
}

/** One entry of a Foreign Device Table. */
export interface FdtEntry {
  address: string;
  port: number;
  /** The TTL the foreign device asked for (or the BBMD granted), seconds. */
  ttl: number;
  /** Seconds before the BBMD drops the entry (TTL plus its grace period, counting down). */
  remaining: number;
}

export type BvllFrame =
  | { function: typeof BvlcFunction.Result; code: number }
  | { function: typeof BvlcFunction.WriteBdt; entries: BdtEntry[] }
  | { function: typeof BvlcFunction.ReadBdt }
  | { function: typeof BvlcFunction.ReadBdtAck; entries: BdtEntry[] }
  | { function: typeof BvlcFunction.ForwardedNpdu; origin: BipAddress; npdu: Buffer }
  | { function: typeof BvlcFunction.RegisterForeignDevice; ttl: number }
  | { function: typeof BvlcFunction.ReadFdt }
  | { function: typeof BvlcFunction.ReadFdtAck; entries: FdtEntry[] }
  | { function: typeof BvlcFunction.DeleteFdtEntry; address: BipAddress }
  | { function: typeof BvlcFunction.DistributeBroadcastToNetwork; npdu: Buffer }
  | { function: typeof BvlcFunction.OriginalUnicastNpdu; npdu: Buffer }
  | { function: typeof BvlcFunction.OriginalBroadcastNpdu; npdu: Buffer }
  /** Recognised, not decoded: the payload after the header, as it came. */
  | { function: typeof BvlcFunction.SecureBvll; payload: Buffer };

/** The frame shape for one function code. */
export type BvllFrameOf<F extends BvlcFunctionCode> = Extract<BvllFrame, { function: F }>;

const BDT_ENTRY_LENGTH = 10;
const FDT_ENTRY_LENGTH = 10;

/**
 * Decodes one datagram as a BVLL frame. NPDU and payload fields are views of
 * `datagram` (no copy): copy them if the datagram's memory is reused.
 * @throws DecodeError for anything that is not a well-formed B/IPv4 frame.
 */
export function decodeBvll(datagram: Uint8Array): BvllFrame {
  const buf = asBuffer(datagram);
  if (buf.length < BVLL_HEADER_LENGTH) {
    throw new DecodeError(`truncated BVLL header: ${buf.length} octets, at least ${BVLL_HEADER_LENGTH} needed`);
  }
  if (buf[0] !== BVLL_TYPE_BIPV4) {
    throw new DecodeError(`not a B/IPv4 BVLL frame: type octet 0x${hex(buf[0], 2)}, expected 0x81`);
  }
  const fn = buf[1];
  const length = buf.readUInt16BE(2);
  if (length !== buf.length) {
    throw new DecodeError(`BVLL length field says ${length} octets, the datagram has ${buf.length}`, 2);
  }
  switch (fn) {
    case BvlcFunction.Result:
      expectLength(buf, fn, 6);
      return { function: fn, code: buf.readUInt16BE(4) };
    case BvlcFunction.WriteBdt:
      return { function: fn, entries: decodeBdtEntries(buf, fn) };
    case BvlcFunction.ReadBdt:
      expectLength(buf, fn, 4);
      return { function: fn };
    case BvlcFunction.ReadBdtAck:
      return { function: fn, entries: decodeBdtEntries(buf, fn) };
    case BvlcFunction.ForwardedNpdu: {
      if (buf.length < FORWARDED_HEADER_LENGTH + 1) {
        throw new DecodeError(`truncated Forwarded-NPDU: ${buf.length} octets, at least ${FORWARDED_HEADER_LENGTH + 1} needed`);
      }
      return { function: fn, origin: readBipAddress(buf, 4), npdu: npduOf(buf, fn, FORWARDED_HEADER_LENGTH) };
    }
    case BvlcFunction.RegisterForeignDevice:
      expectLength(buf, fn, 6);
      return { function: fn, ttl: buf.readUInt16BE(4) };
    case BvlcFunction.ReadFdt:
      expectLength(buf, fn, 4);
      return { function: fn };
    case BvlcFunction.ReadFdtAck:
      return { function: fn, entries: decodeFdtEntries(buf) };
    case BvlcFunction.DeleteFdtEntry:
      expectLength(buf, fn, BVLL_HEADER_LENGTH + BIP_ADDRESS_LENGTH);
      return { function: fn, address: readBipAddress(buf, 4) };
    case BvlcFunction.DistributeBroadcastToNetwork:
    case BvlcFunction.OriginalUnicastNpdu:
    case BvlcFunction.OriginalBroadcastNpdu:
      return { function: fn, npdu: npduOf(buf, fn, BVLL_HEADER_LENGTH) };
    case BvlcFunction.SecureBvll:
      return { function: fn, payload: buf.subarray(BVLL_HEADER_LENGTH) };
    default:
      throw new DecodeError(`unknown BVLC function 0x${hex(fn, 2)}`, 1);
  }
}

/** Encodes a frame; the exact inverse of decodeBvll(). Throws RangeError/TypeError on values that do not fit. */
export function encodeBvll(frame: BvllFrame): Buffer {
  switch (frame.function) {
    case BvlcFunction.Result:
      return withUInt16(frame.function, frame.code, 'result code');
    case BvlcFunction.WriteBdt:
    case BvlcFunction.ReadBdtAck: {
      const out = header(frame.function, BVLL_HEADER_LENGTH + frame.entries.length * BDT_ENTRY_LENGTH);
      frame.entries.forEach((entry, i) => {
        const at = writeBipAddress(entry, out, BVLL_HEADER_LENGTH + i * BDT_ENTRY_LENGTH);
        writeMask(entry.mask, out, at);
      });
      return out;
    }
    case BvlcFunction.ReadBdt:
    case BvlcFunction.ReadFdt:
      return header(frame.function, BVLL_HEADER_LENGTH);
    case BvlcFunction.ForwardedNpdu: {
      checkNpdu(frame.npdu);
      const out = header(frame.function, FORWARDED_HEADER_LENGTH + frame.npdu.length);
      writeBipAddress(frame.origin, out, BVLL_HEADER_LENGTH);
      out.set(frame.npdu, FORWARDED_HEADER_LENGTH);
      return out;
    }
    case BvlcFunction.RegisterForeignDevice:
      return withUInt16(frame.function, frame.ttl, 'TTL');
    case BvlcFunction.ReadFdtAck: {
      const out = header(frame.function, BVLL_HEADER_LENGTH + frame.entries.length * FDT_ENTRY_LENGTH);
      frame.entries.forEach((entry, i) => {
        const at = writeBipAddress(entry, out, BVLL_HEADER_LENGTH + i * FDT_ENTRY_LENGTH);
        out.writeUInt16BE(checkUInt16(entry.ttl, 'FDT TTL'), at);
        out.writeUInt16BE(checkUInt16(entry.remaining, 'FDT remaining time'), at + 2);
      });
      return out;
    }
    case BvlcFunction.DeleteFdtEntry: {
      const out = header(frame.function, BVLL_HEADER_LENGTH + BIP_ADDRESS_LENGTH);
      writeBipAddress(frame.address, out, BVLL_HEADER_LENGTH);
      return out;
    }
    case BvlcFunction.DistributeBroadcastToNetwork:
    case BvlcFunction.OriginalUnicastNpdu:
    case BvlcFunction.OriginalBroadcastNpdu:
      return encodeNpduFrame(frame.function, frame.npdu);
    case BvlcFunction.SecureBvll: {
      const out = header(frame.function, BVLL_HEADER_LENGTH + frame.payload.length);
      out.set(frame.payload, BVLL_HEADER_LENGTH);
      return out;
    }
  }
}

/** `81 05 00 06 TT TT`. */
export function encodeRegisterForeignDevice(ttl: number): Buffer {
  return encodeBvll({ function: BvlcFunction.RegisterForeignDevice, ttl });
}

/** `81 08 00 0A` + the foreign device's B/IP address. */
export function encodeDeleteFdtEntry(address: BipAddress): Buffer {
  return encodeBvll({ function: BvlcFunction.DeleteFdtEntry, address });
}

/**
 * An NPDU-carrying frame (DBTN, Original-Unicast, Original-Broadcast) in one
 * allocation: the header and the NPDU copied behind it. Used on the send path.
 */
export function encodeNpduFrame(
  fn:
    | typeof BvlcFunction.DistributeBroadcastToNetwork
    | typeof BvlcFunction.OriginalUnicastNpdu
    | typeof BvlcFunction.OriginalBroadcastNpdu,
  npdu: Uint8Array,
): Buffer {
  checkNpdu(npdu);
  const out = header(fn, BVLL_HEADER_LENGTH + npdu.length);
  writeNpduInto(out, npdu);
  return out;
}

/** Copies `npdu` behind the 4-octet header of `frame` (a frame of the right length). */
export function writeNpduInto(frame: Uint8Array, npdu: Uint8Array): void {
  frame.set(npdu, BVLL_HEADER_LENGTH);
}

function header(fn: number, length: number): Buffer {
  if (length > 0xffff) throw new RangeError(`BVLL frame of ${length} octets does not fit the 16-bit length field`);
  const out = Buffer.allocUnsafe(length);
  out[0] = BVLL_TYPE_BIPV4;
  out[1] = fn;
  // Big-endian length; `length` is checked above, so writeUInt16BE()'s own checks are not needed.
  out[2] = length >>> 8;
  out[3] = length & 0xff;
  return out;
}

function withUInt16(fn: number, value: number, what: string): Buffer {
  const out = header(fn, 6);
  out.writeUInt16BE(checkUInt16(value, what), 4);
  return out;
}

function checkUInt16(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new RangeError(`${what} must be an integer 0..65535, got ${String(value)}`);
  }
  return value;
}

function checkNpdu(npdu: Uint8Array): void {
  if (npdu.length === 0) throw new RangeError('NPDU is empty');
  if (npdu.length > MAX_NPDU_LENGTH) {
    throw new RangeError(`NPDU of ${npdu.length} octets is over the B/IPv4 limit of ${MAX_NPDU_LENGTH}`);
  }
}

function expectLength(buf: Buffer, fn: number, expected: number): void {
  if (buf.length !== expected) {
    throw new DecodeError(`${bvlcFunctionName(fn)} must be ${expected} octets, got ${buf.length}`);
  }
}

function npduOf(buf: Buffer, fn: number, offset: number): Buffer {
  const size = buf.length - offset;
  if (size < 1) throw new DecodeError(`${bvlcFunctionName(fn)} carries no NPDU`, offset);
  if (size > MAX_NPDU_LENGTH) {
    throw new DecodeError(`${bvlcFunctionName(fn)} carries ${size} octets of NPDU, over the limit of ${MAX_NPDU_LENGTH}`, offset);
  }
  return buf.subarray(offset);
}

function entryCount(buf: Buffer, fn: number, entryLength: number): number {
  const body = buf.length - BVLL_HEADER_LENGTH;
  if (body % entryLength !== 0) {
    throw new DecodeError(
      `${bvlcFunctionName(fn)} body of ${body} octets is not a whole number of ${entryLength}-octet entries`,
      BVLL_HEADER_LENGTH,
    );
  }
  return body / entryLength;
}

function decodeBdtEntries(buf: Buffer, fn: number): BdtEntry[] {
  const count = entryCount(buf, fn, BDT_ENTRY_LENGTH);
  const entries: BdtEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = BVLL_HEADER_LENGTH + i * BDT_ENTRY_LENGTH;
    const { address, port } = readBipAddress(buf, at);
    entries.push({ address, port, mask: `${buf[at + 6]}.${buf[at + 7]}.${buf[at + 8]}.${buf[at + 9]}` });
  }
  return entries;
}

function decodeFdtEntries(buf: Buffer): FdtEntry[] {
  const count = entryCount(buf, BvlcFunction.ReadFdtAck, FDT_ENTRY_LENGTH);
  const entries: FdtEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = BVLL_HEADER_LENGTH + i * FDT_ENTRY_LENGTH;
    const { address, port } = readBipAddress(buf, at);
    entries.push({ address, port, ttl: buf.readUInt16BE(at + 6), remaining: buf.readUInt16BE(at + 8) });
  }
  return entries;
}

function writeMask(mask: string, out: Buffer, at: number): void {
  const parts = mask.split('.');
  const octets = parts.map(Number);
  if (parts.length !== 4 || octets.some((o, i) => !/^\d{1,3}$/.test(parts[i]) || o > 255)) {
    throw new TypeError(`broadcast distribution mask must be dotted-quad, got ${JSON.stringify(mask)}`);
  }
  octets.forEach((o, i) => (out[at + i] = o));
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function hex(value: number, digits: number): string {
  return value.toString(16).toUpperCase().padStart(digits, '0');
}
