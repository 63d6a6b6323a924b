/**
 * The devices a config node has heard of (CLIENT.md "Device references"):
 * what each I-Am said and where it came from, so a request to instance 1234
 * knows its address, network, MAC, max APDU and segmentation. One table per
 * config node, filled only from the I-Ams the caller hands in (those relayed by
 * its own BBMD or sent unicast to its endpoint), so two sites with a device 1234
 * never mix. Pure: time comes from the injected clock.
 */
import { formatBipAddress, sameBipAddress } from '../protocol/address';
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
  // Re-inserted on every sighting, so iteration order is least recently seen first: eviction is O(1).
  private readonly entries = new Map<number, DeviceEntry>();

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
    const previous = this.entries.get(instance);
    const entry: DeviceEntry = {
      instance,
      address: received.source.address,
      port: received.source.port,
      network: snet,
      mac: snet === null ? null : sadr,
      maxApdu: iAm.maxApdu,
      segmentation: segmentationCode(iAm.segmentation),
      vendorId: iAm.vendorId,
      lastSeen: this.clock.now(),
      name: null,
      readPropertyMultiple: true,
    };
    if (previous !== undefined) {
      this.entries.delete(instance);
      if (sameAddress(previous, entry)) {
        // What was learnt by asking the device still holds for the same device.
        entry.name = previous.name;
        entry.readPropertyMultiple = previous.readPropertyMultiple;
      } else {
        this.warn(
          `device ${instance} answered from ${describeDeviceAddress(entry)} after ${describeDeviceAddress(previous)}; ` +
            'using the newest (two devices with one instance, or one that moved)',
        );
      }
    }
    this.entries.set(instance, entry);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    return entry;
  }

  /** The entry of `instance`, if held. Looking does not count as seeing: the order stays by I-Am. */
  get(instance: number): DeviceEntry | undefined {
    return this.entries.get(instance);
  }

  /** Forgets `instance` (a known device that answered nothing after all retries may have a new address). */
  drop(instance: number): void {
    this.entries.delete(instance);
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
  }
}

/** `10.0.4.7:47808`, or `10.0.4.7:47808 network 5 mac 0a` for a device behind a router. */
export function describeDeviceAddress(entry: Pick<DeviceEntry, 'address' | 'port' | 'network' | 'mac'>): string {
  const bip = formatBipAddress(entry);
  return entry.network === null ? bip : `${bip} network ${entry.network} mac ${entry.mac ?? ''}`;
}

function sameAddress(a: DeviceEntry, b: DeviceEntry): boolean {
  return sameBipAddress(a, b) && a.network === b.network && a.mac === b.mac;
}

/** The I-Am's segmentation as its code; a value the standard does not define counts as none. */
function segmentationCode(segmentation: IAm['segmentation']): number {
  const code = (SEGMENTATION_NAMES as readonly string[]).indexOf(segmentation);
  return code === -1 ? NO_SEGMENTATION : code;
}
