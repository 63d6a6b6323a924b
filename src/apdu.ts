/**
 * The few APDUs a foreign device builds or reads itself: Who-Is (clause
 * 16.10) and I-Am (clause 16.1). Everything else passes through untouched.
 * Pure: decoders throw only DecodeError.
 */
import { DecodeError } from './decode-error';
import { GLOBAL_NETWORK, encodeNpdu } from './npdu';

/** Largest device instance: object instances are 22 bits, and 4194303 means "unconfigured". */
export const MAX_DEVICE_INSTANCE = 4194303;
/** Object type of a Device object. */
export const OBJECT_TYPE_DEVICE = 8;

const PDU_TYPE_UNCONFIRMED = 0x10;
const SERVICE_I_AM = 0x00;
const SERVICE_WHO_IS = 0x08;

/** The application tag numbers used by I-Am. */
const TAG_UNSIGNED = 2;
const TAG_ENUMERATED = 9;
const TAG_OBJECT_ID = 12;

export const SEGMENTATION_NAMES = ['segmented-both', 'segmented-transmit', 'segmented-receive', 'no-segmentation'] as const;

/** A Who-Is APDU, with a device instance range when both ends are given. */
export function encodeWhoIsApdu(range?: { low: number; high: number }): Buffer {
  if (!range) return Buffer.from([PDU_TYPE_UNCONFIRMED, SERVICE_WHO_IS]);
  const { low, high } = range;
  for (const [name, value] of [['low', low], ['high', high]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > MAX_DEVICE_INSTANCE) {
      throw new RangeError(`Who-Is ${name} limit must be an integer 0..${MAX_DEVICE_INSTANCE}, got ${value}`);
    }
  }
  if (low > high) throw new RangeError(`Who-Is low limit ${low} is above the high limit ${high}`);
  return Buffer.from([PDU_TYPE_UNCONFIRMED, SERVICE_WHO_IS, ...contextUnsigned(0, low), ...contextUnsigned(1, high)]);
}

/** A global-broadcast Who-Is NPDU (`01 20 FF FF 00 FF 10 08` without a range). */
export function encodeGlobalWhoIs(range?: { low: number; high: number }): Buffer {
  return encodeNpdu({ dnet: GLOBAL_NETWORK, dadr: '', hopCount: 255 }, encodeWhoIsApdu(range));
}

export interface IAm {
  deviceInstance: number;
  maxApdu: number;
  segmentation: (typeof SEGMENTATION_NAMES)[number] | `unknown-${number}`;
  vendorId: number;
}

/** An I-Am APDU for a Device object. */
export function encodeIAmApdu(iAm: { deviceInstance: number; maxApdu: number; segmentation: number; vendorId: number }): Buffer {
  if (!Number.isInteger(iAm.deviceInstance) || iAm.deviceInstance < 0 || iAm.deviceInstance > MAX_DEVICE_INSTANCE) {
    throw new RangeError(`device instance must be 0..${MAX_DEVICE_INSTANCE}, got ${iAm.deviceInstance}`);
  }
  if (!Number.isInteger(iAm.segmentation) || iAm.segmentation < 0 || iAm.segmentation > 3) {
    throw new RangeError(`segmentation must be 0..3 (both, transmit, receive, none), got ${iAm.segmentation}`);
  }
  if (!Number.isInteger(iAm.vendorId) || iAm.vendorId < 0 || iAm.vendorId > 0xffff) {
    throw new RangeError(`vendor identifier must be 0..65535, got ${iAm.vendorId}`);
  }
  const objectId = ((OBJECT_TYPE_DEVICE << 22) | iAm.deviceInstance) >>> 0;
  return Buffer.from([
    PDU_TYPE_UNCONFIRMED,
    SERVICE_I_AM,
    (TAG_OBJECT_ID << 4) | 4,
    objectId >>> 24,
    (objectId >>> 16) & 0xff,
    (objectId >>> 8) & 0xff,
    objectId & 0xff,
    ...applicationUnsigned(TAG_UNSIGNED, iAm.maxApdu),
    ...applicationUnsigned(TAG_ENUMERATED, iAm.segmentation),
    ...applicationUnsigned(TAG_UNSIGNED, iAm.vendorId),
  ]);
}

/**
 * Decodes an I-Am APDU (starting at `offset`).
 * @throws DecodeError when it is not an I-Am, is truncated, or its object is not a Device.
 */
export function decodeIAm(apdu: Uint8Array, offset = 0): IAm {
  if (apdu.length - offset < 2 || apdu[offset] !== PDU_TYPE_UNCONFIRMED || apdu[offset + 1] !== SERVICE_I_AM) {
    throw new DecodeError('not an I-Am APDU', offset);
  }
  const reader = { at: offset + 2 };
  if (apdu.length > reader.at && apdu[reader.at] !== ((TAG_OBJECT_ID << 4) | 4)) {
    throw new DecodeError(`I-Am object identifier must be application tag 12 of 4 octets (0xC4), got 0x${apdu[reader.at].toString(16)}`, reader.at);
  }
  const objectId = readApplication(apdu, reader, TAG_OBJECT_ID, 'object identifier');
  if (objectId >>> 22 !== OBJECT_TYPE_DEVICE) {
    throw new DecodeError(`I-Am names object type ${objectId >>> 22}, not a Device (8)`, offset + 2);
  }
  const maxApdu = readApplication(apdu, reader, TAG_UNSIGNED, 'max APDU length accepted');
  const segmentationCode = readApplication(apdu, reader, TAG_ENUMERATED, 'segmentation supported');
  const vendorId = readApplication(apdu, reader, TAG_UNSIGNED, 'vendor identifier');
  if (vendorId > 0xffff) throw new DecodeError(`I-Am vendor identifier ${vendorId} is over 65535`, reader.at);
  return {
    deviceInstance: objectId & MAX_DEVICE_INSTANCE,
    maxApdu,
    segmentation: SEGMENTATION_NAMES[segmentationCode] ?? `unknown-${segmentationCode}`,
    vendorId,
  };
}

/** Reads one application-tagged value of 1..4 octets as an unsigned number. */
function readApplication(bytes: Uint8Array, reader: { at: number }, tag: number, what: string): number {
  const at = reader.at;
  if (at >= bytes.length) throw new DecodeError(`I-Am truncated before the ${what}`, at);
  const octet = bytes[at];
  const length = octet & 0x07;
  if (octet >> 4 !== tag || (octet & 0x08) !== 0 || length < 1 || length > 4) {
    throw new DecodeError(`I-Am ${what}: expected application tag ${tag} of 1..4 octets, got 0x${octet.toString(16)}`, at);
  }
  if (bytes.length - at - 1 < length) throw new DecodeError(`I-Am ${what} truncated`, at);
  let value = 0;
  for (let i = 1; i <= length; i++) value = value * 256 + bytes[at + i];
  reader.at = at + 1 + length;
  return value;
}

function minimalOctets(value: number): number[] {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`unsigned value out of range: ${value}`);
  const out: number[] = [];
  let rest = value;
  do {
    out.unshift(rest & 0xff);
    rest = Math.floor(rest / 256);
  } while (rest > 0);
  return out;
}

function applicationUnsigned(tag: number, value: number): number[] {
  const octets = minimalOctets(value);
  return [(tag << 4) | octets.length, ...octets];
}

function contextUnsigned(tag: number, value: number): number[] {
  const octets = minimalOctets(value);
  return [(tag << 4) | 0x08 | octets.length, ...octets];
}
