/**
 * The duplicate filter's key: an NPDU's origin and octets written into the
 * filter's byte ring, one-to-one with (address, port, NPDU) so that equal octets
 * mean the same NPDU from the same origin, and hashed in the same pass.
 */

/** The most octets a key takes in the byte ring: see writeKey(). */
export function maxKeyLength(address: string, npdu: Uint8Array): number {
  return 1 + 9 + 2 + 3 * address.length + npdu.length;
}

/** A key's first octet: how its origin is written. */
const KEY_IPV4 = 0;
const KEY_ANY = 1;

/**
 * The four octets of `address` as one number when it is a dotted quad exactly as
 * Node.js and readBipAddress() write one (no leading zeros, each part 0..255),
 * else -1: only then is the 4-octet form one-to-one with the text.
 */
export function canonicalIPv4(address: string): number {
  const n = address.length;
  if (n < 7 || n > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = address.charCodeAt(i) - 48;
    if (c >= 0 && c <= 9) {
      if (digits === 1 && part === 0) return -1; // a leading zero
      part = part * 10 + c;
      digits++;
      if (part > 255) return -1;
    } else if (c === -2 && digits > 0 && dots < 3) {
      value = (value << 8) | part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return ((value << 8) | part) >>> 0;
}

/** Mixes 32 bits into the hash (the multiply-xorshift step of a murmur-style hash). */
function mix(h: number, word: number): number {
  h = Math.imul(h ^ word, 0x9e3779b1);
  return h ^ (h >>> 15);
}

/**
 * Writes the key at `at` and hashes it (30 bits) in the same pass.
 * The origin first: KEY_IPV4 and six octets (address, port) for a canonical IPv4
 * address and a port 0..65535, which is what the endpoint always gives; else KEY_ANY,
 * the port (2 octets, or 0xFF and its 8-octet double), the address length in
 * characters (2 octets) and each character as one octet (three, 0xFF and its 16 bits,
 * for any at or above 0xFF), so the encoding stays one-to-one for any origin. Then the
 * NPDU. `ip` is canonicalIPv4(address). The hash takes the octets four at a time:
 * one multiply per word rather than per octet, for the same spread over the buckets.
 * Returns the hash; writtenKeyLength() gives the length.
 */
export function writeKey(bytes: Uint8Array, at: number, ip: number, port: number, address: string, npdu: Uint8Array): number {
  let p = at;
  let h = 0x2545f491;
  if (ip >= 0 && Number.isInteger(port) && port >= 0 && port <= 0xffff) {
    bytes[p++] = KEY_IPV4;
    bytes[p++] = ip >>> 24;
    bytes[p++] = (ip >>> 16) & 0xff;
    bytes[p++] = (ip >>> 8) & 0xff;
    bytes[p++] = ip & 0xff;
    bytes[p++] = port >>> 8;
    bytes[p++] = port & 0xff;
    h = mix(mix(h, ip), port);
  } else {
    p = writeAnyOrigin(bytes, p, port, address);
    for (let i = at; i < p; i++) h = mix(h, bytes[i]);
  }
  const n = npdu.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const b0 = npdu[i];
    const b1 = npdu[i + 1];
    const b2 = npdu[i + 2];
    const b3 = npdu[i + 3];
    bytes[p] = b0;
    bytes[p + 1] = b1;
    bytes[p + 2] = b2;
    bytes[p + 3] = b3;
    p += 4;
    h = mix(h, b0 | (b1 << 8) | (b2 << 16) | (b3 << 24));
  }
  let tail = 0;
  for (; i < n; i++) {
    const b = npdu[i];
    bytes[p++] = b;
    tail = (tail << 8) | b;
  }
  // The length goes in too: a tail of zeros must not hash like a shorter key.
  h = mix(mix(h, tail), n);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  lastKeyLength = p - at;
  return (h ^ (h >>> 13)) & 0x3fffffff;
}

/** The length of the key writeKey() wrote last: a second result without an object to carry two. */
let lastKeyLength = 0;

export function writtenKeyLength(): number {
  return lastKeyLength;
}

/** The KEY_ANY origin (see writeKey); returns where the NPDU goes. */
function writeAnyOrigin(bytes: Uint8Array, at: number, port: number, address: string): number {
  let p = at;
  bytes[p++] = KEY_ANY;
  if (Number.isInteger(port) && port >= 0 && port <= 0xffff) {
    bytes[p++] = port >>> 8;
    bytes[p++] = port & 0xff;
  } else {
    bytes[p++] = 0xff;
    new DataView(bytes.buffer, bytes.byteOffset + p, 8).setFloat64(0, port);
    p += 8;
  }
  bytes[p++] = (address.length >>> 8) & 0xff;
  bytes[p++] = address.length & 0xff;
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c < 0xff) {
      bytes[p++] = c;
    } else {
      bytes[p++] = 0xff;
      bytes[p++] = c >>> 8;
      bytes[p++] = c & 0xff;
    }
  }
  return p;
}

/** The hash a key gets in the table (tests use it to find two keys that share a hash). */
export function duplicateKeyHash(address: string, port: number, npdu: Uint8Array): number {
  return writeKey(new Uint8Array(maxKeyLength(address, npdu)), 0, canonicalIPv4(address), port, address, npdu);
}
