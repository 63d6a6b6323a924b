/**
 * The property-aware layer over the clause 20.2 codec: the application-tagged
 * contents of a property value (a ReadProperty-ACK's [3], between its opening
 * and closing tags) decoded into CLIENT.md's shapes, knowing the object type
 * and property: enumerated values by their standard names, object identifiers
 * as `"analog-input:0"`, named bits, arrays, lists and priority arrays, and
 * the constructed productions of constructed-productions.ts by field name.
 * Decoding throws only DecodeError for any octets (NameError for a bad
 * object type or property given by the caller).
 */
import { decodeApplicationValue, decodeContextOctets } from './application-tags';
import { ConstructedValue, constructedDatatype, decodeConstructedProperty } from './constructed-values';
import { DecodeError } from './decode-error';
import { NameTable, OBJECT_TYPES, PROPERTY_IDENTIFIERS, formatObjectReference, nameOf, numberOf, parseArrayIndex } from './names';
import { BacnetValue, ValueType, ValueTypeMap } from './primitive-values';
import { ElementType, enumerationOf, propertyDatatype } from './property-datatypes';
import { decodeTagHeader } from './tag-header';
import { ContextTagged, decodeConstructed } from './tagged-data';

/** A bit-string with named bits: `{ "in-alarm": false, "fault": true, ... }`. */
export type NamedBits = { [name: string]: boolean };

/** A decoded property value (CLIENT.md "Values"). */
export type PropertyValue = BacnetValue | NamedBits | ContextTagged | ConstructedValue | PropertyValue[];

/** One top-level element of a property value: an application-tagged primitive, or context-tagged data kept generic. */
type Element = { valueType: ValueType; value: BacnetValue } | { context: ContextTagged };


/**
 * The value of `property` of an object of `objectType` (names or numbers) from
 * the octets of its application-tagged contents. With `index` (an array
 * element was read): index 0 gives the array's length, another index the
 * element. Known arrays and lists give an array (a priority array 16 entries,
 * null where empty); a known constructed type an object by field names (or
 * an array of them), unless the octets do not have its shape; any other
 * property, and such odd data, one value when it holds one
 * application-tagged element, else an array of the elements, context-tagged
 * data kept as `{ tag, value }` (inside it, application values as the codec
 * gives them: enumerated as numbers, object identifiers as `{ type, instance }`).
 * @throws DecodeError for octets that are not well-formed tagged data
 * @throws NameError for an unknown object type or property name, or a bad index
 */
export function decodePropertyValue(
  bytes: Uint8Array,
  objectType: number | string,
  property: number | string,
  index?: number | null,
): PropertyValue {
  const type = numberOf(OBJECT_TYPES, objectType);
  const id = numberOf(PROPERTY_IDENTIFIERS, property);
  const arrayIndex = parseArrayIndex(index);
  const datatype = propertyDatatype(type, id);
  const elements = readElements(bytes); // first, so malformed octets are a DecodeError whatever the property
  const constructed = arrayIndex === 0 ? null : constructedDatatype(type, id);
  const known = constructed === null ? undefined : decodeConstructedProperty(bytes, constructed, arrayIndex !== null);
  if (known !== undefined) return known;
  if (arrayIndex === 0) return one(elements, (element) => shape(element, 'unsigned', null));
  const enumeration = enumerationOf(type, id, datatype);
  const convert = (element: Element): PropertyValue => shape(element, datatype?.element ?? null, enumeration);
  const whole = arrayIndex === null && datatype !== null && datatype.shape !== 'single';
  return whole ? elements.map(convert) : one(elements, convert);
}

/**
 * The only element converted when it is an application-tagged value; else
 * every element in an array (none, several, or context-tagged data: the
 * generic `[{ tag, value }]` form of CLIENT.md).
 */
function one(elements: Element[], convert: (element: Element) => PropertyValue): PropertyValue {
  return elements.length === 1 && !('context' in elements[0]) ? convert(elements[0]) : elements.map(convert);
}

/** An element in its CLIENT.md shape, given what the property's element is (null: unknown). */
function shape(element: Element, expected: ElementType | null, enumeration: NameTable | null): PropertyValue {
  if ('context' in element) return element.context;
  switch (element.valueType) {
    case 'enumerated': {
      const n = element.value as number;
      return enumeration === null ? n : nameOf(enumeration, n);
    }
    case 'object-identifier':
      return formatObjectReference(element.value as ValueTypeMap['object-identifier']);
    case 'bit-string':
      return expected !== null && typeof expected === 'object' ? namedBits(element.value as boolean[], expected.bits) : element.value;
    default:
      return element.value;
  }
}

/** Bits by name; a bit the device did not send is false, bits beyond the names are dropped. */
function namedBits(bits: readonly boolean[], names: readonly string[]): NamedBits {
  const out: NamedBits = {};
  names.forEach((name, i) => {
    out[name] = bits[i] === true;
  });
  return out;
}

/** The top-level elements of the contents: each application primitive, context primitive or constructed group. */
function readElements(bytes: Uint8Array): Element[] {
  const elements: Element[] = [];
  let at = 0;
  while (at < bytes.length) {
    const header = decodeTagHeader(bytes, at);
    if (header.kind === 'opening') {
      const constructed = decodeConstructed(bytes, at);
      elements.push({ context: { tag: constructed.tag, value: constructed.value } });
      at += constructed.length;
    } else if (header.kind === 'closing') {
      throw new DecodeError(`closing tag ${header.tag} without an opening tag`, at);
    } else if (header.tagClass === 'application') {
      const decoded = decodeApplicationValue(bytes, at);
      elements.push({ valueType: decoded.valueType, value: decoded.value });
      at += decoded.length;
    } else {
      const octets = decodeContextOctets(bytes, at);
      elements.push({ context: { tag: octets.tag, value: octets.octets } });
      at += octets.length;
    }
  }
  return elements;
}
