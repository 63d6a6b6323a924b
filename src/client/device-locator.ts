/**
 * Finds a device's table entry by instance (CLIENT.md "Device references"): a
 * known instance at once, an unknown one by one Who-Is limited to it through
 * the BBMD and one timeout's wait for its I-Am. Concurrent lookups of one
 * instance share the Who-Is and the wait; a Who-Is that got no I-Am is
 * remembered for ABSENT_MS so a flow asking every second does not flood the
 * network. Pure: time comes from the injected clock, the Who-Is goes out
 * through the injected sendWhoIs.
 */
import type { ReceivedNpdu } from '../protocol/received-npdu';
import { MAX_OBJECT_INSTANCE } from '../protocol/names/references';
import type { Clock, TimerHandle } from '../util/clock';
import { errorMessage } from '../util/errors';
import type { DeviceEntry, DeviceTable } from './device-table';

/** How long an instance that sent no I-Am is taken as absent, ms (CLIENT.md: 30 s). */
export const ABSENT_MS = 30_000;

/** No I-Am came for the instance within the wait (or within the last ABSENT_MS). */
export class DeviceNotFoundError extends Error {
  readonly instance: number;
  constructor(instance: number, message: string) {
    super(message);
    this.name = 'DeviceNotFoundError';
    this.instance = instance;
  }
}

export interface DeviceLocatorOptions {
  table: DeviceTable;
  clock: Clock;
  /**
   * Sends a Who-Is limited to `instance` (low = high = instance) through the BBMD;
   * resolves once handed over (it may first wait for the registration, bounded as a
   * queued broadcast is), rejects when it could not be sent.
   */
  sendWhoIs: (instance: number) => Promise<void>;
  /** The BBMD as `host:port`, for sentences; asked when a sentence is made. */
  bbmdText: () => string;
}

interface Waiter {
  resolve: (entry: DeviceEntry) => void;
  reject: (error: Error) => void;
}

/** One Who-Is and the lookups waiting on its I-Am. */
interface Lookup {
  readonly instance: number;
  /** The first lookup's timeout: the shared wait is that long, whoever joins later. */
  readonly timeoutMs: number;
  readonly waiters: Waiter[];
  /** Set once sendWhoIs resolved: the wait runs. */
  timer: TimerHandle | null;
}

export class DeviceLocator {
  private readonly table: DeviceTable;
  private readonly clock: Clock;
  private readonly sendWhoIs: (instance: number) => Promise<void>;
  private readonly bbmdText: () => string;
  private readonly lookups = new Map<number, Lookup>();
  // Instance → (monotonic expiry, sentence). Every absence lasts ABSENT_MS and is
  // re-inserted when set, so insertion order is expiry order and pruning is cheap.
  private readonly absent = new Map<number, { until: number; message: string }>();
  private closed = false;

  constructor(options: DeviceLocatorOptions) {
    this.table = options.table;
    this.clock = options.clock;
    this.sendWhoIs = options.sendWhoIs;
    this.bbmdText = options.bbmdText;
  }

  /**
   * The entry of `instance`: at once when the table has it (never waiting for the
   * registration); else after one Who-Is and at most `timeoutMs` from its sending.
   * A lookup that joins one already under way shares its wait, which keeps the first
   * lookup's timeout. Rejects with DeviceNotFoundError when no I-Am came (and, for
   * ABSENT_MS after that, at once), with the send's message when the Who-Is could
   * not go out, and when the locator is closed.
   */
  locate(instance: number, timeoutMs: number): Promise<DeviceEntry> {
    if (!Number.isInteger(instance) || instance < 0 || instance > MAX_OBJECT_INSTANCE) {
      return Promise.reject(new RangeError(`a device instance is an integer 0..${MAX_OBJECT_INSTANCE}, got ${String(instance)}`));
    }
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      return Promise.reject(new RangeError(`a device lookup timeout is a positive number of ms, got ${String(timeoutMs)}`));
    }
    if (this.closed) return Promise.reject(closedError(instance));
    const known = this.table.get(instance);
    if (known !== undefined) return Promise.resolve(known);
    const absence = this.absenceOf(instance);
    if (absence !== null) return Promise.reject(new DeviceNotFoundError(instance, absence));
    return new Promise<DeviceEntry>((resolve, reject) => {
      const running = this.lookups.get(instance);
      if (running !== undefined) {
        running.waiters.push({ resolve, reject });
        return;
      }
      const lookup: Lookup = { instance, timeoutMs, waiters: [{ resolve, reject }], timer: null };
      this.lookups.set(instance, lookup);
      this.start(lookup);
    });
  }

  /** Feeds an arriving NPDU to the table; an I-Am settles the lookups of its instance and ends its absence. */
  observe(received: ReceivedNpdu): void {
    const entry = this.table.observe(received);
    if (entry === null) return;
    this.absent.delete(entry.instance);
    const lookup = this.lookups.get(entry.instance);
    if (lookup === undefined) return;
    this.finish(lookup);
    for (const waiter of lookup.waiters) waiter.resolve(entry);
  }

  /** Lookups under way (for status and tests). */
  get waiting(): number {
    return this.lookups.size;
  }

  /** Rejects every waiting lookup, clears its timers and the absences; later lookups reject at once. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const lookup of [...this.lookups.values()]) {
      this.finish(lookup);
      for (const waiter of lookup.waiters) waiter.reject(closedError(lookup.instance));
    }
    this.absent.clear();
  }

  private start(lookup: Lookup): void {
    let sent: Promise<void>;
    try {
      sent = this.sendWhoIs(lookup.instance);
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.then(
      () => {
        // An I-Am or close() may have settled the lookup while the Who-Is waited to go out.
        if (this.lookups.get(lookup.instance) !== lookup) return;
        lookup.timer = this.clock.setTimeout(() => this.expire(lookup), lookup.timeoutMs);
      },
      (err: unknown) => {
        if (this.lookups.get(lookup.instance) !== lookup) return;
        this.finish(lookup);
        // Not remembered as absent: the device was never asked.
        const message = errorMessage(err);
        for (const waiter of lookup.waiters) waiter.reject(new Error(message));
      },
    );
  }

  private expire(lookup: Lookup): void {
    lookup.timer = null;
    if (this.lookups.get(lookup.instance) !== lookup) return;
    this.finish(lookup);
    // An I-Am fed to the table by another path than observe() still counts.
    const entry = this.table.get(lookup.instance);
    if (entry !== undefined) {
      for (const waiter of lookup.waiters) waiter.resolve(entry);
      return;
    }
    const message = `device ${lookup.instance} not found (no I-Am through ${this.bbmdText()} within ${lookup.timeoutMs} ms)`;
    this.rememberAbsent(lookup.instance, message);
    for (const waiter of lookup.waiters) waiter.reject(new DeviceNotFoundError(lookup.instance, message));
  }

  /** Takes the lookup out and stops its timer; the caller settles its waiters. */
  private finish(lookup: Lookup): void {
    if (lookup.timer !== null) this.clock.clearTimeout(lookup.timer);
    lookup.timer = null;
    this.lookups.delete(lookup.instance);
  }

  private rememberAbsent(instance: number, message: string): void {
    this.pruneAbsent();
    this.absent.delete(instance);
    this.absent.set(instance, { until: this.clock.monotonic() + ABSENT_MS, message });
  }

  /** The sentence of a still-running absence of `instance`, else null. */
  private absenceOf(instance: number): string | null {
    this.pruneAbsent();
    return this.absent.get(instance)?.message ?? null;
  }

  /** Drops expired absences from the front; bounded by how many Who-Is went unanswered in ABSENT_MS. */
  private pruneAbsent(): void {
    const now = this.clock.monotonic();
    for (const [instance, absence] of this.absent) {
      if (absence.until > now) break;
      this.absent.delete(instance);
    }
  }
}

function closedError(instance: number): Error {
  return new Error(`device ${instance} lookup cancelled: the config node is closed`);
}
