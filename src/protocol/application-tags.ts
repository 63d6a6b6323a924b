/**
 * Application-tagged and context-tagged primitive values (ANSI/ASHRAE 135
 * clause 20.2), both ways: a JavaScript value and a valueType to octets, and
 * octets to a value plus how many octets it took. Encoders throw ValueError
 * (a TypeError) for a value that does not fit; decoders throw only
 * DecodeError.
 */
import { DecodeError } from './decode-error';
import { BacnetValue, CONTENT_CODECS, VALUE_TYPES, ValueType, ValueTypeMap, checkBoolean } from './primitive-values';
import { APPLICATION_TAG_BOOLEAN, TagHeader, decodeTagHeader, encodeTagHeader } from './tag-header';
import { ValueError, describeValue } from './value-error';

/** A value decoded at some offset, and the octets it took there (its tag header included). */
export interface DecodedApplicationValue<T extends ValueType = ValueType> {
  valueType: T;
  value: ValueTypeMap[T];
  length: number;
}

export interface DecodedContextValue<T extends ValueType = ValueType> {
  tag: number;
  value: ValueTypeMap[T];
  length: number;
}

/** A context-tagged primitive as it came: its tag number and content octets (a copy). */
export interface ContextOctets {
  tag: number;
  octets: Buffer;
  length: number;
}

const VALUE_TYPE_LIST = VALUE_TYPES.join(', ');

/** True for one of the thirteen valueType names. */
export function isValueType(name: unknown): name is ValueType {
  return typeof name === 'string' && (VALUE_TYPES as readonly string[]).includes(name);
}

/**
 * The application-tagged encoding of `value` as `valueType`
 * (`encodeApplicationValue('unsigned', 72)` is `21 48`).
 * @throws ValueError when valueType is not one of VALUE_TYPES or the value does not fit it
 */
export function encodeApplicationValue(valueType: ValueType, value: unknown): Buffer {
  const type = checkValueType(valueType);
  const tag = VALUE_TYPES.indexOf(type);
  if (type === 'boolean') return encodeTagHeader('application', APPLICATION_TAG_BOOLEAN, checkBoolean(value) ? 1 : 0);
  const content = CONTENT_CODECS[type].encode(value);
  return Buffer.concat([encodeTagHeader('application', tag, content.length), content]);
}

/**
 * The context-tagged encoding of `value` as `valueType` with context tag
 * `tag` (0..254); a boolean is one content octet here.
 * @throws ValueError as encodeApplicationValue; RangeError for a tag outside 0..254
 */
export function encodeContextValue(tag: number, valueType: ValueType, value: unknown): Buffer {
  const content = CONTENT_CODECS[checkValueType(valueType)].encode(value);
  return Buffer.concat([encodeTagHeader('context', tag, content.length), content]);
}

/**
 * The application-tagged value at `offset`; with `expected`, a value of
 * another datatype is an error.
 * @throws DecodeError when there is no application-tagged primitive at
 *   `offset`, it is reserved (tags 13..254), truncated or malformed, or not
 *   the expected datatype
 */
export function decodeApplicationValue<T extends ValueType = ValueType>(bytes: Uint8Array, offset = 0, expected?: T): DecodedApplicationValue<T> {
  const header = decodeTagHeader(bytes, offset);
  if (header.tagClass !== 'application') throw new DecodeError(`expected an application-tagged value, got ${describeTag(header)}`, offset);
  const valueType = applicationValueType(header, offset);
  if (expected !== undefined && valueType !== expected) {
    throw new DecodeError(`expected ${expected} (application tag ${VALUE_TYPES.indexOf(expected)}), got ${valueType} (application tag ${header.tag})`, offset);
  }
  const value = applicationContent(bytes, offset, header, bytes.length);
  return { valueType: valueType as T, value: value as ValueTypeMap[T], length: header.headerLength + header.length };
}

/**
 * The context-tagged primitive at `offset` decoded as `valueType`; with
 * `expectedTag`, another context tag is an error.
 * @throws DecodeError when there is no context-tagged primitive at `offset`,
 *   its tag is not `expectedTag`, or its content does not decode as `valueType`;
 *   ValueError when valueType is not one of VALUE_TYPES
 */
export function decodeContextValue<T extends ValueType>(bytes: Uint8Array, offset: number, valueType: T, expectedTag?: number): DecodedContextValue<T> {
  const type = checkValueType(valueType);
  const header = contextHeader(bytes, offset, expectedTag);
  const start = contentStart(bytes, offset, header, bytes.length);
  const value = CONTENT_CODECS[type].decode(bytes, start, header.length) as ValueTypeMap[T];
  return { tag: header.tag, value, length: header.headerLength + header.length };
}

/**
 * The context-tagged primitive at `offset` as raw content octets, for a
 * caller that decodes them itself or keeps them.
 * @throws DecodeError as decodeContextValue, short of decoding the content
 */
export function decodeContextOctets(bytes: Uint8Array, offset = 0, expectedTag?: number): ContextOctets {
  const header = contextHeader(bytes, offset, expectedTag);
  const start = contentStart(bytes, offset, header, bytes.length);
  return { tag: header.tag, octets: Buffer.from(bytes.subarray(start, start + header.length)), length: header.headerLength + header.length };
}

// ---- shared with the generic decoder of constructed data --------------------------------

/** The valueType of an application tag header. @throws DecodeError for the reserved tags 13..254 */
export function applicationValueType(header: TagHeader, offset: number): ValueType {
  const valueType = VALUE_TYPES[header.tag];
  if (valueType === undefined) throw new DecodeError(`application tag ${header.tag} is reserved: clause 20.2.1.4 defines 0..12`, offset);
  return valueType;
}

/** The value of the application-tagged primitive whose header (read at `offset`) is `header`. */
export function applicationContent(bytes: Uint8Array, offset: number, header: TagHeader, end: number): BacnetValue {
  if (header.kind !== 'primitive') throw new DecodeError(`expected an application-tagged value, got ${describeTag(header)}`, offset);
  const valueType = applicationValueType(header, offset);
  if (header.booleanValue !== undefined) return header.booleanValue;
  return CONTENT_CODECS[valueType].decode(bytes, contentStart(bytes, offset, header, end), header.length);
}

/** Where the content of the primitive at `offset` starts, once it is known to end by `end`. */
export function contentStart(bytes: Uint8Array, offset: number, header: TagHeader, end: number): number {
  const start = offset + header.headerLength;
  const available = Math.min(end, bytes.length) - start;
  if (header.length > available) {
    throw new DecodeError(`${describeTag(header)} has ${header.length} content octets but only ${available} follow`, offset);
  }
  return start;
}

/** "application tag 4 (real)", "context tag 3", "opening tag 3", for messages. */
export function describeTag(header: TagHeader): string {
  if (header.kind !== 'primitive') return `${header.kind} tag ${header.tag}`;
  if (header.tagClass === 'context') return `context tag ${header.tag}`;
  const valueType = VALUE_TYPES[header.tag];
  return valueType === undefined ? `application tag ${header.tag}` : `application tag ${header.tag} (${valueType})`;
}

function contextHeader(bytes: Uint8Array, offset: number, expectedTag: number | undefined): TagHeader {
  const header = decodeTagHeader(bytes, offset);
  if (header.tagClass !== 'context' || header.kind !== 'primitive') {
    throw new DecodeError(`expected a context-tagged value${expectedTag === undefined ? '' : ` with tag ${expectedTag}`}, got ${describeTag(header)}`, offset);
  }
  if (expectedTag !== undefined && header.tag !== expectedTag) throw new DecodeError(`expected context tag ${expectedTag}, got context tag ${header.tag}`, offset);
  return header;
}

function checkValueType(valueType: unknown): ValueType {
  if (!isValueType(valueType)) throw new ValueError(String(valueType), `valueType must be one of ${VALUE_TYPE_LIST}, got ${describeValue(valueType)}`);
  return valueType;
}
