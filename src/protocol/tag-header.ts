/**
 * Tag headers of clause 20.2.1: the initial octet (tag number, class,
 * length/value/type), the extended tag number octet for tags 15..254, and the
 * extended length (one octet up to 253, 254 + two octets up to 65535, 255 +
 * four octets beyond). Pure: the decoder throws only DecodeError.
 */
import { DecodeError } from './decode-error';

export type TagClass = 'application' | 'context';
/** A primitive value, or the opening / closing tag around constructed data (context class only). */
export type TagKind = 'primitive' | 'opening' | 'closing';

export interface TagHeader {
  tagClass: TagClass;
  /** Tag number 0..254: the application tag (the datatype) or the context tag. */
  tag: number;
  kind: TagKind;
  /** Content octets after the header: 0 for opening and closing tags and for the application boolean. */
  length: number;
  /** Octets of the header itself (1..7). */
  headerLength: number;
  /** The application boolean's value, which travels in the L/V/T field; absent otherwise. */
  booleanValue?: boolean;
}

/** Largest tag number: 255 is reserved in the extended tag number octet. */
export const MAX_TAG_NUMBER = 254;
/** Largest content length a header can carry (255 + four octets). */
export const MAX_CONTENT_LENGTH = 0xffffffff;
/** The application tag number of boolean, whose value is in the header. */
export const APPLICATION_TAG_BOOLEAN = 1;

const CLASS_CONTEXT = 0x08;
const LVT_EXTENDED_LENGTH = 5;
const LVT_OPENING = 6;
const LVT_CLOSING = 7;
const EXTENDED_TAG = 15;

/**
 * The header of a primitive value: `lengthOrValue` is the content length, or
 * for the application boolean (tag 1) its value 0 or 1 (there is no content).
 * @throws RangeError for a tag outside 0..254 or a length outside 0..2^32-1
 */
export function encodeTagHeader(tagClass: TagClass, tag: number, lengthOrValue: number): Buffer {
  if (!Number.isInteger(lengthOrValue) || lengthOrValue < 0 || lengthOrValue > MAX_CONTENT_LENGTH) {
    throw new RangeError(`tag length must be an integer 0..${MAX_CONTENT_LENGTH}, got ${lengthOrValue}`);
  }
  const classBit = tagClass === 'context' ? CLASS_CONTEXT : 0;
  if (lengthOrValue <= 4) return initial(tag, classBit | lengthOrValue);
  let extension: number[];
  if (lengthOrValue <= 253) extension = [lengthOrValue];
  else if (lengthOrValue <= 0xffff) extension = [254, lengthOrValue >>> 8, lengthOrValue & 0xff];
  else extension = [255, lengthOrValue >>> 24, (lengthOrValue >>> 16) & 0xff, (lengthOrValue >>> 8) & 0xff, lengthOrValue & 0xff];
  return Buffer.concat([initial(tag, classBit | LVT_EXTENDED_LENGTH), Buffer.from(extension)]);
}

/** The opening tag of constructed data with context tag `tag` (0..254). */
export function encodeOpeningTag(tag: number): Buffer {
  return initial(tag, CLASS_CONTEXT | LVT_OPENING);
}

/** The closing tag of constructed data with context tag `tag` (0..254). */
export function encodeClosingTag(tag: number): Buffer {
  return initial(tag, CLASS_CONTEXT | LVT_CLOSING);
}

/** The initial octet, and the extended tag number octet for tags 15..254. */
function initial(tag: number, low: number): Buffer {
  if (!Number.isInteger(tag) || tag < 0 || tag > MAX_TAG_NUMBER) {
    throw new RangeError(`tag number must be an integer 0..${MAX_TAG_NUMBER}, got ${tag}`);
  }
  return tag < EXTENDED_TAG ? Buffer.from([(tag << 4) | low]) : Buffer.from([(EXTENDED_TAG << 4) | low, tag]);
}

/**
 * The tag header at `offset`, read no further than `end`. It does not check
 * that the content fits before `end`; the value decoders do.
 *
 * The decoder accepts the longer forms the standard asks senders not to use
 * (an extended tag number under 15, an extended length under 5) because
 * they are unambiguous.
 * @throws DecodeError when the header is truncated, uses the reserved tag
 *   number 255, puts an opening or closing tag in the application class, or
 *   gives the application boolean an L/V/T other than 0 or 1
 */
export function decodeTagHeader(bytes: Uint8Array, offset = 0, end = bytes.length): TagHeader {
  const limit = Math.min(end, bytes.length);
  if (offset < 0 || offset >= limit) throw new DecodeError('a tag was expected but the data ends', Math.max(0, offset));
  const first = bytes[offset];
  const context = (first & CLASS_CONTEXT) !== 0;
  const tagClass: TagClass = context ? 'context' : 'application';
  const lvt = first & 0x07;
  let at = offset + 1;
  let tag = first >> 4;
  if (tag === EXTENDED_TAG) {
    if (at >= limit) throw new DecodeError('tag truncated before its extended tag number', offset);
    tag = bytes[at++];
    if (tag === 255) throw new DecodeError('tag number 255 is reserved', offset);
  }
  if (lvt === LVT_OPENING || lvt === LVT_CLOSING) {
    if (!context) {
      throw new DecodeError(`application tag ${tag} with L/V/T ${lvt}: opening and closing tags are context-specific`, offset);
    }
    return { tagClass, tag, kind: lvt === LVT_OPENING ? 'opening' : 'closing', length: 0, headerLength: at - offset };
  }
  if (!context && tag === APPLICATION_TAG_BOOLEAN) {
    if (lvt > 1) throw new DecodeError(`application boolean with L/V/T ${lvt}: its value must be 0 or 1`, offset);
    return { tagClass, tag, kind: 'primitive', length: 0, headerLength: at - offset, booleanValue: lvt === 1 };
  }
  if (lvt < LVT_EXTENDED_LENGTH) return { tagClass, tag, kind: 'primitive', length: lvt, headerLength: at - offset };
  const lengthOctets = at < limit ? extendedLengthOctets(bytes[at]) : 1;
  if (limit - at < lengthOctets) throw new DecodeError(`${tagClass} tag ${tag} truncated in its extended length`, offset);
  let length: number;
  if (lengthOctets === 1) length = bytes[at];
  else length = readBigEndian(bytes, at + 1, lengthOctets - 1);
  at += lengthOctets;
  return { tagClass, tag, kind: 'primitive', length, headerLength: at - offset };
}

/** Octets of the extended length, its first octet included: 254 and 255 announce 2 and 4 more. */
function extendedLengthOctets(first: number): number {
  if (first === 254) return 3;
  if (first === 255) return 5;
  return 1;
}

/** An unsigned big-endian number of 1..6 octets (the caller checked the bounds). */
export function readBigEndian(bytes: Uint8Array, at: number, octets: number): number {
  let value = 0;
  for (let i = 0; i < octets; i++) value = value * 256 + bytes[at + i];
  return value;
}
