/**
 * ReadProperty (clause 15.5): the service data of the request and of the
 * ReadProperty-ACK, without the APDU header (confirmed-apdu.ts). The value
 * is the application-tagged octets inside [3], as encodePropertyValue gives
 * them and decodePropertyValue takes them. Pure: decoders throw only
 * DecodeError, encoders RangeError (TypeError for a value that is not octets).
 */
import { PropertyAddress, decodePropertyAddress, decodeService, decodeValueField, encodePropertyAddress, encodeValueField } from './property-address';

export type { PropertyAddress } from './property-address';

/** ReadProperty-Request: [0] object, [1] property, [2] index when given. */
export function encodeReadPropertyRequest(target: PropertyAddress): Buffer {
  return encodePropertyAddress(target);
}

/** @throws DecodeError for a wrong or missing tag, an index over 4294967294, trailing octets */
export function decodeReadPropertyRequest(data: Uint8Array): PropertyAddress {
  return decodeService('ReadProperty-Request', data, () => {
    const { address, next } = decodePropertyAddress(data);
    return { result: address, next };
  });
}

/** ReadProperty-ACK: the request's parameters, then [3] the value. */
export function encodeReadPropertyAck(ack: PropertyAddress & { value: Uint8Array }): Buffer {
  return Buffer.concat([encodePropertyAddress(ack), encodeValueField(ack.value)]);
}

/**
 * The ack's parameters; `value` is a view of `data` (no copy).
 * @throws DecodeError for a wrong or missing tag, a value not closed by [3], trailing octets
 */
export function decodeReadPropertyAck(data: Uint8Array): PropertyAddress & { value: Buffer } {
  return decodeService('ReadProperty-ACK', data, () => {
    const { address, next } = decodePropertyAddress(data);
    const value = decodeValueField(data, next);
    return { result: { ...address, value: value.value }, next: value.next };
  });
}
