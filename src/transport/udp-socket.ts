/**
 * One dgram socket on a local (address, port): bind with errors that say the
 * fix, the receive buffer, send, and a new bind when the socket closes
 * underneath its users. What arrives goes to onDatagram(), undecoded.
 */
import * as dgram from 'node:dgram';
import * as dns from 'node:dns';
import { BipAddress, isIPv4 } from '../protocol/address';
import type { FdLogger, FdTransport } from '../registration/types';
import { EndpointError, LocalEndpointConfig, endpointKey, validateLocalEndpoint, withDefaults } from './endpoint-config';
import { asError, errorMessage } from '../util/errors';

/** How long to wait before binding again a socket that closed underneath us. */
const REBIND_DELAY_MS = 1000;

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

export abstract class UdpSocket implements FdTransport {
  readonly key: string;
  readonly config: Required<LocalEndpointConfig>;
  protected readonly log: FdLogger | undefined;

  private socket: dgram.Socket | null = null;
  private bound: BipAddress | null = null;
  private closing = false;
  private rebindTimer: NodeJS.Timeout | null = null;

  constructor(config: LocalEndpointConfig, log?: FdLogger) {
    validateLocalEndpoint(config);
    this.config = withDefaults(config);
    this.key = endpointKey(config);
    this.log = log;
  }

  /** Every datagram the socket receives, as it came. */
  protected abstract onDatagram(data: Buffer, rinfo: dgram.RemoteInfo): void;

  /** The bound address (port known after bind); 0.0.0.0 when bound to every interface. */
  boundAddress(): BipAddress {
    return this.bound ?? { address: this.config.address, port: this.config.port };
  }

  get isOpen(): boolean {
    return this.socket !== null;
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
        reject(asError(err));
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
      process.nextTick(callback, asError(err));
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

  /** Binds the socket; rejects with an EndpointError that names the address, port and fix. */
  protected bind(): Promise<void> {
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

  /** Closes the socket for good (until the next bind()) and waits for 'close'. */
  protected async unbind(): Promise<void> {
    this.closing = true;
    if (this.rebindTimer) {
      clearTimeout(this.rebindTimer);
      this.rebindTimer = null;
    }
    const socket = this.socket;
    this.socket = null;
    if (socket) await closeSocket(socket);
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
      this.log?.warn(`UDP socket ${this.key}: cannot set the receive buffer to ${wanted} bytes (${errorMessage(err)})`);
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
      if (this.closing || this.socket) return;
      this.bind().catch((err: Error) => {
        this.log?.warn(err.message);
        if (!this.closing) this.scheduleRebind();
      });
    }, REBIND_DELAY_MS);
  }
}

/** The last address literalLookup() let through: the same few destinations come again and again. */
let lastLiteral = '';

/**
 * The sockets' lookup. dgram looks up the destination of every datagram, even an
 * address literal: dns.lookup() tests it with isIP() and calls back on the next
 * tick, most of what a send costs in JavaScript. Everything the endpoint sends to
 * is an IPv4 address already (the manager resolves the BBMD's name once, fd-send
 * resolves or checks its destination), so a literal is given back at once, as it
 * is; anything else goes to dns.lookup().
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
