/**
 * Device references as CLIENT.md writes them (node field `device`,
 * `msg.payload.device`): an instance 0..4194302 (a number or a string of
 * one), `"host:port"` or `"host"` (port 47808), or `{ address, port,
 * network?, mac? }`, the shape of fd-receive's `msg.source`. Pure: host
 * names are resolved by the caller.
 */
import { BACNET_PORT, parseHostPort } from '../protocol/address';
import { MAX_OBJECT_INSTANCE } from '../protocol/names';
import { describeValue } from '../util/describe-value';

export type DeviceReference =
  | { readonly kind: 'instance'; readonly instance: number }
  /** `host` is an IPv4 address or a name still to resolve. */
  | { readonly kind: 'address'; readonly host: string; readonly port: number; readonly network: number | null; readonly mac: string | null };

export class DeviceReferenceError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceReferenceError';
  }
}

const ACCEPTED = 'a device instance 0..4194302, "host:port" or { address, port, network?, mac? }';

/** Parses a device reference; throws DeviceReferenceError naming what is accepted. */
export function parseDeviceReference(input: unknown): DeviceReference {
  if (typeof input === 'number') return instanceOf(input, input);
  if (typeof input === 'string') {
    const text = input.trim();
    if (text === '') throw new DeviceReferenceError(`no device given: expected ${ACCEPTED}`);
    if (/^\d+$/.test(text)) return instanceOf(Number(text), input);
    return addressOf(text, input);
  }
  if (isRecord(input)) return recordOf(input);
  throw new DeviceReferenceError(`device must be ${ACCEPTED}, not ${describeValue(input)}`);
}

/** "1234", or "10.0.4.7:47808" with " network 5 MAC 0a" for a routed device: for sentences and topics. */
export function formatDeviceReference(ref: DeviceReference): string {
  if (ref.kind === 'instance') return String(ref.instance);
  const bip = `${ref.host}:${ref.port}`;
  return ref.network === null ? bip : `${bip} network ${ref.network} MAC ${ref.mac ?? ''}`;
}

function instanceOf(n: number, input: unknown): DeviceReference {
  if (!Number.isInteger(n) || n < 0 || n > MAX_OBJECT_INSTANCE) {
    throw new DeviceReferenceError(`device instance must be a whole number 0..${MAX_OBJECT_INSTANCE}, got ${describeValue(input)}`);
  }
  return { kind: 'instance', instance: n };
}

function addressOf(text: string, input: unknown): DeviceReference {
  try {
    const { host, port } = parseHostPort(text, BACNET_PORT);
    return { kind: 'address', host, port, network: null, mac: null };
  } catch (err) {
    throw new DeviceReferenceError(`device ${describeValue(input)}: ${(err as Error).message}; expected ${ACCEPTED}`);
  }
}

function recordOf(input: Record<string, unknown>): DeviceReference {
  const { address, port, network, mac } = input;
  if (typeof address !== 'string') throw new DeviceReferenceError(`device { address, port } needs address as a string, got ${describeValue(address)}`);
  const base = addressOf(address, address);
  if (base.kind !== 'address') throw new DeviceReferenceError(`device address must be a host, got ${describeValue(address)}`);
  let udpPort = base.port;
  if (port !== undefined && port !== null) {
    const n = typeof port === 'string' && /^\d+$/.test(port.trim()) ? Number(port) : port;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535) {
      throw new DeviceReferenceError(`device port must be a whole number 1..65535, got ${describeValue(port)}`);
    }
    udpPort = n;
  }
  const hasNetwork = network !== undefined && network !== null;
  const hasMac = mac !== undefined && mac !== null && mac !== '';
  if (!hasNetwork) {
    if (hasMac) throw new DeviceReferenceError('device mac needs a network: give both, or neither for a device on the B/IP network');
    return { ...base, port: udpPort };
  }
  if (typeof network !== 'number' || !Number.isInteger(network) || network < 1 || network > 65534) {
    throw new DeviceReferenceError(`device network must be a whole number 1..65534, got ${describeValue(network)}`);
  }
  if (typeof mac !== 'string' || !/^([0-9a-fA-F]{2}){1,7}$/.test(mac)) {
    throw new DeviceReferenceError(`device mac must be 1..7 octets in hex ("0a"), got ${describeValue(mac)}`);
  }
  return { ...base, port: udpPort, network, mac: mac.toLowerCase() };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}
