/**
 * The shared UDP endpoint: one dgram socket per local (address, port), shared
 * and reference-counted by every config node that names it, and one
 * ForeignDeviceManager per (endpoint, BBMD), shared the same way.
 *
 * Each datagram is decoded once and routed by its source:
 * - BVLC-Results and Read-FDT/Read-BDT Acks go to the manager of the BBMD they
 *   came from (from nobody's BBMD: to every manager here, which counts them as
 *   spoofed and ignores them);
 * - a Forwarded-NPDU from a BBMD goes to the receivers registered with that BBMD;
 * - every other NPDU (unicast replies, Original-Broadcast) goes to every receiver
 *   on the endpoint.
 * Malformed datagrams are counted and dropped, never thrown.
 */
import * as dgram from 'node:dgram';
import * as dns from 'node:dns';
import { BipAddress, formatBipAddress, isIPv4, isPort, sameBipAddress } from '../protocol/address';
import { BVLL_TYPE_BIPV4, BvlcFunction, BvllFrame, FORWARDED_HEADER_LENGTH, MAX_NPDU_LENGTH, bvlcFunctionName, decodeBvll } from '../protocol/bvll';
import { DecodeError } from '../protocol/decode-error';
import { FdLogger, validateTtl } from '../registration/types';
import { ReceivedNpdu, copyReceived, decodeReceived } from '../protocol/received-npdu';
import { resolveHost } from './resolver';
import { RegistrationConfig, RegistrationLease, RegistrationTable, SharedRegistration } from '../registration/registration-table';

export type { ReceivedNpdu } from '../protocol/received-npdu';
export type { NpduListener, RegistrationConfig, RegistrationLease, SnapshotListener } from '../registration/registration-table';

/** Default socket receive buffer: room for a burst of I-Am replies to a global Who-Is. */
export const DEFAULT_RECV_BUFFER_SIZE = 1024 * 1024;
/** How long to wait before binding again a socket that closed underneath us. */
const REBIND_DELAY_MS = 1000;

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

/** Explains a bind failure: what, where, and the fix. */
export function bindErrorMessage(err: NodeJS.ErrnoException, config: LocalEndpointConfig): string {
  const where = `${config.address}:${config.port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return `cannot bind UDP ${where}: the port is already in use by another program (often other BACnet software on this machine). Choose another local port in the BBMD config node, or 0 for an automatic one.`;
    case 'EACCES':
      return `cannot bind UDP ${where}: permission denied. Ports below 1024 need extra privileges; choose a local port of 1024 or more, or 0 for an automatic one.`;
    case 'EADDRNOTAVAIL':
      return `cannot bind UDP ${where}: ${config.address} is not an address of this machine. Use 0.0.0.0 (every interface) or one of this machine's own addresses.`;
    default:
      return `cannot bind UDP ${where}: ${err.message}`;
  }
}

export class UdpEndpoint {
  readonly key: string;
  readonly config: Required<LocalEndpointConfig>;
  /** Datagrams that could not be decoded, on this socket. */
  malformed = 0;
  /** Datagrams received. */
  received = 0;

  private socket: dgram.Socket | null = null;
  private bound: BipAddress | null = null;
  private refs = 0;
  private closing = false;
  private rebindTimer: NodeJS.Timeout | null = null;
  private readonly registrations: RegistrationTable;
  private readonly log: FdLogger | undefined;
  /** originOf(): the last originating address seen per last octet, as a number and as text. */
  private readonly originIps = new Uint32Array(256);
  private readonly originTexts: (string | undefined)[] = new Array<string | undefined>(256).fill(undefined);

  constructor(config: LocalEndpointConfig, log?: FdLogger) {
    validateLocalEndpoint(config);
    this.config = {
      address: config.address,
      port: config.port,
      recvBufferSize: config.recvBufferSize ?? DEFAULT_RECV_BUFFER_SIZE,
    };
    this.key = endpointKey(config);
    this.log = log;
    this.registrations = new RegistrationTable(this, `UDP socket ${this.key}`, resolveHost);
  }

  /** The bound address (port known after bind); 0.0.0.0 when bound to every interface. */
  boundAddress(): BipAddress {
    return this.bound ?? { address: this.config.address, port: this.config.port };
  }

  /** Holds taken on this endpoint and not yet given back. */
  get refCount(): number {
    return this.refs;
  }

  get isOpen(): boolean {
    return this.socket !== null;
  }

  /** Managers on this endpoint, for diagnostics and tests. */
  get managerCount(): number {
    return this.registrations.size;
  }

  send(frame: Uint8Array, to: BipAddress): Promise<void> {
    const socket = this.socket;
    if (socket === null) {
      return Promise.reject(new EndpointError('ENOTOPEN', `UDP socket ${this.key} is not open`));
    }
    return new Promise<void>((resolve, reject) => {
      try {
        socket.send(frame, to.port, to.address, (err) => (err ? reject(err) : resolve()));
      } catch (err) {
        // dgram throws synchronously when the socket was closed underneath us.
        reject(err as Error);
      }
    });
  }

  /**
   * send() without a promise (FdTransport.sendNow): the broadcast path sends one
   * datagram per flow message, and a promise per datagram is most of what the
   * package adds to dgram's own cost there. `callback` runs once, never synchronously.
   */
  sendNow(frame: Uint8Array, to: BipAddress, callback: (err: Error | null) => void): void {
    const socket = this.socket;
    if (socket === null) {
      process.nextTick(callback, new EndpointError('ENOTOPEN', `UDP socket ${this.key} is not open`));
      return;
    }
    try {
      // dgram calls back (null, bytes) on success: `callback` itself, no wrapper per datagram.
      socket.send(frame, to.port, to.address, callback);
    } catch (err) {
      // dgram throws synchronously when the socket was closed underneath us.
      process.nextTick(callback, err as Error);
    }
  }

  /**
   * The local address of the route to `to`: a throwaway socket "connected" to
   * it (no packet is sent) tells which interface the kernel would use.
   */
  localAddressFor(to: BipAddress): Promise<BipAddress> {
    const port = this.boundAddress().port;
    if (this.config.address !== '0.0.0.0') return Promise.resolve({ address: this.config.address, port });
    return new Promise<BipAddress>((resolve, reject) => {
      const probe = dgram.createSocket('udp4');
      probe.on('error', (err) => {
        probe.close();
        reject(err);
      });
      probe.connect(to.port, to.address, () => {
        const address = probe.address().address;
        probe.close();
        resolve({ address, port });
      });
    });
  }

  // ---- lifetime (used by the registry below) --------------------------------------

  async open(): Promise<void> {
    this.refs++;
    if (this.socket) return;
    try {
      await this.bind();
    } catch (err) {
      this.refs--;
      throw err;
    }
  }

  /** Drops one reference; the last one closes the socket and waits for 'close'. */
  async close(): Promise<void> {
    this.refs = Math.max(0, this.refs - 1);
    if (this.refs > 0) return;
    this.closing = true;
    if (this.rebindTimer) {
      clearTimeout(this.rebindTimer);
      this.rebindTimer = null;
    }
    const socket = this.socket;
    this.socket = null;
    if (socket) await closeSocket(socket);
  }

  private bind(): Promise<void> {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false, lookup: literalLookup });
    // After an unexpected close, bind the port we had (even when the config says
    // "automatic"): the BBMD's FDT entry names it.
    const port = this.bound?.port ?? this.config.port;
    return new Promise<void>((resolve, reject) => {
      const onBindError = (err: NodeJS.ErrnoException): void => {
        socket.removeAllListeners();
        socket.on('error', () => undefined);
        try {
          socket.close();
        } catch {
          // already closed by the failed bind
        }
        // Name the port this bind tried, not the configured 0 ("automatic") of a rebind.
        reject(new EndpointError(err.code ?? 'EBIND', bindErrorMessage(err, { ...this.config, port }), { address: this.config.address, port }));
      };
      // An 'error' listener before bind: a socket error with no listener takes Node-RED down.
      socket.once('error', onBindError);
      socket.bind({ address: this.config.address, port, exclusive: true }, () => {
        socket.off('error', onBindError);
        socket.on('error', (err) => this.log?.warn(`UDP socket ${this.key}: ${err.message}`));
        socket.on('message', (data, rinfo) => this.onDatagram(data, rinfo));
        socket.on('close', () => this.onUnexpectedClose(socket));
        this.applyRecvBufferSize(socket);
        const { address, port } = socket.address();
        this.bound = { address, port };
        this.socket = socket;
        this.closing = false;
        resolve();
      });
    });
  }

  private applyRecvBufferSize(socket: dgram.Socket): void {
    const wanted = this.config.recvBufferSize;
    if (wanted <= 0) return;
    try {
      socket.setRecvBufferSize(wanted);
      // Linux reports twice what it grants and silently caps at net.core.rmem_max.
      const granted = socket.getRecvBufferSize();
      if (granted < wanted) {
        this.log?.warn(
          `UDP socket ${this.key}: the kernel gave a receive buffer of ${granted} bytes, not ${wanted}; a burst of I-Am replies may be lost. Raise net.core.rmem_max (sysctl) to at least ${wanted}.`,
        );
      }
    } catch (err) {
      this.log?.warn(`UDP socket ${this.key}: cannot set the receive buffer to ${wanted} bytes (${(err as Error).message})`);
    }
  }

  /** The socket closed while users still need it (closed underneath us): bind again. */
  private onUnexpectedClose(socket: dgram.Socket): void {
    if (this.socket !== socket || this.closing) return;
    this.socket = null;
    this.log?.warn(`UDP socket ${this.key} closed unexpectedly; binding again in ${REBIND_DELAY_MS} ms`);
    this.scheduleRebind();
  }

  private scheduleRebind(): void {
    this.rebindTimer = setTimeout(() => {
      this.rebindTimer = null;
      if (this.closing || this.refs === 0 || this.socket) return;
      this.bind().catch((err: Error) => {
        this.log?.warn(err.message);
        if (!this.closing && this.refs > 0) this.scheduleRebind();
      });
    }, REBIND_DELAY_MS);
  }

  // ---- registrations ---------------------------------------------------------------

  /**
   * Takes a hold on the registration with `config.bbmd` on this endpoint (one per BBMD
   * address), starting its manager; `afterRelease` runs once the hold is given back.
   */
  acquireRegistration(config: RegistrationConfig, afterRelease?: () => Promise<void>): Promise<RegistrationLease> {
    return this.registrations.acquire(config, afterRelease);
  }

  // ---- receive path -----------------------------------------------------------------

  private onDatagram(data: Buffer, rinfo: dgram.RemoteInfo): void {
    this.received++;
    // Most of what reaches a foreign device on a busy site is Forwarded-NPDUs: one that is
    // exactly well formed is taken apart here, without decodeBvll()'s frame object and with
    // the originating address's text reused (originOf). Anything else goes the general way,
    // which decodes (or refuses) it just the same. (rinfo is only compared with the BBMDs'
    // addresses there, so it serves as the sender's address as it is.)
    if (isWellFormedForwardedNpdu(data)) {
      this.onForwardedNpdu(data, this.originOf(data), rinfo);
      return;
    }
    const from: BipAddress = { address: rinfo.address, port: rinfo.port };
    let frame: BvllFrame;
    try {
      frame = decodeBvll(data);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.malformed++;
      for (const shared of this.managersFor(from)) shared.manager.counters.malformed++;
      return;
    }
    switch (frame.function) {
      case BvlcFunction.Result:
      case BvlcFunction.ReadFdtAck:
      case BvlcFunction.ReadBdtAck:
        for (const shared of this.managersFor(from)) shared.manager.handleFrame(frame, from);
        return;
      case BvlcFunction.ForwardedNpdu:
        // Only if isWellFormedForwardedNpdu() and decodeBvll() ever disagreed: the same routing.
        this.onForwardedNpdu(data, frame.origin, from);
        return;
      case BvlcFunction.OriginalUnicastNpdu:
      case BvlcFunction.OriginalBroadcastNpdu: {
        const everyone = this.registrations.list;
        const received = this.decodeNpdu(frame.npdu, from, null, bvlcFunctionName(frame.function), everyone);
        if (received) deliver(everyone, received);
        return;
      }
      default:
        // Requests a BBMD would serve (Register, Read-FDT, Write-BDT, ...) and
        // Secure-BVLL mean nothing to a foreign device: dropped.
        return;
    }
  }

  /** A Forwarded-NPDU (`data`, the whole datagram), to the receivers of the BBMDs it came from. */
  private onForwardedNpdu(data: Buffer, origin: BipAddress, from: BipAddress): void {
    const registrations = this.registrations.list;
    // Nearly always one registration on the endpoint: found without building a list.
    let forwarders = 0;
    for (let i = 0; i < registrations.length; i++) if (registrations[i].manager.isFromBbmd(from)) forwarders++;
    // A Forwarded-NPDU from an address that is none of our BBMDs is not a broadcast
    // we asked for: it goes nowhere (and is counted), like any other spoofed frame.
    if (forwarders === 0) {
      for (const shared of registrations) shared.manager.counters.spoofed++;
      return;
    }
    const via: BipAddress = { address: from.address, port: from.port };
    let audience = forwarders === registrations.length ? registrations : registrations.filter((shared) => shared.manager.isFromBbmd(from));
    // A BBMD that sends our own broadcast back to us (its origin is our FDT entry's address):
    // nothing the flows did not send themselves, so they do not get it again.
    if (audience.some((shared) => isOwnAddress(shared, origin))) {
      audience = audience.filter((shared) => !isOwnAddress(shared, origin));
      if (audience.length === 0) return;
    }
    const received = this.decodeNpdu(data.subarray(FORWARDED_HEADER_LENGTH), origin, via, 'Forwarded-NPDU', audience);
    if (received) deliver(audience, received);
  }

  /**
   * The originating B/IP address of a well-formed Forwarded-NPDU, as readBipAddress()
   * gives it. Building the dotted text costs more than the rest of the framing, and the
   * same devices send again and again: the text is kept per last octet and reused while
   * the address is the same (strings are immutable, so sharing one is safe).
   */
  private originOf(data: Buffer): BipAddress {
    const ip = ((data[4] << 24) | (data[5] << 16) | (data[6] << 8) | data[7]) >>> 0;
    const slot = data[7];
    let address = this.originTexts[slot];
    if (address === undefined || this.originIps[slot] !== ip) {
      address = `${data[4]}.${data[5]}.${data[6]}.${data[7]}`;
      this.originTexts[slot] = address;
      this.originIps[slot] = ip;
    }
    return { address, port: (data[8] << 8) | data[9] };
  }

  /** NPDU header, APDU and I-Am, decoded once for every receiver; malformed ones are counted for `audience` and dropped. */
  private decodeNpdu(npdu: Buffer, source: BipAddress, via: BipAddress | null, fn: string, audience: readonly SharedRegistration[]): ReceivedNpdu | null {
    try {
      return decodeReceived(npdu, source, via, fn);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.malformed++;
      for (const shared of audience) shared.manager.counters.malformed++;
      return null;
    }
  }

  /** The managers whose BBMD sent this, or every manager here when it came from none of them. */
  private managersFor(from: BipAddress): readonly SharedRegistration[] {
    const own = this.registrations.list.filter((shared) => shared.manager.isFromBbmd(from));
    return own.length > 0 ? own : this.registrations.list;
  }
}

/** Exactly what decodeBvll() accepts as a Forwarded-NPDU: B/IPv4, function 04, the length field right, 1..1497 octets of NPDU. */
function isWellFormedForwardedNpdu(data: Buffer): boolean {
  return (
    data.length > FORWARDED_HEADER_LENGTH &&
    data.length - FORWARDED_HEADER_LENGTH <= MAX_NPDU_LENGTH &&
    data[0] === BVLL_TYPE_BIPV4 &&
    data[1] === BvlcFunction.ForwardedNpdu &&
    ((data[2] << 8) | data[3]) === data.length
  );
}

/** True when `address` is the one `shared`'s BBMD knows us by (our FDT entry's). */
function isOwnAddress(shared: SharedRegistration, address: BipAddress): boolean {
  const own = shared.manager.addressSeenByBbmd;
  return own !== null && sameBipAddress(own, address);
}

/**
 * To the receivers of every registration in `audience`: the very first receiver gets
 * `received`, every other one a copy (see copyReceived).
 */
function deliver(audience: readonly SharedRegistration[], received: ReceivedNpdu): void {
  for (let i = 0; i < audience.length; i++) {
    const shared = audience[i];
    shared.manager.counters.received++;
    // A receiver's bug must not stop delivery to the others or reach the socket.
    shared.receivers.emit(i === 0 ? received : copyReceived(received), undefined, copyReceived);
  }
}

/** The last address literalLookup() let through: the same few destinations come again and again. */
let lastLiteral = '';

/**
 * The endpoint's sockets' lookup. dgram looks up the destination of every datagram,
 * even an address literal: dns.lookup() tests it with isIP() and calls back on the
 * next tick, most of what a send costs in JavaScript. Everything the endpoint sends to
 * is an IPv4 address already (the manager resolves the BBMD's name once, fd-send
 * resolves or checks its destination), so a literal is given back at once, as it is;
 * anything else goes to dns.lookup() as before.
 */
function literalLookup(
  hostname: string,
  options: dns.LookupOneOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  if (hostname === lastLiteral || isIPv4(hostname)) {
    lastLiteral = hostname;
    callback(null, hostname, 4);
    return;
  }
  dns.lookup(hostname, options, callback);
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    socket.removeAllListeners('message');
    socket.once('close', () => resolve());
    try {
      socket.close();
    } catch {
      resolve();
    }
  });
}

/** dns.lookup for one IPv4 address (what the OS resolver, /etc/hosts included, says). */
export function resolveIPv4(host: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    dns.lookup(host, { family: 4 }, (err, address) => (err ? reject(err) : resolve(address)));
  });
}

export function endpointKey(config: LocalEndpointConfig): string {
  return formatBipAddress({ address: config.address, port: config.port });
}

// ---- the registry: one endpoint per local (address, port) -------------------------------

const endpoints = new Map<string, UdpEndpoint>();
/** Endpoints closing now: a new user of the same key waits, so a redeploy rebinds cleanly. */
const closing = new Map<string, Promise<void>>();
/** Endpoints binding now: concurrent users share the bind. */
const opening = new Map<string, Promise<UdpEndpoint>>();

/**
 * Takes a hold on the registration with `config.bbmd` over the shared endpoint
 * `config.local`, binding the socket if this is its first user and starting
 * the manager if this is its first user. Rejects with an EndpointError when
 * the socket cannot be bound (the message names the address, port and fix).
 */
export async function acquireRegistration(config: RegistrationConfig): Promise<RegistrationLease> {
  validateTtl(config.ttl);
  const endpoint = await acquireEndpoint(config.local, config.log);
  try {
    // The hold on the socket goes back with the hold on the registration.
    return await endpoint.acquireRegistration(config, () => releaseEndpoint(endpoint));
  } catch (err) {
    await releaseEndpoint(endpoint);
    throw err;
  }
}

/** Takes a hold on the shared endpoint for `config`, binding it if needed. */
export async function acquireEndpoint(config: LocalEndpointConfig, log?: FdLogger): Promise<UdpEndpoint> {
  validateLocalEndpoint(config);
  const key = endpointKey(config);
  for (;;) {
    const pendingClose = closing.get(key);
    if (pendingClose) {
      await pendingClose;
      continue;
    }
    const pendingOpen = opening.get(key);
    if (pendingOpen) {
      const endpoint = await pendingOpen;
      // Another user bound it meanwhile: take our own reference on it.
      if (endpoints.get(key) !== endpoint) continue;
      await endpoint.open();
      return endpoint;
    }
    const existing = endpoints.get(key);
    if (existing) {
      await existing.open();
      return existing;
    }
    const endpoint = new UdpEndpoint(config, log);
    const binding = endpoint.open().then(() => endpoint);
    opening.set(key, binding);
    try {
      await binding;
      endpoints.set(key, endpoint);
      return endpoint;
    } finally {
      opening.delete(key);
    }
  }
}

/** Gives back a hold taken with acquireEndpoint(); the last one closes the socket (awaited). */
export async function releaseEndpoint(endpoint: UdpEndpoint): Promise<void> {
  const key = endpoint.key;
  const last = endpoints.get(key) === endpoint && endpoint.refCount === 1;
  if (!last) {
    await endpoint.close();
    return;
  }
  endpoints.delete(key);
  const done = endpoint.close().finally(() => closing.delete(key));
  closing.set(key, done);
  await done;
}

/** Keys of the endpoints open now (for diagnostics and leak checks in tests). */
export function openEndpoints(): string[] {
  return [...endpoints.keys()];
}
