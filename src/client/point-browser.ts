/**
 * The editor's point browser for one config node (CLIENT.md "The point
 * browser"): the devices its registration has seen, their object-names read
 * in the background a few at a time, a global Who-Is at most every
 * WHO_IS_INTERVAL_MS, and a device's objects (object-listing.ts). Knows
 * nothing of HTTP: the routes (src/nodes/point-browser-routes.ts) map its
 * answers and errors. Pure: time comes from the injected clock.
 */
import { SEGMENTATION_NAMES } from '../protocol/apdu';
import { DEVICE_OBJECT_TYPE, PROPERTY_IDENTIFIERS, numberOf } from '../protocol/names';
import { errorMessage } from '../util/errors';
import type { DeviceTable } from './device-table';
import { BrowserError, CACHE_MS, ObjectListing, ObjectListingOptions, ObjectPage, browseRequest } from './object-listing';

/** CLIENT.md: at most one Who-Is per 5 s per config node. */
export const WHO_IS_INTERVAL_MS = 5000;
/** Device names read at once in the background, and waiting to be read at most. */
export const NAME_READS_AT_ONCE = 2;
export const MAX_NAMES_WAITING = 50;
/** A name read is background work: one retry, not fd-read's three. */
const NAME_READ_RETRIES = 1;
const OBJECT_NAME = numberOf(PROPERTY_IDENTIFIERS, 'object-name');

/** One device of GET /bacnet-bbmd/:id/devices. */
export interface BrowsedDevice {
  instance: number;
  name: string | null;
  address: string;
  port: number;
  network?: number;
  mac?: string;
  vendorId: number;
  maxApdu: number;
  /** The I-Am's segmentation by its standard name ("segmented-both", "no-segmentation", ...). */
  segmentation: string;
  /** Epoch ms of the latest I-Am. */
  lastSeen: number;
}

export interface PointBrowserOptions extends Omit<ObjectListingOptions, 'deviceNamed'> {
  table: DeviceTable;
  /** Sends a global Who-Is through the BBMD; resolves once handed over. */
  whoIs(): Promise<void>;
  /** "host:port" of the BBMD, for sentences. */
  label: string;
  warn(text: string): void;
}

export class PointBrowser {
  private readonly listing: ObjectListing;
  private lastWhoIs: number | null = null;
  /** Instances whose name waits to be read, in order. */
  private readonly namesWaiting = new Set<number>();
  /** When each instance's name was last asked for (monotonic): not again within CACHE_MS. */
  private readonly nameAsked = new Map<number, number>();
  private nameReads = 0;
  private closed = false;

  constructor(private readonly options: PointBrowserOptions) {
    this.listing = new ObjectListing({ ...options, deviceNamed: (instance, name) => options.table.setName(instance, name) });
  }

  /** The devices seen, by instance; those without a name get it read in the background (bounded). */
  devices(): BrowsedDevice[] {
    const entries = this.options.table.list();
    const now = this.options.clock.monotonic();
    for (const [instance, at] of this.nameAsked) if (now - at >= CACHE_MS) this.nameAsked.delete(instance);
    for (const entry of entries) {
      if (entry.name !== null || this.nameAsked.has(entry.instance) || this.namesWaiting.size >= MAX_NAMES_WAITING) continue;
      this.nameAsked.set(entry.instance, now);
      this.namesWaiting.add(entry.instance);
    }
    this.readNames();
    return entries.map((entry) => {
      const device: BrowsedDevice = {
        instance: entry.instance,
        name: entry.name,
        address: entry.address,
        port: entry.port,
        vendorId: entry.vendorId,
        maxApdu: entry.maxApdu,
        segmentation: SEGMENTATION_NAMES[entry.segmentation] ?? 'no-segmentation',
        lastSeen: entry.lastSeen,
      };
      if (entry.network !== null) {
        device.network = entry.network;
        device.mac = entry.mac ?? '';
      }
      return device;
    });
  }

  /**
   * A global Who-Is through the BBMD, sent in the background.
   * @throws BrowserError too-soon within WHO_IS_INTERVAL_MS of the last one
   */
  whoIs(): void {
    const now = this.options.clock.monotonic();
    if (this.lastWhoIs !== null && now - this.lastWhoIs < WHO_IS_INTERVAL_MS) {
      const ago = ((now - this.lastWhoIs) / 1000).toFixed(1);
      throw new BrowserError(`a Who-Is went out through ${this.options.label} ${ago} s ago: at most one every ${WHO_IS_INTERVAL_MS / 1000} s`, 'too-soon');
    }
    this.lastWhoIs = now;
    this.options.whoIs().catch((err: unknown) => this.options.warn(`the point browser's Who-Is was not sent: ${errorMessage(err)}`));
  }

  /** A page of the device's objects (object-listing.ts). */
  objects(instance: number, offset: number, limit: number): Promise<ObjectPage> {
    return this.listing.list(instance, offset, limit);
  }

  /** Stops the background name reads and forgets the cache; reads under way end with the socket. */
  close(): void {
    this.closed = true;
    this.namesWaiting.clear();
    this.nameAsked.clear();
    this.listing.close();
  }

  private readNames(): void {
    while (!this.closed && this.nameReads < NAME_READS_AT_ONCE && this.namesWaiting.size > 0) {
      const instance = this.namesWaiting.values().next().value as number;
      this.namesWaiting.delete(instance);
      this.nameReads++;
      void this.readName(instance).finally(() => {
        this.nameReads--;
        this.readNames();
      });
    }
  }

  private async readName(instance: number): Promise<void> {
    // Gone from the table meanwhile (evicted, or dropped after silence): no Who-Is for a name.
    if (this.options.table.get(instance) === undefined) return;
    try {
      const name = await this.options.readOne(browseRequest(instance, { type: DEVICE_OBJECT_TYPE, instance }, OBJECT_NAME, null, NAME_READ_RETRIES));
      if (typeof name === 'string' && !this.closed) this.options.table.setName(instance, name);
    } catch {
      // No name: the list shows null, and the name is asked for again after CACHE_MS.
    }
  }
}
