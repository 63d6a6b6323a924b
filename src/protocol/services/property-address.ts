/**
 * What ReadProperty and WriteProperty share (clauses 15.5 and 15.9): the
 * object [0], property [1] and optional array index [2] that open each
 * request and ack, and the property value [3] between its opening and closing
 * tags. Pure: decoders throw only DecodeError, encoders RangeError.
 */
import { decodeContextValue, describeTag, encodeContextValue } from '../application-tags';
import { DecodeError } from '../decode-error';
import { MAX_ARRAY_INDEX, MAX_UINT32, ObjectReference } from '../names';
import { decodeTagHeader, encodeClosingTag, encodeOpeningTag } from '../tag-header';
import { decodeConstructed, decodeTaggedData } from '../tagged-data';

/** An object's property, or one element of it (`index`; 0 is the array's length). */
export interface PropertyAddress {
  /** The instance is a number on the wire: resolve "device" (instance null) first (resolveDeviceObject). */
  object: ObjectReference;
  /**
   * BACnetPropertyIdentifier is an ENUMERATED of 32 bits: 0..511 and from
   * 4194304 up are ASHRAE's (max-bvlc-length-accepted is 4194304), 512..4194303
   * proprietary; so the limit is 4294967295, not 4194303.
   */
  property: number;
  /** 0..4294967294 (4294967295 means "the whole array" in many stacks), or null for none. */
  index: number | null;
}

const MAX_OBJECT_TYPE = 1023;
/** Object instances are 22 bits; 4194303 is the wildcard Device instance ReadProperty accepts. */
const MAX_INSTANCE = 4194303;
const TAG_OBJECT = 0;
const TAG_PROPERTY = 1;
const TAG_INDEX = 2;
const TAG_VALUE = 3;
const CLOSING_VALUE_TAG = 0x3f;

/**
 * [0] object, [1] property and, when given, [2] index.
 * @throws RangeError for a type outside 0..1023, an instance outside 0..4194303 or null,
 *   a property outside 0..4294967295, an index outside 0..4294967294
 */
export function encodePropertyAddress(address: PropertyAddress): Buffer {
  const { type, instance } = address.object;
  integer(type, 'object type', MAX_OBJECT_TYPE);
  if (instance === null) throw new RangeError('object instance is null: resolve the Device object to an instance first');
  integer(instance, 'object instance', MAX_INSTANCE);
  integer(address.property, 'property identifier', MAX_UINT32);
  const parts = [encodeContextValue(TAG_OBJECT, 'object-identifier', { type, instance }), encodeContextValue(TAG_PROPERTY, 'enumerated', address.property)];
  if (address.index !== null) parts.push(encodeContextValue(TAG_INDEX, 'unsigned', integer(address.index, 'array index', MAX_ARRAY_INDEX)));
  return Buffer.concat(parts);
}

/** The address at the start of `data`, and where the next parameter starts. */
export function decodePropertyAddress(data: Uint8Array): { address: PropertyAddress; next: number } {
  const object = decodeContextValue(data, 0, 'object-identifier', TAG_OBJECT);
  let at = object.length;
  const property = decodeContextValue(data, at, 'enumerated', TAG_PROPERTY);
  at += property.length;
  let index: number | null = null;
  if (at < data.length) {
    const header = decodeTagHeader(data, at);
    if (header.tagClass === 'context' && header.kind === 'primitive' && header.tag === TAG_INDEX) {
      const decoded = decodeContextValue(data, at, 'unsigned', TAG_INDEX);
      if (typeof decoded.value !== 'number' || decoded.value > MAX_ARRAY_INDEX) {
        throw new DecodeError(`array index ${decoded.value} is over ${MAX_ARRAY_INDEX}`, at);
      }
      index = decoded.value;
      at += decoded.length;
    }
  }
  return { address: { object: { type: object.value.type, instance: object.value.instance }, property: property.value, index }, next: at };
}

/**
 * [3] opening tag, `value` (application-tagged octets), [3] closing tag.
 * @throws RangeError when `value` is not complete tagged data (a stray closing tag, a truncated element)
 * @throws TypeError when `value` is not octets
 */
export function encodeValueField(value: Uint8Array): Buffer {
  if (!(value instanceof Uint8Array)) throw new TypeError('property value must be a Buffer or Uint8Array of application-tagged octets');
  try {
    decodeTaggedData(value);
  } catch (err) {
    if (err instanceof DecodeError) throw new RangeError(`property value is not complete tagged data: ${err.message}`);
    throw err;
  }
  return Buffer.concat([encodeOpeningTag(TAG_VALUE), value, encodeClosingTag(TAG_VALUE)]);
}

/** The octets between [3]'s opening and closing tags at `at` (a view of `data`), and where the next parameter starts. */
export function decodeValueField(data: Uint8Array, at: number): { value: Buffer; next: number } {
  const header = decodeTagHeader(data, at);
  if (header.kind !== 'opening' || header.tag !== TAG_VALUE) {
    throw new DecodeError(`expected opening tag ${TAG_VALUE} (property value), got ${describeTag(header)}`, at);
  }
  // decodeConstructed checks the contents are well-formed and finds the matching closing tag.
  const constructed = decodeConstructed(data, at);
  const start = at + header.headerLength;
  const next = at + constructed.length;
  // [3]'s closing tag is 3F, or FF 03 in the extended form the tag decoder also accepts.
  const end = next - (data[next - 1] === CLOSING_VALUE_TAG ? 1 : 2);
  return { value: Buffer.from(data.buffer, data.byteOffset + start, end - start), next };
}

/** Runs a decoder of `service`'s data: messages say which service, and trailing octets are an error. */
export function decodeService<T>(service: string, data: Uint8Array, decode: () => { result: T; next: number }): T {
  try {
    const { result, next } = decode();
    if (next < data.length) throw new DecodeError(`${data.length - next} octets after the last parameter`, next);
    return result;
  } catch (err) {
    if (err instanceof DecodeError) throw new DecodeError(`${service}: ${err.message}`, err.offset);
    throw err;
  }
}

function integer(value: number, name: string, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`${name} must be an integer 0..${max}, got ${value}`);
  return value;
}
