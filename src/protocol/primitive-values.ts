/**
 * The primitive datatypes of clause 20.2.2-20.2.14 and their content octets,
 * the same whether the value is application- or context-tagged (except the
 * application boolean, whose value is in the tag). Encoders throw
 * ValueError; decoders get content whose bounds the caller checked and throw
 * only DecodeError.
 */
import { decodeCharacterStringContent, encodeCharacterStringContent } from './character-string';
import { DecodeError } from './decode-error';
import {
  BigIntegerValue,
  decodeEnumeratedContent,
  decodeSignedContent,
  decodeUnsignedContent,
  encodeEnumeratedContent,
  encodeSignedContent,
  encodeUnsignedContent,
} from './integer-content';
import { describeValue, notAccepted } from './value-error';

/** The valueType names, indexed by application tag number (clause 20.2.1.4). */
export const VALUE_TYPES = [
  'null',
  'boolean',
  'unsigned',
  'signed',
  'real',
  'double',
  'octet-string',
  'character-string',
  'bit-string',
  'enumerated',
  'date',
  'time',
  'object-identifier',
] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

/** A date; null in a field means "any" (255 on the wire). */
export interface BacnetDate {
  /** 1900..2154. */
  year: number | null;
  /** 1..12, 13 odd months, 14 even months. */
  month: number | null;
  /** 1..31, 32 last day of the month, 33 odd days, 34 even days. */
  day: number | null;
  /** 1 Monday .. 7 Sunday. */
  weekday: number | null;
}

/** A time of day; null in a field means "any" (255 on the wire). */
export interface BacnetTime {
  hour: number | null;
  minute: number | null;
  second: number | null;
  hundredths: number | null;
}

/** An object identifier as numbers: the object type name belongs to the layer above. */
export interface BacnetObjectIdentifier {
  /** Object type 0..1023. */
  type: number;
  /** Instance 0..4194303 (4194303: the wildcard / unconfigured instance). */
  instance: number;
}

/** The JavaScript value a decoder gives for each valueType. */
export interface ValueTypeMap {
  null: null;
  boolean: boolean;
  unsigned: BigIntegerValue;
  signed: BigIntegerValue;
  real: number;
  double: number;
  'octet-string': Buffer;
  'character-string': string;
  'bit-string': boolean[];
  enumerated: number;
  date: BacnetDate;
  time: BacnetTime;
  'object-identifier': BacnetObjectIdentifier;
}
export type BacnetValue = ValueTypeMap[ValueType];

interface ContentCodec<T> {
  encode(value: unknown): Buffer;
  /** Decodes `length` octets at `at`, all of them inside `bytes`. */
  decode(bytes: Uint8Array, at: number, length: number): T;
}

const MAX_REAL = 3.4028234663852886e38;
const MAX_INSTANCE = 0x3fffff;
const MAX_OBJECT_TYPE = 0x3ff;
const UNSPECIFIED = 255;

/** Content codecs by valueType; boolean here is the context form (one octet 0 or 1). */
export const CONTENT_CODECS: { readonly [K in ValueType]: ContentCodec<ValueTypeMap[K]> } = {
  null: {
    encode: (value) => {
      if (value !== null) throw notAccepted('null', 'null', value);
      return Buffer.alloc(0);
    },
    decode: (_bytes, at, length) => {
      if (length !== 0) throw new DecodeError(`null must have no content octets, got ${length}`, at);
      return null;
    },
  },
  boolean: {
    encode: (value) => Buffer.from([checkBoolean(value) ? 1 : 0]),
    decode: (bytes, at, length) => {
      if (length !== 1 || bytes[at] > 1) throw new DecodeError('context-tagged boolean must be one octet 0 or 1', at);
      return bytes[at] === 1;
    },
  },
  unsigned: { encode: encodeUnsignedContent, decode: decodeUnsignedContent },
  signed: { encode: encodeSignedContent, decode: decodeSignedContent },
  real: {
    encode: (value) => {
      // A finite number that would round to ±Infinity is refused rather than changed into another value.
      if (typeof value !== 'number' || (Number.isFinite(value) && !Number.isFinite(Math.fround(value)))) {
        throw notAccepted('real', `a number within ±${MAX_REAL} (IEEE 754 single precision; NaN and ±Infinity too)`, value);
      }
      const out = Buffer.alloc(4);
      out.writeFloatBE(value);
      return out;
    },
    decode: (bytes, at, length) => view(bytes, at, fixedLength('real', 4, at, length)).getFloat32(0),
  },
  double: {
    encode: (value) => {
      if (typeof value !== 'number') throw notAccepted('double', 'a number', value);
      const out = Buffer.alloc(8);
      out.writeDoubleBE(value);
      return out;
    },
    decode: (bytes, at, length) => view(bytes, at, fixedLength('double', 8, at, length)).getFloat64(0),
  },
  'octet-string': {
    encode: (value) => {
      if (!(value instanceof Uint8Array)) throw notAccepted('octet-string', 'a Buffer or Uint8Array', value);
      return Buffer.from(value);
    },
    // A copy, so a kept value does not keep the whole datagram alive.
    decode: (bytes, at, length) => Buffer.from(bytes.subarray(at, at + length)),
  },
  'character-string': { encode: encodeCharacterStringContent, decode: decodeCharacterStringContent },
  'bit-string': { encode: encodeBitString, decode: decodeBitString },
  enumerated: { encode: encodeEnumeratedContent, decode: decodeEnumeratedContent },
  date: {
    encode: (value) => encodeFields('date', DATE_FIELDS, value),
    decode: (bytes, at, length) => decodeFields('date', DATE_FIELDS, bytes, at, length) as unknown as BacnetDate,
  },
  time: {
    encode: (value) => encodeFields('time', TIME_FIELDS, value),
    decode: (bytes, at, length) => decodeFields('time', TIME_FIELDS, bytes, at, length) as unknown as BacnetTime,
  },
  'object-identifier': {
    encode: encodeObjectIdentifier,
    decode: (bytes, at, length) => {
      const raw = view(bytes, at, fixedLength('object-identifier', 4, at, length)).getUint32(0);
      return { type: raw >>> 22, instance: raw & MAX_INSTANCE };
    },
  },
};

export function checkBoolean(value: unknown): boolean {
  if (typeof value !== 'boolean') throw notAccepted('boolean', 'true or false', value);
  return value;
}

function fixedLength(valueType: ValueType, expected: number, at: number, length: number): number {
  if (length !== expected) throw new DecodeError(`${valueType} must be ${expected} octets, got ${length}`, at);
  return length;
}

function view(bytes: Uint8Array, at: number, length: number): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset + at, length);
}

// ---- bit-string (20.2.10): an octet of unused bits, then the bits from the most significant ----

function encodeBitString(value: unknown): Buffer {
  if (!Array.isArray(value) || !value.every((bit) => typeof bit === 'boolean')) {
    throw notAccepted('bit-string', 'an array of booleans', value);
  }
  const octets = Math.ceil(value.length / 8);
  const out = Buffer.alloc(1 + octets);
  out[0] = octets * 8 - value.length;
  value.forEach((bit, i) => {
    if (bit) out[1 + (i >> 3)] |= 0x80 >> (i & 7);
  });
  return out;
}

function decodeBitString(bytes: Uint8Array, at: number, length: number): boolean[] {
  if (length === 0) throw new DecodeError('bit-string has no unused-bits octet', at);
  const unused = bytes[at];
  if (unused > 7 || (length === 1 && unused !== 0)) {
    throw new DecodeError(`bit-string of ${length - 1} bit octets cannot have ${unused} unused bits`, at);
  }
  const bits: boolean[] = [];
  const count = (length - 1) * 8 - unused;
  for (let i = 0; i < count; i++) bits.push((bytes[at + 1 + (i >> 3)] & (0x80 >> (i & 7))) !== 0);
  return bits;
}

// ---- date (20.2.12) and time (20.2.13): four octets, 255 for "any" ----

interface Field {
  name: string;
  min: number;
  max: number;
  /** Added to the octet: the year octet counts from 1900. */
  offset: number;
}

const DATE_FIELDS: readonly Field[] = [
  { name: 'year', min: 1900, max: 2154, offset: 1900 },
  { name: 'month', min: 1, max: 14, offset: 0 },
  { name: 'day', min: 1, max: 34, offset: 0 },
  { name: 'weekday', min: 1, max: 7, offset: 0 },
];

const TIME_FIELDS: readonly Field[] = [
  { name: 'hour', min: 0, max: 23, offset: 0 },
  { name: 'minute', min: 0, max: 59, offset: 0 },
  { name: 'second', min: 0, max: 59, offset: 0 },
  { name: 'hundredths', min: 0, max: 99, offset: 0 },
];

function fieldsAccepted(fields: readonly Field[]): string {
  const ranges = fields.map((f) => `${f.name} ${f.min}..${f.max}`).join(', ');
  return `{ ${fields.map((f) => f.name).join(', ')} } with ${ranges}, each or null for any`;
}

function encodeFields(valueType: 'date' | 'time', fields: readonly Field[], value: unknown): Buffer {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw notAccepted(valueType, fieldsAccepted(fields), value);
  }
  const record = value as Record<string, unknown>;
  return Buffer.from(
    fields.map((field) => {
      const v = record[field.name];
      if (v === null) return UNSPECIFIED;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < field.min || v > field.max) {
        throw notAccepted(valueType, fieldsAccepted(fields), value, `${field.name} is ${v === undefined ? 'missing' : describeValue(v)}`);
      }
      return v - field.offset;
    }),
  );
}

function decodeFields(valueType: 'date' | 'time', fields: readonly Field[], bytes: Uint8Array, at: number, length: number): Record<string, number | null> {
  fixedLength(valueType, 4, at, length);
  const out: Record<string, number | null> = {};
  fields.forEach((field, i) => {
    const octet = bytes[at + i];
    if (octet === UNSPECIFIED) {
      out[field.name] = null;
      return;
    }
    const v = octet + field.offset;
    if (v < field.min || v > field.max) {
      throw new DecodeError(`${valueType} ${field.name} ${v} is outside ${field.min}..${field.max} (or 255 for any)`, at + i);
    }
    out[field.name] = v;
  });
  return out;
}

// ---- object-identifier (20.2.14): 10-bit type, 22-bit instance ----

function encodeObjectIdentifier(value: unknown): Buffer {
  const accepts = `{ type: 0..${MAX_OBJECT_TYPE}, instance: 0..${MAX_INSTANCE} }`;
  if (typeof value !== 'object' || value === null) throw notAccepted('object-identifier', accepts, value);
  const { type, instance } = value as Record<string, unknown>;
  const inRange = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
  if (!inRange(type, MAX_OBJECT_TYPE) || !inRange(instance, MAX_INSTANCE)) throw notAccepted('object-identifier', accepts, value);
  const out = Buffer.alloc(4);
  out.writeUInt32BE(((type << 22) | instance) >>> 0);
  return out;
}
