/**
 * The devices a config node has heard of (CLIENT.md "Device references"):
 * what each I-Am said and where it came from, so a request to instance 1234
 * knows its address, network, MAC, max APDU and segmentation. One table per
 * config node, filled only from the I-Ams the caller hands in (those relayed by
 * its own BBMD or sent unicast to its endpoint), so two sites with a device 1234
 * never mix. Pure: time comes from the injected clock.
 */
import { formatBipAddress } from '../protocol/address';
import { SEGMENTATION_NAMES, IAm } from '../protocol/apdu';
import type { ReceivedNpdu } from '../protocol/received-npdu';
import { MAX_OBJECT_INSTANCE } from '../protocol/names/references';
import type { Clock } from '../util/clock';

/** Entries a table holds unless told otherwise (CLIENT.md: at most 10,000). */
export const DEFAULT_MAX_DEVICES = 10_000;

/** Segmentation code kept for an I-Am whose value the standard does not define: the cautious reading. */
const NO_SEGMENTATION = 3;

export interface DeviceEntry {
  readonly instance: number;
  /** Where the I-Am originated: the Forwarded-NPDU's B/IP address, else the UDP source (a router's, for a routed device). */
  readonly address: string;
  readonly port: number;
  /** SNET of the I-Am: the device sits behind a router on this network; null when it is on B/IP itself. */
  readonly network: number | null;
  /** SADR of the I-Am as lower-case hex, as the NPDU header gives it; null with network null. */
  readonly mac: string | null;
  readonly maxApdu: number;
  /** Segmentation supported, 0..3 as in the I-Am (0 both, 1 transmit, 2 receive, 3 none). */
  readonly segmentation: number;
  readonly vendorId: number;
  /** Wall-clock time of the latest I-Am, epoch ms (clock.now()): shown to people, not used to order. */
  readonly lastSeen: number;
  /** The device's object-name once read, else null. */
  name: string | null;
  /** False once the device rejected ReadPropertyMultiple; true until then. */
  readPropertyMultiple: boolean;
}

/** An entry as the table keeps it: updated in place by later I-Ams, and reused once evicted. */
type StoredEntry = { -readonly [K in keyof DeviceEntry]: DeviceEntry[K] };

export interface DeviceTableOptions {
  clock: Clock;
  /** Most entries kept; the least recently seen goes first. Default DEFAULT_MAX_DEVICES. */
  maxEntries?: number;
  /** Told when an instance shows up at a second address. */
  warn?: (text: string) => void;
}

export class DeviceTable {
  private readonly clock: Clock;
  private readonly maxEntries: number;
  private readonly warn: (text: string) => void;
  private readonly entries = new Map<number, StoredEntry>();
  /** Each held instance's latest sighting number: a queued sighting with another number is stale. */
  private readonly latest = new Map<number, number>();
  /*
   * The sightings in order (instance, sighting number), oldest at `head`; one is stale once its
   * instance was seen again or dropped. Eviction pops from the front. Not the Map's own order: a
   * Map that loses its oldest key on every I-Am makes each front lookup skip the holes the
   * deletions left (7 µs an I-Am at 10,000 entries, half of fd-receive's receive bench).
   */
  private queueInstances: number[] = [];
  private queueSightings: number[] = [];
  private head = 0;
  private sightings = 0;

  constructor(options: DeviceTableOptions) {
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_DEVICES;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`a device table holds at least 1 entry, got maxEntries ${String(maxEntries)}`);
    }
    this.clock = options.clock;
    this.maxEntries = maxEntries;
    this.warn = options.warn ?? (() => undefined);
  }

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Records the I-Am in `received` and returns its entry; null when it carries no
   * readable Device I-Am or names instance 4194303 (an unconfigured device, which
   * no request can address). A new address for a known instance is warned about and wins.
   */
  observe(received: ReceivedNpdu): DeviceEntry | null {
    const iAm = received.iAm;
    if (iAm === null || iAm.deviceInstance > MAX_OBJECT_INSTANCE) return null;
    const instance = iAm.deviceInstance;
    const { snet, sadr } = received.header;
    const mac = snet === null ? null : sadr;
    const sighting = ++this.sightings;
    let entry = this.entries.get(instance);
    if (entry !== undefined) {
      if (!sameAddress(entry, received.source.address, received.source.port, snet, mac)) {
        const now = describeDeviceAddress({ address: received.source.address, port: received.source.port, network: snet, mac });
        this.warn(`device ${instance} answered from ${now} after ${describeDeviceAddress(entry)}; using the newest (two devices with one instance, or one that moved)`);
        // What was learnt by asking the device holds only for the same device.
        entry.name = null;
        entry.readPropertyMultiple = true;
      }
    } else {
      // A full table gives its least recently seen entry's object to the new device: a flood of
      // distinct I-Ams then allocates nothing that lives long (mid-lived objects are what GC pays for).
      entry = this.entries.size >= this.maxEntries ? this.evictLeastRecentlySeen() : undefined;
      entry ??= { instance, address: '', port: 0, network: null, mac: null, maxApdu: 0, segmentation: 0, vendorId: 0, lastSeen: 0, name: null, readPropertyMultiple: true };
      entry.instance = instance;
      entry.name = null;
      entry.readPropertyMultiple = true;
      this.entries.set(instance, entry);
    }
    entry.address = received.source.address;
    entry.port = received.source.port;
    entry.network = snet;
    entry.mac = mac;
    entry.maxApdu = iAm.maxApdu;
    entry.segmentation = segmentationCode(iAm.segmentation);
    entry.vendorId = iAm.vendorId;
    entry.lastSeen = this.clock.now();
    this.latest.set(instance, sighting);
    this.queueInstances.push(instance);
    this.queueSightings.push(sighting);
    // Stale sightings and the popped front are dropped now and then: the queue stays within a few times maxEntries.
    if (this.head > this.maxEntries || this.queueInstances.length - this.head > 2 * this.maxEntries + 16) this.compact();
    return entry;
  }

  /** Takes the least recently seen entry out and returns it (for its object to be reused). */
  private evictLeastRecentlySeen(): StoredEntry | undefined {
    while (this.head < this.queueInstances.length) {
      const instance = this.queueInstances[this.head]!;
      const sighting = this.queueSightings[this.head]!;
      this.head++;
      if (this.latest.get(instance) === sighting) {
        const entry = this.entries.get(instance);
        this.entries.delete(instance);
        this.latest.delete(instance);
        return entry;
      }
    }
    return undefined;
  }

  private compact(): void {
    const instances: number[] = [];
    const sightings: number[] = [];
    for (let i = this.head; i < this.queueInstances.length; i++) {
      const instance = this.queueInstances[i]!;
      const sighting = this.queueSightings[i]!;
      if (this.latest.get(instance) === sighting) {
        instances.push(instance);
        sightings.push(sighting);
      }
    }
    this.queueInstances = instances;
    this.queueSightings = sightings;
    this.head = 0;
  }

  /**
   * The entry of `instance`, if held (looking does not count as seeing): the table's own object, to be read at once (a later I-Am
   * updates it, and once evicted it is reused for another device). list() gives copies.
   */
  get(instance: number): DeviceEntry | undefined {
    return this.entries.get(instance);
  }

  /** Forgets `instance` (a known device that answered nothing after all retries may have a new address). */
  drop(instance: number): void {
    this.entries.delete(instance);
    this.latest.delete(instance);
  }

  /** Copies of every entry, ordered by instance: for GET /devices. */
  list(): DeviceEntry[] {
    return [...this.entries.values()].map((entry) => ({ ...entry })).sort((a, b) => a.instance - b.instance);
  }

  /** Remembers the device's object-name; nothing when the instance is not held. */
  setName(instance: number, name: string | null): void {
    const entry = this.entries.get(instance);
    if (entry !== undefined) entry.name = name;
  }

  /** Remembers that the device rejected ReadPropertyMultiple; nothing when the instance is not held. */
  markNoReadPropertyMultiple(instance: number): void {
    const entry = this.entries.get(instance);
    if (entry !== undefined) entry.readPropertyMultiple = false;
  }

  /** Forgets every entry. */
  clear(): void {
    this.entries.clear();
    this.latest.clear();
    this.queueInstances = [];
    this.queueSightings = [];
    this.head = 0;
  }
}

/** `10.0.4.7:47808`, or `10.0.4.7:47808 network 5 mac 0a` for a device behind a router. */
export function describeDeviceAddress(entry: Pick<DeviceEntry, 'address' | 'port' | 'network' | 'mac'>): string {
  const bip = formatBipAddress(entry);
  return entry.network === null ? bip : `${bip} network ${entry.network} mac ${entry.mac ?? ''}`;
}

function sameAddress(entry: DeviceEntry, address: string, port: number, network: number | null, mac: string | null): boolean {
  return entry.address === address && entry.port === port && entry.network === network && entry.mac === mac;
}

/** The I-Am's segmentation as its code; a value the standard does not define counts as none. */
function segmentationCode(segmentation: IAm['segmentation']): number {
  const code = (SEGMENTATION_NAMES as readonly string[]).indexOf(segmentation);
  return code === -1 ? NO_SEGMENTATION : code;
}
