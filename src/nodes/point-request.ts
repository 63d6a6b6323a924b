/**
 * fd-read's and fd-write's fields and messages made into requests (CLIENT.md
 * "fd-read", "fd-write"): the fields parsed once at deploy, a plain-object
 * msg.payload overriding them per message, and a clear error naming the field
 * or message property for every bad input, before anything is sent.
 */
import { DeviceReference, parseDeviceReference } from '../client/device-reference';
import type { ReadRequest } from '../client/point-client';
import { ObjectReference, parseArrayIndex, parseObjectReference, parsePropertyReference } from '../protocol/names';
import { describeValue } from '../util/describe-value';
import { errorMessage } from '../util/errors';

/** The editor fields both nodes share, as Node-RED stores them (strings, or numbers from older flows). */
export interface PointFields {
  device?: unknown;
  object?: unknown;
  property?: unknown;
  index?: unknown;
  timeout?: unknown;
  retries?: unknown;
}

/** The fields parsed: null where the field is empty (the message must give it). */
export interface PointDefaults {
  readonly device: DeviceReference | null;
  readonly object: unknown;
  readonly property: unknown;
  readonly index: unknown;
  readonly timeoutMs: number;
  readonly retries: number;
}

export class PointInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PointInputError';
  }
}

export const DEFAULT_TIMEOUT_MS = 3000;
export const DEFAULT_RETRIES = 3;
const TIMEOUT_RANGE = [100, 60_000] as const;
const RETRIES_RANGE = [0, 10] as const;

/** The keys a request object in msg.payload may have (fd-read). */
export const READ_KEYS = ['device', 'object', 'property', 'index'] as const;

/**
 * Parses the fields at deploy. Object, property and index are checked here and
 * parsed again with the message's overrides (a message may give the index of a
 * field's property). @throws PointInputError naming the field
 */
export function parsePointFields(fields: PointFields, defaultProperty: string): PointDefaults {
  const device = isEmpty(fields.device) ? null : field('device', () => parseDeviceReference(fields.device));
  const object = isEmpty(fields.object) ? null : fields.object;
  const property = fields.property === undefined ? defaultProperty : isEmpty(fields.property) ? null : fields.property;
  const index = isEmpty(fields.index) ? null : fields.index;
  if (object !== null) field('object', () => parseObjectReference(object, { allowWildcard: true }));
  if (property !== null) field('property', () => parsePropertyReference(property, index));
  else if (index !== null) field('index', () => parseArrayIndex(index));
  return {
    device,
    object,
    property,
    index,
    timeoutMs: wholeNumber(fields.timeout, 'timeout (ms)', TIMEOUT_RANGE, DEFAULT_TIMEOUT_MS),
    retries: wholeNumber(fields.retries, 'retries', RETRIES_RANGE, DEFAULT_RETRIES),
  };
}

/**
 * One read: the fields, overridden by `override` (a request object from the
 * message, or null). `wildcardAllowed`: "device:4194303" may be sent (reads only).
 * @throws PointInputError naming what is missing or bad
 */
export function pointRequest(defaults: PointDefaults, override: Record<string, unknown> | null, wildcardAllowed: boolean): ReadRequest {
  const given = (key: string): unknown => (override !== null && override[key] !== undefined ? override[key] : undefined);
  const deviceInput = given('device');
  const device = deviceInput !== undefined ? message('device', () => parseDeviceReference(deviceInput)) : defaults.device;
  if (device === null) throw missing('device');
  const objectInput = given('object') ?? defaults.object;
  if (objectInput === null || isEmpty(objectInput)) throw missing('object');
  const object: ObjectReference = message('object', () => parseObjectReference(objectInput, { allowWildcard: wildcardAllowed }));
  const propertyInput = given('property') ?? defaults.property;
  if (propertyInput === null || isEmpty(propertyInput)) throw missing('property');
  // An index in the message wins over the field's; a property with brackets carries its own.
  const indexInput = given('index') !== undefined ? given('index') : given('property') !== undefined ? null : defaults.index;
  const reference = message('property', () => parsePropertyReference(propertyInput, indexInput));
  return { device, object, property: reference.property, index: reference.index, timeoutMs: defaults.timeoutMs, retries: defaults.retries };
}

/** A plain object (not an array, Buffer or Date): a request object where the node takes one. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function missing(what: string): PointInputError {
  return new PointInputError(`no ${what}: set the node's ${capitalized(what)} field or give msg.payload.${what}`);
}

function field<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new PointInputError(`${capitalized(name)} field: ${errorMessage(err)}`);
  }
}

function message<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new PointInputError(`${name}: ${errorMessage(err)}`);
  }
}

function wholeNumber(value: unknown, what: string, [min, max]: readonly [number, number], fallback: number): number {
  if (isEmpty(value)) return fallback;
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new PointInputError(`${what} must be a whole number ${min}..${max}, got ${describeValue(value)}`);
  }
  return n;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
