/**
 * ReadPropertyMultiple on the fake device (clause 15.7, server side): each
 * requested property read from the object database as ReadProperty would,
 * its error answered in place of its value; `all`, `required` and
 * `optional` expanded to the object's properties. The Complex-ACK, its
 * segments and the Aborts are FakeDeviceServer's, as for ReadProperty.
 */
import { ERROR_CLASSES, ERROR_CODES, PROPERTY_IDENTIFIERS, numberOf } from '../../dist/protocol/names';
import {
  ReadAccessResult,
  ReadAccessResultItem,
  ReadAccessSpecification,
  decodeReadPropertyMultipleRequest,
  encodeReadPropertyMultipleAck,
} from '../../dist/protocol/services/read-property-multiple';
import { FakeError, FakeObjectDatabase, PropertySelection, ReadResult } from './fake-objects';

const SELECTIONS = new Map<number, PropertySelection>(
  (['all', 'required', 'optional'] as const).map((name) => [numberOf(PROPERTY_IDENTIFIERS, name), name]),
);

/**
 * The ReadPropertyMultiple-ACK's service data for a request's service data,
 * and the decoded request (for the device's log).
 * @throws DecodeError when the request does not decode (the caller Rejects it)
 */
export function answerReadPropertyMultiple(objects: FakeObjectDatabase, data: Uint8Array): { specs: ReadAccessSpecification[]; ack: Buffer } {
  const specs = decodeReadPropertyMultipleRequest(data);
  const results: ReadAccessResult[] = specs.map((spec) => ({ object: spec.object, results: spec.properties.flatMap((ref) => readReference(objects, spec, ref)) }));
  return { specs, ack: encodeReadPropertyMultipleAck(results) };
}

/** One property reference's items: one, or for `all`/`required`/`optional` one per property (none when the object has none). */
function readReference(objects: FakeObjectDatabase, spec: ReadAccessSpecification, ref: ReadAccessSpecification['properties'][number]): ReadAccessResultItem[] {
  const selection = SELECTIONS.get(ref.property);
  if (selection === undefined) return [item(ref.property, ref.index, objects.read(spec.object, ref.property, ref.index))];
  // A selection of properties has no array to index.
  if (ref.index !== null) return [item(ref.property, ref.index, { error: { errorClass: 'property', errorCode: 'invalid-array-index' } })];
  const names = objects.propertyNames(spec.object, selection);
  if (!Array.isArray(names)) return [item(ref.property, null, names)];
  return names.map((name) => {
    const property = numberOf(PROPERTY_IDENTIFIERS, name);
    return item(property, null, objects.read(spec.object, property, null));
  });
}

function item(property: number, index: number | null, result: ReadResult): ReadAccessResultItem {
  return 'error' in result ? { property, index, error: errorNumbers(result.error) } : { property, index, value: result.value };
}

function errorNumbers(error: FakeError): { errorClass: number; errorCode: number } {
  return { errorClass: numberOf(ERROR_CLASSES, error.errorClass), errorCode: numberOf(ERROR_CODES, error.errorCode) };
}
