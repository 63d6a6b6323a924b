/**
 * Decoding and encoding of the constructed productions of
 * constructed-productions.ts: `{ date, time }`, `{ "sequence-number": 7 }`,
 * `{ "device-identifier": "device:5", "device-address": { ... } }`. Decoding
 * is strict about the shape and says "no match" (undefined) rather than
 * throwing, so the caller can keep the generic `{ tag, value }` form for a
 * device that sends something odd; encoding throws ValueError naming the shape.
 */
import { decodeApplicationValue, decodeContextValue, encodeContextValue, encodeApplicationValue } from './application-tags';
import { ConstructedDatatype, CONSTRUCTED_ROWS, FieldSpec, Leaf, PRODUCTIONS, Production } from './constructed-productions';
import { DecodeError } from './decode-error';
import { NameError, OBJECT_TYPES, PROPERTY_IDENTIFIERS, formatObjectReference, nameOf, numberOf, parseObjectReference } from './names';
import { BacnetValue, VALUE_TYPES, ValueType, ValueTypeMap } from './primitive-values';
import { TagHeader, decodeTagHeader, encodeClosingTag, encodeOpeningTag } from './tag-header';
import { ValueError, notAccepted } from './value-error';

/** A decoded production: its field names to primitive values (object identifiers and property names as strings) or nested productions. */
export interface ConstructedValue {
  [field: string]: BacnetValue | string | number | ConstructedValue;
}

const key = (objectType: number, property: number): string => `${objectType}/${property}`;
const BY_KEY = new Map<string, ConstructedDatatype>();
for (const [types, properties, shape, production, writable] of CONSTRUCTED_ROWS) {
  for (const type of types.split(' ')) {
    for (const property of properties.split(' ')) {
      BY_KEY.set(key(numberOf(OBJECT_TYPES, type), numberOf(PROPERTY_IDENTIFIERS, property)), { shape, production, writable });
    }
  }
}

/**
 * The constructed datatype of `property` in an object of `objectType`
 * (names or numbers), or null when it is primitive or unknown.
 * @throws NameError for an unknown name or a number out of range
 */
export function constructedDatatype(objectType: number | string, property: number | string): ConstructedDatatype | null {
  return BY_KEY.get(key(numberOf(OBJECT_TYPES, objectType), numberOf(PROPERTY_IDENTIFIERS, property))) ?? null;
}

/** The production named `name` (`"BACnetTimeStamp"`). @throws ValueError for an unknown name */
export function productionNamed(name: string): Production {
  const production = PRODUCTIONS.get(name);
  if (production === undefined) throw new ValueError(name, `unknown production "${name}"; one of ${[...PRODUCTIONS.keys()].join(', ')}`);
  return production;
}

// ---- decoding ----------------------------------------------------------------------------

/**
 * The values of a property of constructed type from all of `bytes` (the
 * contents of a ReadProperty-ACK's [3]): an array of productions for a whole
 * array or list, one production for a single value or an array element
 * (`element`). Undefined when the octets do not have that shape, so the
 * caller falls back to the generic form; never throws.
 */
export function decodeConstructedProperty(bytes: Uint8Array, datatype: ConstructedDatatype, element: boolean): ConstructedValue | ConstructedValue[] | undefined {
  try {
    if (datatype.shape === 'single' || element) {
      const { value, next } = decodeProduction(datatype.production, bytes, 0, bytes.length);
      return next === bytes.length ? value : undefined;
    }
    const values: ConstructedValue[] = [];
    let at = 0;
    while (at < bytes.length) {
      const { value, next } = decodeProduction(datatype.production, bytes, at, bytes.length);
      if (next === at) return undefined; // a production of optional fields only would not advance
      values.push(value);
      at = next;
    }
    return values;
  } catch (err) {
    if (err instanceof DecodeError) return undefined;
    throw err;
  }
}

/**
 * One `production` at `offset` of `bytes`, and where it ends.
 * @throws DecodeError when the octets are malformed or not that production
 */
export function decodeProduction(production: Production, bytes: Uint8Array, offset = 0, end = bytes.length): { value: ConstructedValue; next: number } {
  const value: ConstructedValue = {};
  let at = offset;
  if (production.kind === 'choice') {
    const header = headerAt(bytes, at, end);
    const field = header === null ? undefined : production.fields.find((f) => matches(f, header));
    if (field === undefined || header === null) throw new DecodeError(`not a ${production.name}: no alternative starts here`, at);
    at = decodeField(field, header, bytes, at, end, value);
    return { value, next: at };
  }
  for (const field of production.fields) {
    const header = headerAt(bytes, at, end);
    if (header === null || !matches(field, header)) {
      if (field.optional === true) continue;
      throw new DecodeError(`not a ${production.name}: field ${field.name} missing`, at);
    }
    at = decodeField(field, header, bytes, at, end, value);
  }
  return { value, next: at };
}

function headerAt(bytes: Uint8Array, at: number, end: number): TagHeader | null {
  return at < end ? decodeTagHeader(bytes, at, end) : null;
}

/** Whether the tag at hand starts `field`. */
function matches(field: FieldSpec, header: TagHeader): boolean {
  if (typeof field.type === 'object') {
    if (field.tag !== undefined) return header.kind === 'opening' && header.tag === field.tag;
    const first = field.type.kind === 'sequence' ? field.type.fields.slice(0, 1) : field.type.fields;
    return first.some((inner) => matches(inner, header));
  }
  if (header.kind !== 'primitive') return false;
  if (field.tag !== undefined) return header.tagClass === 'context' && header.tag === field.tag;
  return header.tagClass === 'application' && header.tag === VALUE_TYPES.indexOf(valueTypeOf(field.type));
}

/** Decodes `field` (whose tag `header` is at `at`) into `out`; returns where it ends. */
function decodeField(field: FieldSpec, header: TagHeader, bytes: Uint8Array, at: number, end: number, out: ConstructedValue): number {
  const type = field.type;
  if (typeof type === 'object') {
    const start = field.tag === undefined ? at : at + header.headerLength;
    const inner = decodeProduction(type, bytes, start, end);
    out[field.name] = inner.value;
    if (field.tag === undefined) return inner.next;
    const closing = headerAt(bytes, inner.next, end);
    if (closing === null || closing.kind !== 'closing' || closing.tag !== field.tag) {
      throw new DecodeError(`${type.name} in ${field.name} not followed by closing tag ${field.tag}`, inner.next);
    }
    return inner.next + closing.headerLength;
  }
  const valueType = valueTypeOf(type);
  const decoded = field.tag === undefined ? decodeApplicationValue(sliceTo(bytes, end), at, valueType) : decodeContextValue(sliceTo(bytes, end), at, valueType, field.tag);
  out[field.name] = leafOut(type, decoded.value);
  return at + decoded.length;
}

/** The octets up to `end`, so a primitive cannot read past its enclosing data. */
function sliceTo(bytes: Uint8Array, end: number): Uint8Array {
  return end === bytes.length ? bytes : bytes.subarray(0, end);
}

function valueTypeOf(leaf: Leaf): ValueType {
  return leaf === 'property-identifier' ? 'enumerated' : leaf;
}

function leafOut(leaf: Leaf, value: BacnetValue): BacnetValue | string | number {
  if (leaf === 'object-identifier') return formatObjectReference(value as ValueTypeMap['object-identifier']);
  if (leaf === 'property-identifier') return nameOf(PROPERTY_IDENTIFIERS, value as number);
  return value;
}

// ---- encoding ----------------------------------------------------------------------------

/**
 * The octets of `value` as `production` (or its name), in the shape
 * decodeProduction gives: decode(encode(v)) is v.
 * @throws ValueError naming the shape the production takes when the value does not fit
 */
export function encodeProduction(production: Production | string, value: unknown): Buffer {
  const p = typeof production === 'string' ? productionNamed(production) : production;
  return Buffer.concat(encodeFields(p, value, p));
}

/** `{ date, time }`, `{ time } or { "sequence-number" } or { datetime: { date, time } }`, for messages. */
export function describeProduction(production: Production): string {
  const field = (f: FieldSpec): string => {
    const name = /^[a-z]+$/.test(f.name) ? f.name : `"${f.name}"`;
    return `${name}${f.optional === true ? '?' : ''}${typeof f.type === 'object' ? `: ${describeProduction(f.type)}` : ''}`;
  };
  if (production.kind === 'choice') return production.fields.map((f) => `{ ${field(f)} }`).join(' or ');
  return `{ ${production.fields.map(field).join(', ')} }`;
}

function encodeFields(production: Production, value: unknown, top: Production): Buffer[] {
  const refuse = (problem?: string): ValueError => notAccepted(top.name, describeProduction(top), value, problem);
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Buffer.isBuffer(value)) throw refuse();
  const record = value as Record<string, unknown>;
  const names = production.fields.map((f) => f.name);
  const extra = Object.keys(record).find((name) => !names.includes(name));
  if (extra !== undefined) throw refuse(`${production.name} has no field "${extra}"`);
  if (production.kind === 'choice') {
    const given = production.fields.filter((f) => record[f.name] !== undefined);
    if (given.length !== 1) throw refuse(`give exactly one of ${names.map((n) => `"${n}"`).join(', ')}`);
    return encodeField(given[0], record[given[0].name], top);
  }
  const out: Buffer[] = [];
  for (const field of production.fields) {
    const v = record[field.name];
    if (v === undefined || (v === null && field.optional === true)) {
      if (field.optional === true) continue;
      throw refuse(`${production.name} needs "${field.name}"`);
    }
    out.push(...encodeField(field, v, top));
  }
  return out;
}

function encodeField(field: FieldSpec, value: unknown, top: Production): Buffer[] {
  const type = field.type;
  if (typeof type === 'object') {
    const inner = encodeFields(type, value, top);
    return field.tag === undefined ? inner : [encodeOpeningTag(field.tag), ...inner, encodeClosingTag(field.tag)];
  }
  try {
    const leaf = leafIn(type, value);
    return [field.tag === undefined ? encodeApplicationValue(valueTypeOf(type), leaf) : encodeContextValue(field.tag, valueTypeOf(type), leaf)];
  } catch (err) {
    if (err instanceof ValueError || err instanceof NameError) {
      throw new ValueError(top.name, `${top.name} takes ${describeProduction(top)}: "${field.name}": ${err.message}`);
    }
    throw err;
  }
}

/** A leaf value as its codec takes it: `"device:5"` to numbers, a property name to its number. */
function leafIn(leaf: Leaf, value: unknown): unknown {
  if (leaf === 'object-identifier' && (typeof value === 'string' || (typeof value === 'object' && value !== null))) {
    const ref = parseObjectReference(value, { allowWildcard: true });
    if (ref.instance === null) throw new NameError(`"${String(nameOf(OBJECT_TYPES, ref.type))}" needs an instance here`, 'object instance', value);
    return ref;
  }
  if (leaf === 'property-identifier' && (typeof value === 'string' || typeof value === 'number')) return numberOf(PROPERTY_IDENTIFIERS, value);
  return value;
}
