/**
 * ReadPropertyMultiple (clause 15.7): the service data of the request and of
 * the ReadPropertyMultiple-ACK, without the APDU header (confirmed-apdu.ts).
 * Each value is the application-tagged octets inside [4], as
 * encodePropertyValue gives them and decodePropertyValue takes them; a
 * property the device could not read carries its error class and code inside
 * [5] instead. Pure: decoders throw only DecodeError, encoders RangeError
 * (TypeError for a value that is not octets).
 */
import { decodeApplicationValue, describeTag, encodeApplicationValue } from '../application-tags';
import { DecodeError } from '../decode-error';
import { MAX_UINT32, ObjectReference } from '../names';
import { decodeTagHeader, encodeClosingTag, encodeOpeningTag } from '../tag-header';
import {
  closingAt,
  decodeObjectField,
  decodePropertyField,
  decodeService,
  decodeValueField,
  encodeObjectField,
  encodePropertyField,
  encodeValueField,
  expectOpening,
  openingAt,
} from './property-address';

/** One object and the properties to read of it (`all`, `required`, `optional` are properties 8, 105, 80). */
export interface ReadAccessSpecification {
  object: ObjectReference;
  properties: { property: number; index: number | null }[];
}

/** One property's answer: its value's application-tagged octets, or why it could not be read. */
export type ReadAccessResultItem = { property: number; index: number | null } & (
  | { value: Buffer }
  | { error: { errorClass: number; errorCode: number } }
);

/** One object's answers, in the order the device gives them (`all` expands to the properties it has). */
export interface ReadAccessResult {
  object: ObjectReference;
  results: ReadAccessResultItem[];
}

// ReadAccessSpecification: [0] object, [1] list of BACnetPropertyReference ([0] property, [1] index).
const TAG_SPEC_OBJECT = 0;
const TAG_REFERENCES = 1;
const TAG_REFERENCE_PROPERTY = 0;
// ReadAccessResult: [0] object, [1] list of results ([2] property, [3] index, [4] value or [5] error).
const TAG_RESULT_OBJECT = 0;
const TAG_RESULTS = 1;
const TAG_RESULT_PROPERTY = 2;
const TAG_VALUE = 4;
const TAG_ERROR = 5;
/** An opening and a closing tag under 15: one octet each. */
const LIST_TAGS = 2;

/**
 * The request: each specification's [0] object and [1] property references.
 * @throws RangeError for no specification, a specification with no property,
 *   and as encodePropertyAddress for an object, property or index out of range
 */
export function encodeReadPropertyMultipleRequest(specs: ReadAccessSpecification[]): Buffer {
  if (specs.length === 0) throw new RangeError('ReadPropertyMultiple needs at least one object');
  return Buffer.concat(specs.map(encodeSpecification));
}

/** @throws DecodeError for a wrong or missing tag, an empty list, an index over 4294967294, trailing octets */
export function decodeReadPropertyMultipleRequest(data: Uint8Array): ReadAccessSpecification[] {
  return decodeService('ReadPropertyMultiple-Request', data, () => {
    if (data.length === 0) throw new DecodeError('no read access specification', 0);
    const specs: ReadAccessSpecification[] = [];
    let at = 0;
    // Every pass consumes octets, so the loop ends with the data.
    while (at < data.length) {
      const { object, next } = decodeObjectField(data, at, TAG_SPEC_OBJECT);
      at = expectOpening(data, next, TAG_REFERENCES, 'list of property references');
      const properties: ReadAccessSpecification['properties'] = [];
      let end = closingAt(data, at, TAG_REFERENCES);
      if (end !== null) throw new DecodeError('an empty list of property references', at);
      while (end === null) {
        const field = decodePropertyField(data, at, TAG_REFERENCE_PROPERTY);
        properties.push({ property: field.property, index: field.index });
        at = field.next;
        end = closingAt(data, at, TAG_REFERENCES);
      }
      at = end;
      specs.push({ object, properties });
    }
    return { result: specs, next: at };
  });
}

/**
 * The ACK: each object's [0] identifier and [1] list of results.
 * @throws RangeError as encodePropertyAddress, for an error class or code
 *   outside 0..4294967295, or a value that is not complete tagged data
 * @throws TypeError when a value is not octets
 */
export function encodeReadPropertyMultipleAck(results: ReadAccessResult[]): Buffer {
  const parts: Buffer[] = [];
  for (const result of results) {
    parts.push(encodeObjectField(TAG_RESULT_OBJECT, result.object), encodeOpeningTag(TAG_RESULTS));
    for (const item of result.results) {
      parts.push(encodePropertyField(TAG_RESULT_PROPERTY, item.property, item.index));
      parts.push('value' in item ? encodeValueField(item.value, TAG_VALUE) : encodeErrorField(item.error));
    }
    parts.push(encodeClosingTag(TAG_RESULTS));
  }
  return Buffer.concat(parts);
}

/**
 * The ACK's results; each `value` is a view of `data` (no copy). A result
 * without its optional [1] list has no items.
 * @throws DecodeError for a wrong or missing tag, a value or error not closed,
 *   an error class or code that is not enumerated, trailing octets
 */
export function decodeReadPropertyMultipleAck(data: Uint8Array): ReadAccessResult[] {
  return decodeService('ReadPropertyMultiple-ACK', data, () => {
    const results: ReadAccessResult[] = [];
    let at = 0;
    while (at < data.length) {
      const { object, next } = decodeObjectField(data, at, TAG_RESULT_OBJECT);
      at = next;
      const items: ReadAccessResultItem[] = [];
      const list = at < data.length ? openingAt(data, at, TAG_RESULTS) : null;
      if (list !== null) {
        at = list;
        let end = closingAt(data, at, TAG_RESULTS);
        while (end === null) {
          const item = decodeResultItem(data, at);
          items.push(item.item);
          at = item.next;
          end = closingAt(data, at, TAG_RESULTS);
        }
        at = end;
      }
      results.push({ object, results: items });
    }
    return { result: results, next: at };
  });
}

/**
 * Octets of the request's service data for `specs` (add 4 for the APDU
 * header); additive, so the length of specs a and b is that of a plus that of b.
 * @throws RangeError as encodeReadPropertyMultipleRequest
 */
export function readPropertyMultipleRequestLength(specs: ReadAccessSpecification[]): number {
  return encodeReadPropertyMultipleRequest(specs).length;
}

/**
 * Octets of the ACK's service data for `specs` (add 3 for an unsegmented
 * Complex-ACK header) when each property's value or error takes at most
 * `valueOctets` octets between its [4] or [5] tags; exact when every value
 * takes exactly that. `all`, `required` and `optional` count as one property
 * here: a device answers them with as many as the object has.
 * @throws RangeError as encodeReadPropertyMultipleRequest, or for a negative `valueOctets`
 */
export function readPropertyMultipleAckEstimate(specs: ReadAccessSpecification[], valueOctets: number): number {
  if (!Number.isInteger(valueOctets) || valueOctets < 0) throw new RangeError(`valueOctets must be a non-negative integer, got ${valueOctets}`);
  // Each result's [2] [3] take what the request's [0] [1] take, and [0] object and [1] list the same too.
  const properties = specs.reduce((sum, spec) => sum + spec.properties.length, 0);
  return readPropertyMultipleRequestLength(specs) + properties * (LIST_TAGS + valueOctets);
}

function encodeSpecification(spec: ReadAccessSpecification): Buffer {
  if (spec.properties.length === 0) throw new RangeError('a read access specification needs at least one property');
  return Buffer.concat([
    encodeObjectField(TAG_SPEC_OBJECT, spec.object),
    encodeOpeningTag(TAG_REFERENCES),
    ...spec.properties.map((ref) => encodePropertyField(TAG_REFERENCE_PROPERTY, ref.property, ref.index)),
    encodeClosingTag(TAG_REFERENCES),
  ]);
}

/** [5] error class and error code, each application-tagged enumerated (clause 21 Error). */
function encodeErrorField(error: { errorClass: number; errorCode: number }): Buffer {
  for (const [name, value] of [['error class', error.errorClass], ['error code', error.errorCode]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > MAX_UINT32) throw new RangeError(`${name} must be an integer 0..${MAX_UINT32}, got ${value}`);
  }
  return Buffer.concat([
    encodeOpeningTag(TAG_ERROR),
    encodeApplicationValue('enumerated', error.errorClass),
    encodeApplicationValue('enumerated', error.errorCode),
    encodeClosingTag(TAG_ERROR),
  ]);
}

/** [2] property, [3] index, then [4] value or [5] error. */
function decodeResultItem(data: Uint8Array, at: number): { item: ReadAccessResultItem; next: number } {
  const field = decodePropertyField(data, at, TAG_RESULT_PROPERTY);
  const address = { property: field.property, index: field.index };
  if (openingAt(data, field.next, TAG_VALUE) !== null) {
    const value = decodeValueField(data, field.next, TAG_VALUE);
    return { item: { ...address, value: value.value }, next: value.next };
  }
  const errorStart = openingAt(data, field.next, TAG_ERROR);
  if (errorStart === null) {
    const header = decodeTagHeader(data, field.next);
    throw new DecodeError(`expected opening tag ${TAG_VALUE} (property value) or ${TAG_ERROR} (property access error), got ${describeTag(header)}`, field.next);
  }
  let next = errorStart;
  const errorClass = decodeApplicationValue(data, next, 'enumerated');
  next += errorClass.length;
  const errorCode = decodeApplicationValue(data, next, 'enumerated');
  next += errorCode.length;
  const end = closingAt(data, next, TAG_ERROR);
  if (end === null) throw new DecodeError(`expected closing tag ${TAG_ERROR} after the error class and code, got ${describeTag(decodeTagHeader(data, next))}`, next);
  return { item: { ...address, error: { errorClass: errorClass.value, errorCode: errorCode.value } }, next: end };
}
