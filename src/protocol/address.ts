/**
 * B/IP addresses: the 6-octet form used inside BVLL frames (4 octets of IPv4
 * address, 2 octets of UDP port, big-endian) and the "host:port" text form
 * that users type. Pure: no I/O, no name resolution.
 */
import { DecodeError } from './decode-error';
import { describeValue } from '../util/describe-value';

/** A B/IPv4 address: dotted-quad IPv4 text and a UDP port. */
export interface BipAddress {
  address: string;
  port: number;
}

/**
 * The address a BBMD sees for a device behind NAT: an IPv4 address and a port,
 * or port null when none was given, which means the device's bound local port.
 */
export interface PublicAddress {
  address: string;
  port: number | null;
}

/** The standard BACnet/IP UDP port (0xBAC0). */
export const BACNET_PORT = 47808;

/** Octets in the B/IP address form of a BVLL frame. */
export const BIP_ADDRESS_LENGTH = 6;

const IPV4_PATTERN = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

// RFC 1123 host names: labels of letters, digits and hyphens, not starting or
// ending with a hyphen, at most 63 octets each and 253 in all.
const HOSTNAME_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** True for a dotted-quad IPv4 address with no leading zeros ("10.0.0.1"). */
export function isIPv4(text: string): boolean {
  return IPV4_PATTERN.test(text);
}

/** True for a syntactically valid DNS host name (an IPv4 address also passes). */
export function isHostname(text: string): boolean {
  if (isIPv4(text)) return true;
  const trimmed = text.endsWith('.') ? text.slice(0, -1) : text;
  if (trimmed.length === 0 || trimmed.length > 253) return false;
  const labels = trimmed.split('.');
  // RFC 1123 2.1: a name whose last label is all digits is not a host name. Refusing
  // it also keeps "010.0.0.1" or "10.0.0" away from the resolver, which would read
  // them in old numeric forms (octal, short) as some other address.
  if (/^\d+$/.test(labels[labels.length - 1])) return false;
  return labels.every((label) => HOSTNAME_LABEL.test(label));
}

/** True for an integer UDP port 1..65535 (or 0..65535 when `allowZero`). */
export function isPort(value: unknown, allowZero = false): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= (allowZero ? 0 : 1) && value <= 65535;
}

/** Writes `bip` as 6 octets into `target` at `offset`; returns the offset after it. */
export function writeBipAddress(bip: BipAddress, target: Uint8Array, offset: number): number {
  if (!isIPv4(bip.address)) throw new TypeError(`not an IPv4 address: ${JSON.stringify(bip.address)}`);
  if (!isPort(bip.port, true)) throw new RangeError(`not a UDP port (0..65535): ${String(bip.port)}`);
  const parts = bip.address.split('.');
  for (let i = 0; i < 4; i++) target[offset + i] = Number(parts[i]);
  target[offset + 4] = bip.port >>> 8;
  target[offset + 5] = bip.port & 0xff;
  return offset + BIP_ADDRESS_LENGTH;
}

/** Returns `bip` as a new 6-octet Buffer. */
export function encodeBipAddress(bip: BipAddress): Buffer {
  const out = Buffer.alloc(BIP_ADDRESS_LENGTH);
  writeBipAddress(bip, out, 0);
  return out;
}

/** Reads the 6-octet B/IP address at `offset`. Throws DecodeError if the input is too short. */
export function readBipAddress(source: Uint8Array, offset: number): BipAddress {
  if (offset < 0 || source.length - offset < BIP_ADDRESS_LENGTH) {
    const left = offset < 0 ? 0 : Math.max(0, source.length - offset);
    throw new DecodeError(`B/IP address needs ${BIP_ADDRESS_LENGTH} octets at offset ${offset}, ${left} left`, Math.max(0, offset));
  }
  return {
    address: `${source[offset]}.${source[offset + 1]}.${source[offset + 2]}.${source[offset + 3]}`,
    port: (source[offset + 4] << 8) | source[offset + 5],
  };
}

/** "a.b.c.d:port", the form used in logs, errors and map keys. */
export function formatBipAddress(bip: BipAddress): string {
  return `${bip.address}:${bip.port}`;
}

/** Same address and port. */
export function sameBipAddress(a: BipAddress, b: BipAddress): boolean {
  return a.port === b.port && a.address === b.address;
}

/** A host (IPv4 address or name, not yet resolved) and a port. */
export interface HostPort {
  host: string;
  port: number;
}

/**
 * Parses "host", "host:port", "a.b.c.d" or "a.b.c.d:port". The port defaults to
 * `defaultPort`. Throws a TypeError whose message says what was wrong and what
 * is accepted.
 */
export function parseHostPort(text: string, defaultPort: number = BACNET_PORT): HostPort {
  const parsed = splitHostPort(text, defaultPort);
  if (!isHostname(parsed.host)) {
    throw new TypeError(`bad host in ${describeValue(text)}: expected an IPv4 address or a host name`);
  }
  return parsed;
}

/** Splits "host[:port]" and checks the port; the host is the caller's to check. */
function splitHostPort(text: string, defaultPort: number): HostPort {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new TypeError('empty address: expected "host" or "host:port"');
  const colon = trimmed.lastIndexOf(':');
  let host = trimmed;
  let port = defaultPort;
  if (colon !== -1) {
    host = trimmed.slice(0, colon);
    const portText = trimmed.slice(colon + 1);
    if (!/^[1-9]\d{0,4}$/.test(portText) || !isPort(Number(portText))) {
      throw new TypeError(`bad port in ${describeValue(text)}: expected a number 1..65535 after the colon`);
    }
    port = Number(portText);
  }
  return { host, port };
}

/**
 * Parses "a.b.c.d" or "a.b.c.d:port" (IPv4 only, no names): the form of a NAT
 * public address. Throws a TypeError that says what is accepted.
 */
export function parseBipAddress(text: string, defaultPort: number = BACNET_PORT): BipAddress {
  const { host, port } = splitHostPort(text, defaultPort);
  if (!isIPv4(host)) throw new TypeError(`bad address ${describeValue(text)}: expected "a.b.c.d" or "a.b.c.d:port"`);
  return { address: host, port };
}
