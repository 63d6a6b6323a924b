/**
 * A local UDP endpoint's settings, their defaults and their check. Pure: the
 * config node's settings use it without loading the socket.
 */
import { BipAddress, formatBipAddress, isIPv4, isPort } from '../protocol/address';

/** Default socket receive buffer: room for a burst of I-Am replies to a global Who-Is. */
export const DEFAULT_RECV_BUFFER_SIZE = 1024 * 1024;

export interface LocalEndpointConfig {
  /** IPv4 address to bind; 0.0.0.0 for every interface. */
  address: string;
  /** UDP port; 0 for an automatic one. */
  port: number;
  /** Bytes; the kernel may cap it (net.core.rmem_max). */
  recvBufferSize?: number;
}

/** Codes of the errors the endpoint throws, for programs; the message is for people. */
export class EndpointError extends Error {
  readonly code: string;
  /** For a bind error, the address and port it tried (the nodes say it in the user's language). */
  readonly where: BipAddress | null;
  constructor(code: string, message: string, where: BipAddress | null = null) {
    super(message);
    this.name = 'EndpointError';
    this.code = code;
    this.where = where;
  }
}

/** Checks a local endpoint configuration; throws an EndpointError that says what is accepted. */
export function validateLocalEndpoint(config: LocalEndpointConfig): void {
  if (typeof config.address !== 'string' || !isIPv4(config.address)) {
    throw new EndpointError('EBADCONFIG', `local address must be an IPv4 address such as 0.0.0.0, got ${JSON.stringify(config.address)}`);
  }
  if (!isPort(config.port, true)) {
    throw new EndpointError('EBADCONFIG', `local port must be an integer 0..65535 (0 = automatic), got ${JSON.stringify(config.port)}`);
  }
  const size = config.recvBufferSize;
  if (size !== undefined && (!Number.isInteger(size) || size < 0 || size > 0x7fffffff)) {
    throw new EndpointError('EBADCONFIG', `receive buffer size must be a whole number of bytes, got ${JSON.stringify(size)}`);
  }
}

/** The configuration with its defaults filled in. */
export function withDefaults(config: LocalEndpointConfig): Required<LocalEndpointConfig> {
  return {
    address: config.address,
    port: config.port,
    recvBufferSize: config.recvBufferSize ?? DEFAULT_RECV_BUFFER_SIZE,
  };
}

/** The registry's key of an endpoint: "address:port" as configured (port 0 for an automatic one). */
export function endpointKey(config: LocalEndpointConfig): string {
  return formatBipAddress({ address: config.address, port: config.port });
}
