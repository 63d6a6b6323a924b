/**
 * The content of a character-string (clause 20.2.9): a character set octet,
 * then the characters. We always send set 0 (ISO 10646 UTF-8); we read every
 * set the standard defines where this Node.js can: 0 UTF-8, 1 IBM/Microsoft
 * DBCS (its code page follows the set octet), 2 JIS X 0208, 3 UCS-4,
 * 4 UCS-2, 5 ISO 8859-1.
 */
import { TextDecoder } from 'node:util';
import { DecodeError } from './decode-error';
import { notAccepted } from './value-error';

export const CHARACTER_SET_NAMES = ['ISO 10646 (UTF-8)', 'IBM/Microsoft DBCS', 'JIS X 0208', 'ISO 10646 (UCS-4)', 'ISO 10646 (UCS-2)', 'ISO 8859-1'] as const;

const SET_UTF8 = 0;
const SET_DBCS = 1;
const SET_JIS_X0208 = 2;
const SET_UCS4 = 3;
const SET_UCS2 = 4;
const SET_ISO_8859_1 = 5;

/** The double-byte code pages the WHATWG decoders of Node.js know, by IBM/Microsoft number. */
const DBCS_CODE_PAGES: ReadonlyMap<number, string> = new Map([
  [932, 'shift_jis'],
  [936, 'gbk'],
  [949, 'euc-kr'],
  [950, 'big5'],
]);

/** A JS string without lone surrogates, which UTF-8 cannot carry. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

export function encodeCharacterStringContent(value: unknown): Buffer {
  if (typeof value !== 'string') throw notAccepted('character-string', 'a string (sent as UTF-8)', value);
  const lone = LONE_SURROGATE.exec(value);
  if (lone) {
    throw notAccepted('character-string', 'a string (sent as UTF-8)', value, `got a lone surrogate at index ${lone.index}, which UTF-8 cannot carry`);
  }
  return Buffer.concat([Buffer.from([SET_UTF8]), Buffer.from(value, 'utf8')]);
}

/**
 * The string in the `length` content octets at `at`.
 * @throws DecodeError for an empty content, an undefined character set, or
 *   text that is not valid in its set (or in a code page this Node.js lacks)
 */
export function decodeCharacterStringContent(bytes: Uint8Array, at: number, length: number): string {
  if (length === 0) throw new DecodeError('character-string has no character set octet', at);
  const set = bytes[at];
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + at + 1, length - 1);
  switch (set) {
    case SET_UTF8:
      // Set 0 was ANSI X3.4 (ASCII); devices that send 8-bit text under it mean a Latin code page.
      return decodeWith('utf-8', text) ?? text.toString('latin1');
    case SET_DBCS:
      return decodeDbcs(text, at);
    case SET_JIS_X0208:
      return decodeJisX0208(text, at);
    case SET_UCS4:
      return decodeUcs4(text, at);
    case SET_UCS2:
      if (text.length % 2 !== 0) throw new DecodeError(`UCS-2 character-string of ${text.length} octets: not a whole number of 2-octet characters`, at);
      return Buffer.from(text).swap16().toString('utf16le');
    case SET_ISO_8859_1:
      return text.toString('latin1');
    default:
      throw new DecodeError(`character-string in character set ${set}, which is not defined (0..5)`, at);
  }
}

function decodeDbcs(text: Buffer, at: number): string {
  if (text.length < 2) throw new DecodeError('IBM/Microsoft DBCS character-string truncated in its code page', at);
  const codePage = text.readUInt16BE(0);
  const chars = text.subarray(2);
  const label = DBCS_CODE_PAGES.get(codePage);
  const decoded = label === undefined ? null : decodeWith(label, chars);
  if (decoded !== null) return decoded;
  // Every IBM/Microsoft code page keeps ASCII in 0x00..0x7F (the standard's own example is code page 850).
  if (chars.every((octet) => octet < 0x80)) return chars.toString('latin1');
  throw new DecodeError(`IBM/Microsoft DBCS character-string in code page ${codePage}: ${label === undefined ? 'a code page this decoder does not know' : `not valid ${label} text`}`, at);
}

/** JIS X 0208 characters are two octets 0x21..0x7E each: EUC-JP is the same with the high bits set. */
function decodeJisX0208(text: Buffer, at: number): string {
  if (text.length % 2 !== 0 || !text.every((octet) => octet >= 0x21 && octet <= 0x7e)) {
    throw new DecodeError('JIS X 0208 character-string must be pairs of octets 0x21..0x7E', at);
  }
  const decoded = decodeWith('euc-jp', Buffer.from(text.map((octet) => octet | 0x80)));
  if (decoded === null) throw new DecodeError('JIS X 0208 character-string: not valid JIS X 0208 text (or no EUC-JP decoder in this Node.js)', at);
  return decoded;
}

function decodeUcs4(text: Buffer, at: number): string {
  if (text.length % 4 !== 0) throw new DecodeError(`UCS-4 character-string of ${text.length} octets: not a whole number of 4-octet characters`, at);
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += 4) {
    const code = text.readUInt32BE(i);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      throw new DecodeError(`UCS-4 character-string holds 0x${code.toString(16)}, which is not a Unicode character`, at);
    }
    parts.push(String.fromCodePoint(code));
  }
  return parts.join('');
}

const decoders = new Map<string, TextDecoder | null>();

/** `text` decoded strictly with a WHATWG decoder, or null when it is not valid there or the decoder is missing. */
function decodeWith(label: string, text: Uint8Array): string | null {
  let decoder = decoders.get(label);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(label, { fatal: true, ignoreBOM: true });
    } catch {
      decoder = null; // a Node.js built without full ICU lacks the East Asian decoders
    }
    decoders.set(label, decoder);
  }
  if (decoder === null) return null;
  try {
    return decoder.decode(text);
  } catch {
    return null; // fatal: invalid in this encoding
  }
}
