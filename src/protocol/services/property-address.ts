/**
 * What ReadProperty and WriteProperty share (clauses 15.5 and 15.9): the
 * object [0], property [1] and optional array index [2] that open each
 * request and ack, and the property value [3] between its opening and closing
 * tags. The same fields under other context tags serve ReadPropertyMultiple
 * (clause 15.7). Pure: decoders throw only DecodeError, encoders RangeError.
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
const TAG_VALUE = 3;
/** Low nibble of a closing tag's initial octet (class bit and L/V/T 7): a closing [n] for n < 15 is one octet, (n << 4) | 0x0F. */
const CLOSING_LOW = 0x0f;

/**
 * [0] object, [1] property and, when given, [2] index.
 * @throws RangeError for a type outside 0..1023, an instance outside 0..4194303 or null,
 *   a property outside 0..4294967295, an index outside 0..4294967294
 */
export function encodePropertyAddress(address: PropertyAddress): Buffer {
  return Buffer.concat([encodeObjectField(TAG_OBJECT, address.object), encodePropertyField(TAG_PROPERTY, address.property, address.index)]);
}

/** The address at the start of `data`, and where the next parameter starts. */
export function decodePropertyAddress(data: Uint8Array): { address: PropertyAddress; next: number } {
  const { object, next } = decodeObjectField(data, 0, TAG_OBJECT);
  const field = decodePropertyField(data, next, TAG_PROPERTY);
  return { address: { object, property: field.property, index: field.index }, next: field.next };
}

/**
 * An object identifier with context tag `tag`.
 * @throws RangeError for a type outside 0..1023, an instance outside 0..4194303 or null
 */
export function encodeObjectField(tag: number, object: ObjectReference): Buffer {
  const { type, instance } = object;
  integer(type, 'object type', MAX_OBJECT_TYPE);
  if (instance === null) throw new RangeError('object instance is null: resolve the Device object to an instance first');
  integer(instance, 'object instance', MAX_INSTANCE);
  return encodeContextValue(tag, 'object-identifier', { type, instance });
}

/** The object identifier with context tag `tag` at `at`, and where the next parameter starts. */
export function decodeObjectField(data: Uint8Array, at: number, tag: number): { object: ObjectReference; next: number } {
  const decoded = decodeContextValue(data, at, 'object-identifier', tag);
  return { object: { type: decoded.value.type, instance: decoded.value.instance }, next: at + decoded.length };
}

/**
 * A property identifier with context tag `tag` and, when given, its array index with tag + 1
 * (ReadProperty's [1] [2], a BACnetPropertyReference's [0] [1], a ReadAccessResult's [2] [3]).
 * @throws RangeError for a property outside 0..4294967295, an index outside 0..4294967294
 */
export function encodePropertyField(tag: number, property: number, index: number | null): Buffer {
  integer(property, 'property identifier', MAX_UINT32);
  const parts = [encodeContextValue(tag, 'enumerated', property)];
  if (index !== null) parts.push(encodeContextValue(tag + 1, 'unsigned', integer(index, 'array index', MAX_ARRAY_INDEX)));
  return Buffer.concat(parts);
}

/** The property with context tag `tag` at `at`, its optional index (tag + 1), and where the next parameter starts. */
export function decodePropertyField(data: Uint8Array, at: number, tag: number): { property: number; index: number | null; next: number } {
  const property = decodeContextValue(data, at, 'enumerated', tag);
  let next = at + property.length;
  let index: number | null = null;
  if (next < data.length) {
    const header = decodeTagHeader(data, next);
    if (header.tagClass === 'context' && header.kind === 'primitive' && header.tag === tag + 1) {
      const decoded = decodeContextValue(data, next, 'unsigned', tag + 1);
      if (typeof decoded.value !== 'number' || decoded.value > MAX_ARRAY_INDEX) {
        throw new DecodeError(`array index ${decoded.value} is over ${MAX_ARRAY_INDEX}`, next);
      }
      index = decoded.value;
      next += decoded.length;
    }
  }
  return { property: property.value, index, next };
}

/**
 * [tag] opening tag, `value` (application-tagged octets), [tag] closing tag; ReadProperty's [3] by default.
 * @throws RangeError when `value` is not complete tagged data (a stray closing tag, a truncated element)
 * @throws TypeError when `value` is not octets
 */
export function encodeValueField(value: Uint8Array, tag = TAG_VALUE): Buffer {
  if (!(value instanceof Uint8Array)) throw new TypeError('property value must be a Buffer or Uint8Array of application-tagged octets');
  try {
    decodeTaggedData(value);
  } catch (err) {
    if (err instanceof DecodeError) throw new RangeError(`property value is not complete tagged data: ${err.message}`);
    throw err;
  }
  return Buffer.concat([encodeOpeningTag(tag), value, encodeClosingTag(tag)]);
}

/** The octets between [tag]'s opening and closing tags at `at` (a view of `data`), and where the next parameter starts. */
export function decodeValueField(data: Uint8Array, at: number, tag = TAG_VALUE): { value: Buffer; next: number } {
  const start = expectOpening(data, at, tag, 'property value');
  // decodeConstructed checks the contents are well-formed and finds the matching closing tag.
  const next = at + decodeConstructed(data, at).length;
  // The closing tag is one octet, or FF <tag> in the extended form the tag decoder also accepts.
  const end = next - (data[next - 1] === ((tag << 4) | CLOSING_LOW) ? 1 : 2);
  return { value: Buffer.from(data.buffer, data.byteOffset + start, end - start), next };
}

/** Where the contents of the opening tag [tag] at `at` start. @throws DecodeError naming `what` for anything else */
export function expectOpening(data: Uint8Array, at: number, tag: number, what: string): number {
  const header = decodeTagHeader(data, at);
  if (header.kind !== 'opening' || header.tag !== tag) throw new DecodeError(`expected opening tag ${tag} (${what}), got ${describeTag(header)}`, at);
  return at + header.headerLength;
}

/** Where the contents start when the opening tag [tag] is at `at`, else null. @throws DecodeError when the data ends at `at` */
export function openingAt(data: Uint8Array, at: number, tag: number): number | null {
  const header = decodeTagHeader(data, at);
  return header.kind === 'opening' && header.tag === tag ? at + header.headerLength : null;
}

/** Where the next parameter starts when the closing tag [tag] is at `at`, else null. @throws DecodeError when the data ends at `at` */
export function closingAt(data: Uint8Array, at: number, tag: number): number | null {
  const header = decodeTagHeader(data, at);
  return header.kind === 'closing' && header.tag === tag ? at + header.headerLength : null;
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
