/**
 * SubscribeCOVProperty (clause 13.15): the service data of the request,
 * without the APDU header (confirmed-apdu.ts); its answer is a Simple-ACK.
 * SubscribeCOV's four fields, then the monitored property [4] (a
 * BACnetPropertyReference between opening and closing tags) and the COV
 * increment [5]. Cancellation as SubscribeCOV's: neither [2] nor [3]. Pure:
 * the decoder throws only DecodeError, the encoder RangeError.
 */
import { describeTag, encodeContextValue, decodeContextValue } from '../application-tags';
import { DecodeError } from '../decode-error';
import { decodeTagHeader, encodeClosingTag, encodeOpeningTag } from '../tag-header';
import { decodePropertyField, decodeService, encodePropertyField, expectOpening } from './property-address';
import { SubscribeCovRequest, contextPrimitiveAt, decodeSubscriptionFields, encodeSubscriptionFields } from './subscribe-cov';

export interface SubscribeCovPropertyRequest extends SubscribeCovRequest {
  /** monitoredPropertyIdentifier's property and array index (null: none). */
  property: number;
  index: number | null;
  /** covIncrement, a REAL; null: absent (the object's own increment applies). */
  covIncrement: number | null;
}

const TAG_MONITORED = 4;
const TAG_REFERENCE_PROPERTY = 0;
const TAG_INCREMENT = 5;

/**
 * [0] process identifier, [1] object, [2] and [3] when given, [4] property reference, [5] increment when given.
 * @throws RangeError as encodeSubscribeCovRequest and encodePropertyAddress, or for an increment that is not a REAL
 */
export function encodeSubscribeCovPropertyRequest(request: SubscribeCovPropertyRequest): Buffer {
  const parts = [
    encodeSubscriptionFields(request),
    encodeOpeningTag(TAG_MONITORED),
    encodePropertyField(TAG_REFERENCE_PROPERTY, request.property, request.index),
    encodeClosingTag(TAG_MONITORED),
  ];
  if (request.covIncrement !== null) {
    const increment = request.covIncrement;
    // A finite number beyond single precision would become Infinity on the wire: refused, not changed.
    if (typeof increment !== 'number' || (Number.isFinite(increment) && !Number.isFinite(Math.fround(increment)))) {
      throw new RangeError(`covIncrement must be a REAL (a number within single precision) or null, got ${String(increment)}`);
    }
    parts.push(encodeContextValue(TAG_INCREMENT, 'real', increment));
  }
  return Buffer.concat(parts);
}

/** @throws DecodeError for a wrong or missing tag, a number over 4294967295, an index over 4294967294, trailing octets */
export function decodeSubscribeCovPropertyRequest(data: Uint8Array): SubscribeCovPropertyRequest {
  return decodeService('SubscribeCOVProperty-Request', data, () => {
    const { fields, next } = decodeSubscriptionFields(data);
    const start = expectOpening(data, next, TAG_MONITORED, 'monitored property');
    const field = decodePropertyField(data, start, TAG_REFERENCE_PROPERTY);
    const closing = decodeTagHeader(data, field.next);
    if (closing.kind !== 'closing' || closing.tag !== TAG_MONITORED) {
      throw new DecodeError(`expected closing tag ${TAG_MONITORED} after the monitored property, got ${describeTag(closing)}`, field.next);
    }
    let at = field.next + closing.headerLength;
    let covIncrement: number | null = null;
    if (contextPrimitiveAt(data, at, TAG_INCREMENT)) {
      const decoded = decodeContextValue(data, at, 'real', TAG_INCREMENT);
      covIncrement = decoded.value;
      at += decoded.length;
    }
    return { result: { ...fields, property: field.property, index: field.index, covIncrement }, next: at };
  });
}
