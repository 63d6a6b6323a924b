/**
 * A value for fd-write as application-tagged octets (the contents of a
 * WriteProperty's [3]): the application tag from the property's clause 12
 * datatype (property-datatypes.ts) or from the caller's valueType; the
 * shapes are the ones decodePropertyValue gives (names for enumerated
 * values, `"analog-input:0"`, named bits, arrays, and the writable
 * constructed properties by field names). Throws ValueError for a value that
 * does not fit and for a property with no known datatype.
 */
import { encodeApplicationValue, isValueType } from './application-tags';
import {
  NameError,
  NameTable,
  OBJECT_TYPES,
  PROPERTY_IDENTIFIERS,
  nameOf,
  numberOf,
  parseArrayIndex,
  parseObjectReference,
} from './names';
import { VALUE_TYPES, ValueType } from './primitive-values';
import { ConstructedDatatype } from './constructed-productions';
import { constructedDatatype, describeProduction, encodeProduction } from './constructed-values';
import { ElementType, PropertyDatatype, enumerationOf, propertyDatatype } from './property-datatypes';
import { ValueError, describeValue, notAccepted } from './value-error';

const VALUE_TYPE_LIST = VALUE_TYPES.join(', ');
const NULL_OCTETS = encodeApplicationValue('null', null);

/**
 * The application-tagged octets of `value` written to `property` of an object
 * of `objectType` (names or numbers). `null` is always NULL (relinquishes a
 * command). Without `valueType` the property's datatype decides (an unknown
 * property is an error naming the valueTypes); with it, that application tag,
 * enumerated names still taken from the property's enumeration. With `index`,
 * one array element (index 0: the length, an unsigned); a whole array or list
 * is given as an array of elements.
 * @throws ValueError when the value does not fit, valueType is not one of
 *   VALUE_TYPES, or the datatype is unknown and no valueType given
 * @throws NameError for an unknown object type or property, or a bad index
 */
export function encodePropertyValue(
  objectType: number | string,
  property: number | string,
  value: unknown,
  valueType?: ValueType | '' | null,
  index?: number | null,
): Buffer {
  const type = numberOf(OBJECT_TYPES, objectType);
  const id = numberOf(PROPERTY_IDENTIFIERS, property);
  const arrayIndex = parseArrayIndex(index);
  if (value === null) return NULL_OCTETS;
  const datatype = propertyDatatype(type, id);
  const enumeration = enumerationOf(type, id, datatype);
  const where = `${nameOf(PROPERTY_IDENTIFIERS, id)} of ${nameOf(OBJECT_TYPES, type)}`;
  if (valueType !== undefined && valueType !== null && valueType !== '') {
    if (!isValueType(valueType)) throw new ValueError(String(valueType), `valueType must be one of ${VALUE_TYPE_LIST}, got ${describeValue(valueType)}`);
    const element: ElementType = valueType === 'bit-string' && typeof datatype?.element === 'object' ? datatype.element : valueType;
    // An array is a whole array or list, except the array of booleans that is one bit-string.
    if (Array.isArray(value) && valueType !== 'bit-string') return concat(value, (item) => encodeElement(element, item, enumeration, where));
    return encodeElement(element, value, enumeration, where);
  }
  const constructed = constructedDatatype(type, id);
  if (constructed !== null) return encodeConstructed(constructed, value, arrayIndex, where);
  if (datatype === null) {
    throw new ValueError('', `no datatype known for property ${where}; give valueType (one of ${VALUE_TYPE_LIST})`);
  }
  if (arrayIndex === 0) return encodeElement('unsigned', value, null, `the length of ${where}`);
  if (datatype.shape === 'single' || arrayIndex !== null) return encodeElement(datatype.element, value, enumeration, where);
  if (!Array.isArray(value)) {
    throw new ValueError(elementName(datatype.element), `${where} is ${describeShape(datatype)}: give an array, or an index for one element`);
  }
  return concat(value, (item) => encodeElement(datatype.element, item, enumeration, where));
}

/** A constructed property: one production, or an array of them for a whole list or array. */
function encodeConstructed(datatype: ConstructedDatatype, value: unknown, arrayIndex: number | null, where: string): Buffer {
  if (arrayIndex === 0) return encodeElement('unsigned', value, null, `the length of ${where}`);
  if (datatype.shape === 'single' || arrayIndex !== null) return encodeProduction(datatype.production, value);
  if (!Array.isArray(value)) {
    const article = datatype.shape === 'array' ? 'an array' : 'a list';
    throw new ValueError(datatype.production.name, `${where} is ${article} of ${datatype.production.name} ${describeProduction(datatype.production)}: give an array`);
  }
  return concat(value, (item) => encodeProduction(datatype.production, item));
}

function concat(values: readonly unknown[], encode: (value: unknown) => Buffer): Buffer {
  return Buffer.concat(values.map(encode));
}

/** One element: NULL for null (an empty priority slot, a relinquish), else the element type's encoding. */
function encodeElement(element: ElementType, value: unknown, enumeration: NameTable | null, where: string): Buffer {
  if (value === null) return NULL_OCTETS;
  if (typeof element === 'object') return encodeApplicationValue('bit-string', bitsOf(element.bits, value, where));
  if (element === 'enumerated') return encodeApplicationValue('enumerated', enumeratedOf(value, enumeration, where));
  if (element === 'object-identifier') return encodeApplicationValue('object-identifier', objectIdentifierOf(value, where));
  return encodeApplicationValue(element, value);
}

/** An array of booleans as it is, or `{ name: boolean }` with the bit names (a missing name is false). */
function bitsOf(names: readonly string[], value: unknown, where: string): unknown {
  if (Array.isArray(value)) return value;
  const accepts = `an array of booleans or { ${names.map((name) => `"${name}"`).join(', ')} } with true or false each`;
  if (typeof value !== 'object' || value === null) throw notAccepted('bit-string', accepts, value);
  const record = value as Record<string, unknown>;
  for (const [name, bit] of Object.entries(record)) {
    if (!names.includes(name)) throw notAccepted('bit-string', accepts, value, `${where} has no bit "${name}"`);
    if (typeof bit !== 'boolean') throw notAccepted('bit-string', accepts, value, `"${name}" is ${describeValue(bit)}`);
  }
  return names.map((name) => record[name] === true);
}

/** A number, a name of the property's enumeration, or for binary-pv also true / false. */
function enumeratedOf(value: unknown, enumeration: NameTable | null, where: string): unknown {
  if (typeof value === 'boolean' && enumeration?.id === 'binary-pv') return value ? 1 : 0;
  if (typeof value === 'number' || enumeration === null) return typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof value !== 'string') return value; // the enumerated codec names what it takes
  try {
    return numberOf(enumeration, value);
  } catch (err) {
    if (err instanceof NameError) throw new ValueError('enumerated', `enumerated of ${where} takes a ${enumeration.label} or a number: ${err.message}`);
    throw err;
  }
}

/** `"analog-input:0"` or `{ type, instance }` as the codec's numbers. */
function objectIdentifierOf(value: unknown, where: string): unknown {
  if (typeof value !== 'string' && (typeof value !== 'object' || value === null)) return value; // the codec names what it takes
  try {
    const ref = parseObjectReference(value, { allowWildcard: true });
    if (ref.instance === null) throw new NameError(`"device" needs an instance here`, 'object instance', value);
    return ref;
  } catch (err) {
    if (err instanceof NameError) throw new ValueError('object-identifier', `object-identifier of ${where}: ${err.message}`);
    throw err;
  }
}

function elementName(element: ElementType): string {
  return typeof element === 'object' ? 'bit-string' : element;
}

function describeShape(datatype: PropertyDatatype): string {
  const article = datatype.shape === 'array' ? 'an array' : datatype.shape === 'list' ? 'a list' : 'a priority array';
  return `${article} of ${elementName(datatype.element)}`;
}
