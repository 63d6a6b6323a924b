/**
 * The object database of a fake BACnet device: objects keyed "type:instance"
 * (kebab names, as CLIENT.md writes them), each property held as a JS value
 * in CLIENT.md's shapes and encoded with the package's encodePropertyValue
 * when read. Reads and writes follow clauses 15.5 and 15.9 and answer the
 * standard's error class and code by name; a commandable object's
 * present-value is the highest-priority non-null slot of its priority-array,
 * else relinquish-default (clause 19.2).
 */
import { decodeApplicationValue } from '../../dist/protocol/application-tags';
import { DecodeError } from '../../dist/protocol/decode-error';
import { OBJECT_TYPES, PROPERTY_IDENTIFIERS, ObjectReference, formatObjectReference, nameOf, numberOf } from '../../dist/protocol/names';
import { encodePropertyValue } from '../../dist/protocol/property-encoding';
import { PropertyValue, decodePropertyValue } from '../../dist/protocol/property-values';
import { propertyDatatype } from '../../dist/protocol/property-datatypes';

/** An Error-PDU's error class and code, by their clause 21 names. */
export interface FakeError {
  errorClass: string;
  errorCode: string;
}

export type ReadResult = { value: Buffer } | { error: FakeError };

export interface FakeObjectsOptions {
  deviceInstance: number;
  objectName: string;
  vendorId: number;
  maxApdu: number;
  /** 0 both, 1 transmit, 2 receive, 3 none. */
  segmentation: number;
  /** This many more analog-inputs (instances 2, 3, ...), to make the object-list long; default 0. */
  extraObjects?: number;
  /** Whether protocol-services-supported shows readPropertyMultiple (bit 14); default true. */
  readPropertyMultiple?: boolean;
}

/** Which properties ReadPropertyMultiple's `all`, `required` and `optional` stand for. */
export type PropertySelection = 'all' | 'required' | 'optional';

/** One object: its properties by kebab name. */
export type FakeObject = Map<string, PropertyValue>;

const SEGMENTATION = ['segmented-both', 'segmented-transmit', 'segmented-receive', 'no-segmentation'];
const STATUS_OK = { 'in-alarm': false, fault: false, overridden: false, 'out-of-service': false };
/** Clause 21 BACnetServicesSupported bits we implement: readProperty 12, writeProperty 15, i-am 26, who-is 34. */
const SERVICES_SUPPORTED = [12, 15, 26, 34];
const READ_PROPERTY_MULTIPLE_BIT = 14;
/**
 * A fixed `required` split (clause 12 marks each property R or O per object
 * type; this is close enough for tests): these where the object has them, the rest optional.
 */
const REQUIRED_POINT = ['object-identifier', 'object-name', 'object-type', 'present-value', 'status-flags', 'event-state', 'out-of-service', 'units', 'number-of-states'];
const REQUIRED_DEVICE = [
  'object-identifier', 'object-name', 'object-type', 'system-status', 'vendor-name', 'vendor-identifier', 'model-name',
  'firmware-revision', 'application-software-version', 'protocol-version', 'protocol-revision', 'protocol-services-supported',
  'protocol-object-types-supported', 'object-list', 'max-apdu-length-accepted', 'segmentation-supported', 'apdu-timeout',
  'number-of-apdu-retries', 'device-address-binding', 'database-revision',
];
const PRIORITIES = 16;
/** Properties a client may write (clause 12: the value objects' present-value, and some configuration). */
const WRITABLE = new Set(['object-name', 'description', 'out-of-service', 'cov-increment', 'relinquish-default', 'present-value', 'location']);

const err = (errorClass: string, errorCode: string): { error: FakeError } => ({ error: { errorClass, errorCode } });

export class FakeObjectDatabase {
  private readonly objects = new Map<string, FakeObject>();
  private readonly deviceKey: string;
  /** Told the canonical key of an object after each set() and successful write() (the COV server listens). */
  onChange: ((key: string) => void) | null = null;

  constructor(options: FakeObjectsOptions) {
    this.deviceKey = `device:${options.deviceInstance}`;
    const extra = options.extraObjects ?? 0;
    if (!Number.isInteger(extra) || extra < 0 || extra > 100_000) throw new RangeError(`extraObjects must be 0..100000, got ${extra}`);
    this.add(this.deviceKey, deviceProperties(options));
    this.add('analog-input:1', {
      ...point('Room temperature', 'analog-input:1'),
      'present-value': 21.5,
      units: 'degrees-celsius',
      'cov-increment': 0.5,
    });
    this.add('analog-value:1', {
      ...point('Setpoint', 'analog-value:1'),
      'priority-array': new Array<null>(PRIORITIES).fill(null),
      'relinquish-default': 20,
      units: 'degrees-celsius',
      'cov-increment': 0.5,
    });
    this.add('binary-value:1', { ...point('Fan command', 'binary-value:1'), 'present-value': 'inactive', 'active-text': 'on', 'inactive-text': 'off' });
    this.add('multi-state-value:1', {
      ...point('Mode', 'multi-state-value:1'),
      'present-value': 1,
      'number-of-states': 3,
      'state-text': ['Off', 'Auto', 'On'],
    });
    for (let i = 0; i < extra; i++) {
      const key = `analog-input:${i + 2}`;
      this.add(key, { ...point(`Sensor ${i + 2}`, key), 'present-value': i + 0.5, units: 'degrees-celsius' });
    }
  }

  /** Adds (or replaces) an object and keeps the Device's object-list in step. */
  add(key: string, properties: Record<string, PropertyValue>): void {
    const canonical = canonicalKey(key);
    this.objects.set(canonical, new Map(Object.entries(properties)));
    this.refreshObjectList();
  }

  /** Removes an object (not the Device). */
  delete(key: string): boolean {
    const canonical = canonicalKey(key);
    if (canonical === this.deviceKey) throw new Error('the Device object stays');
    const deleted = this.objects.delete(canonical);
    this.refreshObjectList();
    return deleted;
  }

  /** The object's keys in object-list order (the Device first). */
  keys(): string[] {
    return [...this.objects.keys()];
  }

  /** A property's value as a read gives it (present-value of a commandable object computed), or undefined. */
  get(key: string, property: string): PropertyValue | undefined {
    const object = this.objects.get(canonicalKey(key));
    if (!object) return undefined;
    if (property === 'present-value' && object.has('priority-array')) return commandedValue(object);
    return object.get(property);
  }

  /** Sets a property as it is stored, bypassing write rules (for tests: make an object change). */
  set(key: string, property: string, value: PropertyValue): void {
    const object = this.objects.get(canonicalKey(key));
    if (!object) throw new Error(`no object ${key}`);
    object.set(property, value);
    this.onChange?.(canonicalKey(key));
  }

  /**
   * The property names `all`, `required` or `optional` stand for on this
   * object, in its order (a commandable present-value, which is computed,
   * after object-type), or the error when there is no such object.
   */
  propertyNames(ref: ObjectReference, selection: PropertySelection): string[] | { error: FakeError } {
    const key = this.keyOf(ref);
    const object = this.objects.get(key);
    if (!object) return err('object', 'unknown-object');
    const names = [...object.keys()];
    if (object.has('priority-array') && !object.has('present-value')) names.splice(names.indexOf('object-type') + 1, 0, 'present-value');
    if (selection === 'all') return names;
    const required = new Set(key === this.deviceKey ? REQUIRED_DEVICE : REQUIRED_POINT);
    return names.filter((name) => required.has(name) === (selection === 'required'));
  }

  /** ReadProperty (clause 15.5): the value's application-tagged octets, or the error to answer. */
  read(ref: ObjectReference, property: number, index: number | null): ReadResult {
    const found = this.find(ref, property);
    if ('error' in found) return found;
    const { key, name } = found;
    const value = this.get(key, name) as PropertyValue;
    const type = ref.type;
    if (index === null) return { value: encodePropertyValue(type, property, value) };
    const shape = propertyDatatype(type, property)?.shape;
    if ((shape !== 'array' && shape !== 'priority-array') || !Array.isArray(value)) return err('property', 'property-is-not-an-array');
    if (index === 0) return { value: encodePropertyValue(type, property, value.length, null, 0) };
    if (index > value.length) return err('property', 'invalid-array-index');
    return { value: encodePropertyValue(type, property, value[index - 1], null, index) };
  }

  /**
   * WriteProperty (clause 15.9): null on success, else the error. A
   * commandable present-value takes the value (NULL: relinquish) at
   * `priority` (none: 16); elsewhere the priority is ignored.
   */
  write(ref: ObjectReference, property: number, index: number | null, octets: Buffer, priority: number | null): FakeError | null {
    const found = this.find(ref, property);
    if ('error' in found) return found.error;
    const { key, name } = found;
    const object = this.objects.get(key) as FakeObject;
    const commandable = object.has('priority-array');
    const writable = WRITABLE.has(name) && (name !== 'present-value' || !key.startsWith('analog-input:') || object.get('out-of-service') === true);
    if (!writable) return { errorClass: 'property', errorCode: 'write-access-denied' };
    if (index !== null) return { errorClass: 'property', errorCode: 'property-is-not-an-array' };
    const tag = singleApplicationTag(octets);
    const datatype = propertyDatatype(ref.type, property);
    const expected = datatype === null ? null : typeof datatype.element === 'object' ? 'bit-string' : datatype.element;
    const relinquish = tag === 'null' && commandable && name === 'present-value';
    if (!relinquish && (tag === null || tag !== expected)) return { errorClass: 'property', errorCode: 'invalid-data-type' };
    const value = relinquish ? null : decodePropertyValue(octets, ref.type, property);
    if (!relinquish && !inRange(object, name, value)) return { errorClass: 'property', errorCode: 'value-out-of-range' };
    if (commandable && name === 'present-value') {
      (object.get('priority-array') as PropertyValue[])[(priority ?? PRIORITIES) - 1] = value;
    } else {
      object.set(name, value);
    }
    this.onChange?.(key);
    return null;
  }

  /** The object and property name, or unknown-object / unknown-property. The wildcard Device instance is this Device. */
  private find(ref: ObjectReference, property: number): { key: string; name: string } | { error: FakeError } {
    const key = this.keyOf(ref);
    const object = this.objects.get(key);
    if (!object) return err('object', 'unknown-object');
    const name = String(nameOf(PROPERTY_IDENTIFIERS, property));
    const computed = name === 'present-value' && object.has('priority-array');
    if (!object.has(name) && !computed) return err('property', 'unknown-property');
    return { key, name };
  }

  /** The wildcard Device instance is this Device. */
  private keyOf(ref: ObjectReference): string {
    return ref.type === 8 && ref.instance === 4194303 ? this.deviceKey : formatObjectReference(ref);
  }

  private refreshObjectList(): void {
    this.objects.get(this.deviceKey)?.set('object-list', this.keys());
  }
}

/** "analog-input:1", "AnalogInput:1" or "0:1" as the kebab "analog-input:1". */
function canonicalKey(key: string): string {
  const [type, instance] = key.split(':');
  return `${nameOf(OBJECT_TYPES, numberOf(OBJECT_TYPES, type))}:${Number(instance)}`;
}

/** What every point object of the default database has. */
function point(name: string, key: string): Record<string, PropertyValue> {
  return {
    'object-identifier': key,
    'object-name': name,
    'object-type': key.split(':')[0],
    description: `${name} (fake)`,
    'status-flags': { ...STATUS_OK },
    'event-state': 'normal',
    reliability: 'no-fault-detected',
    'out-of-service': false,
  };
}

function deviceProperties(options: FakeObjectsOptions): Record<string, PropertyValue> {
  const segmenting = options.segmentation === 0 || options.segmentation === 1;
  const services = options.readPropertyMultiple === false ? SERVICES_SUPPORTED : [...SERVICES_SUPPORTED, READ_PROPERTY_MULTIPLE_BIT];
  return {
    'object-identifier': `device:${options.deviceInstance}`,
    'object-name': options.objectName,
    'object-type': 'device',
    'system-status': 'operational',
    'vendor-name': 'node-red-contrib-bacnet-fd tests',
    'vendor-identifier': options.vendorId,
    'model-name': 'FakeDevice',
    'firmware-revision': '1.0',
    'application-software-version': '1.0',
    location: 'loopback',
    description: 'A fake BACnet device for tests',
    'protocol-version': 1,
    'protocol-revision': 14,
    'protocol-services-supported': Array.from({ length: 40 }, (_, i) => services.includes(i)),
    'protocol-object-types-supported': Array.from({ length: 60 }, (_, i) => [0, 2, 5, 8, 19].includes(i)),
    'object-list': [],
    'max-apdu-length-accepted': options.maxApdu,
    'segmentation-supported': SEGMENTATION[options.segmentation] ?? 'no-segmentation',
    ...(segmenting ? { 'max-segments-accepted': 64, 'apdu-segment-timeout': 1000 } : {}),
    'apdu-timeout': 3000,
    'number-of-apdu-retries': 3,
    'database-revision': 1,
    'device-address-binding': [],
  };
}

/** Present-value of a commandable object: the first non-null priority slot, else relinquish-default. */
function commandedValue(object: FakeObject): PropertyValue {
  const slots = object.get('priority-array') as PropertyValue[];
  return slots.find((slot) => slot !== null) ?? (object.get('relinquish-default') as PropertyValue);
}

/** The application tag of octets holding exactly one application-tagged value, else null. */
function singleApplicationTag(octets: Buffer): string | null {
  try {
    const decoded = decodeApplicationValue(octets, 0);
    return decoded.length === octets.length ? decoded.valueType : null;
  } catch (e) {
    if (e instanceof DecodeError) return null;
    throw e;
  }
}

/** Values the object cannot take: a state outside 1..number-of-states, a binary value other than active/inactive. */
function inRange(object: FakeObject, name: string, value: PropertyValue): boolean {
  if (name === 'present-value' || name === 'relinquish-default') {
    const states = object.get('number-of-states');
    if (typeof states === 'number') return typeof value === 'number' && value >= 1 && value <= states;
    if (object.has('active-text')) return value === 'active' || value === 'inactive';
    if (typeof value === 'number') return Number.isFinite(value);
  }
  return true;
}
