/**
 * The Register-Foreign-Device cycle of one registration (Annex J.5.2): a
 * Register at start, renewal k due at t0 + k·TTL/2, a retry after a backoff
 * when one fails, expiry at lastAck + TTL, a Register soon after a DBTN NAK,
 * and the granted-TTL check after the first ACK (the rules in timing.ts). It
 * moves the registration's state through its owner.
 */
import { encodeRegisterForeignDevice } from '../protocol/bvll';
import { Clock, TimerHandle } from '../util/clock';
import { BbmdPeer } from './bbmd-peer';
import { BroadcastQueue } from './broadcast-queue';
import { OutstandingRequest } from './outstanding-request';
import { OwnAddress } from './own-address';
import { TableReads } from './table-reads';
import { expiresAt, grantedTtl, renewalDueAt, renewalIntervalMs, responseTimeoutMs, retryDelayMs } from './timing';
import { FdCounters, FdLogger, FdTransport, RegistrationState } from './types';

export interface PendingRegister {
  sentAt: number;
  /** Index k of a scheduled renewal (t0 + k·interval), or null for a first attempt or a retry. */
  renewal: number | null;
  /** How it ended while stop() waited for it (stop() then decides on the Delete). */
  outcome: 'accepted' | 'rejected' | 'timeout' | null;
}

/** What the cycle works with: the registration's settings and parts. */
export interface CycleParts {
  ttl: number;
  clock: Clock;
  transport: FdTransport;
  random: () => number;
  peer: BbmdPeer;
  own: OwnAddress;
  reads: TableReads;
  queue: BroadcastQueue;
  counters: FdCounters;
  log: FdLogger | undefined;
}

/** What the cycle reads and changes of its owner. */
export interface CycleOwner {
  state(): RegistrationState;
  setState(state: RegistrationState, error: string | null): void;
  /** False once stop() has begun. */
  running(): boolean;
  /** Bumped by start() and stop(): an async step that finds it changed abandons its work. */
  generation(): number;
}

export class RegisterCycle {
  private attemptCount = 0;
  private lastAckAt: number | null = null;
  private lastRtt: number | null = null;
  private granted: number | null = null;
  private sentSinceStart = false;
  private lastSentAt = -Infinity;
  /** Anchor of the renewal schedule: Register k is due at t0 + k·renewal interval. */
  private t0 = 0;
  private nextRenewal = 0;
  private attemptTimer: TimerHandle | null = null;
  private nextAttemptAt: number | null = null;
  private expiryTimer: TimerHandle | null = null;
  /** The Register waiting for its answer on its own timer. */
  private readonly register: OutstandingRequest<PendingRegister>;
  /** The last Register whose wait ran out: a late ACK still counts, until the next Register. */
  private lateRegister: PendingRegister | null = null;
  private readonly frame: Buffer;

  constructor(
    private readonly parts: CycleParts,
    private readonly owner: CycleOwner,
  ) {
    this.frame = encodeRegisterForeignDevice(parts.ttl);
    this.register = new OutstandingRequest<PendingRegister>(parts.clock, (pending) => this.timedOut(pending));
  }

  get attempts(): number {
    return this.attemptCount;
  }

  get lastAck(): number | null {
    return this.lastAckAt;
  }

  get rtt(): number | null {
    return this.lastRtt;
  }

  /** The TTL the BBMD granted, when it clamped ours; null otherwise. */
  get grantedTtl(): number | null {
    return this.granted;
  }

  get nextAttempt(): number | null {
    return this.nextAttemptAt;
  }

  /** The TTL the renewals follow: the granted one when the BBMD clamped ours. */
  get effectiveTtl(): number {
    return this.granted ?? this.parts.ttl;
  }

  get responseTimeoutMs(): number {
    return responseTimeoutMs(this.effectiveTtl);
  }

  /** The Register waiting for its answer, or null. */
  get inFlight(): PendingRegister | null {
    return this.register.current;
  }

  /** A Register has left since start(): before that, no entry of ours can exist. */
  get registerSent(): boolean {
    return this.sentSinceStart;
  }

  /** Resolves when the Register in flight is answered, times out or is abandoned; at once when none is. */
  idle(): Promise<void> {
    return this.register.idle();
  }

  /** Delay before retry n (1-based), by the TTL in force. */
  retryDelayMs(n: number): number {
    return retryDelayMs(n, this.effectiveTtl, this.parts.random);
  }

  /** start(): registering, with a Register at once. */
  start(): void {
    this.attemptCount = 0;
    this.granted = null;
    this.sentSinceStart = false;
    this.owner.setState('registering', null);
    this.scheduleAttempt(0, null);
  }

  /** stop(): no more attempts, no expiry, no late ACK; the Register in flight still ends by its answer or timeout. */
  halt(): void {
    this.cancelTimer('attemptTimer');
    this.cancelTimer('expiryTimer');
    this.lateRegister = null;
  }

  /** Abandons the Register in flight, if any. */
  abandon(): void {
    this.register.end();
  }

  /** A 0000 or a 0030 for the Register outstanding, or for the last one that timed out. */
  answered(accepted: boolean): void {
    const pending = this.register.end() ?? this.lateRegister;
    this.lateRegister = null;
    if (pending === null) return;
    if (!this.owner.running()) {
      pending.outcome = accepted ? 'accepted' : 'rejected';
      return;
    }
    if (accepted) this.accepted(pending);
    else this.rejected();
  }

  /**
   * 0060: the BBMD did not distribute a broadcast. When it comes while we think
   * we are registered, the BBMD has most likely restarted and forgotten us:
   * register again at once, but at most one Register per response timeout.
   */
  broadcastRejected(): void {
    this.parts.counters.broadcastsFailed++;
    const reason = `BBMD ${this.parts.peer.describe()} refused a broadcast (Distribute-Broadcast-To-Network-NAK); it may have restarted and forgotten this device`;
    this.parts.log?.warn(reason);
    if (!this.owner.running()) return;
    if (this.owner.state() === 'registered') {
      this.cancelTimer('expiryTimer');
      this.owner.setState('registering', `${reason}; registering again`);
    }
    if (this.owner.state() !== 'registering') return;
    // A Register in flight: its answer or its timeout drives what comes next.
    if (this.register.current !== null) return;
    const earliest = this.lastSentAt + this.responseTimeoutMs;
    this.scheduleAttempt(Math.max(0, earliest - this.parts.clock.monotonic()), null);
  }

  private scheduleAttempt(delayMs: number, renewal: number | null): void {
    this.cancelTimer('attemptTimer');
    const delay = Math.max(0, delayMs);
    this.nextAttemptAt = this.parts.clock.monotonic() + delay;
    this.attemptTimer = this.parts.clock.setTimeout(() => {
      this.attemptTimer = null;
      this.nextAttemptAt = null;
      void this.send(renewal);
    }, delay);
  }

  private async send(renewal: number | null): Promise<void> {
    const { clock, peer } = this.parts;
    const generation = this.owner.generation();
    let address: string;
    try {
      address = await peer.resolve();
    } catch (err) {
      if (generation !== this.owner.generation()) return;
      this.failed(peer.resolveFailure(err));
      return;
    }
    if (generation !== this.owner.generation() || !peer.use(address)) return;
    const pending: PendingRegister = { sentAt: clock.monotonic(), renewal, outcome: null };
    this.lateRegister = null;
    this.lastSentAt = pending.sentAt;
    this.sentSinceStart = true;
    this.register.begin(pending, this.responseTimeoutMs);
    try {
      await this.parts.transport.send(this.frame, { address, port: peer.port });
    } catch (err) {
      // Answered, timed out or abandoned by stop() meanwhile: no longer ours to handle.
      if (this.register.current !== pending) return;
      this.register.end();
      if (this.owner.running()) this.failed(peer.sendFailure(err));
    }
  }

  private timedOut(pending: PendingRegister): void {
    if (!this.owner.running()) {
      pending.outcome = 'timeout';
      return;
    }
    this.lateRegister = pending;
    this.parts.counters.timeouts++;
    this.failed(`no answer from BBMD ${this.parts.peer.describe()} within ${this.responseTimeoutMs} ms`);
  }

  /** A Register that timed out, could not be sent or resolved, or was NAKed: retry after a backoff. */
  private failed(reason: string, nextState: RegistrationState = 'unreachable'): void {
    this.attemptCount++;
    if (this.owner.state() !== 'registered' || nextState === 'rejected') {
      this.parts.queue.fail(`broadcast dropped: ${reason}`);
      this.owner.setState(nextState, reason);
    } else {
      this.parts.log?.warn(`renewal with BBMD ${this.parts.peer.describe()} failed (${reason}); retrying`);
    }
    this.scheduleAttempt(this.retryDelayMs(this.attemptCount), null);
  }

  private accepted(pending: PendingRegister): void {
    const now = this.parts.clock.monotonic();
    this.parts.counters.registrations++;
    this.lastRtt = now - pending.sentAt;
    this.lastAckAt = now;
    this.attemptCount = 0;
    if (pending.renewal === null) {
      // A first registration or a successful retry anchors a new schedule.
      this.t0 = pending.sentAt;
      this.nextRenewal = 1;
    } else {
      this.nextRenewal = pending.renewal + 1;
    }
    this.scheduleRenewal();
    this.armExpiry();
    if (this.owner.state() !== 'registered') {
      this.parts.log?.info(`registered as a foreign device with BBMD ${this.parts.peer.describe()} (TTL ${this.parts.ttl} s)`);
      this.owner.setState('registered', null);
      this.parts.queue.release();
      void this.checkGrantedTtl();
    }
  }

  private rejected(): void {
    this.cancelTimer('expiryTimer');
    const reason = `BBMD ${this.parts.peer.describe()} refused the registration (Register-Foreign-Device-NAK)`;
    this.parts.log?.warn(reason);
    this.failed(reason, 'rejected');
  }

  private scheduleRenewal(): void {
    const interval = renewalIntervalMs(this.effectiveTtl, this.parts.own.behindNat);
    const due = renewalDueAt(this.t0, this.nextRenewal, interval, this.parts.random);
    this.scheduleAttempt(due - this.parts.clock.monotonic(), this.nextRenewal);
  }

  private armExpiry(): void {
    this.cancelTimer('expiryTimer');
    if (this.lastAckAt === null) return;
    const due = expiresAt(this.lastAckAt, this.effectiveTtl);
    this.expiryTimer = this.parts.clock.setTimeout(() => {
      this.expiryTimer = null;
      if (this.owner.state() !== 'registered') return;
      this.owner.setState('unreachable', `no renewal accepted by BBMD ${this.parts.peer.describe()} within the TTL of ${this.effectiveTtl} s`);
      if (this.attemptTimer === null && this.register.current === null) this.scheduleAttempt(0, null);
    }, due - this.parts.clock.monotonic());
  }

  /** After the first ACK, read the FDT once: a BBMD that clamps our TTL shows the TTL it granted. */
  private async checkGrantedTtl(): Promise<void> {
    const { own, peer, reads } = this.parts;
    const generation = this.owner.generation();
    const ours = await own.find(peer.resolved).catch(() => null);
    if (ours === null || generation !== this.owner.generation()) return;
    // A NAK or silence changes nothing: grantedTtl stays null.
    const entries = await reads.read('fdt').catch(() => null);
    if (entries === null || generation !== this.owner.generation()) return;
    const granted = grantedTtl(entries, ours, this.parts.ttl);
    if (granted === null) return;
    this.granted = granted;
    this.parts.log?.warn(`BBMD ${peer.describe()} granted a TTL of ${granted} s instead of ${this.parts.ttl} s; renewing at half of it`);
    if (this.owner.state() === 'registered' && this.register.current === null && this.lateRegister === null && this.lastAckAt !== null) {
      // Re-anchor on the ACK the granted TTL belongs to.
      this.t0 = this.lastAckAt - (this.lastRtt ?? 0);
      this.nextRenewal = 1;
      this.scheduleRenewal();
      this.armExpiry();
    }
  }

  private cancelTimer(name: 'attemptTimer' | 'expiryTimer'): void {
    const handle = this[name];
    if (handle !== null) {
      this.parts.clock.clearTimeout(handle);
      this[name] = null;
    }
    if (name === 'attemptTimer') this.nextAttemptAt = null;
  }
}
