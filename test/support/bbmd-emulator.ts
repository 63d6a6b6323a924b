/**
 * A BBMD (BACnet Broadcast Management Device, ANSI/ASHRAE 135 Annex J.4-J.5)
 * on 127.0.0.1, for the integration tests and the `npm start` demo.
 *
 * It keeps a Foreign Device Table, answers Register / Read-FDT / Delete /
 * Read-BDT / Write-BDT, distributes a foreign device's broadcasts (DBTN) to
 * the other foreign devices and to its "local devices" (the simulated subnet
 * behind it), and relays the local devices' broadcasts to the foreign
 * devices. `quirks` switches on, one by one and while it runs, the ways real
 * BBMDs differ (DESIGN.md, "BBMDs in the field differ", and the three
 * implementations captured in test/fixtures/real-bbmd-frames.json).
 *
 * Every datagram it receives is logged and emitted ('frame'), malformed ones
 * included; it sends only to 127.0.0.1. Time comes from an injectable `now()`
 * so tests can run an FDT through its TTL without waiting.
 *
 * Node's standard library and the package codec only.
 */
import * as dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { BipAddress, formatBipAddress, sameBipAddress } from '../../dist/protocol/address';
import { BdtEntry, BvlcFunction, BvlcFunctionCode, BvllFrame, BvllFrameOf, decodeBvll, encodeBvll, FdtEntry, ResultCode } from '../../dist/protocol/bvll';
import { DecodeError } from '../../dist/protocol/decode-error';
import { BbmdLink, FakeDevice, FakeDeviceOptions, LOOPBACK, ReplyMode } from './fake-device';

export type { ReplyMode } from './fake-device';

/** The ways real BBMDs differ. Every field may be changed while the emulator runs. */
export interface BbmdQuirks {
  /**
   * Seconds an FDT entry outlives its TTL (Annex J.5.2.3: 30). BBMD "B" in the
   * captures uses 5. Applies to registrations made after the change.
   */
  graceSeconds: number;
  /**
   * Register-Foreign-Device with TTL 0: 'nak' answers 0030 (BBMD "C");
   * 'delete' removes the entry and answers like a Delete: 0000 if there was
   * one, else 0050 (BBMD "B"); 'accept' keeps an entry with TTL 0 that lives
   * for the grace period (BBMD "A").
   */
  ttlZero: 'nak' | 'delete' | 'accept';
  /** Largest TTL granted; larger requests are clamped and the FDT shows the clamped TTL (BBMD "C": 3600). null = no clamp. */
  maxTtl: number | null;
  /** Every Register is answered 0030 and changes nothing. */
  nakAllRegistrations: boolean;
  /** Every Register is answered with this result code and changes nothing (see nakWith()); wins over nakAllRegistrations. */
  registerResult: number | null;
  /** A DBTN from a sender not in the FDT is answered 0060 and distributed nowhere (BBMD "C"); otherwise it is distributed anyway ("A", "B"). */
  nakUnknownDbtn: boolean;
  /**
   * How the local devices' replies reach a foreign device: 'unicast' = the
   * device sends an Original-Unicast-NPDU straight to it ("A", "B");
   * 'forwarded' = the device broadcasts on its subnet and this BBMD relays it
   * as a Forwarded-NPDU from the BBMD's own address and port ("C").
   */
  replyMode: ReplyMode;
  /** Every Forwarded-NPDU to a foreign device is sent twice (BBMD "A"). */
  duplicateForwarding: boolean;
  /** A foreign device's own broadcast is forwarded back to it too (origin: its own address). */
  echoToSender: boolean;
  /**
   * NAT: every Register/DBTN sender is recorded as (and forwarded from) this
   * address instead of its real source; answers still go to the real source,
   * as they would through the NAT.
   */
  nat: BipAddress | null;
  /** Answers nothing, relays nothing: every datagram is logged and dropped. */
  silent: boolean;
  /** Read-BDT is answered 0020. */
  nakReadBdt: boolean;
  /** Read-FDT is answered 0040. */
  nakReadFdt: boolean;
}

/** The defaults: a BBMD that follows the standard (TTL 0 is NAKed, as BBMD "C" does). */
export function defaultQuirks(): BbmdQuirks {
  return {
    graceSeconds: 30,
    ttlZero: 'nak',
    maxTtl: null,
    nakAllRegistrations: false,
    registerResult: null,
    nakUnknownDbtn: false,
    replyMode: 'unicast',
    duplicateForwarding: false,
    echoToSender: false,
    nat: null,
    silent: false,
    nakReadBdt: false,
    nakReadFdt: false,
  };
}

export interface BbmdEmulatorOptions {
  /** UDP port; default 0 (automatic). */
  port?: number;
  /** The loopback address to bind (127.0.0.0/8 only); default 127.0.0.1. A second BBMD on 127.0.0.2 can share a port number with one on 127.0.0.1. */
  host?: string;
  /** Initial quirks.graceSeconds (default 30). */
  graceSeconds?: number;
  /** Milliseconds from any origin; default performance.now(). Tests pass a clock they move. */
  now?: () => number;
  /** The Broadcast Distribution Table; default one entry, this BBMD with mask 255.255.255.255. */
  bdt?: BdtEntry[];
  /** Initial quirks (the rest default). */
  quirks?: Partial<BbmdQuirks>;
  /** How many received datagrams `log` keeps (the most recent), default 10000. */
  logLimit?: number;
  /** How often (real ms) expired FDT entries are swept; default 1000. Expiry is also checked on every request. */
  sweepIntervalMs?: number;
}

/** A datagram that decoded. `at` is the emulator's now() when it arrived. */
export interface ReceivedFrame {
  frame: BvllFrame;
  from: BipAddress;
  raw: Buffer;
  at: number;
}

/** A datagram that did not decode (DecodeError), or whose handling threw. */
export interface ReceivedMalformed {
  error: Error;
  from: BipAddress;
  raw: Buffer;
  at: number;
}

export type ReceivedDatagram = ReceivedFrame | ReceivedMalformed;

/** A datagram the emulator sent. */
export interface SentDatagram {
  to: BipAddress;
  raw: Buffer;
}

/** An FDT entry as the emulator sees it: what Read-FDT reports, plus where it really sends. */
export interface EmulatorFdtEntry extends FdtEntry {
  /** The real UDP source that registered (differs from address:port under `quirks.nat`). */
  source: BipAddress;
  /** The TTL asked for (`ttl` is the one granted). */
  requestedTtl: number;
}

export interface BbmdCounters {
  /** Datagrams received (malformed included, silent included). */
  received: number;
  /** Datagrams that did not decode. */
  malformed: number;
  /** Datagrams dropped because `quirks.silent`. */
  dropped: number;
  /** Well-formed datagrams a BBMD does nothing with here (results, acks, unicasts to the BBMD, broadcasts from non-local senders). */
  ignored: number;
  /** Register-Foreign-Device requests (accepted or not). */
  registrations: number;
  /** Register-Foreign-Device requests answered with anything but 0000. */
  registrationNaks: number;
  /** Delete-FDT-Entry requests (and TTL-0 Registers taken as deletes). */
  deletes: number;
  /** DBTN requests. */
  dbtn: number;
  /** Forwarded-NPDUs sent (each copy counts). */
  forwarded: number;
  /** FDT entries dropped because TTL + grace passed. */
  expired: number;
  /** Times reboot() forgot the FDT. */
  reboots: number;
  /** BVLC-Results sent, by code ("0x0030"). */
  results: Record<string, number>;
  /** Datagrams sent. */
  sent: number;
  /** Sends refused because the destination was not 127.0.0.1. */
  refused: number;
  /** Sends dgram reported as failed, and socket errors after bind. */
  sendErrors: number;
  /** Exceptions other than DecodeError while handling a datagram (bugs); see `lastError`. */
  internalErrors: number;
}

interface FdtRecord {
  /** The address the BBMD records (the NAT view, or the real source). */
  view: BipAddress;
  /** Where the foreign device really is. */
  real: BipAddress;
  ttl: number;
  requestedTtl: number;
  registeredAt: number;
  expiresAt: number;
}

interface Waiter {
  timer: NodeJS.Timeout;
  listener: (d: ReceivedDatagram) => void;
  reject: (err: Error) => void;
}

/** A local device: a FakeDevice (its address is read when needed) or a plain address. */
export type LocalDevice = FakeDevice | BipAddress;

export interface BbmdEmulator {
  on(event: 'frame', listener: (d: ReceivedDatagram) => void): this;
  on(event: 'sent', listener: (d: SentDatagram) => void): this;
  on(event: 'expired', listener: (entry: EmulatorFdtEntry) => void): this;
  once(event: 'frame', listener: (d: ReceivedDatagram) => void): this;
  once(event: 'sent', listener: (d: SentDatagram) => void): this;
  once(event: 'expired', listener: (entry: EmulatorFdtEntry) => void): this;
  off(event: 'frame', listener: (d: ReceivedDatagram) => void): this;
  off(event: 'sent', listener: (d: SentDatagram) => void): this;
  off(event: 'expired', listener: (entry: EmulatorFdtEntry) => void): this;
}

export class BbmdEmulator extends EventEmitter implements BbmdLink {
  /** Switches for the field differences; change them at any time. */
  readonly quirks: BbmdQuirks;
  /** The most recent received datagrams, oldest first (at most `logLimit`). */
  readonly log: ReceivedDatagram[] = [];
  readonly counters: BbmdCounters = {
    received: 0,
    malformed: 0,
    dropped: 0,
    ignored: 0,
    registrations: 0,
    registrationNaks: 0,
    deletes: 0,
    dbtn: 0,
    forwarded: 0,
    expired: 0,
    reboots: 0,
    results: {},
    sent: 0,
    refused: 0,
    sendErrors: 0,
    internalErrors: 0,
  };
  /** The last exception counted in `counters.internalErrors`. */
  lastError: Error | null = null;
  /** The BDT that Read-BDT reports; null = this BBMD alone, mask 255.255.255.255. */
  bdt: BdtEntry[] | null;

  private readonly now: () => number;
  private readonly requestedPort: number;
  private readonly host: string;
  private readonly logLimit: number;
  private readonly sweepIntervalMs: number;
  private readonly table = new Map<string, FdtRecord>();
  private readonly locals: LocalDevice[] = [];
  private readonly waiters = new Set<Waiter>();
  private socket: dgram.Socket | null = null;
  private bound: BipAddress | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private starting: Promise<BipAddress> | null = null;
  private stopping: Promise<void> | null = null;

  constructor(options: BbmdEmulatorOptions = {}) {
    super();
    this.quirks = { ...defaultQuirks(), ...options.quirks };
    if (options.graceSeconds !== undefined) this.quirks.graceSeconds = options.graceSeconds;
    this.now = options.now ?? (() => performance.now());
    this.requestedPort = options.port ?? 0;
    this.host = options.host ?? LOOPBACK;
    if (!/^127\./.test(this.host)) throw new Error(`BbmdEmulator binds loopback addresses only, not ${this.host}`);
    this.bdt = options.bdt ?? null;
    this.logLimit = options.logLimit ?? 10000;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 1000;
  }

  /** The bound address, or null when not running. */
  get address(): BipAddress | null {
    return this.bound;
  }

  /** BbmdLink: the same as `address`. */
  get boundAddress(): BipAddress | null {
    return this.bound;
  }

  get running(): boolean {
    return this.bound !== null;
  }

  /** Binds a udp4 socket on its loopback address; resolves with the bound address. */
  start(): Promise<BipAddress> {
    if (this.stopping) return Promise.reject(new Error('BbmdEmulator was stopped; make a new one'));
    if (!this.starting) {
      this.starting = new Promise<BipAddress>((resolve, reject) => {
        const socket = dgram.createSocket({ type: 'udp4' });
        this.socket = socket;
        let listening = false;
        socket.on('error', (err) => {
          if (!listening) {
            this.socket = null;
            socket.close();
            reject(err);
          } else {
            this.counters.sendErrors++;
            this.lastError = err;
          }
        });
        socket.on('message', (msg, rinfo) => this.onMessage(msg, { address: rinfo.address, port: rinfo.port }));
        socket.bind(this.requestedPort, this.host, () => {
          listening = true;
          const info = socket.address();
          this.bound = { address: info.address, port: info.port };
          this.sweepTimer = setInterval(() => this.expire(this.now()), this.sweepIntervalMs);
          resolve(this.bound);
        });
      });
    }
    return this.starting;
  }

  /** Closes the socket, clears every timer (pending waitFor() calls reject), waits for 'close'. Idempotent. */
  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = (async () => {
        if (this.starting) await this.starting.catch(() => undefined);
        if (this.sweepTimer) clearInterval(this.sweepTimer);
        this.sweepTimer = null;
        for (const waiter of [...this.waiters]) waiter.reject(new Error('BbmdEmulator stopped while waiting for a frame'));
        const socket = this.socket;
        this.socket = null;
        this.bound = null;
        if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
      })();
    }
    return this.stopping;
  }

  // ---- the simulated subnet -------------------------------------------------

  /** Puts a device on this BBMD's subnet; a FakeDevice is also told about this BBMD. */
  addLocalDevice(device: LocalDevice): void {
    if (!this.locals.includes(device)) this.locals.push(device);
    if (device instanceof FakeDevice) device.attachBbmd(this);
  }

  removeLocalDevice(device: LocalDevice): void {
    const at = this.locals.indexOf(device);
    if (at !== -1) this.locals.splice(at, 1);
    if (device instanceof FakeDevice) device.attachBbmd(null);
  }

  /** Addresses of the local devices that are running (or given as addresses). */
  localAddresses(): BipAddress[] {
    const out: BipAddress[] = [];
    for (const device of this.locals) {
      const address = device instanceof FakeDevice ? device.address : device;
      if (address) out.push(address);
    }
    return out;
  }

  /** BbmdLink: the reply mode in force. */
  currentReplyMode(): ReplyMode {
    return this.quirks.replyMode;
  }

  /** BbmdLink: a NAT-view address maps back to the real source of its FDT entry (what the NAT would do). */
  route(to: BipAddress): BipAddress {
    const record = this.table.get(formatBipAddress(to));
    return record && this.quirks.nat && sameBipAddress(record.view, this.quirks.nat) ? record.real : to;
  }

  // ---- switches and state -----------------------------------------------------

  /** Makes every Register answer `code` (and change nothing); null restores normal answers. */
  nakWith(code: number | null): void {
    this.quirks.registerResult = code;
  }

  /** Changes several quirks at once. */
  setQuirks(changes: Partial<BbmdQuirks>): void {
    Object.assign(this.quirks, changes);
  }

  /** Forgets the whole FDT, as a BBMD does when it restarts. */
  reboot(): void {
    this.table.clear();
    this.counters.reboots++;
  }

  /** The FDT now (expired entries dropped first), in registration order. */
  fdt(): EmulatorFdtEntry[] {
    const now = this.now();
    this.expire(now);
    return [...this.table.values()].map((record) => this.publicEntry(record, now));
  }

  // ---- observation ------------------------------------------------------------

  /**
   * Resolves with the first datagram received from now on that matches
   * `predicate`; rejects after `timeoutMs` (or when the emulator stops).
   * The listener and timer are removed either way.
   */
  waitFor<T extends ReceivedDatagram>(predicate: (d: ReceivedDatagram) => d is T, timeoutMs?: number): Promise<T>;
  waitFor(predicate: (d: ReceivedDatagram) => boolean, timeoutMs?: number): Promise<ReceivedDatagram>;
  waitFor(predicate: (d: ReceivedDatagram) => boolean, timeoutMs = 2000): Promise<ReceivedDatagram> {
    return new Promise<ReceivedDatagram>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(waiter.timer);
        this.off('frame', waiter.listener);
        this.waiters.delete(waiter);
      };
      const waiter: Waiter = {
        timer: setTimeout(() => {
          done();
          reject(new Error(`BbmdEmulator.waitFor: no matching datagram within ${timeoutMs} ms`));
        }, timeoutMs),
        listener: (d) => {
          let match: boolean;
          try {
            match = predicate(d);
          } catch (err) {
            done();
            reject(err instanceof Error ? err : new Error(String(err)));
            return;
          }
          if (match) {
            done();
            resolve(d);
          }
        },
        reject: (err) => {
          done();
          reject(err);
        },
      };
      this.waiters.add(waiter);
      this.on('frame', waiter.listener);
    });
  }

  /** waitFor() a well-formed frame of function `fn` (from `from`, when given). */
  waitForFunction<F extends BvlcFunctionCode>(fn: F, timeoutMs = 2000, from?: BipAddress): Promise<ReceivedFrame & { frame: BvllFrameOf<F> }> {
    return this.waitFor(
      (d): d is ReceivedFrame & { frame: BvllFrameOf<F> } =>
        'frame' in d && d.frame.function === fn && (from === undefined || sameBipAddress(d.from, from)),
      timeoutMs,
    );
  }

  /** Pending waitFor() calls (for leak checks in tests). */
  get pendingWaits(): number {
    return this.waiters.size;
  }

  // ---- receiving --------------------------------------------------------------

  private onMessage(raw: Buffer, from: BipAddress): void {
    if (!this.socket) return;
    const at = this.now();
    this.counters.received++;
    let frame: BvllFrame;
    try {
      frame = decodeBvll(raw);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      if (err instanceof DecodeError) {
        this.counters.malformed++;
      } else {
        this.counters.internalErrors++;
        this.lastError = error;
      }
      this.record({ error, from, raw, at });
      return;
    }
    this.record({ frame, from, raw, at });
    if (this.quirks.silent) {
      this.counters.dropped++;
      return;
    }
    try {
      this.expire(at);
      this.handle(frame, from, at);
    } catch (err) {
      // A bug (ours or the codec's): keep the BBMD alive, let tests see it.
      this.counters.internalErrors++;
      this.lastError = err instanceof Error ? err : new Error(String(err));
    }
  }

  private record(d: ReceivedDatagram): void {
    this.log.push(d);
    if (this.log.length > this.logLimit) this.log.splice(0, this.log.length - this.logLimit);
    this.emit('frame', d);
  }

  private handle(frame: BvllFrame, from: BipAddress, at: number): void {
    switch (frame.function) {
      case BvlcFunction.RegisterForeignDevice:
        return this.onRegister(frame.ttl, from, at);
      case BvlcFunction.ReadFdt:
        if (this.quirks.nakReadFdt) return this.result(ResultCode.ReadFdtNak, from);
        return this.send(
          encodeBvll({ function: BvlcFunction.ReadFdtAck, entries: [...this.table.values()].map((r) => this.publicEntry(r, at)) }),
          from,
        );
      case BvlcFunction.DeleteFdtEntry: {
        this.counters.deletes++;
        const existed = this.table.delete(formatBipAddress(frame.address));
        return this.result(existed ? ResultCode.Success : ResultCode.DeleteFdtEntryNak, from);
      }
      case BvlcFunction.DistributeBroadcastToNetwork:
        return this.onDbtn(frame.npdu, from);
      case BvlcFunction.ReadBdt:
        if (this.quirks.nakReadBdt || !this.bound) return this.result(ResultCode.ReadBdtNak, from);
        return this.send(
          encodeBvll({
            function: BvlcFunction.ReadBdtAck,
            entries: this.bdt ?? [{ address: this.bound.address, port: this.bound.port, mask: '255.255.255.255' }],
          }),
          from,
        );
      case BvlcFunction.WriteBdt:
        return this.result(ResultCode.WriteBdtNak, from);
      case BvlcFunction.OriginalBroadcastNpdu:
        if (!this.isLocal(from)) break;
        // A local device broadcast on the subnet: relay it to every foreign device.
        return this.forwardToForeignDevices(encodeBvll({ function: BvlcFunction.ForwardedNpdu, origin: from, npdu: frame.npdu }), null, from);
      default:
        break;
    }
    this.counters.ignored++;
  }

  private onRegister(ttl: number, from: BipAddress, at: number): void {
    this.counters.registrations++;
    const view = this.viewOf(from);
    const key = formatBipAddress(view);
    const q = this.quirks;
    if (q.registerResult !== null) return this.registerResult(q.registerResult, from);
    if (q.nakAllRegistrations) return this.registerResult(ResultCode.RegisterForeignDeviceNak, from);
    if (ttl === 0) {
      if (q.ttlZero === 'nak') return this.registerResult(ResultCode.RegisterForeignDeviceNak, from);
      if (q.ttlZero === 'delete') {
        this.counters.deletes++;
        return this.registerResult(this.table.delete(key) ? ResultCode.Success : ResultCode.DeleteFdtEntryNak, from);
      }
    }
    const granted = q.maxTtl !== null ? Math.min(ttl, q.maxTtl) : ttl;
    this.table.set(key, {
      view,
      real: from,
      ttl: granted,
      requestedTtl: ttl,
      registeredAt: at,
      expiresAt: at + (granted + q.graceSeconds) * 1000,
    });
    this.registerResult(ResultCode.Success, from);
  }

  private registerResult(code: number, to: BipAddress): void {
    if (code !== ResultCode.Success) this.counters.registrationNaks++;
    this.result(code, to);
  }

  private onDbtn(npdu: Buffer, from: BipAddress): void {
    this.counters.dbtn++;
    const view = this.viewOf(from);
    const known = this.table.has(formatBipAddress(view));
    if (!known && this.quirks.nakUnknownDbtn) return this.result(ResultCode.DistributeBroadcastToNetworkNak, from);
    const forwarded = encodeBvll({ function: BvlcFunction.ForwardedNpdu, origin: view, npdu });
    this.forwardToForeignDevices(forwarded, view, from);
    // The BBMD's own subnet: once each (a local broadcast), never back to the sender.
    for (const local of this.localAddresses()) {
      if (sameBipAddress(local, from)) continue;
      this.counters.forwarded++;
      this.send(forwarded, local);
    }
  }

  /** Sends a Forwarded-NPDU to every foreign device but the sender (twice each under duplicateForwarding; the sender too under echoToSender). */
  private forwardToForeignDevices(forwarded: Buffer, senderView: BipAddress | null, sender: BipAddress): void {
    const copies = this.quirks.duplicateForwarding ? 2 : 1;
    for (const record of this.table.values()) {
      const isSender = (senderView && sameBipAddress(record.view, senderView)) || sameBipAddress(record.real, sender);
      if (isSender && !this.quirks.echoToSender) continue;
      for (let i = 0; i < copies; i++) {
        this.counters.forwarded++;
        this.send(forwarded, record.real);
      }
    }
  }

  // ---- helpers ----------------------------------------------------------------

  private viewOf(from: BipAddress): BipAddress {
    return this.quirks.nat ? { address: this.quirks.nat.address, port: this.quirks.nat.port } : from;
  }

  private isLocal(from: BipAddress): boolean {
    return this.localAddresses().some((local) => sameBipAddress(local, from));
  }

  private publicEntry(record: FdtRecord, now: number): EmulatorFdtEntry {
    const remaining = Math.min(0xffff, Math.max(0, Math.floor((record.expiresAt - now) / 1000)));
    return {
      address: record.view.address,
      port: record.view.port,
      ttl: record.ttl,
      remaining,
      source: { ...record.real },
      requestedTtl: record.requestedTtl,
    };
  }

  private expire(now: number): void {
    for (const [key, record] of this.table) {
      if (now >= record.expiresAt) {
        this.table.delete(key);
        this.counters.expired++;
        this.emit('expired', this.publicEntry(record, now));
      }
    }
  }

  private result(code: number, to: BipAddress): void {
    const name = `0x${code.toString(16).padStart(4, '0')}`;
    this.counters.results[name] = (this.counters.results[name] ?? 0) + 1;
    this.send(encodeBvll({ function: BvlcFunction.Result, code }), to);
  }

  private send(raw: Buffer, to: BipAddress): void {
    const socket = this.socket;
    if (!socket) return;
    if (to.address !== LOOPBACK) {
      this.counters.refused++;
      return;
    }
    this.counters.sent++;
    this.emit('sent', { to: { ...to }, raw });
    socket.send(raw, to.port, to.address, (err) => {
      if (err) {
        this.counters.sendErrors++;
        this.lastError = err;
      }
    });
  }
}

// ---- the demo site ------------------------------------------------------------

export interface DemoSiteOptions {
  /** How many fake devices, default 3 (instances 1201, 1202, ...). */
  devices?: number;
  /** First device instance, default 1201. */
  firstInstance?: number;
  /** Index of the device that sits behind a BACnet router (network 5, MAC 0a, max APDU 480); default 0; null = none. */
  routed?: number | null;
  /** Index of the device with a long object-list (DEMO_EXTRA_OBJECTS more objects) that it answers in segments; default 2; null = none. */
  large?: number | null;
  /** Index of a device with a long object-list that cannot segment (answers it with an Abort); default null = none. */
  nonSegmenting?: number | null;
  /** Index of a device that answers nothing, not even Who-Is; default null = none. */
  silent?: number | null;
  /** More options for device i, applied last (deviceInstance is always firstInstance + i). */
  deviceOptions?: (index: number) => Partial<FakeDeviceOptions>;
  /** The emulator's options (port, quirks, clock, ...). */
  emulator?: BbmdEmulatorOptions;
}

export interface DemoSite {
  emulator: BbmdEmulator;
  devices: FakeDevice[];
  /** The BBMD's address (127.0.0.1 and its port). */
  address: BipAddress;
  /** Stops the devices and the emulator; idempotent. */
  stop(): Promise<void>;
}

/** The network, MAC and max APDU of the routed demo device. */
export const DEMO_ROUTED_NETWORK = 5;
export const DEMO_ROUTED_MAC = '0a';
export const DEMO_ROUTED_MAX_APDU = 480;
/** Objects added to the large and the non-segmenting demo devices: an object-list of about 2 kB. */
export const DEMO_EXTRA_OBJECTS = 400;

/**
 * One BBMD emulator and `devices` fake devices on its subnet, all on
 * 127.0.0.1. Device i has instance firstInstance + i; device `routed`
 * appears behind a router on network 5, MAC 0a (and so answers only a
 * global Who-Is or one for network 5) and accepts APDUs of 480 octets;
 * device `large` has an object-list too long for one APDU and answers it in
 * segments (segmented-transmit, window 4). Options add a device that cannot
 * segment and a silent one. Stops what it started if any part fails.
 */
export async function startDemoSite(options: DemoSiteOptions = {}): Promise<DemoSite> {
  const count = options.devices ?? 3;
  const first = options.firstInstance ?? 1201;
  const routed = options.routed === undefined ? 0 : options.routed;
  const large = options.large === undefined ? 2 : options.large;
  const emulator = new BbmdEmulator(options.emulator);
  const devices: FakeDevice[] = [];
  for (let i = 0; i < count; i++) {
    const device: FakeDeviceOptions = { deviceInstance: first + i };
    if (i === routed) Object.assign(device, { network: DEMO_ROUTED_NETWORK, mac: DEMO_ROUTED_MAC, maxApdu: DEMO_ROUTED_MAX_APDU });
    if (i === large) Object.assign(device, { extraObjects: DEMO_EXTRA_OBJECTS, segmentation: 1 });
    if (i === options.nonSegmenting) Object.assign(device, { extraObjects: DEMO_EXTRA_OBJECTS, segmentation: 3 });
    if (i === options.silent) device.silent = true;
    devices.push(new FakeDevice({ ...device, ...options.deviceOptions?.(i), deviceInstance: first + i }));
  }
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= Promise.all([...devices.map((d) => d.stop()), emulator.stop()]).then(() => undefined);
    return stopping;
  };
  try {
    const address = await emulator.start();
    for (const device of devices) {
      await device.start();
      emulator.addLocalDevice(device);
    }
    return { emulator, devices, address, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
