/**
 * WriteProperty (clause 15.9): the service data of the request, without the
 * APDU header (confirmed-apdu.ts); its answer is a Simple-ACK. The value is
 * the application-tagged octets inside [3], as encodePropertyValue gives
 * them. Pure: the decoder throws only DecodeError, the encoder RangeError
 * (TypeError for a value that is not octets).
 */
import { decodeContextValue, encodeContextValue } from '../application-tags';
import { DecodeError } from '../decode-error';
import { PropertyAddress, decodePropertyAddress, decodeService, decodeValueField, encodePropertyAddress, encodeValueField } from './property-address';

/** Clause 15.9.1.1.5: priority is Unsigned (1..16); 6 is the minimum on/off priority, still a valid value on the wire. */
const MIN_PRIORITY = 1;
const MAX_PRIORITY = 16;
const TAG_PRIORITY = 4;

export type WritePropertyRequest = PropertyAddress & { value: Uint8Array; priority: number | null };

/**
 * [0] object, [1] property, [2] index when given, [3] value, [4] priority when given.
 * @throws RangeError as encodePropertyAddress, for a priority outside 1..16, or a value that is not complete tagged data
 */
export function encodeWritePropertyRequest(req: WritePropertyRequest): Buffer {
  const parts = [encodePropertyAddress(req), encodeValueField(req.value)];
  if (req.priority !== null) {
    if (!Number.isInteger(req.priority) || req.priority < MIN_PRIORITY || req.priority > MAX_PRIORITY) {
      throw new RangeError(`priority must be an integer ${MIN_PRIORITY}..${MAX_PRIORITY} or null, got ${req.priority}`);
    }
    parts.push(encodeContextValue(TAG_PRIORITY, 'unsigned', req.priority));
  }
  return Buffer.concat(parts);
}

/**
 * The request's parameters; `value` is a view of `data` (no copy).
 * @throws DecodeError for a wrong or missing tag, a value not closed by [3],
 *   a priority outside 1..16, trailing octets
 */
export function decodeWritePropertyRequest(data: Uint8Array): PropertyAddress & { value: Buffer; priority: number | null } {
  return decodeService('WriteProperty-Request', data, () => {
    const { address, next } = decodePropertyAddress(data);
    const value = decodeValueField(data, next);
    let at = value.next;
    let priority: number | null = null;
    if (at < data.length) {
      const decoded = decodeContextValue(data, at, 'unsigned', TAG_PRIORITY);
      if (typeof decoded.value !== 'number' || decoded.value < MIN_PRIORITY || decoded.value > MAX_PRIORITY) {
        throw new DecodeError(`priority ${decoded.value} is outside ${MIN_PRIORITY}..${MAX_PRIORITY}`, at);
      }
      priority = decoded.value;
      at += decoded.length;
    }
    return { result: { ...address, value: value.value, priority }, next: at };
  });
}
