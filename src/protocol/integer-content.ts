/**
 * The content octets of unsigned, signed and enumerated values (clauses
 * 20.2.4, 20.2.5, 20.2.11): big-endian, two's complement for signed, in the
 * fewest octets, up to 8 octets (64 bits). A value beyond
 * Number.MAX_SAFE_INTEGER is a string of digits, as CLIENT.md's Values table
 * says, so no precision is lost in either direction.
 */
import { DecodeError } from './decode-error';
import { readBigEndian } from './tag-header';
import { notAccepted } from './value-error';

const MAX_OCTETS = 8;
/** Up to 6 octets a JavaScript number holds exactly (48 bits < 53). */
const NUMBER_OCTETS = 6;
const MAX_UNSIGNED = (1n << 64n) - 1n;
const MIN_SIGNED = -(1n << 63n);
const MAX_SIGNED = (1n << 63n) - 1n;
const MAX_ENUMERATED = 0xffffffff;

/** An integer as decoded: a number, or a string of digits beyond the safe range. */
export type BigIntegerValue = number | string;

const UNSIGNED_ACCEPTS = `an integer 0..${MAX_UNSIGNED} (a number up to ${Number.MAX_SAFE_INTEGER}, beyond it a string of digits or a bigint)`;
const SIGNED_ACCEPTS = `an integer ${MIN_SIGNED}..${MAX_SIGNED} (a number within ±${Number.MAX_SAFE_INTEGER}, beyond it a string of digits or a bigint)`;
const ENUMERATED_ACCEPTS = `an integer 0..${MAX_ENUMERATED}`;

export function encodeUnsignedContent(value: unknown): Buffer {
  const n = toBigInt(value, 'unsigned', UNSIGNED_ACCEPTS, 0n, MAX_UNSIGNED);
  return bigEndian(n, octetsForUnsigned(n));
}

export function encodeSignedContent(value: unknown): Buffer {
  const n = toBigInt(value, 'signed', SIGNED_ACCEPTS, MIN_SIGNED, MAX_SIGNED);
  let octets = 1;
  while (octets < MAX_OCTETS && (n < -(1n << BigInt(8 * octets - 1)) || n >= 1n << BigInt(8 * octets - 1))) octets++;
  return bigEndian(BigInt.asUintN(8 * octets, n), octets);
}

export function encodeEnumeratedContent(value: unknown): Buffer {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_ENUMERATED) {
    throw notAccepted('enumerated', ENUMERATED_ACCEPTS, value);
  }
  return bigEndian(BigInt(value), octetsForUnsigned(BigInt(value)));
}

export function decodeUnsignedContent(bytes: Uint8Array, at: number, length: number): BigIntegerValue {
  checkLength('unsigned', at, length);
  if (length <= NUMBER_OCTETS) return readBigEndian(bytes, at, length);
  return fromBigInt(readBigInt(bytes, at, length));
}

export function decodeSignedContent(bytes: Uint8Array, at: number, length: number): BigIntegerValue {
  checkLength('signed', at, length);
  if (length <= NUMBER_OCTETS) {
    const raw = readBigEndian(bytes, at, length);
    return bytes[at] & 0x80 ? raw - 2 ** (8 * length) : raw;
  }
  return fromBigInt(BigInt.asIntN(8 * length, readBigInt(bytes, at, length)));
}

/** Enumerated is encoded as unsigned; a value over 32 bits is refused, as the encoder refuses it. */
export function decodeEnumeratedContent(bytes: Uint8Array, at: number, length: number): number {
  checkLength('enumerated', at, length);
  const value = length <= NUMBER_OCTETS ? readBigEndian(bytes, at, length) : readBigInt(bytes, at, length);
  if (value > MAX_ENUMERATED) throw new DecodeError(`enumerated value ${value} is over ${MAX_ENUMERATED}`, at);
  return Number(value);
}

function checkLength(valueType: string, at: number, length: number): void {
  if (length === 0) throw new DecodeError(`${valueType} has no content octets`, at);
  if (length > MAX_OCTETS) throw new DecodeError(`${valueType} of ${length} octets is longer than ${MAX_OCTETS} (64 bits)`, at);
}

/** The accepted forms of a big integer (number, bigint, string of digits) as a bigint within min..max. */
function toBigInt(value: unknown, valueType: string, accepts: string, min: bigint, max: bigint): bigint {
  let n: bigint | null = null;
  if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === 'bigint') n = value;
  else if (typeof value === 'string' && /^-?[0-9]+$/.test(value)) n = BigInt(value);
  if (n === null || n < min || n > max) throw notAccepted(valueType, accepts, value);
  return n;
}

function fromBigInt(n: bigint): BigIntegerValue {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}

function octetsForUnsigned(n: bigint): number {
  let octets = 1;
  while (octets < MAX_OCTETS && n >= 1n << BigInt(8 * octets)) octets++;
  return octets;
}

function bigEndian(n: bigint, octets: number): Buffer {
  const out = Buffer.alloc(octets);
  let rest = n;
  for (let i = octets - 1; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

function readBigInt(bytes: Uint8Array, at: number, length: number): bigint {
  let value = 0n;
  for (let i = 0; i < length; i++) value = (value << 8n) | BigInt(bytes[at + i]);
  return value;
}
