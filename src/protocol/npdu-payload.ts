/**
 * What a flow may hand us as an NPDU (msg.payload): a Buffer, a Uint8Array, an
 * array of byte numbers, or a hex string (spaces, colons and dashes allowed
 * between octets). Pure: one parse, one clear error that says what was wrong
 * and what is accepted.
 */
import { MAX_NPDU_LENGTH } from './bvll';
import { DecodeError } from './decode-error';
import { NPDU_VERSION, npduHeaderLength } from './npdu';

export const ACCEPTED_NPDU_FORMS =
  'a Buffer, a Uint8Array, an array of byte values (0..255) or a hex string such as "01 20 ff ff 00 ff 10 08"';

export class PayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadError';
  }
}

/** Parses and checks an NPDU; throws PayloadError. The result may share memory with a Buffer input. */
export function parseNpduPayload(value: unknown): Buffer {
  const bytes = toBytes(value);
  if (bytes.length === 0) throw new PayloadError(`the NPDU is empty; expected ${ACCEPTED_NPDU_FORMS}`);
  if (bytes.length > MAX_NPDU_LENGTH) {
    throw new PayloadError(`the NPDU is ${bytes.length} octets, over the B/IPv4 limit of ${MAX_NPDU_LENGTH}`);
  }
  if (bytes[0] !== NPDU_VERSION) {
    throw new PayloadError(
      `the NPDU starts with 0x${bytes[0].toString(16).padStart(2, '0')}, not the BACnet NPDU version 0x01 (send the NPDU, not a whole BVLL frame or a bare APDU)`,
    );
  }
  // A header cut short (a routed NPDU missing its DADR, say) would go out as a broadcast every receiver drops.
  try {
    npduHeaderLength(bytes);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    throw new PayloadError(`the NPDU header is not complete: ${err.message}`);
  }
  return bytes;
}

function toBytes(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'string') return fromHex(value);
  if (Array.isArray(value)) return fromArray(value);
  // A Buffer that went through JSON (e.g. a change node or MQTT) arrives as {type: 'Buffer', data: [...]}.
  if (isJsonBuffer(value)) return fromArray(value.data);
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  throw new PayloadError(`msg.payload is ${kind === 'object' ? 'an object' : `a ${kind}`}; expected ${ACCEPTED_NPDU_FORMS}`);
}

function isJsonBuffer(value: unknown): value is { type: 'Buffer'; data: unknown[] } {
  return (
    typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)
  );
}

function fromArray(values: unknown[]): Buffer {
  if (values.length > MAX_NPDU_LENGTH) {
    throw new PayloadError(`the NPDU is ${values.length} octets, over the B/IPv4 limit of ${MAX_NPDU_LENGTH}`);
  }
  const out = Buffer.allocUnsafe(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) {
      throw new PayloadError(`element ${i} of the byte array is ${describeElement(v)}, not a byte (an integer 0..255)`);
    }
    out[i] = v;
  }
  return out;
}

function fromHex(text: string): Buffer {
  const compact = text.trim().replace(/^0x/i, '').replace(/[\s:-]+/g, '');
  if (compact.length > 2 * (MAX_NPDU_LENGTH + 1)) {
    throw new PayloadError(`the hex string holds over ${MAX_NPDU_LENGTH} octets, the B/IPv4 limit`);
  }
  const bad = /[^0-9a-fA-F]/.exec(compact);
  if (bad) throw new PayloadError(`the hex string has ${JSON.stringify(bad[0])}, which is not a hex digit; expected ${ACCEPTED_NPDU_FORMS}`);
  if (compact.length % 2 !== 0) throw new PayloadError(`the hex string has an odd number of digits (${compact.length}); write two digits per octet`);
  return Buffer.from(compact, 'hex');
}

/** A bad array element, readably: JSON.stringify throws on a BigInt and would echo a huge string whole. */
function describeElement(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string' && v.length > 32) return `${JSON.stringify(v.slice(0, 32))}… (${v.length} characters)`;
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? 'an array' : 'an object';
  return JSON.stringify(v) ?? String(v);
}
