/**
 * The registrations on one UDP endpoint: one ForeignDeviceManager per BBMD B/IP
 * address, shared by every user (config node) that names that BBMD, however it
 * is written ("127.0.0.1", "localhost", two names of one host).
 *
 * A BBMD keeps one FDT entry per foreign device B/IP address, i.e. per socket. Two
 * managers registering one BBMD from one socket would share that entry without
 * knowing it: one's Delete-FDT-Entry removes the entry the other relies on, and each
 * takes the other's BVLC-Results (a Delete's 0000) for answers to its own requests.
 * So a registration is keyed by the BBMD's resolved address. A host name not yet
 * resolved has a provisional key (the name); when its manager resolves it, before it
 * sends anything there, the registration takes the address as its key, or its users
 * join the registration that already holds that key and its manager stops without a
 * word. When a name later resolves to another address, its users follow it; users
 * that named the BBMD otherwise (an address, another name) stay where they were.
 */
import { BipAddress, HostPort, PublicAddress, formatBipAddress, isIPv4 } from '../protocol/address';
import { ForeignDeviceManager } from './foreign-device';
import { FdLogger, FdSnapshot, Resolver } from './types';
import { Clock, systemClock } from '../util/clock';
import { ListenerList } from '../util/listener-list';
import type { ReceivedNpdu } from '../protocol/received-npdu';
import type { LocalEndpointConfig } from '../transport/endpoint-config';
import type { UdpEndpoint } from '../transport/udp-endpoint';

export interface RegistrationConfig {
  local: LocalEndpointConfig;
  bbmd: HostPort;
  ttl: number;
  publicAddress?: PublicAddress | null;
  deregister?: boolean | 'always';
  log?: FdLogger;
  /** Injected for tests; the real ones by default. */
  clock?: Clock;
  resolver?: Resolver;
  random?: () => number;
}

export type NpduListener = (received: ReceivedNpdu) => void;
export type SnapshotListener = (snapshot: FdSnapshot) => void;

/** A user's hold on a registration: release it exactly once (further calls share the first). */
export interface RegistrationLease {
  /** The registration's manager now: it changes when this user's registration is merged into another. */
  readonly manager: ForeignDeviceManager;
  readonly endpoint: UdpEndpoint;
  /** Receive the NPDUs routed to this registration (across merges); returns the function that stops it. */
  onNpdu(listener: NpduListener): () => void;
  /** Every snapshot of the registration's manager (across merges: a move brings the new one's); returns the function that stops it. */
  onChange(listener: SnapshotListener): () => void;
  /** Gives the hold back: the last user of a registration stops its manager (deregistering). */
  release(): Promise<void>;
}

/** One FDT entry's worth: a manager, its users and the receivers of what it routes. */
export class SharedRegistration {
  readonly leases = new Set<Lease>();
  readonly receivers = new ListenerList<ReceivedNpdu>();
  /** Set while the last user's release stops the manager (it still needs its BBMD's answers). */
  stopping: Promise<void> | null = null;

  constructor(
    public key: string,
    readonly manager: ForeignDeviceManager,
    /** The settings the manager was made with: the ones in force for every user. */
    readonly inForce: RegistrationConfig,
  ) {}
}

class Lease implements RegistrationLease {
  private readonly npduListeners = new Set<NpduListener>();
  private readonly changeListeners = new Set<SnapshotListener>();
  private releasing: Promise<void> | null = null;

  constructor(
    readonly endpoint: UdpEndpoint,
    readonly config: RegistrationConfig,
    public shared: SharedRegistration,
    private readonly onRelease: (lease: Lease) => Promise<void>,
  ) {
    shared.leases.add(this);
  }

  get manager(): ForeignDeviceManager {
    return this.shared.manager;
  }

  get released(): boolean {
    return this.releasing !== null;
  }

  onNpdu(listener: NpduListener): () => void {
    this.npduListeners.add(listener);
    this.shared.receivers.add(listener);
    return () => {
      this.npduListeners.delete(listener);
      this.shared.receivers.delete(listener);
    };
  }

  onChange(listener: SnapshotListener): () => void {
    this.changeListeners.add(listener);
    return () => {
      this.changeListeners.delete(listener);
    };
  }

  notify(snapshot: FdSnapshot): void {
    for (const listener of this.changeListeners) listener(snapshot);
  }

  /** Leaves its registration (listeners included). */
  detach(): void {
    for (const listener of this.npduListeners) this.shared.receivers.delete(listener);
    this.shared.leases.delete(this);
  }

  /** Joins `shared` (listeners included) and tells its listeners where it stands now. */
  attach(shared: SharedRegistration): void {
    this.shared = shared;
    shared.leases.add(this);
    for (const listener of this.npduListeners) shared.receivers.add(listener);
    this.notify(shared.manager.snapshot());
  }

  release(): Promise<void> {
    this.releasing ??= this.onRelease(this);
    return this.releasing;
  }
}

/** The key of a BBMD: its address when `host` is one, else provisional (the name) until resolved. */
function keyOf(bbmd: HostPort): string {
  return isIPv4(bbmd.host) ? addressKey({ address: bbmd.host, port: bbmd.port }) : `${bbmd.host.toLowerCase()}:${bbmd.port} (unresolved)`;
}

function addressKey(address: BipAddress): string {
  return formatBipAddress(address);
}

export class RegistrationTable {
  /** Every registration here, as an array for the receive path (replaced, never changed, when one comes or goes). */
  list: readonly SharedRegistration[] = [];
  private readonly byKey = new Map<string, SharedRegistration>();

  constructor(
    private readonly endpoint: UdpEndpoint,
    /** The endpoint, for messages. */
    private readonly label: string,
    private readonly defaultResolver: Resolver,
  ) {}

  get size(): number {
    return this.byKey.size;
  }

  /** Takes a hold on the registration for `config.bbmd`, making and starting one if needed. */
  async acquire(config: RegistrationConfig, afterRelease?: () => Promise<void>): Promise<RegistrationLease> {
    const shared = await this.settle(keyOf(config.bbmd), config);
    const lease = new Lease(this.endpoint, config, shared, async (l) => {
      await this.release(l);
      await afterRelease?.();
    });
    shared.manager.start();
    return lease;
  }

  /** The registration under `key`, made from `config` when there is none; one that is stopping is waited for. */
  private async settle(key: string, config: RegistrationConfig): Promise<SharedRegistration> {
    let existing = this.byKey.get(key);
    // Its last user left a moment ago: let its Delete-FDT-Entry finish, then start afresh.
    while (existing?.stopping) {
      await existing.stopping;
      existing = this.byKey.get(key);
    }
    if (existing) {
      this.warnOfDifferences(existing, config);
      return existing;
    }
    return this.create(key, config);
  }

  private create(key: string, config: RegistrationConfig): SharedRegistration {
    const manager = new ForeignDeviceManager({
      bbmd: config.bbmd,
      ttl: config.ttl,
      clock: config.clock ?? systemClock,
      transport: this.endpoint,
      resolver: config.resolver ?? this.defaultResolver,
      random: config.random,
      publicAddress: config.publicAddress ?? null,
      deregister: config.deregister ?? true,
      log: config.log,
    });
    const shared = new SharedRegistration(key, manager, config);
    manager.on('change', (snapshot) => {
      for (const lease of shared.leases) lease.notify(snapshot);
    });
    manager.on('resolved', (address) => this.onResolved(shared, address));
    this.byKey.set(key, shared);
    this.list = [...this.byKey.values()];
    return shared;
  }

  private async release(lease: Lease): Promise<void> {
    const shared = lease.shared;
    lease.detach();
    if (shared.leases.size > 0 || shared.stopping) return;
    // Stays routable while stopping, so the BBMD's answer to the Delete reaches the manager.
    shared.stopping = shared.manager.stop().finally(() => this.remove(shared));
    await shared.stopping;
  }

  private remove(shared: SharedRegistration): void {
    if (this.byKey.get(shared.key) !== shared) return;
    this.byKey.delete(shared.key);
    this.list = [...this.byKey.values()];
  }

  /**
   * The manager of `shared` is about to talk to `address` (called synchronously,
   * before it sends anything there). Its users take the address's key, or join the
   * registration that already holds it; users that named the BBMD by another host
   * (an address, another name) do not follow this name and go to their own.
   */
  private onResolved(shared: SharedRegistration, address: BipAddress): void {
    const key = addressKey(address);
    if (shared.key === key || shared.stopping || this.byKey.get(shared.key) !== shared) return;
    const host = shared.manager.bbmd.host.toLowerCase();
    const strangers = [...shared.leases].filter((lease) => lease.config.bbmd.host.toLowerCase() !== host);
    const owner = this.byKey.get(key);
    this.remove(shared);
    if (owner === undefined) {
      shared.key = key;
      this.byKey.set(key, shared);
      this.list = [...this.byKey.values()];
    } else {
      // Another registration owns the FDT entry at that address: this manager must neither
      // register there nor delete that entry. Stopped here, it sends nothing.
      shared.stopping = shared.manager.stop({ deregister: false });
      for (const lease of [...shared.leases]) if (!strangers.includes(lease)) void this.move(lease, key);
    }
    for (const lease of strangers) void this.move(lease, keyOf(lease.config.bbmd));
  }

  /** Moves `lease` to the registration under `key` (made from its own settings if there is none). */
  private async move(lease: Lease, key: string): Promise<void> {
    const from = lease.shared;
    lease.detach();
    if (from.leases.size === 0 && !from.stopping) {
      // Emptied by users that followed another address: its FDT entry, if any, is theirs
      // now (or lapses), so no Delete.
      from.stopping = from.manager.stop({ deregister: false }).finally(() => this.remove(from));
    }
    const target = await this.settle(key, lease.config);
    if (lease.released) {
      // Released while it waited: a registration made for it alone goes again.
      if (target.leases.size === 0 && !target.stopping) target.stopping = target.manager.stop().finally(() => this.remove(target));
      return;
    }
    lease.attach(target);
    target.manager.start();
  }

  /** Says which settings are in force when a user joins a registration made from other settings. */
  private warnOfDifferences(shared: SharedRegistration, asked: RegistrationConfig): void {
    const inForce = shared.inForce;
    const differences: string[] = [];
    if (inForce.ttl !== asked.ttl) differences.push(`TTL ${inForce.ttl} s (this config node asks ${asked.ttl} s)`);
    const publicOf = (c: RegistrationConfig): string =>
      c.publicAddress ? (c.publicAddress.port === null ? `${c.publicAddress.address} (the bound port)` : formatBipAddress({ address: c.publicAddress.address, port: c.publicAddress.port })) : 'none';
    if (publicOf(inForce) !== publicOf(asked)) differences.push(`public address ${publicOf(inForce)} (this config node asks ${publicOf(asked)})`);
    const deregisterOf = (c: RegistrationConfig): string => String(c.deregister ?? true);
    if (deregisterOf(inForce) !== deregisterOf(asked)) {
      differences.push(`deregister ${deregisterOf(inForce)} (this config node asks ${deregisterOf(asked)})`);
    }
    if (differences.length === 0) return;
    asked.log?.warn(
      `shares the registration with BBMD ${shared.key} on ${this.label} with another config node (one FDT entry per socket and BBMD), whose settings are in force: ${differences.join('; ')}`,
    );
  }
}
