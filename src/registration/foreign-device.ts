/**
 * ForeignDeviceManager: registration with one BBMD as a foreign device
 * (ANSI/ASHRAE 135 Annex J.5-J.6), its renewal, recovery and deregistration,
 * and broadcasts through the BBMD (Distribute-Broadcast-To-Network).
 *
 * The behaviour contract is in DESIGN.md ("ForeignDeviceManager: behaviour
 * contract"). Time, the UDP transport, name resolution and randomness are
 * injected: nothing here touches a socket or a real timer, so every rule is
 * tested with a fake clock.
 */
import { EventEmitter } from 'node:events';
import { BipAddress, HostPort, PublicAddress, isIPv4, isPort, sameBipAddress } from '../protocol/address';
import {
  BdtEntry,
  BvlcFunction,
  BvllFrame,
  FdtEntry,
  ResultCode,
  encodeBvll,
  encodeDeleteFdtEntry,
  encodeNpduFrame,
  encodeRegisterForeignDevice,
  resultCodeName,
} from '../protocol/bvll';
import { RESOLVE_TIMEOUT_MS } from '../transport/resolver';
import { Clock, TimerHandle } from '../util/clock';
import { describeValue } from '../util/describe-value';
import { OutstandingRequest } from './outstanding-request';

/** Upper bound of one name resolution, ms (the resolver's; kept here for callers of the manager). */
export { RESOLVE_TIMEOUT_MS };

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

/** Broadcasts that may wait for the first registration. */
export const MAX_QUEUED_BROADCASTS = 100;
/** How long one queued broadcast may wait, ms. */
export const QUEUE_WAIT_MS = 5000;
/** Upper bound of stop(), ms. */
export const STOP_BOUND_MS = 2000;
/**
 * Longest renewal interval behind NAT (publicAddress set), ms: a NAT drops an idle UDP
 * mapping after as little as 30 s, and with it the way the BBMD's forwards reach us.
 */
export const NAT_RENEWAL_MAX_MS = 25_000;

const MAX_RESPONSE_TIMEOUT_MS = 2000;
const READ_FRAMES = {
  fdt: encodeBvll({ function: BvlcFunction.ReadFdt }),
  bdt: encodeBvll({ function: BvlcFunction.ReadBdt }),
} as const;
const TABLE_NAMES = { fdt: 'Foreign Device Table', bdt: 'Broadcast Distribution Table' } as const;

type TableKind = 'fdt' | 'bdt';

interface PendingRead {
  promise: Promise<unknown>;
  resolve: (entries: unknown) => void;
  reject: (error: Error) => void;
  waitMs: number;
}
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30000;
const RETRY_JITTER = 0.2;
const RENEWAL_JITTER = 0.1;

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

interface QueuedBroadcast {
  frame: Buffer;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: TimerHandle;
}

interface PendingRegister {
  sentAt: number;
  /** Index k of a scheduled renewal (t0 + k·interval), or null for a first attempt or a retry. */
  renewal: number | null;
  /** How it ended while stop() waited for it (stop() then decides on the Delete). */
  outcome: 'accepted' | 'rejected' | 'timeout' | null;
}

export interface StopOptions {
  /**
   * Overrides the configured `deregister` for this stop: false sends no
   * Delete-FDT-Entry (another registration on the same socket now owns the entry).
   */
  deregister?: boolean;
}

/**
 * Events: 'change' carries a snapshot, when state, registered or error changes.
 * 'resolved' carries the BBMD address about to be used, synchronously and before
 * any frame goes to it: the first one after each start() (or read), then every
 * change. A listener may stop() the manager then: nothing goes to that address.
 */
export interface ForeignDeviceManager {
  on(event: 'change', listener: (snapshot: FdSnapshot) => void): this;
  on(event: 'resolved', listener: (bbmd: BipAddress) => void): this;
  off(event: 'change', listener: (snapshot: FdSnapshot) => void): this;
  off(event: 'resolved', listener: (bbmd: BipAddress) => void): this;
}

export class ForeignDeviceManager extends EventEmitter {
  readonly bbmd: HostPort;
  readonly ttl: number;
  readonly counters: FdCounters = emptyCounters();

  private readonly clock: Clock;
  private readonly transport: FdTransport;
  private readonly resolver: Resolver;
  private readonly random: () => number;
  private readonly publicAddress: PublicAddress | null;
  private readonly deregister: boolean | 'always';
  private readonly log: FdLogger | undefined;
  private readonly registerFrame: Buffer;

  private state: RegistrationState = 'stopped';
  private error: string | null = null;
  private since: number;
  private running = false;
  /** Bumped by start() and stop(): an async step that finds it changed abandons its work. */
  private generation = 0;
  private bbmdAddress: string | null = null;
  /** Where broadcasts go (see broadcastTarget()); never mutated, replaced when the address changes. */
  private target: BipAddress | null = null;
  private localSeen: BipAddress | null = null;
  private grantedTtl: number | null = null;
  private lastResult: { code: number; name: string } | null = null;
  private lastAck: number | null = null;
  private rtt: number | null = null;
  private attempts = 0;

  /** Anchor of the renewal schedule: Register k is due at t0 + k·renewalIntervalMs(). */
  private t0 = 0;
  private nextRenewal = 0;
  private attemptTimer: TimerHandle | null = null;
  private nextAttempt: number | null = null;
  private expiryTimer: TimerHandle | null = null;
  // Each request waits for its answer on its own timer. A 0000 answers a Register or a
  // Delete: stop() sees to it that only one of them is ever outstanding.
  private readonly register: OutstandingRequest<PendingRegister>;
  /** The last Register whose wait ran out: a late ACK still counts, until the next Register. */
  private lateRegister: PendingRegister | null = null;
  /** stop()'s Delete-FDT-Entry (the entry it names). */
  private readonly deleteRequest: OutstandingRequest<BipAddress>;
  /** Read-FDT / Read-BDT in flight: one of each at a time, shared by every caller. */
  private readonly reads: Record<TableKind, OutstandingRequest<PendingRead>>;
  /** Name resolutions in flight (each abandons itself): stop() leaves none, nor its timer. */
  private readonly resolutions = new Set<() => void>();
  /** The BBMD address last announced ('resolved') since start(). */
  private announced: string | null = null;
  /** A Register has left since start(): before that, no entry of ours can exist. */
  private registerSent = false;
  private lastRegisterSentAt = -Infinity;
  private readonly queue: QueuedBroadcast[] = [];
  private stopping: Promise<void> | null = null;
  /** start() during a stop: it registers once the stop has finished. */
  private startAfterStop = false;

  constructor(options: ForeignDeviceOptions) {
    super();
    validateTtl(options.ttl);
    if (typeof options.bbmd?.host !== 'string' || options.bbmd.host.length === 0) {
      throw new TypeError('BBMD host is required: an IPv4 address or a host name');
    }
    if (!isPort(options.bbmd.port)) throw new RangeError(`BBMD port must be an integer 1..65535, got ${describeValue(options.bbmd.port)}`);
    this.bbmd = { host: options.bbmd.host, port: options.bbmd.port };
    this.ttl = options.ttl;
    this.clock = options.clock;
    this.transport = options.transport;
    this.resolver = options.resolver;
    this.random = options.random ?? Math.random;
    this.publicAddress = options.publicAddress ?? null;
    this.deregister = options.deregister ?? true;
    this.log = options.log;
    this.registerFrame = encodeRegisterForeignDevice(this.ttl);
    this.since = this.clock.monotonic();
    if (isIPv4(this.bbmd.host)) this.bbmdAddress = this.bbmd.host;
    this.register = new OutstandingRequest<PendingRegister>(this.clock, (pending) => this.registerTimedOut(pending));
    // An unanswered Delete holds up nothing: stop() goes on.
    this.deleteRequest = new OutstandingRequest<BipAddress>(this.clock, () => undefined);
    this.reads = { fdt: this.readRequest('fdt'), bdt: this.readRequest('bdt') };
  }

  get registered(): boolean {
    return this.state === 'registered';
  }

  get currentState(): RegistrationState {
    return this.state;
  }

  /** The BBMD's address as last resolved (null before the first resolution of a host name). */
  get resolvedBbmd(): BipAddress | null {
    return this.bbmdAddress === null ? null : { address: this.bbmdAddress, port: this.bbmd.port };
  }

  /** The address the BBMD sees for us (our FDT entry's key), once known: the public (NAT) address, else the local one. */
  get addressSeenByBbmd(): BipAddress | null {
    return this.publicSeen() ?? this.localSeen;
  }

  /** The TTL the renewals follow: the granted one when the BBMD clamped ours. */
  get effectiveTtl(): number {
    return this.grantedTtl ?? this.ttl;
  }

  /** min(2 s, TTL/2), ms. */
  get responseTimeoutMs(): number {
    return Math.min(MAX_RESPONSE_TIMEOUT_MS, (this.effectiveTtl * 1000) / 2);
  }

  /**
   * Starts registering: a Register at once, then renewals. Calling it while running
   * does nothing; during a stop, it registers once the stop has finished.
   */
  start(): void {
    if (this.stopping) {
      // The Delete may still wait for its answer: a Register now would take it.
      this.startAfterStop = true;
      return;
    }
    if (this.running) return;
    this.running = true;
    this.generation++;
    this.attempts = 0;
    this.grantedTtl = null;
    this.announced = null;
    this.registerSent = false;
    this.setState('registering', null);
    this.scheduleAttempt(0, null);
  }

  /**
   * Stops renewing and, when registered (and deregistering is on, or
   * `options.deregister` says so), sends Delete-FDT-Entry and waits for its
   * answer up to the response timeout; a Register still waiting for its answer
   * is waited for first. Bounded by STOP_BOUND_MS, idempotent: concurrent calls
   * share one promise (the first call's options hold), and cancel a start()
   * made during the stop.
   */
  stop(options: StopOptions = {}): Promise<void> {
    if (this.stopping) {
      this.startAfterStop = false;
      return this.stopping;
    }
    if (!this.running) return Promise.resolve();
    this.stopping = this.doStop(options.deregister ?? this.deregister).finally(() => {
      this.stopping = null;
      if (this.startAfterStop) {
        this.startAfterStop = false;
        this.start();
      }
    });
    return this.stopping;
  }

  /**
   * Sends `npdu` to the whole network through the BBMD (Distribute-Broadcast-To-Network).
   * Resolves when the datagram has left; while the registration is in flight the
   * broadcast waits (bounded); otherwise, when not registered, it is refused.
   */
  broadcast(npdu: Uint8Array): Promise<void> {
    let frame: Buffer;
    try {
      frame = encodeNpduFrame(BvlcFunction.DistributeBroadcastToNetwork, npdu);
    } catch (err) {
      return Promise.reject(new ForeignDeviceError('EBADNPDU', (err as Error).message));
    }
    if (this.state === 'registered') return this.sendBroadcast(frame);
    if (this.state === 'registering') {
      if (this.queue.length >= MAX_QUEUED_BROADCASTS) {
        this.counters.broadcastsFailed++;
        return Promise.reject(
          new ForeignDeviceError(
            'EQUEUEFULL',
            `${MAX_QUEUED_BROADCASTS} broadcasts already wait for the registration with BBMD ${this.describeBbmd()}; slow down the flow`,
          ),
        );
      }
      return new Promise<void>((resolve, reject) => {
        const entry: QueuedBroadcast = {
          frame,
          resolve,
          reject,
          timer: this.clock.setTimeout(() => {
            this.dequeue(entry);
            this.counters.broadcastsFailed++;
            reject(
              new ForeignDeviceError(
                'EQUEUETIMEOUT',
                `broadcast dropped: still not registered with BBMD ${this.describeBbmd()} after ${QUEUE_WAIT_MS / 1000} s`,
              ),
            );
          }, QUEUE_WAIT_MS),
        };
        this.queue.push(entry);
      });
    }
    this.counters.broadcastsFailed++;
    return Promise.reject(this.notRegisteredError());
  }

  /**
   * broadcast() without a promise, for callers that broadcast per message (fd-broadcast):
   * when registered, sends `frame`, a whole Distribute-Broadcast-To-Network frame (as
   * encodeNpduFrame() builds it; a fixed one may be built once and sent many times),
   * and calls `callback` once, never synchronously, when it has left or failed; returns
   * true. In any other state it does nothing and returns false: the caller then uses
   * broadcast(), which queues or refuses as the contract says.
   * @throws TypeError when `frame` is not a DBTN frame (a caller's bug).
   */
  broadcastFrameNow(frame: Buffer, callback: (err: ForeignDeviceError | null) => void): boolean {
    if (frame.length < 5 || frame[0] !== 0x81 || frame[1] !== BvlcFunction.DistributeBroadcastToNetwork || ((frame[2] << 8) | frame[3]) !== frame.length) {
      throw new TypeError('broadcastFrameNow() takes a whole Distribute-Broadcast-To-Network frame (see encodeNpduFrame)');
    }
    if (this.state !== 'registered') return false;
    this.sendBroadcastNow(frame, callback);
    return true;
  }

  /**
   * A BVLC-Result, Read-FDT-Ack or Read-BDT-Ack that came to our endpoint
   * from `from`. Anything not from our BBMD is counted and ignored.
   */
  handleFrame(frame: BvllFrame, from: BipAddress): void {
    if (!this.isFromBbmd(from)) {
      if (frame.function === BvlcFunction.Result || frame.function === BvlcFunction.ReadFdtAck || frame.function === BvlcFunction.ReadBdtAck) {
        this.counters.spoofed++;
      }
      return;
    }
    if (frame.function === BvlcFunction.Result) this.handleResult(frame.code);
    else if (frame.function === BvlcFunction.ReadFdtAck) this.answerRead('fdt', frame.entries);
    else if (frame.function === BvlcFunction.ReadBdtAck) this.answerRead('bdt', frame.entries);
  }

  /** True when `from` is the BBMD as last resolved. */
  isFromBbmd(from: BipAddress): boolean {
    // Once per received datagram: against the address object broadcasts use, not a new one.
    return this.bbmdAddress !== null && sameBipAddress(from, this.broadcastTarget());
  }

  snapshot(): FdSnapshot {
    return {
      state: this.state,
      registered: this.state === 'registered',
      bbmd: { host: this.bbmd.host, address: this.bbmdAddress, port: this.bbmd.port },
      local: this.localSeen ?? this.transport.boundAddress(),
      ttl: this.ttl,
      grantedTtl: this.grantedTtl,
      lastResult: this.lastResult,
      since: this.toWall(this.since),
      lastAck: this.lastAck === null ? null : this.toWall(this.lastAck),
      nextAttempt: this.nextAttempt === null ? null : this.toWall(this.nextAttempt),
      rtt: this.rtt === null ? null : Math.round(this.rtt * 10) / 10,
      attempts: this.attempts,
      error: this.error,
      counters: { ...this.counters },
    };
  }

  // ---- registration loop -------------------------------------------------

  private scheduleAttempt(delayMs: number, renewal: number | null): void {
    this.cancelTimer('attemptTimer');
    const delay = Math.max(0, delayMs);
    this.nextAttempt = this.clock.monotonic() + delay;
    this.attemptTimer = this.clock.setTimeout(() => {
      this.attemptTimer = null;
      this.nextAttempt = null;
      void this.sendRegister(renewal);
    }, delay);
  }

  private async sendRegister(renewal: number | null): Promise<void> {
    const generation = this.generation;
    let address: string;
    try {
      address = await this.resolveBbmd();
    } catch (err) {
      if (generation !== this.generation) return;
      this.attemptFailed(`cannot resolve BBMD host ${JSON.stringify(this.bbmd.host)}: ${(err as Error).message}`);
      return;
    }
    if (generation !== this.generation || !this.useBbmdAddress(address)) return;
    const pending: PendingRegister = { sentAt: this.clock.monotonic(), renewal, outcome: null };
    this.lateRegister = null;
    this.lastRegisterSentAt = pending.sentAt;
    this.registerSent = true;
    this.register.begin(pending, this.responseTimeoutMs);
    try {
      await this.transport.send(this.registerFrame, { address, port: this.bbmd.port });
    } catch (err) {
      // Answered, timed out or abandoned by stop() meanwhile: no longer ours to handle.
      if (this.register.current !== pending) return;
      this.register.end();
      if (this.running) this.attemptFailed(`cannot send to BBMD ${this.describeBbmd()}: ${(err as Error).message}`);
    }
  }

  /**
   * Makes `address` the BBMD's, announcing a new one ('resolved') before anything
   * is sent to it. False when a listener stopped the manager meanwhile: send nothing.
   */
  private useBbmdAddress(address: string): boolean {
    if (address !== this.announced) {
      const generation = this.generation;
      this.announced = address;
      this.emit('resolved', { address, port: this.bbmd.port });
      if (generation !== this.generation) return false;
    }
    this.bbmdAddress = address;
    return true;
  }

  /** The BBMD host's address: resolved, bounded by RESOLVE_TIMEOUT_MS, and abandoned (rejected, timer cleared) by stop(). */
  private resolveBbmd(): Promise<string> {
    if (isIPv4(this.bbmd.host)) return Promise.resolve(this.bbmd.host);
    return new Promise<string>((resolve, reject) => {
      const settle = (error: Error | null, address = ''): void => {
        if (!this.resolutions.delete(abandon)) return;
        this.clock.clearTimeout(timer);
        if (error) reject(error);
        else resolve(address);
      };
      const abandon = (): void => settle(new Error(`the registration with BBMD ${this.describeBbmd()} is stopping`));
      const timer = this.clock.setTimeout(() => settle(new Error(`no answer within ${RESOLVE_TIMEOUT_MS / 1000} s`)), RESOLVE_TIMEOUT_MS);
      this.resolutions.add(abandon);
      this.resolver(this.bbmd.host).then(
        (address) => settle(isIPv4(address) ? null : new Error(`resolved to ${JSON.stringify(address)}, not an IPv4 address`), address),
        (err: unknown) => settle(err instanceof Error ? err : new Error(String(err))),
      );
    });
  }

  private registerTimedOut(pending: PendingRegister): void {
    if (!this.running) {
      pending.outcome = 'timeout';
      return;
    }
    this.lateRegister = pending;
    this.counters.timeouts++;
    this.attemptFailed(`no answer from BBMD ${this.describeBbmd()} within ${this.responseTimeoutMs} ms`);
  }

  /** A Register that timed out, could not be sent or resolved, or was NAKed: retry after a backoff. */
  private attemptFailed(reason: string, nextState: RegistrationState = 'unreachable'): void {
    this.attempts++;
    if (this.state !== 'registered' || nextState === 'rejected') {
      this.failQueue(`broadcast dropped: ${reason}`);
      this.setState(nextState, reason);
    } else {
      this.log?.warn(`renewal with BBMD ${this.describeBbmd()} failed (${reason}); retrying`);
    }
    this.scheduleAttempt(this.retryDelayMs(this.attempts), null);
  }

  /** Delay before retry n (1-based): 1 s doubling up to max(1 s, min(30 s, TTL/2)), each ±20 %. */
  retryDelayMs(n: number): number {
    const cap = Math.max(FIRST_RETRY_MS, Math.min(MAX_RETRY_MS, (this.effectiveTtl * 1000) / 2));
    const base = Math.min(cap, FIRST_RETRY_MS * 2 ** Math.min(n - 1, 30));
    return base * (1 + RETRY_JITTER * (2 * this.random() - 1));
  }

  private handleResult(code: number): void {
    this.lastResult = { code, name: resultCodeName(code) };
    if (code !== ResultCode.Success) this.counters.naks++;
    switch (code) {
      case ResultCode.Success:
        // The Delete or the Register, whichever is outstanding (never both).
        if (this.deleteRequest.end() === null) this.registerAnswered(true);
        return;
      case ResultCode.RegisterForeignDeviceNak:
        this.registerAnswered(false);
        return;
      case ResultCode.DeleteFdtEntryNak:
        this.deleteRequest.end();
        return;
      case ResultCode.DistributeBroadcastToNetworkNak:
        this.broadcastRejected();
        return;
      case ResultCode.ReadFdtNak:
        this.failRead('fdt', 'ENAK', `BBMD ${this.describeBbmd()} refused to read its Foreign Device Table (Read-Foreign-Device-Table-NAK)`);
        return;
      case ResultCode.ReadBdtNak:
        this.failRead('bdt', 'ENAK', `BBMD ${this.describeBbmd()} refused to read its Broadcast Distribution Table (Read-Broadcast-Distribution-Table-NAK)`);
        return;
      default:
        // Write-BDT NAKs and codes outside the standard: recorded in lastResult only.
        return;
    }
  }

  /** A 0000 or a 0030 for the Register outstanding, or for the last one that timed out. */
  private registerAnswered(accepted: boolean): void {
    const pending = this.register.end() ?? this.lateRegister;
    this.lateRegister = null;
    if (pending === null) return;
    if (!this.running) {
      pending.outcome = accepted ? 'accepted' : 'rejected';
      return;
    }
    if (accepted) this.registerAccepted(pending);
    else this.registerRejected();
  }

  private registerAccepted(pending: PendingRegister): void {
    const now = this.clock.monotonic();
    this.counters.registrations++;
    this.rtt = now - pending.sentAt;
    this.lastAck = now;
    this.attempts = 0;
    if (pending.renewal === null) {
      // A first registration or a successful retry anchors a new schedule.
      this.t0 = pending.sentAt;
      this.nextRenewal = 1;
    } else {
      this.nextRenewal = pending.renewal + 1;
    }
    this.scheduleRenewal();
    this.armExpiry();
    const wasRegistered = this.state === 'registered';
    if (!wasRegistered) {
      this.log?.info(`registered as a foreign device with BBMD ${this.describeBbmd()} (TTL ${this.ttl} s)`);
      this.setState('registered', null);
      this.flushQueue();
      void this.checkGrantedTtl();
    }
  }

  private scheduleRenewal(): void {
    const interval = this.renewalIntervalMs();
    const jitter = RENEWAL_JITTER * interval * this.random();
    const due = this.t0 + this.nextRenewal * interval - jitter;
    this.scheduleAttempt(due - this.clock.monotonic(), this.nextRenewal);
  }

  /** TTL/2, ms; behind NAT at most NAT_RENEWAL_MAX_MS, so that the NAT's UDP mapping never lapses. */
  private renewalIntervalMs(): number {
    const half = (this.effectiveTtl * 1000) / 2;
    return this.publicAddress === null ? half : Math.min(half, NAT_RENEWAL_MAX_MS);
  }

  private armExpiry(): void {
    this.cancelTimer('expiryTimer');
    if (this.lastAck === null) return;
    const due = this.lastAck + this.effectiveTtl * 1000;
    this.expiryTimer = this.clock.setTimeout(() => {
      this.expiryTimer = null;
      if (this.state !== 'registered') return;
      this.setState('unreachable', `no renewal accepted by BBMD ${this.describeBbmd()} within the TTL of ${this.effectiveTtl} s`);
      if (this.attemptTimer === null && this.register.current === null) this.scheduleAttempt(0, null);
    }, due - this.clock.monotonic());
  }

  private registerRejected(): void {
    this.cancelTimer('expiryTimer');
    this.log?.warn(`BBMD ${this.describeBbmd()} refused the registration (Register-Foreign-Device-NAK)`);
    this.attemptFailed(`BBMD ${this.describeBbmd()} refused the registration (Register-Foreign-Device-NAK)`, 'rejected');
  }

  /**
   * 0060: the BBMD did not distribute a broadcast. When it comes while we think
   * we are registered, the BBMD has most likely restarted and forgotten us:
   * register again at once, but at most one Register per response timeout.
   */
  private broadcastRejected(): void {
    this.counters.broadcastsFailed++;
    const reason = `BBMD ${this.describeBbmd()} refused a broadcast (Distribute-Broadcast-To-Network-NAK); it may have restarted and forgotten this device`;
    this.log?.warn(reason);
    if (!this.running) return;
    if (this.state === 'registered') {
      this.cancelTimer('expiryTimer');
      this.setState('registering', `${reason}; registering again`);
    }
    if (this.state !== 'registering') return;
    // A Register in flight: its answer or its timeout drives what comes next.
    if (this.register.current !== null) return;
    const earliest = this.lastRegisterSentAt + this.responseTimeoutMs;
    this.scheduleAttempt(Math.max(0, earliest - this.clock.monotonic()), null);
  }

  // ---- granted TTL ------------------------------------------------------

  /** After the first ACK, read the FDT once: a BBMD that clamps our TTL shows the TTL it granted. */
  private async checkGrantedTtl(): Promise<void> {
    const generation = this.generation;
    const own = await this.ownAddress().catch(() => null);
    if (own === null || generation !== this.generation) return;
    // A NAK or silence changes nothing: grantedTtl stays null.
    const entries = await this.readFdt().catch(() => null);
    if (entries === null || generation !== this.generation) return;
    const entry = entries.find((e) => sameBipAddress(e, own));
    if (!entry || entry.ttl < 1 || entry.ttl >= this.ttl) return;
    this.grantedTtl = entry.ttl;
    this.log?.warn(`BBMD ${this.describeBbmd()} granted a TTL of ${entry.ttl} s instead of ${this.ttl} s; renewing at half of it`);
    if (this.state === 'registered' && this.register.current === null && this.lateRegister === null && this.lastAck !== null) {
      // Re-anchor on the ACK the granted TTL belongs to.
      this.t0 = this.lastAck - (this.rtt ?? 0);
      this.nextRenewal = 1;
      this.scheduleRenewal();
      this.armExpiry();
    }
  }

  // ---- diagnostics: Read-FDT and Read-BDT ---------------------------------------

  /**
   * Reads the BBMD's Foreign Device Table. Rejects with a ForeignDeviceError:
   * ENAK (Read-Foreign-Device-Table-NAK), ETIMEOUT (no answer within the
   * response timeout), ESEND/ERESOLVE, or ESTOPPED. Concurrent calls share one read.
   */
  readFdt(): Promise<FdtEntry[]> {
    return this.readTable('fdt') as Promise<FdtEntry[]>;
  }

  /** Reads the BBMD's Broadcast Distribution Table; rejects like readFdt(). */
  readBdt(): Promise<BdtEntry[]> {
    return this.readTable('bdt') as Promise<BdtEntry[]>;
  }

  private readTable(kind: TableKind): Promise<unknown> {
    const waiting = this.reads[kind].current;
    if (waiting) return waiting.promise;
    let resolve!: (entries: unknown) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const read: PendingRead = { promise, resolve, reject, waitMs: this.responseTimeoutMs };
    this.reads[kind].begin(read, read.waitMs);
    void this.sendRead(kind, read);
    return promise;
  }

  /** The wait for one kind of table read; its timeout rejects the callers with ETIMEOUT. */
  private readRequest(kind: TableKind): OutstandingRequest<PendingRead> {
    return new OutstandingRequest<PendingRead>(this.clock, (read) =>
      read.reject(
        new ForeignDeviceError('ETIMEOUT', `no answer from BBMD ${this.describeBbmd()} to Read-${TABLE_NAMES[kind].replace(/ /g, '-')} within ${read.waitMs} ms`),
      ),
    );
  }

  private async sendRead(kind: TableKind, read: PendingRead): Promise<void> {
    // Timed out or failed by stop() meanwhile: nothing to fail or send for it any more.
    const gone = (): boolean => this.reads[kind].current !== read;
    let address: string;
    try {
      address = await this.resolveBbmd();
    } catch (err) {
      if (!gone()) this.failRead(kind, 'ERESOLVE', `cannot resolve BBMD host ${JSON.stringify(this.bbmd.host)}: ${(err as Error).message}`);
      return;
    }
    if (gone() || !this.useBbmdAddress(address) || gone()) return;
    try {
      await this.transport.send(READ_FRAMES[kind], { address, port: this.bbmd.port });
    } catch (err) {
      if (!gone()) this.failRead(kind, 'ESEND', `cannot send to BBMD ${this.describeBbmd()}: ${(err as Error).message}`);
    }
  }

  private answerRead(kind: TableKind, entries: unknown): void {
    this.reads[kind].end()?.resolve(entries);
  }

  private failRead(kind: TableKind, code: string, message: string): void {
    this.reads[kind].end()?.reject(new ForeignDeviceError(code, message));
  }

  /** The public (NAT) address as the BBMD sees it, or null without one: no port given means the bound one. */
  private publicSeen(): BipAddress | null {
    const pub = this.publicAddress;
    if (pub === null) return null;
    return { address: pub.address, port: pub.port ?? this.transport.boundAddress().port };
  }

  /** The address the BBMD sees for us: the public (NAT) address, else the bound one, else the route's. */
  private async ownAddress(): Promise<BipAddress> {
    const seen = this.publicSeen();
    if (seen) return seen;
    if (this.localSeen) return this.localSeen;
    const bound = this.transport.boundAddress();
    if (bound.address !== '0.0.0.0') {
      this.localSeen = bound;
    } else {
      if (this.bbmdAddress === null) throw new Error('BBMD address not known yet');
      this.localSeen = await this.transport.localAddressFor({ address: this.bbmdAddress, port: this.bbmd.port });
    }
    return this.localSeen;
  }

  // ---- broadcasts -----------------------------------------------------------

  private sendBroadcast(frame: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => this.sendBroadcastNow(frame, (err) => (err ? reject(err) : resolve())));
  }

  /** Sends a DBTN frame to the BBMD and counts it; `callback` gets the error a caller sees. */
  private sendBroadcastNow(frame: Buffer, callback: (err: ForeignDeviceError | null) => void): void {
    const onSent = (err: Error | null): void => {
      if (err) {
        this.counters.broadcastsFailed++;
        callback(new ForeignDeviceError('ESEND', `cannot send the broadcast to BBMD ${this.describeBbmd()}: ${err.message}`));
      } else {
        this.counters.broadcastsSent++;
        callback(null);
      }
    };
    const to = this.broadcastTarget();
    // The callback form spares the broadcast path a promise (and its microtasks) per message.
    if (this.transport.sendNow) this.transport.sendNow(frame, to, onSent);
    else this.transport.send(frame, to).then(() => onSent(null), (err: unknown) => onSent(err instanceof Error ? err : new Error(String(err))));
  }

  /** The BBMD as last resolved (call only once it is): one object per resolved address, not one per broadcast or received datagram. */
  private broadcastTarget(): BipAddress {
    const address = this.bbmdAddress as string;
    if (this.target === null || this.target.address !== address || this.target.port !== this.bbmd.port) {
      this.target = { address, port: this.bbmd.port };
    }
    return this.target;
  }

  private flushQueue(): void {
    const waiting = this.queue.splice(0);
    for (const entry of waiting) {
      this.clock.clearTimeout(entry.timer);
      this.sendBroadcast(entry.frame).then(entry.resolve, entry.reject);
    }
  }

  private failQueue(reason: string): void {
    const waiting = this.queue.splice(0);
    for (const entry of waiting) {
      this.clock.clearTimeout(entry.timer);
      this.counters.broadcastsFailed++;
      entry.reject(new ForeignDeviceError('ENOTREGISTERED', reason));
    }
  }

  private dequeue(entry: QueuedBroadcast): void {
    const index = this.queue.indexOf(entry);
    if (index !== -1) this.queue.splice(index, 1);
  }

  private notRegisteredError(): ForeignDeviceError {
    const last = this.lastResult ? this.lastResult.name : 'none';
    const why = this.error ? `: ${this.error}` : '';
    return new ForeignDeviceError(
      'ENOTREGISTERED',
      `not registered with BBMD ${this.describeBbmd()} (state ${this.state}, last result ${last})${why}`,
    );
  }

  // ---- stop -------------------------------------------------------------------

  private async doStop(deregister: boolean | 'always'): Promise<void> {
    const wasRegistered = this.state === 'registered';
    this.running = false;
    this.generation++;
    const generation = this.generation;
    const deadline = this.clock.monotonic() + STOP_BOUND_MS;
    this.cancelTimer('attemptTimer');
    this.cancelTimer('expiryTimer');
    for (const abandon of [...this.resolutions]) abandon();
    const stopping = `the registration with BBMD ${this.describeBbmd()} is stopping`;
    this.failRead('fdt', 'ESTOPPED', stopping);
    this.failRead('bdt', 'ESTOPPED', stopping);
    this.lateRegister = null;
    this.failQueue(`broadcast dropped: ${stopping}`);
    let bounded!: () => void;
    const bound = this.clock.setTimeout(() => bounded(), STOP_BOUND_MS);
    await Promise.race([this.deregisterOnStop(deregister, wasRegistered, generation, deadline), new Promise<void>((resolve) => (bounded = resolve))]);
    this.clock.clearTimeout(bound);
    // Whatever still waits is abandoned; a step still running finds the generation changed.
    this.generation++;
    this.register.end();
    this.deleteRequest.end();
    this.setState('stopped', null);
  }

  /**
   * stop()'s Delete-FDT-Entry, when an entry of ours may exist. A Register still
   * waiting for its answer is waited for first (its own timer ends that wait
   * within the bound), so that a Register and a Delete are never outstanding together.
   */
  private async deregisterOnStop(deregister: boolean | 'always', wasRegistered: boolean, generation: number, deadline: number): Promise<void> {
    if (deregister === false) return;
    const inFlight = this.register.current;
    if (inFlight !== null) {
      await this.register.idle();
      if (generation !== this.generation) return;
    }
    const accepted = wasRegistered || inFlight?.outcome === 'accepted';
    // Unanswered, a Register may have been accepted unseen: the BBMD would keep that entry
    // for TTL + grace (a redeploy a moment after start, say).
    const unseen = inFlight?.outcome === 'timeout';
    if (!accepted && !unseen && !(deregister === 'always' && this.registerSent)) return;
    // For an unanswered Register only the Delete is sent: a stop during an outage is not held up.
    await this.sendDelete(generation, deadline, accepted || deregister === 'always');
  }

  private async sendDelete(generation: number, deadline: number, waitForAnswer: boolean): Promise<void> {
    let own: BipAddress;
    try {
      own = await this.ownAddress();
    } catch (err) {
      this.log?.warn(`cannot deregister from BBMD ${this.describeBbmd()}: ${(err as Error).message}`);
      return;
    }
    const address = this.bbmdAddress;
    if (generation !== this.generation || address === null) return;
    const wait = Math.min(this.responseTimeoutMs, deadline - this.clock.monotonic());
    if (waitForAnswer && wait > 0) this.deleteRequest.begin(own, wait);
    try {
      await this.transport.send(encodeDeleteFdtEntry(own), { address, port: this.bbmd.port });
    } catch (err) {
      this.log?.warn(`cannot send Delete-FDT-Entry to BBMD ${this.describeBbmd()}: ${(err as Error).message}`);
      this.deleteRequest.end();
      return;
    }
    await this.deleteRequest.idle();
  }

  // ---- helpers ---------------------------------------------------------------

  private setState(state: RegistrationState, error: string | null): void {
    const changed = state !== this.state || error !== this.error;
    if (state !== this.state) this.since = this.clock.monotonic();
    this.state = state;
    this.error = error;
    if (changed) this.emit('change', this.snapshot());
  }

  private cancelTimer(name: 'attemptTimer' | 'expiryTimer'): void {
    const handle = this[name];
    if (handle !== null) {
      this.clock.clearTimeout(handle);
      this[name] = null;
    }
    if (name === 'attemptTimer') this.nextAttempt = null;
  }

  /** A monotonic time as epoch milliseconds, by the wall clock as it reads now. */
  private toWall(monotonic: number): number {
    return Math.round(this.clock.now() - (this.clock.monotonic() - monotonic));
  }

  private describeBbmd(): string {
    const resolved = this.bbmdAddress !== null && this.bbmdAddress !== this.bbmd.host ? ` (${this.bbmdAddress})` : '';
    return `${this.bbmd.host}:${this.bbmd.port}${resolved}`;
  }
}

