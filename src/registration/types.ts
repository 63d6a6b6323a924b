/**
 * What the foreign-device registration takes and reports: its options and
 * collaborators, its snapshot and counters, its errors, and the TTL check.
 */
import { BipAddress, HostPort, PublicAddress } from '../protocol/address';
import { Clock } from '../util/clock';
import { describeValue } from '../util/describe-value';

export type RegistrationState = 'stopped' | 'registering' | 'registered' | 'rejected' | 'unreachable';

/** How the manager reaches the network; implemented by the shared UDP endpoint. */
export interface FdTransport {
  /** Sends one datagram; rejects with the socket's error. */
  send(frame: Uint8Array, to: BipAddress): Promise<void>;
  /**
   * Optional: send() without a promise, for the per-message broadcast path. Calls
   * `callback` once, never synchronously, when the datagram has left or failed.
   * Transports without it get send().
   */
  sendNow?(frame: Uint8Array, to: BipAddress, callback: (err: Error | null) => void): void;
  /** The bound local address (may be 0.0.0.0). */
  boundAddress(): BipAddress;
  /** The local address of the route to `to`, with the bound port: what a peer sees when there is no NAT. */
  localAddressFor(to: BipAddress): Promise<BipAddress>;
}

/** Resolves a host name to one IPv4 address. */
export type Resolver = (host: string) => Promise<string>;

export interface FdLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface ForeignDeviceOptions {
  bbmd: HostPort;
  /** Seconds, integer 1..65535. */
  ttl: number;
  clock: Clock;
  transport: FdTransport;
  resolver: Resolver;
  /** Uniform in [0, 1); jitter. Defaults to Math.random. */
  random?: () => number;
  /** The address the BBMD sees, when NAT stands between us; port null: the bound local port. */
  publicAddress?: PublicAddress | null;
  /**
   * Send Delete-FDT-Entry on stop: true (default) when registered; 'always' also when
   * not (a diagnostic whose Register may have been accepted unseen); false never.
   */
  deregister?: boolean | 'always';
  log?: FdLogger;
}

export interface StopOptions {
  /**
   * Overrides the configured `deregister` for this stop: false sends no
   * Delete-FDT-Entry (another registration on the same socket now owns the entry).
   */
  deregister?: boolean;
}

export interface FdCounters {
  /** Register-Foreign-Device requests the BBMD accepted. */
  registrations: number;
  /** NAKs from the BBMD, of any kind. */
  naks: number;
  /** Register requests that got no answer within the response timeout. */
  timeouts: number;
  /** BVLC-Results and Acks from an address or port that is not our BBMD. */
  spoofed: number;
  /** Datagrams for this registration that could not be decoded. */
  malformed: number;
  broadcastsSent: number;
  broadcastsFailed: number;
  /** NPDUs received for the users of this registration. */
  received: number;
}

export interface FdSnapshot {
  state: RegistrationState;
  registered: boolean;
  bbmd: { host: string; address: string | null; port: number };
  local: BipAddress;
  ttl: number;
  grantedTtl: number | null;
  lastResult: { code: number; name: string } | null;
  since: number;
  lastAck: number | null;
  nextAttempt: number | null;
  rtt: number | null;
  attempts: number;
  error: string | null;
  counters: FdCounters;
}

/** Errors thrown or rejected by the manager carry a code for programs and a sentence for people. */
export class ForeignDeviceError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ForeignDeviceError';
    this.code = code;
  }
}

/** Upper bound of stop(), ms. */
export const STOP_BOUND_MS = 2000;

/** Every counter at zero. */
export function emptyCounters(): FdCounters {
  return { registrations: 0, naks: 0, timeouts: 0, spoofed: 0, malformed: 0, broadcastsSent: 0, broadcastsFailed: 0, received: 0 };
}

/** Checks a TTL and returns it; throws a RangeError/TypeError that says what is accepted. */
export function validateTtl(ttl: unknown): number {
  if (typeof ttl !== 'number' || Number.isNaN(ttl)) {
    throw new TypeError(`TTL must be a number of seconds (an integer 1..65535), got ${describeValue(ttl)}`);
  }
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 65535) {
    throw new RangeError(`TTL must be an integer 1..65535 seconds, got ${ttl}`);
  }
  return ttl;
}
