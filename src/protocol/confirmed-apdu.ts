/**
 * The APDUs of a confirmed service (ANSI/ASHRAE 135 clause 20.1):
 * Confirmed-Request, Simple-ACK, Complex-ACK, Segment-ACK, Error, Reject and
 * Abort, both ways. Pure: the decoder throws only DecodeError, the encoder
 * RangeError or TypeError for a value that does not fit its field.
 */
import { decodeApplicationValue, describeTag, encodeApplicationValue } from './application-tags';
import { DecodeError } from './decode-error';
import { decodeTagHeader } from './tag-header';

/** What we accept and announce: the largest max-APDU code (5, B/IP's 1476). */
export const MAX_APDU_ACCEPTED = 1476;

/** Confirmed service choices the client sends or answers (clause 21 BACnetConfirmedServiceChoice). */
export const SERVICE = {
  confirmedCovNotification: 1,
  subscribeCov: 5,
  readProperty: 12,
  readPropertyMultiple: 14,
  writeProperty: 15,
  subscribeCovProperty: 28,
} as const;

export type ConfirmedApdu =
  | {
      type: 'confirmed-request';
      segmented: boolean;
      moreFollows: boolean;
      segmentedResponseAccepted: boolean;
      maxSegments: number | null;
      maxApdu: number;
      invokeId: number;
      sequenceNumber: number | null;
      windowSize: number | null;
      service: number;
      data: Buffer;
    }
  | { type: 'simple-ack'; invokeId: number; service: number }
  | {
      type: 'complex-ack';
      segmented: boolean;
      moreFollows: boolean;
      invokeId: number;
      sequenceNumber: number | null;
      windowSize: number | null;
      service: number;
      data: Buffer;
    }
  | { type: 'segment-ack'; negative: boolean; fromServer: boolean; invokeId: number; sequenceNumber: number; windowSize: number }
  | { type: 'error'; invokeId: number; service: number; errorClass: number; errorCode: number }
  | { type: 'reject'; invokeId: number; reason: number }
  | { type: 'abort'; fromServer: boolean; invokeId: number; reason: number };

/** Clause 20.1.2.5: octets by max-APDU-length-accepted code; 6..15 are reserved. */
const MAX_APDU_SIZES: readonly number[] = [50, 128, 206, 480, 1024, 1476];
/** Clause 20.1.2.4: segments by max-segments-accepted code; 0 is "unspecified", 7 "more than 64". */
const MAX_SEGMENTS: readonly (number | null)[] = [null, 2, 4, 8, 16, 32, 64, Infinity];

const PDU_CONFIRMED_REQUEST = 0;
const PDU_UNCONFIRMED_REQUEST = 1;
const PDU_SIMPLE_ACK = 2;
const PDU_COMPLEX_ACK = 3;
const PDU_SEGMENT_ACK = 4;
const PDU_ERROR = 5;
const PDU_REJECT = 6;
const PDU_ABORT = 7;

const FLAG_SEGMENTED = 0x08;
const FLAG_MORE_FOLLOWS = 0x04;
const FLAG_SEGMENTED_RESPONSE_ACCEPTED = 0x02;
const FLAG_NEGATIVE = 0x02;
const FLAG_SERVER = 0x01;
/** Clause 20.1.2.8 and 20.1.6.4: proposed and actual window sizes are 1..127. */
const MAX_WINDOW = 127;
const MAX_ENUMERATED = 0xffffffff;

/** The octets of max-APDU-length-accepted `code` (0..5). @throws RangeError for the reserved codes 6..15 and non-codes */
export function maxApduFromCode(code: number): number {
  const size = Number.isInteger(code) ? MAX_APDU_SIZES[code] : undefined;
  if (size === undefined) throw new RangeError(`max-APDU-length-accepted code must be 0..5 (6..15 are reserved), got ${code}`);
  return size;
}

/**
 * The largest max-APDU code whose size is at most `octets` (1476 and more: 5),
 * so a size between two codes is announced as the smaller, which we surely accept.
 * @throws RangeError below 50 octets (the smallest code) or for a non-number
 */
export function maxApduCode(octets: number): number {
  if (typeof octets !== 'number' || Number.isNaN(octets) || octets < MAX_APDU_SIZES[0]) {
    throw new RangeError(`max APDU length must be at least ${MAX_APDU_SIZES[0]} octets, got ${octets}`);
  }
  let code = 0;
  while (code + 1 < MAX_APDU_SIZES.length && MAX_APDU_SIZES[code + 1] <= octets) code++;
  return code;
}

/** The segments of max-segments-accepted `code` (0..7): null for 0 (unspecified), Infinity for 7 (more than 64). */
export function maxSegmentsFromCode(code: number): number | null {
  if (!Number.isInteger(code) || code < 0 || code >= MAX_SEGMENTS.length) {
    throw new RangeError(`max-segments-accepted code must be 0..7, got ${code}`);
  }
  return MAX_SEGMENTS[code];
}

/**
 * The max-segments code of `segments`: 0 for null (unspecified), else the
 * largest code whose count is at most `segments` (over 64, Infinity included: 7).
 * @throws RangeError below 2 segments or for a non-number
 */
export function maxSegmentsCode(segments: number | null): number {
  if (segments === null) return 0;
  if (typeof segments !== 'number' || Number.isNaN(segments) || segments < 2) {
    throw new RangeError(`max segments must be null (unspecified) or at least 2, got ${segments}`);
  }
  if (segments > 64) return MAX_SEGMENTS.length - 1;
  let code = 1;
  while (code + 1 < MAX_SEGMENTS.length - 1 && (MAX_SEGMENTS[code + 1] as number) <= segments) code++;
  return code;
}

// ---- decoding ----------------------------------------------------------------------------------

const TYPE_LABELS = ['Confirmed-Request', 'Unconfirmed-Request', 'Simple-ACK', 'Complex-ACK', 'Segment-ACK', 'Error', 'Reject', 'Abort'];

/**
 * The APDU at `offset`, to the end of `bytes`. `data` of requests and
 * Complex-ACKs is a view of the input (no copy). MOR in an unsegmented PDU
 * means nothing and decodes as false. Error data may come in the plain form
 * (error-class, error-code) or wrapped in [0] as several services' errors are
 * (CreateObject-Error, WritePropertyMultiple-Error, ...): the pair is taken
 * and what follows [0] (service-specific) is not read.
 * @throws DecodeError for an Unconfirmed-Request, an unknown PDU type, a
 *   truncated PDU, a reserved max-APDU code, a window size outside 1..127,
 *   octets after a fixed-length PDU, or error data that is not the pair
 */
export function decodeConfirmedApdu(bytes: Uint8Array, offset = 0): ConfirmedApdu {
  if (!Number.isInteger(offset) || offset < 0 || offset >= bytes.length) {
    throw new DecodeError('no APDU: the data ends', Math.max(0, Math.min(bytes.length, Number.isInteger(offset) ? offset : 0)));
  }
  const first = bytes[offset];
  const pduType = first >> 4;
  if (pduType === PDU_UNCONFIRMED_REQUEST) throw new DecodeError('not a confirmed-service APDU', offset);
  const label = TYPE_LABELS[pduType];
  if (label === undefined) throw new DecodeError(`unknown APDU type ${pduType}`, offset);
  const octet = (index: number, what: string): number => {
    if (offset + index >= bytes.length) throw new DecodeError(`${label} APDU truncated before its ${what}`, offset);
    return bytes[offset + index];
  };
  const fixedLength = (length: number): void => {
    const extra = bytes.length - offset - length;
    if (extra > 0) throw new DecodeError(`${label} APDU has ${extra} octets after its ${length}`, offset + length);
  };
  const segmented = (first & FLAG_SEGMENTED) !== 0;
  const moreFollows = segmented && (first & FLAG_MORE_FOLLOWS) !== 0;
  const window = (index: number, what: string): number => {
    const size = octet(index, what);
    if (size < 1 || size > MAX_WINDOW) throw new DecodeError(`${label} ${what} ${size} is outside 1..${MAX_WINDOW}`, offset + index);
    return size;
  };
  switch (pduType) {
    case PDU_CONFIRMED_REQUEST: {
      const limits = octet(1, 'max segments and max APDU');
      const apduCode = limits & 0x0f;
      if (apduCode >= MAX_APDU_SIZES.length) throw new DecodeError(`Confirmed-Request max-APDU code ${apduCode} is reserved`, offset + 1);
      const invokeId = octet(2, 'invoke ID');
      const sequenceNumber = segmented ? octet(3, 'sequence number') : null;
      const windowSize = segmented ? window(4, 'proposed window size') : null;
      const serviceAt = segmented ? 5 : 3;
      const service = octet(serviceAt, 'service choice');
      return {
        type: 'confirmed-request',
        segmented,
        moreFollows,
        segmentedResponseAccepted: (first & FLAG_SEGMENTED_RESPONSE_ACCEPTED) !== 0,
        maxSegments: MAX_SEGMENTS[(limits >> 4) & 0x07],
        maxApdu: MAX_APDU_SIZES[apduCode],
        invokeId,
        sequenceNumber,
        windowSize,
        service,
        data: view(bytes, offset + serviceAt + 1),
      };
    }
    case PDU_SIMPLE_ACK: {
      const apdu: ConfirmedApdu = { type: 'simple-ack', invokeId: octet(1, 'invoke ID'), service: octet(2, 'service choice') };
      fixedLength(3);
      return apdu;
    }
    case PDU_COMPLEX_ACK: {
      const invokeId = octet(1, 'invoke ID');
      const sequenceNumber = segmented ? octet(2, 'sequence number') : null;
      const windowSize = segmented ? window(3, 'proposed window size') : null;
      const serviceAt = segmented ? 4 : 2;
      const service = octet(serviceAt, 'service choice');
      const data = view(bytes, offset + serviceAt + 1);
      return { type: 'complex-ack', segmented, moreFollows, invokeId, sequenceNumber, windowSize, service, data };
    }
    case PDU_SEGMENT_ACK: {
      const apdu: ConfirmedApdu = {
        type: 'segment-ack',
        negative: (first & FLAG_NEGATIVE) !== 0,
        fromServer: (first & FLAG_SERVER) !== 0,
        invokeId: octet(1, 'invoke ID'),
        sequenceNumber: octet(2, 'sequence number'),
        windowSize: window(3, 'actual window size'),
      };
      fixedLength(4);
      return apdu;
    }
    case PDU_ERROR: {
      const invokeId = octet(1, 'invoke ID');
      const service = octet(2, 'service choice');
      return { type: 'error', invokeId, service, ...decodeErrorData(bytes, offset + 3) };
    }
    case PDU_REJECT: {
      const apdu: ConfirmedApdu = { type: 'reject', invokeId: octet(1, 'invoke ID'), reason: octet(2, 'reject reason') };
      fixedLength(3);
      return apdu;
    }
    default: {
      // PDU_ABORT: the other seven types are handled above
      const apdu: ConfirmedApdu = {
        type: 'abort',
        fromServer: (first & FLAG_SERVER) !== 0,
        invokeId: octet(1, 'invoke ID'),
        reason: octet(2, 'abort reason'),
      };
      fixedLength(3);
      return apdu;
    }
  }
}

/** error-class and error-code (clause 21 Error), plain or as the first thing inside an opening tag [0]. */
function decodeErrorData(bytes: Uint8Array, start: number): { errorClass: number; errorCode: number } {
  let at = start;
  const header = decodeTagHeader(bytes, at);
  const wrapped = header.kind === 'opening' && header.tag === 0;
  if (wrapped) at += header.headerLength;
  else if (header.tagClass === 'context') throw new DecodeError(`Error APDU: expected error-class or opening tag 0, got ${describeTag(header)}`, at);
  const errorClass = decodeApplicationValue(bytes, at, 'enumerated');
  at += errorClass.length;
  const errorCode = decodeApplicationValue(bytes, at, 'enumerated');
  at += errorCode.length;
  if (wrapped) {
    const closing = decodeTagHeader(bytes, at);
    if (closing.kind !== 'closing' || closing.tag !== 0) {
      throw new DecodeError(`Error APDU: expected closing tag 0 after error-code, got ${describeTag(closing)}`, at);
    }
  }
  return { errorClass: errorClass.value, errorCode: errorCode.value };
}

/** The octets from `start` to the end, sharing the input's memory. */
function view(bytes: Uint8Array, start: number): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.length - start);
}

// ---- encoding ----------------------------------------------------------------------------------

/**
 * The octets of `apdu`: the exact inverse of decodeConfirmedApdu for the
 * values it gives. maxApdu and maxSegments between two codes are announced as
 * the smaller code (maxApduCode, maxSegmentsCode). Error data is the plain form.
 * @throws RangeError for a field outside its range (octets 0..255, window
 *   1..127, sequence fields with an unsegmented PDU, more-follows without
 *   segmented, error class or code outside 0..4294967295)
 * @throws TypeError for an unknown type, a flag that is not a boolean, data that is not octets
 */
export function encodeConfirmedApdu(apdu: ConfirmedApdu): Buffer {
  switch (apdu.type) {
    case 'confirmed-request': {
      const flags =
        flag(apdu.segmented, 'segmented', FLAG_SEGMENTED) |
        flag(apdu.moreFollows, 'moreFollows', FLAG_MORE_FOLLOWS) |
        flag(apdu.segmentedResponseAccepted, 'segmentedResponseAccepted', FLAG_SEGMENTED_RESPONSE_ACCEPTED);
      const limits = (maxSegmentsCode(apdu.maxSegments) << 4) | maxApduCode(apdu.maxApdu);
      const header = [(PDU_CONFIRMED_REQUEST << 4) | flags, limits, field(apdu.invokeId, 'invokeId'), ...segmentFields(apdu)];
      return withData([...header, field(apdu.service, 'service')], apdu.data);
    }
    case 'simple-ack':
      return Buffer.from([PDU_SIMPLE_ACK << 4, field(apdu.invokeId, 'invokeId'), field(apdu.service, 'service')]);
    case 'complex-ack': {
      const flags = flag(apdu.segmented, 'segmented', FLAG_SEGMENTED) | flag(apdu.moreFollows, 'moreFollows', FLAG_MORE_FOLLOWS);
      const header = [(PDU_COMPLEX_ACK << 4) | flags, field(apdu.invokeId, 'invokeId'), ...segmentFields(apdu)];
      return withData([...header, field(apdu.service, 'service')], apdu.data);
    }
    case 'segment-ack': {
      const flags = flag(apdu.negative, 'negative', FLAG_NEGATIVE) | flag(apdu.fromServer, 'fromServer', FLAG_SERVER);
      const sequenceNumber = field(apdu.sequenceNumber, 'sequenceNumber');
      return Buffer.from([(PDU_SEGMENT_ACK << 4) | flags, field(apdu.invokeId, 'invokeId'), sequenceNumber, windowField(apdu.windowSize)]);
    }
    case 'error': {
      const header = Buffer.from([PDU_ERROR << 4, field(apdu.invokeId, 'invokeId'), field(apdu.service, 'service')]);
      const errorClass = encodeApplicationValue('enumerated', field(apdu.errorClass, 'errorClass', 0, MAX_ENUMERATED));
      const errorCode = encodeApplicationValue('enumerated', field(apdu.errorCode, 'errorCode', 0, MAX_ENUMERATED));
      return Buffer.concat([header, errorClass, errorCode]);
    }
    case 'reject':
      return Buffer.from([PDU_REJECT << 4, field(apdu.invokeId, 'invokeId'), field(apdu.reason, 'reason')]);
    case 'abort':
      return Buffer.from([(PDU_ABORT << 4) | flag(apdu.fromServer, 'fromServer', FLAG_SERVER), field(apdu.invokeId, 'invokeId'), field(apdu.reason, 'reason')]);
    default:
      throw new TypeError(`unknown confirmed-service APDU type ${JSON.stringify((apdu as { type?: unknown }).type)}`);
  }
}

/** Sequence number and proposed window size of a segmented PDU, none otherwise. */
function segmentFields(apdu: { segmented: boolean; moreFollows: boolean; sequenceNumber: number | null; windowSize: number | null }): number[] {
  if (apdu.segmented) {
    if (apdu.sequenceNumber === null || apdu.windowSize === null) throw new RangeError('a segmented APDU needs sequenceNumber and windowSize');
    return [field(apdu.sequenceNumber, 'sequenceNumber'), windowField(apdu.windowSize)];
  }
  if (apdu.moreFollows) throw new RangeError('moreFollows needs segmented');
  if (apdu.sequenceNumber !== null || apdu.windowSize !== null) {
    throw new RangeError('an unsegmented APDU has no sequenceNumber or windowSize (give null)');
  }
  return [];
}

function withData(header: number[], data: Uint8Array): Buffer {
  if (!(data instanceof Uint8Array)) throw new TypeError('APDU data must be a Buffer or Uint8Array');
  return Buffer.concat([Buffer.from(header), data]);
}

function field(value: number, name: string, min = 0, max = 0xff): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer ${min}..${max}, got ${value}`);
  return value;
}

function windowField(value: number): number {
  return field(value, 'windowSize', 1, MAX_WINDOW);
}

function flag(value: boolean, name: string, bit: number): number {
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${String(value)}`);
  return value ? bit : 0;
}
