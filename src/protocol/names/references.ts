/**
 * Object and property references as a flow writes them (CLIENT.md "Names"):
 * `"analog-input:1"`, `"8:1234"`, `"analogInput:1"`, `{ type, instance }`,
 * `"device"` alone for the target device's own Device object; a property by
 * name or number with an optional array index. Parsed into numbers, printed
 * as `<kebab type>:<instance>` (a proprietary type as its number). Pure; bad
 * input throws NameError and nothing else.
 */
import { describeValue } from '../../util/describe-value';
import { MAX_UINT32, NameError, nameOf, numberOf } from './name-table';
import { DEVICE_OBJECT_TYPE, OBJECT_TYPES } from './object-types';
import { PROPERTY_IDENTIFIERS } from './property-identifiers';

/** Instance 4194303: "any" device in ReadProperty and ReadPropertyMultiple (clause 15.5), else invalid. */
export const WILDCARD_INSTANCE = 4194303;
/** The largest instance a real object has (instances are 22 bits, the top value is the wildcard). */
export const MAX_OBJECT_INSTANCE = 4194302;
/** The largest property array index we send (Unsigned32; the top value is "all" in many stacks). */
export const MAX_ARRAY_INDEX = MAX_UINT32 - 1;

/**
 * An object: its type and instance as numbers. `instance: null` only with the
 * Device type: "the target device's own Device object", which the caller
 * sends with the device's instance when known, else with WILDCARD_INSTANCE
 * (see resolveDeviceObject).
 */
export interface ObjectReference {
  readonly type: number;
  readonly instance: number | null;
}

/** A property and an optional array index (`null`: the whole property). */
export interface PropertyReference {
  readonly property: number;
  readonly index: number | null;
}

/** What parseObjectReference accepts: a string form, or `{ type, instance }` with a name or number each. */
export type ObjectReferenceInput =
  | string
  | { readonly type: string | number; readonly instance?: string | number | null };

export interface ObjectReferenceOptions {
  /** Accept instance 4194303 of the Device type (ReadProperty, ReadPropertyMultiple); default false. */
  readonly allowWildcard?: boolean;
}

const DIGITS = /^\d+$/;

/**
 * Parses an object reference: `"<type>:<instance>"` with the type as a name
 * (any spelling numberOf accepts) or a number, `{ type, instance }`, or
 * `"device"` / `{ type: "device" }` alone for the target device's Device
 * object (instance null). Throws NameError naming what is wrong: an unknown
 * type, a missing, non-integer or out-of-range instance, the wildcard where
 * the caller did not allow it.
 */
export function parseObjectReference(input: unknown, options: ObjectReferenceOptions = {}): ObjectReference {
  if (typeof input === 'string') {
    const parts = input.split(':');
    if (parts.length > 2) throw objectError(`object ${describeValue(input)} has more than one ":"`, input);
    const [typeText, instanceText] = parts as [string, string | undefined];
    return objectOf(input, typeText, instanceText === undefined ? null : instanceText, options);
  }
  if (isRecord(input) && 'type' in input) {
    const type = input.type;
    if (typeof type !== 'string' && typeof type !== 'number') {
      throw objectError(`object type must be a name or a number, not ${describeValue(type)}`, input);
    }
    const instance = input.instance;
    if (instance !== undefined && instance !== null && typeof instance !== 'string' && typeof instance !== 'number') {
      throw objectError(`object instance must be a number, not ${describeValue(instance)}`, input);
    }
    return objectOf(input, type, instance === undefined || instance === '' ? null : instance, options);
  }
  throw objectError(`an object is "<type>:<instance>" or { type, instance }, not ${describeValue(input)}`, input);
}

/**
 * The string form of an object reference: `<kebab type>:<instance>`, the type
 * as its number when it has no standard name; `"device"` for the target
 * device's Device object (instance null) that has not been resolved yet.
 */
export function formatObjectReference(ref: ObjectReference): string {
  const type = nameOf(OBJECT_TYPES, ref.type);
  return ref.instance === null ? String(type) : `${type}:${ref.instance}`;
}

/**
 * The object to send: `ref` itself, or for the target device's own Device
 * object (instance null) the device's instance when known, else the wildcard.
 */
export function resolveDeviceObject(ref: ObjectReference, deviceInstance: number | null): ObjectReference {
  if (ref.instance !== null) return ref;
  return { type: DEVICE_OBJECT_TYPE, instance: deviceInstance ?? WILDCARD_INSTANCE };
}

/**
 * Parses a property reference: the property as a name or number, optionally
 * with its index in brackets (`"priority-array[8]"`), and an index given
 * apart (`index`: an integer 0..4294967294 or a string of one; `""`, null or
 * undefined for none). Giving the index both ways is an error.
 */
export function parsePropertyReference(property: unknown, index?: unknown): PropertyReference {
  let name = property;
  let given = parseArrayIndex(index);
  const indexed = typeof property === 'string' ? splitIndex(property) : null;
  if (indexed !== null) {
    if (given !== null) throw new NameError(`property ${describeValue(property)} and index ${given} both give an index`, 'array index', property);
    name = indexed[0];
    given = parseArrayIndex(indexed[1]);
    if (given === null) throw new NameError(`property ${describeValue(property)} has empty brackets`, 'array index', property);
  }
  if (typeof name !== 'string' && typeof name !== 'number') {
    throw new NameError(`property must be a name or a number, not ${describeValue(name)}`, 'property identifier', property);
  }
  return { property: numberOf(PROPERTY_IDENTIFIERS, name), index: given };
}

/** The string form of a property reference: `present-value`, `priority-array[8]`, `512` (proprietary). */
export function formatPropertyReference(ref: PropertyReference): string {
  const name = String(nameOf(PROPERTY_IDENTIFIERS, ref.property));
  return ref.index === null ? name : `${name}[${ref.index}]`;
}

/**
 * An array index as a flow gives it: an integer 0..4294967294 or a string of
 * decimal digits; `""`, null or undefined mean none (null). Throws NameError
 * for anything else (negative, fractional, not a number).
 */
export function parseArrayIndex(index: unknown): number | null {
  if (index === undefined || index === null) return null;
  const text = typeof index === 'string' ? index.trim() : null;
  if (text === '') return null;
  const n = typeof index === 'number' ? index : text !== null && DIGITS.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > MAX_ARRAY_INDEX) {
    throw new NameError(`array index ${describeValue(index)} is not an integer 0..${MAX_ARRAY_INDEX}`, 'array index', index);
  }
  return n || 0; // -0 becomes 0
}

function objectOf(
  input: unknown,
  typeInput: string | number,
  instanceInput: string | number | null,
  options: ObjectReferenceOptions,
): ObjectReference {
  if (typeof typeInput === 'string' && typeInput.trim() === '') {
    const shown = typeof input === 'string' ? `object ${describeValue(input)}` : 'object';
    throw objectError(`${shown} has no type`, input);
  }
  const type = numberOf(OBJECT_TYPES, typeInput);
  if (instanceInput === null || (typeof instanceInput === 'string' && instanceInput.trim() === '')) {
    if (type === DEVICE_OBJECT_TYPE) return { type, instance: null };
    const name = nameOf(OBJECT_TYPES, type);
    throw new NameError(`${name} needs an instance: ${name}:<0..${MAX_OBJECT_INSTANCE}>`, 'object instance', input);
  }
  const instance =
    typeof instanceInput === 'number' ? instanceInput : DIGITS.test(instanceInput.trim()) ? Number(instanceInput.trim()) : NaN;
  if (instance === WILDCARD_INSTANCE) {
    if (type === DEVICE_OBJECT_TYPE && options.allowWildcard === true) return { type, instance };
    throw new NameError(`object instance 4194303 (the wildcard) is not allowed here`, 'object instance', input);
  }
  if (!Number.isInteger(instance) || instance < 0 || instance > MAX_OBJECT_INSTANCE) {
    const message = `object instance ${describeValue(instanceInput)} is not an integer 0..${MAX_OBJECT_INSTANCE}`;
    throw new NameError(message, 'object instance', input);
  }
  return { type, instance: instance || 0 }; // -0 becomes 0
}

/** `"name[index]"` as its two parts (linear: no regular expression to backtrack on long input), else null. */
function splitIndex(property: string): [name: string, index: string] | null {
  const text = property.trim();
  const open = text.lastIndexOf('[');
  return text.endsWith(']') && open >= 0 ? [text.slice(0, open), text.slice(open + 1, -1)] : null;
}

function objectError(message: string, input: unknown): NameError {
  return new NameError(message, 'object reference', input);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
