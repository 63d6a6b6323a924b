/**
 * The config node's fields, as the editor stores them (numbers or strings,
 * possibly empty), turned into checked settings. Pure: each bad field gives a
 * SettingsError naming the field, what it holds and what is accepted.
 */
import { BACNET_PORT, HostPort, PublicAddress, isHostname, isIPv4, parseBipAddress } from '../protocol/address';
import { describeValue as describe } from '../util/describe-value';
import { LocalEndpointConfig, DEFAULT_RECV_BUFFER_SIZE } from '../transport/endpoint-config';

export const DEFAULT_TTL = 60;

export class SettingsError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

/** The config node's properties as Node-RED hands them over. */
export interface BbmdFields {
  host?: unknown;
  port?: unknown;
  ttl?: unknown;
  localAddress?: unknown;
  localPort?: unknown;
  publicAddress?: unknown;
  deregister?: unknown;
  recvBufferSize?: unknown;
}

export interface BbmdSettings {
  bbmd: HostPort;
  ttl: number;
  local: Required<LocalEndpointConfig>;
  /** Port null: none given, the bound local port is meant. */
  publicAddress: PublicAddress | null;
  deregister: boolean;
}

/** Checks every field; throws SettingsError for the first bad one. */
export function parseBbmdSettings(fields: BbmdFields): BbmdSettings {
  const host = text(fields.host, 'host', 'BBMD host', 'an IPv4 address or a host name');
  if (host === '') throw new SettingsError('host', 'BBMD host is required: an IPv4 address or a host name');
  if (!isIPv4(host) && !isHostname(host)) {
    throw new SettingsError('host', `BBMD host ${describe(host)} is neither an IPv4 address nor a host name`);
  }
  const localAddress = text(fields.localAddress, 'localAddress', 'local address', 'an IPv4 address (0.0.0.0 = every interface)') || '0.0.0.0';
  if (!isIPv4(localAddress)) {
    throw new SettingsError('localAddress', `local address ${describe(localAddress)} is not an IPv4 address (0.0.0.0 = every interface)`);
  }
  const publicText = text(fields.publicAddress, 'publicAddress', 'public address', '"a.b.c.d" or "a.b.c.d:port", or empty');
  let publicAddress: PublicAddress | null = null;
  if (publicText !== '') {
    try {
      const parsed = parseBipAddress(publicText);
      // "a.b.c.d" alone: the NAT keeps our port, whichever the socket is bound to (not 47808).
      publicAddress = { address: parsed.address, port: publicText.includes(':') ? parsed.port : null };
    } catch {
      throw new SettingsError('publicAddress', `public address ${describe(publicText)} must be "a.b.c.d" or "a.b.c.d:port"`);
    }
  }
  return {
    bbmd: { host, port: integer(fields.port, 'port', 'BBMD port', 1, 65535, BACNET_PORT) },
    ttl: integer(fields.ttl, 'ttl', 'TTL (seconds)', 1, 65535, DEFAULT_TTL),
    local: {
      address: localAddress,
      port: integer(fields.localPort, 'localPort', 'local port (0 = automatic)', 0, 65535, 0),
      recvBufferSize: integer(fields.recvBufferSize, 'recvBufferSize', 'receive buffer size (bytes)', 0, 0x7fffffff, DEFAULT_RECV_BUFFER_SIZE),
    },
    publicAddress,
    deregister: boolean(fields.deregister, 'deregister', true),
  };
}

/**
 * An integer field: a number, or a string of digits (the editor stores what the
 * input holds); empty or missing gives the default.
 */
export function integer(value: unknown, field: string, label: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return fallback;
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) n = Number(value);
  else throw new SettingsError(field, `${label} must be a whole number ${min}..${max}, got ${describe(value)}`);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new SettingsError(field, `${label} must be a whole number ${min}..${max}, got ${describe(value)}`);
  }
  return n;
}

function boolean(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new SettingsError(field, `${field} must be true or false, got ${describe(value)}`);
}

/** A text field; `label` and `accepted` name it in the error (the field name alone would not say which). */
function text(value: unknown, field: string, label: string, accepted: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number') return String(value);
  throw new SettingsError(field, `${label} must be text: ${accepted}, got ${describe(value)}`);
}

