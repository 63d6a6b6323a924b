/**
 * ForeignDeviceManager: registration with one BBMD as a foreign device
 * (ANSI/ASHRAE 135 Annex J.5-J.6), its renewal, recovery and deregistration,
 * and broadcasts through the BBMD (Distribute-Broadcast-To-Network).
 *
 * The behaviour contract is in DESIGN.md ("ForeignDeviceManager: behaviour
 * contract"). Time, the UDP transport, name resolution and randomness are
 * injected: nothing here touches a socket or a real timer, so every rule is
 * tested with a fake clock. The manager holds the state and the lifecycle
 * (start, stop with its Delete) and routes what the BBMD answers; the Register
 * cycle, the broadcasts and the table reads are its parts.
 */
import { EventEmitter } from 'node:events';
import type { BipAddress, HostPort } from '../protocol/address';
import { BdtEntry, BvlcFunction, BvllFrame, FdtEntry, ResultCode, encodeNpduFrame, resultCodeName } from '../protocol/bvll';
import { Clock } from '../util/clock';
import { errorMessage } from '../util/errors';
import { BbmdPeer } from './bbmd-peer';
import { BroadcastQueue } from './broadcast-queue';
import { BroadcastSender } from './broadcast-sender';
import { Deregistration } from './deregistration';
import { OwnAddress } from './own-address';
import { RegisterCycle } from './register-cycle';
import { TableReads } from './table-reads';
import {
  FdCounters,
  FdSnapshot,
  ForeignDeviceError,
  ForeignDeviceOptions,
  RegistrationState,
  STOP_BOUND_MS,
  StopOptions,
  emptyCounters,
  validateTtl,
} from './types';

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
  private readonly deregister: boolean | 'always';
  private readonly peer: BbmdPeer;
  private readonly own: OwnAddress;
  private readonly reads: TableReads;
  private readonly sender: BroadcastSender;
  private readonly queue: BroadcastQueue;
  private readonly cycle: RegisterCycle;
  private readonly deregistration: Deregistration;

  private state: RegistrationState = 'stopped';
  private error: string | null = null;
  private since: number;
  private lastResult: { code: number; name: string } | null = null;
  private running = false;
  /** Bumped by start() and stop(): an async step that finds it changed abandons its work. */
  private generation = 0;
  private stopping: Promise<void> | null = null;
  /** start() during a stop: it registers once the stop has finished. */
  private startAfterStop = false;

  constructor(options: ForeignDeviceOptions) {
    super();
    validateTtl(options.ttl);
    const { clock, transport, log } = options;
    this.peer = new BbmdPeer(options.bbmd, clock, options.resolver, (bbmd) => {
      const generation = this.generation;
      this.emit('resolved', bbmd);
      return generation === this.generation;
    });
    this.bbmd = { host: this.peer.host, port: this.peer.port };
    this.ttl = options.ttl;
    this.clock = clock;
    this.deregister = options.deregister ?? true;
    this.since = clock.monotonic();
    this.own = new OwnAddress(transport, options.publicAddress ?? null);
    this.reads = new TableReads(clock, transport, this.peer, () => this.responseTimeoutMs);
    this.sender = new BroadcastSender(transport, this.peer, this.counters);
    this.queue = new BroadcastQueue(clock, this.counters, (frame) => this.sender.send(frame), () => this.peer.describe());
    const random = options.random ?? Math.random;
    const { peer, own, reads, queue, counters } = this;
    this.cycle = new RegisterCycle({ ttl: this.ttl, clock, transport, random, peer, own, reads, queue, counters, log }, {
      state: () => this.state,
      setState: (state, error) => this.setState(state, error),
      running: () => this.running,
      generation: () => this.generation,
    });
    this.deregistration = new Deregistration(clock, transport, this.peer, this.own, log);
  }

  get registered(): boolean {
    return this.state === 'registered';
  }

  get currentState(): RegistrationState {
    return this.state;
  }

  /** The BBMD's address as last resolved (null before the first resolution of a host name). */
  get resolvedBbmd(): BipAddress | null {
    return this.peer.resolved;
  }

  /** The address the BBMD sees for us (our FDT entry's key), once known: the public (NAT) address, else the local one. */
  get addressSeenByBbmd(): BipAddress | null {
    return this.own.known;
  }

  /** The TTL the renewals follow: the granted one when the BBMD clamped ours. */
  get effectiveTtl(): number {
    return this.cycle.effectiveTtl;
  }

  /** min(2 s, TTL/2), ms. */
  get responseTimeoutMs(): number {
    return this.cycle.responseTimeoutMs;
  }

  /** Delay before retry n (1-based): 1 s doubling up to max(1 s, min(30 s, TTL/2)), each ±20 %. */
  retryDelayMs(n: number): number {
    return this.cycle.retryDelayMs(n);
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
    this.peer.forgetAnnounced();
    this.cycle.start();
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
      return Promise.reject(new ForeignDeviceError('EBADNPDU', errorMessage(err)));
    }
    if (this.state === 'registered') return this.sender.send(frame);
    if (this.state === 'registering') return this.queue.add(frame);
    this.counters.broadcastsFailed++;
    const last = this.lastResult ? this.lastResult.name : 'none';
    const why = this.error ? `: ${this.error}` : '';
    const state = `state ${this.state}, last result ${last}`;
    return Promise.reject(new ForeignDeviceError('ENOTREGISTERED', `not registered with BBMD ${this.peer.describe()} (${state})${why}`));
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
    this.sender.sendNow(frame, callback);
    return true;
  }

  /**
   * Reads the BBMD's Foreign Device Table. Rejects with a ForeignDeviceError:
   * ENAK (Read-Foreign-Device-Table-NAK), ETIMEOUT (no answer within the
   * response timeout), ESEND/ERESOLVE, or ESTOPPED. Concurrent calls share one read.
   */
  readFdt(): Promise<FdtEntry[]> {
    return this.reads.read('fdt');
  }

  /** Reads the BBMD's Broadcast Distribution Table; rejects like readFdt(). */
  readBdt(): Promise<BdtEntry[]> {
    return this.reads.read('bdt');
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
    else if (frame.function === BvlcFunction.ReadFdtAck) this.reads.answer('fdt', frame.entries);
    else if (frame.function === BvlcFunction.ReadBdtAck) this.reads.answer('bdt', frame.entries);
  }

  /** True when `from` is the BBMD as last resolved. */
  isFromBbmd(from: BipAddress): boolean {
    // Once per received datagram: against the address object broadcasts use, not a new one.
    return this.peer.isFrom(from);
  }

  snapshot(): FdSnapshot {
    const { cycle } = this;
    return {
      state: this.state,
      registered: this.state === 'registered',
      bbmd: { host: this.bbmd.host, address: this.peer.address, port: this.bbmd.port },
      local: this.own.local,
      ttl: this.ttl,
      grantedTtl: cycle.grantedTtl,
      lastResult: this.lastResult,
      since: this.toWall(this.since),
      lastAck: cycle.lastAck === null ? null : this.toWall(cycle.lastAck),
      nextAttempt: cycle.nextAttempt === null ? null : this.toWall(cycle.nextAttempt),
      rtt: cycle.rtt === null ? null : Math.round(cycle.rtt * 10) / 10,
      attempts: cycle.attempts,
      error: this.error,
      counters: { ...this.counters },
    };
  }

  private handleResult(code: number): void {
    this.lastResult = { code, name: resultCodeName(code) };
    if (code !== ResultCode.Success) this.counters.naks++;
    switch (code) {
      case ResultCode.Success:
        // The Delete or the Register, whichever is outstanding: stop() never lets both be.
        if (!this.deregistration.end()) this.cycle.answered(true);
        return;
      case ResultCode.RegisterForeignDeviceNak:
        this.cycle.answered(false);
        return;
      case ResultCode.DeleteFdtEntryNak:
        this.deregistration.end();
        return;
      case ResultCode.DistributeBroadcastToNetworkNak:
        this.cycle.broadcastRejected();
        return;
      case ResultCode.ReadFdtNak:
        this.reads.refused('fdt');
        return;
      case ResultCode.ReadBdtNak:
        this.reads.refused('bdt');
        return;
      default:
        // Write-BDT NAKs and codes outside the standard: recorded in lastResult only.
        return;
    }
  }

  private async doStop(deregister: boolean | 'always'): Promise<void> {
    const wasRegistered = this.state === 'registered';
    this.running = false;
    this.generation++;
    const generation = this.generation;
    const deadline = this.clock.monotonic() + STOP_BOUND_MS;
    this.cycle.halt();
    this.peer.abandonLookups();
    const stopping = `the registration with BBMD ${this.peer.describe()} is stopping`;
    this.reads.fail('fdt', 'ESTOPPED', stopping);
    this.reads.fail('bdt', 'ESTOPPED', stopping);
    this.queue.fail(`broadcast dropped: ${stopping}`);
    let bounded!: () => void;
    const bound = this.clock.setTimeout(() => bounded(), STOP_BOUND_MS);
    await Promise.race([this.deregisterOnStop(deregister, wasRegistered, generation, deadline), new Promise<void>((resolve) => (bounded = resolve))]);
    this.clock.clearTimeout(bound);
    // Whatever still waits is abandoned; a step still running finds the generation changed.
    this.generation++;
    this.cycle.abandon();
    this.deregistration.end();
    this.setState('stopped', null);
  }

  /**
   * stop()'s Delete-FDT-Entry, when an entry of ours may exist. A Register still
   * waiting for its answer is waited for first (its own timer ends that wait
   * within the bound), so that a Register and a Delete are never outstanding together.
   */
  private async deregisterOnStop(deregister: boolean | 'always', wasRegistered: boolean, generation: number, deadline: number): Promise<void> {
    if (deregister === false) return;
    const inFlight = this.cycle.inFlight;
    if (inFlight !== null) {
      await this.cycle.idle();
      if (generation !== this.generation) return;
    }
    const accepted = wasRegistered || inFlight?.outcome === 'accepted';
    // Unanswered, a Register may have been accepted unseen: the BBMD would keep that entry
    // for TTL + grace (a redeploy a moment after start, say).
    const unseen = inFlight?.outcome === 'timeout';
    if (!accepted && !unseen && !(deregister === 'always' && this.cycle.registerSent)) return;
    // For an unanswered Register only the Delete is sent: a stop during an outage is not held up.
    const current = (): boolean => generation === this.generation;
    await this.deregistration.send(current, deadline, this.responseTimeoutMs, accepted || deregister === 'always');
  }

  private setState(state: RegistrationState, error: string | null): void {
    const changed = state !== this.state || error !== this.error;
    if (state !== this.state) this.since = this.clock.monotonic();
    this.state = state;
    this.error = error;
    if (changed) this.emit('change', this.snapshot());
  }

  /** A monotonic time as epoch milliseconds, by the wall clock as it reads now. */
  private toWall(monotonic: number): number {
    return Math.round(this.clock.now() - (this.clock.monotonic() - monotonic));
  }
}
