/**
 * A device's objects for the editor's point browser (CLIENT.md "The point
 * browser"): a page of its object-list, each object with its object-name,
 * present-value and units, read through the live registration. Bounded work:
 * one listing at a time per config node (one more may wait its turn), a page
 * of at most MAX_PAGE objects, and nothing read twice within CACHE_MS. Pure:
 * time comes from the injected clock, reads go through the injected readers.
 */
import {
  DEVICE_OBJECT_TYPE,
  OBJECT_TYPES,
  ObjectReference,
  PROPERTY_IDENTIFIERS,
  formatObjectReference,
  numberOf,
  parseObjectReference,
} from '../protocol/names';
import type { PropertyValue } from '../protocol/property-values';
import type { Clock } from '../util/clock';
import { describeValue } from '../util/describe-value';
import { ClientError } from './client-error';
import type { ReadRequest } from './point-client';
import type { MultipleReadOutcome } from './read-multiple';

/** How long anything read for the browser is used again instead of read again, ms (CLIENT.md: a minute). */
export const CACHE_MS = 60_000;
/** Objects in one page at most (CLIENT.md: limit 1..100). */
export const MAX_PAGE = 100;
/** Devices whose objects are remembered at once; the least recently browsed is forgotten first. */
export const MAX_CACHED_DEVICES = 32;
/** CLIENT.md: a listing looks a device up and reads it as fd-read does. */
export const BROWSE_TIMEOUT_MS = 3000;
export const BROWSE_RETRIES = 3;

/** Why the browser refused before asking anybody: the routes answer 400 or 429. */
export class BrowserError extends Error {
  constructor(
    message: string,
    readonly kind: 'bad-input' | 'busy' | 'too-soon',
  ) {
    super(message);
    this.name = 'BrowserError';
  }
}

/** One row of GET /bacnet-bbmd/:id/devices/:instance/objects. */
export interface ObjectRow {
  object: string;
  name: string | null;
  presentValue?: PropertyValue;
  units?: PropertyValue;
}

export interface ObjectPage {
  total: number;
  objects: ObjectRow[];
}

export interface ObjectListingOptions {
  clock: Clock;
  /** One value by ReadProperty (the whole-array fallbacks included). */
  readOne(request: ReadRequest): Promise<PropertyValue>;
  /** Many values by ReadPropertyMultiple where the device takes it; one outcome per request, in order. */
  readMany(requests: ReadRequest[]): Promise<MultipleReadOutcome[]>;
  /** The device's own object-name, learnt on the way (for the device list). */
  deviceNamed(instance: number, name: string): void;
}

type Details = Omit<ObjectRow, 'object'>;
interface Cached<T> {
  readonly value: T;
  /** clock.monotonic() when read. */
  readonly at: number;
}

/** What is known of one device's objects. */
interface DeviceObjects {
  total: Cached<number> | null;
  /** object-list elements by index (1-based), as "<type>:<instance>". */
  readonly elements: Map<number, Cached<string>>;
  readonly details: Map<string, Cached<Details>>;
}

const OBJECT_LIST = numberOf(PROPERTY_IDENTIFIERS, 'object-list');
const OBJECT_NAME = numberOf(PROPERTY_IDENTIFIERS, 'object-name');
const PRESENT_VALUE = numberOf(PROPERTY_IDENTIFIERS, 'present-value');
const UNITS = numberOf(PROPERTY_IDENTIFIERS, 'units');
/** Object types with a units property (clause 12): only these are asked for it. */
const WITH_UNITS = new Set(
  ['analog-input', 'analog-output', 'analog-value', 'accumulator', 'pulse-converter', 'integer-value', 'positive-integer-value', 'large-analog-value'].map((name) =>
    numberOf(OBJECT_TYPES, name),
  ),
);
/** Standard object types without a present-value (clause 12): not asked for one. */
const WITHOUT_PRESENT_VALUE = new Set(
  [
    'device',
    'notification-class',
    'trend-log',
    'trend-log-multiple',
    'event-log',
    'event-enrollment',
    'file',
    'program',
    'structured-view',
    'network-port',
    'notification-forwarder',
    'audit-log',
    'audit-reporter',
  ].map((name) => numberOf(OBJECT_TYPES, name)),
);

export class ObjectListing {
  private readonly devices = new Map<number, DeviceObjects>();
  /** The running listing, then the one waiting for it: never more. */
  private readonly queue: { key: string; promise: Promise<ObjectPage> }[] = [];
  private closed = false;

  constructor(private readonly options: ObjectListingOptions) {}

  /**
   * Objects offset..offset+limit-1 of the device's object-list (an offset past the end gives none).
   * The same page asked again while it is read shares the reading.
   * @throws BrowserError bad-input for a bad instance, offset or limit; busy while a listing runs and another waits
   */
  list(instance: number, offset: number, limit: number): Promise<ObjectPage> {
    try {
      checkWhole('device instance', instance, 0, 4194302);
      checkWhole('offset', offset, 0, 4294967294);
      checkWhole('limit', limit, 1, MAX_PAGE);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    if (this.closed) return Promise.reject(new Error('the BBMD config node is closed'));
    const key = `${instance}/${offset}/${limit}`;
    const same = this.queue.find((entry) => entry.key === key);
    if (same) return same.promise;
    if (this.queue.length >= 2) {
      return Promise.reject(new BrowserError('another object listing is running through this config node and one waits: try again in a moment', 'busy'));
    }
    const before = this.queue[this.queue.length - 1]?.promise;
    const entry = {
      key,
      promise: (async () => {
        if (before) await before.catch(() => undefined);
        if (this.closed) throw new Error('the BBMD config node is closed');
        return this.read(instance, offset, limit);
      })().finally(() => {
        const at = this.queue.indexOf(entry);
        if (at !== -1) this.queue.splice(at, 1);
      }),
    };
    this.queue.push(entry);
    return entry.promise;
  }

  /** Forgets everything; later listings reject. Reads under way end with the socket. */
  close(): void {
    this.closed = true;
    this.devices.clear();
  }

  private async read(instance: number, offset: number, limit: number): Promise<ObjectPage> {
    const device = this.deviceObjects(instance);
    const total = await this.total(instance, device);
    const last = Math.min(offset + limit, total);
    const indexes: number[] = [];
    for (let index = offset + 1; index <= last; index++) indexes.push(index);
    await this.readElements(instance, device, indexes);
    const objects = indexes.map((index) => device.elements.get(index)!.value);
    await this.readDetails(instance, device, objects);
    return {
      total,
      objects: objects.map((object) => ({ object, ...device.details.get(object)!.value })),
    };
  }

  /** The device's entry, fresh entries only; the least recently browsed device goes when there are too many. */
  private deviceObjects(instance: number): DeviceObjects {
    const now = this.options.clock.monotonic();
    let device = this.devices.get(instance);
    this.devices.delete(instance);
    device ??= { total: null, elements: new Map(), details: new Map() };
    if (device.total !== null && now - device.total.at >= CACHE_MS) device.total = null;
    for (const [index, cached] of device.elements) if (now - cached.at >= CACHE_MS) device.elements.delete(index);
    for (const [object, cached] of device.details) if (now - cached.at >= CACHE_MS) device.details.delete(object);
    this.devices.set(instance, device);
    if (this.devices.size > MAX_CACHED_DEVICES) this.devices.delete(this.devices.keys().next().value as number);
    return device;
  }

  /** object-list[0]: the number of objects. */
  private async total(instance: number, device: DeviceObjects): Promise<number> {
    if (device.total !== null) return device.total.value;
    const value = await this.options.readOne(browseRequest(instance, deviceObject(instance), OBJECT_LIST, 0));
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new ClientError(`device ${instance} gave ${describeValue(value)} as the length of its object-list, not a count`, 'wrong answer');
    }
    device.total = { value, at: this.options.clock.monotonic() };
    return value;
  }

  /** The object-list elements of `indexes` not known yet; one that cannot be read fails the page. */
  private async readElements(instance: number, device: DeviceObjects, indexes: number[]): Promise<void> {
    const missing = indexes.filter((index) => !device.elements.has(index));
    if (missing.length === 0) return;
    const outcomes = await this.options.readMany(missing.map((index) => browseRequest(instance, deviceObject(instance), OBJECT_LIST, index)));
    const at = this.options.clock.monotonic();
    missing.forEach((index, i) => {
      const outcome = outcomes[i]!;
      if ('error' in outcome) throw outcome.error;
      device.elements.set(index, { value: objectText(instance, index, outcome.value), at });
    });
  }

  /**
   * object-name, present-value and units of the objects not known yet. A property the object
   * lacks (or refuses) is left out of its row; when nothing at all could be read, the first failure is thrown.
   */
  private async readDetails(instance: number, device: DeviceObjects, objects: string[]): Promise<void> {
    const missing = [...new Set(objects.filter((object) => !device.details.has(object)))];
    if (missing.length === 0) return;
    const requests: ReadRequest[] = [];
    for (const object of missing) {
      const ref = parseObjectReference(object);
      requests.push(browseRequest(instance, ref, OBJECT_NAME, null));
      if (!WITHOUT_PRESENT_VALUE.has(ref.type)) requests.push(browseRequest(instance, ref, PRESENT_VALUE, null));
      if (WITH_UNITS.has(ref.type)) requests.push(browseRequest(instance, ref, UNITS, null));
    }
    const outcomes = await this.options.readMany(requests);
    if (outcomes.every((outcome) => 'error' in outcome)) throw (outcomes[0] as { error: Error }).error;
    const at = this.options.clock.monotonic();
    const rows = new Map<string, Details>(missing.map((object) => [object, { name: null }]));
    requests.forEach((req, i) => {
      const outcome = outcomes[i]!;
      if ('error' in outcome) return;
      const row = rows.get(formatObjectReference(req.object))!;
      if (req.property === OBJECT_NAME) row.name = typeof outcome.value === 'string' ? outcome.value : null;
      else if (req.property === PRESENT_VALUE) row.presentValue = outcome.value as PropertyValue;
      else row.units = outcome.value as PropertyValue;
    });
    const deviceKey = formatObjectReference(deviceObject(instance));
    for (const [object, row] of rows) {
      device.details.set(object, { value: row, at });
      if (object === deviceKey && row.name !== null) this.options.deviceNamed(instance, row.name);
    }
  }
}

function deviceObject(instance: number): ObjectReference {
  return { type: DEVICE_OBJECT_TYPE, instance };
}

/** A read of device `instance` for the browser: by instance, with the browser's timeout and (unless told) retries. */
export function browseRequest(instance: number, object: ObjectReference, property: number, index: number | null, retries = BROWSE_RETRIES): ReadRequest {
  return { device: { kind: 'instance', instance }, object, property, index, timeoutMs: BROWSE_TIMEOUT_MS, retries };
}

/** An object-list element as "<type>:<instance>" (the read gives that form; anything else is the device's fault). */
function objectText(instance: number, index: number, value: unknown): string {
  if (typeof value === 'string') {
    try {
      return formatObjectReference(parseObjectReference(value));
    } catch {
      // Falls through to the sentence below.
    }
  }
  throw new ClientError(`device ${instance} gave ${describeValue(value)} as object-list[${index}], not an object identifier`, 'wrong answer');
}

function checkWhole(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BrowserError(`${what} must be a whole number ${min}..${max}, got ${describeValue(value)}`, 'bad-input');
  }
}
