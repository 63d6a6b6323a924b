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

/**
 * The I-Am APDU at `offset` as a Device I-Am, or null when its fields do not
 * decode as one (another object type, wrong tags or lengths, a vendor over
 * 65535). Such an APDU is still a well-formed Unconfirmed-Request: a receiver
 * delivers it without the fields rather than dropping the whole NPDU.
 */
export function decodeIAmOrNull(apdu: Uint8Array, offset = 0): IAm | null {
  try {
    return decodeIAm(apdu, offset);
  } catch (err) {
    if (err instanceof DecodeError) return null;
    throw err;
  }
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

// ---- APDU type and service, for describing what arrived ------------------------------

const APDU_TYPE_NAMES = [
  'Confirmed-Request',
  'Unconfirmed-Request',
  'Simple-ACK',
  'Complex-ACK',
  'Segment-ACK',
  'Error',
  'Reject',
  'Abort',
] as const;
export type ApduTypeName = (typeof APDU_TYPE_NAMES)[number];

const UNCONFIRMED_SERVICE_NAMES: readonly string[] = [
  'I-Am',
  'I-Have',
  'Unconfirmed-COV-Notification',
  'Unconfirmed-Event-Notification',
  'Unconfirmed-Private-Transfer',
  'Unconfirmed-Text-Message',
  'Time-Synchronization',
  'Who-Has',
  'Who-Is',
  'UTC-Time-Synchronization',
  'Write-Group',
  'Unconfirmed-COV-Notification-Multiple',
  'Unconfirmed-Audit-Notification',
  'Who-Am-I',
  'You-Are',
];

const CONFIRMED_SERVICE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'Acknowledge-Alarm'],
  [1, 'Confirmed-COV-Notification'],
  [2, 'Confirmed-Event-Notification'],
  [3, 'Get-Alarm-Summary'],
  [4, 'Get-Enrollment-Summary'],
  [5, 'Subscribe-COV'],
  [6, 'Atomic-Read-File'],
  [7, 'Atomic-Write-File'],
  [8, 'Add-List-Element'],
  [9, 'Remove-List-Element'],
  [10, 'Create-Object'],
  [11, 'Delete-Object'],
  [12, 'Read-Property'],
  [14, 'Read-Property-Multiple'],
  [15, 'Write-Property'],
  [16, 'Write-Property-Multiple'],
  [17, 'Device-Communication-Control'],
  [18, 'Confirmed-Private-Transfer'],
  [19, 'Confirmed-Text-Message'],
  [20, 'Reinitialize-Device'],
  [21, 'VT-Open'],
  [22, 'VT-Close'],
  [23, 'VT-Data'],
  [26, 'Read-Range'],
  [27, 'Life-Safety-Operation'],
  [28, 'Subscribe-COV-Property'],
  [29, 'Get-Event-Information'],
  [30, 'Subscribe-COV-Property-Multiple'],
  [31, 'Confirmed-COV-Notification-Multiple'],
  [32, 'Confirmed-Audit-Notification'],
  [33, 'Audit-Log-Query'],
]);

export interface ApduSummary {
  type: ApduTypeName;
  /** The service's name (`Unknown-N` for a choice we do not name), or null for PDUs that carry none (Segment-ACK, Reject, Abort). */
  service: string | null;
  /** The invoke ID of confirmed requests and their answers. */
  invokeId?: number;
}

/** The service name of an unconfirmed service choice. */
export function unconfirmedServiceName(choice: number): string {
  return UNCONFIRMED_SERVICE_NAMES[choice] ?? `Unknown-${choice}`;
}

/** The service name of a confirmed service choice. */
export function confirmedServiceName(choice: number): string {
  return CONFIRMED_SERVICE_NAMES.get(choice) ?? `Unknown-${choice}`;
}

/**
 * The type and service of the APDU at `offset`.
 * @throws DecodeError when it is empty, truncated before its service, or of an unknown type.
 */
export function describeApdu(bytes: Uint8Array, offset = 0): ApduSummary {
  if (offset < 0 || offset >= bytes.length) throw new DecodeError('no APDU after the NPDU header', Math.max(0, offset));
  const first = bytes[offset];
  const typeCode = first >> 4;
  const type = APDU_TYPE_NAMES[typeCode];
  if (type === undefined) throw new DecodeError(`unknown APDU type ${typeCode}`, offset);
  const segmented = (first & 0x08) !== 0;
  const at = (index: number, what: string): number => {
    if (offset + index >= bytes.length) throw new DecodeError(`${type} APDU truncated before its ${what}`, offset);
    return bytes[offset + index];
  };
  switch (type) {
    case 'Confirmed-Request':
      // type, max segments/APDU, invoke ID, [sequence number, window size,] service choice
      return { type, invokeId: at(2, 'invoke ID'), service: confirmedServiceName(at(segmented ? 5 : 3, 'service choice')) };
    case 'Unconfirmed-Request':
      return { type, service: unconfirmedServiceName(at(1, 'service choice')) };
    case 'Simple-ACK':
    case 'Error':
      return { type, invokeId: at(1, 'invoke ID'), service: confirmedServiceName(at(2, 'service choice')) };
    case 'Complex-ACK':
      return { type, invokeId: at(1, 'invoke ID'), service: confirmedServiceName(at(segmented ? 4 : 2, 'service choice')) };
    case 'Segment-ACK':
    case 'Reject':
    case 'Abort':
      return { type, invokeId: at(1, 'invoke ID'), service: null };
  }
}

/** True for an APDU that is an I-Am (unconfirmed request, service 0). */
export function isIAm(bytes: Uint8Array, offset = 0): boolean {
  return bytes.length - offset >= 2 && bytes[offset] === PDU_TYPE_UNCONFIRMED && bytes[offset + 1] === SERVICE_I_AM;
}

/**
 * The device range of a Who-Is APDU at `offset`: null when it has none.
 * @throws DecodeError when it is not a Who-Is or its range is malformed.
 */
export function decodeWhoIs(bytes: Uint8Array, offset = 0): { low: number; high: number } | null {
  if (bytes.length - offset < 2 || bytes[offset] !== PDU_TYPE_UNCONFIRMED || bytes[offset + 1] !== SERVICE_WHO_IS) {
    throw new DecodeError('not a Who-Is APDU', Math.max(0, offset));
  }
  if (bytes.length - offset === 2) return null;
  const reader = { at: offset + 2 };
  const low = readContextUnsigned(bytes, reader, 0, 'low limit');
  const high = readContextUnsigned(bytes, reader, 1, 'high limit');
  if (reader.at !== bytes.length) throw new DecodeError('Who-Is has octets after its range', reader.at);
  if (low > MAX_DEVICE_INSTANCE || high > MAX_DEVICE_INSTANCE) throw new DecodeError('Who-Is limit over 4194303', offset + 2);
  return { low, high };
}

function readContextUnsigned(bytes: Uint8Array, reader: { at: number }, tag: number, what: string): number {
  const at = reader.at;
  const octet = bytes[at];
  if (octet === undefined || octet >> 4 !== tag || (octet & 0x08) === 0) throw new DecodeError(`Who-Is ${what}: expected context tag ${tag}`, at);
  const length = octet & 0x07;
  if (length < 1 || length > 4 || bytes.length - at - 1 < length) throw new DecodeError(`Who-Is ${what} truncated or too long`, at);
  let value = 0;
  for (let i = 1; i <= length; i++) value = value * 256 + bytes[at + i];
  reader.at = at + 1 + length;
  return value;
}
