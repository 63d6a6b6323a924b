/**
 * The generic decoder of tagged data whose production we do not know
 * (CLIENT.md "other constructed data"): application-tagged values become
 * their JavaScript values, a context-tagged primitive `{ tag, value: Buffer }`
 * (its raw content), and constructed data between an opening and a closing
 * tag `{ tag, value: [...] }`, nested as deep as the data goes (up to
 * MAX_TAG_NESTING). Iterative, so no input can exhaust the stack; throws only
 * DecodeError, and only for data that is not well-formed.
 */
import { applicationContent, contentStart, describeTag } from './application-tags';
import { DecodeError } from './decode-error';
import { BacnetValue } from './primitive-values';
import { decodeTagHeader } from './tag-header';

/** A context-tagged element: raw content octets, or the elements of constructed data. */
export interface ContextTagged {
  tag: number;
  value: Buffer | TaggedItem[];
}
export type TaggedItem = BacnetValue | ContextTagged;

export interface DecodedTaggedData {
  value: TaggedItem[];
  /** Octets read. */
  length: number;
}

export interface DecodedConstructed extends DecodedTaggedData {
  /** The context tag of the opening and closing tags. */
  tag: number;
}

/**
 * Opening tags nested deeper than this are refused: real productions nest a
 * few levels, and a deeper tree would overflow the recursive consumers
 * downstream (Node-RED's message cloning, JSON.stringify).
 */
export const MAX_TAG_NESTING = 64;

/**
 * Every tagged element from `offset` to `end` (e.g. the service parameters of an APDU).
 * @throws DecodeError for a truncated or malformed element, a closing tag
 *   without its opening tag (or with another tag number), an opening tag not
 *   closed by `end`, or nesting deeper than MAX_TAG_NESTING
 */
export function decodeTaggedData(bytes: Uint8Array, offset = 0, end = bytes.length): DecodedTaggedData {
  if (offset < 0 || end > bytes.length || offset > end) {
    throw new DecodeError(`tagged data from ${offset} to ${end} is outside the ${bytes.length} octets`, Math.max(0, Math.min(offset, bytes.length)));
  }
  const { items, next } = readElements(bytes, offset, end, null);
  return { value: items, length: next - offset };
}

/**
 * The constructed data whose opening tag is at `offset`, up to and including
 * its matching closing tag (the value of a ReadProperty-ACK's [3], say).
 * @throws DecodeError when there is no opening tag at `offset`, and as decodeTaggedData
 */
export function decodeConstructed(bytes: Uint8Array, offset = 0): DecodedConstructed {
  const header = decodeTagHeader(bytes, offset);
  if (header.kind !== 'opening') throw new DecodeError(`expected an opening tag, got ${describeTag(header)}`, offset);
  const { items, next } = readElements(bytes, offset + header.headerLength, bytes.length, { tag: header.tag, at: offset });
  return { tag: header.tag, value: items, length: next - offset };
}

interface Open {
  tag: number;
  /** Offset of the opening tag, for messages. */
  at: number;
}

interface Frame extends Open {
  items: TaggedItem[];
}

/**
 * Reads elements from `start` to `end`. With `enclosing`, the data is inside
 * that opening tag and ends at its closing tag; without, a closing tag at the
 * outer level is an error.
 */
function readElements(bytes: Uint8Array, start: number, end: number, enclosing: Open | null): { items: TaggedItem[]; next: number } {
  const root: Frame = { tag: enclosing?.tag ?? -1, at: enclosing?.at ?? start, items: [] };
  const stack: Frame[] = [root];
  let at = start;
  while (at < end) {
    const top = stack[stack.length - 1];
    const header = decodeTagHeader(bytes, at, end);
    if (header.kind === 'opening') {
      const depth = stack.length - (enclosing === null ? 1 : 0);
      if (depth >= MAX_TAG_NESTING) throw new DecodeError(`constructed data nested deeper than ${MAX_TAG_NESTING} opening tags`, at);
      stack.push({ tag: header.tag, at, items: [] });
      at += header.headerLength;
    } else if (header.kind === 'closing') {
      if (top === root && enclosing === null) throw new DecodeError(`closing tag ${header.tag} without an opening tag`, at);
      if (header.tag !== top.tag) throw new DecodeError(`closing tag ${header.tag} does not match opening tag ${top.tag} at ${top.at}`, at);
      at += header.headerLength;
      if (top === root) return { items: root.items, next: at };
      stack.pop();
      stack[stack.length - 1].items.push({ tag: top.tag, value: top.items });
    } else if (header.tagClass === 'application') {
      top.items.push(applicationContent(bytes, at, header, end));
      at += header.headerLength + header.length;
    } else {
      const content = contentStart(bytes, at, header, end);
      top.items.push({ tag: header.tag, value: Buffer.from(bytes.subarray(content, content + header.length)) });
      at = content + header.length;
    }
  }
  const unclosed = stack[stack.length - 1];
  if (unclosed !== root || enclosing !== null) throw new DecodeError(`opening tag ${unclosed.tag} at ${unclosed.at} is not closed`, unclosed.at);
  return { items: root.items, next: at };
}
