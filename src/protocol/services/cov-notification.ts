/**
 * ConfirmedCOVNotification and UnconfirmedCOVNotification (clauses 13.6 and
 * 13.7): the same service data for both, without the APDU header; plus the
 * whole Unconfirmed-Request APDU (service choice 2) and the values decoded
 * into CLIENT.md's shapes, keyed by property name. Each value stays the
 * application-tagged octets inside [2] in the codec. Pure: decoders throw
 * only DecodeError, encoders RangeError (TypeError for a value that is not octets).
 */
import { decodeContextValue, encodeContextValue } from '../application-tags';
import { DecodeError } from '../decode-error';
import { ObjectReference, PROPERTY_IDENTIFIERS, nameOf } from '../names';
import { PropertyValue, decodePropertyValue } from '../property-values';
import { encodeClosingTag, encodeOpeningTag } from '../tag-header';
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
} from './property-address';
import { contextPrimitiveAt, decodeUnsigned32, unsigned32 } from './subscribe-cov';

/** One BACnetPropertyValue of the list: the value's application-tagged octets and the optional priority. */
export interface CovValue {
  property: number;
  /** null: none. */
  index: number | null;
  value: Buffer;
  /** 1..16, or null: none. */
  priority: number | null;
}

export interface CovNotification {
  /** subscriberProcessIdentifier: the subscriber's handle from its SubscribeCOV. */
  processId: number;
  /** initiatingDeviceIdentifier (a Device object on a conforming device). */
  initiatingDevice: ObjectReference;
  /** monitoredObjectIdentifier. */
  object: ObjectReference;
  /** Seconds left of the subscription; 0 for an indefinite one. */
  timeRemaining: number;
  values: CovValue[];
}

/** Unconfirmed-Request PDU type (clause 20.1.3) and the UnconfirmedCOVNotification choice (clause 21). */
const PDU_UNCONFIRMED_REQUEST = 0x10;
export const UNCONFIRMED_COV_NOTIFICATION = 2;
const TAG_PROCESS = 0;
const TAG_DEVICE = 1;
const TAG_OBJECT = 2;
const TAG_TIME = 3;
const TAG_VALUES = 4;
// BACnetPropertyValue: [0] property, [1] index, [2] value, [3] priority.
const TAG_PROPERTY = 0;
const TAG_VALUE = 2;
const TAG_PRIORITY = 3;
const MIN_PRIORITY = 1;
const MAX_PRIORITY = 16;

/**
 * [0] process identifier, [1] device, [2] object, [3] time remaining, [4] list of values.
 * @throws RangeError for a process identifier or time remaining outside
 *   0..4294967295, a priority outside 1..16, as encodePropertyAddress for
 *   the objects, properties and indexes, or a value that is not complete tagged data
 * @throws TypeError when a value is not octets
 */
export function encodeCovNotification(notification: CovNotification): Buffer {
  const parts = [
    encodeContextValue(TAG_PROCESS, 'unsigned', unsigned32(notification.processId, 'subscriber process identifier')),
    encodeObjectField(TAG_DEVICE, notification.initiatingDevice),
    encodeObjectField(TAG_OBJECT, notification.object),
    encodeContextValue(TAG_TIME, 'unsigned', unsigned32(notification.timeRemaining, 'time remaining')),
    encodeOpeningTag(TAG_VALUES),
  ];
  for (const item of notification.values) {
    parts.push(encodePropertyField(TAG_PROPERTY, item.property, item.index), encodeValueField(item.value, TAG_VALUE));
    if (item.priority !== null) {
      if (!Number.isInteger(item.priority) || item.priority < MIN_PRIORITY || item.priority > MAX_PRIORITY) {
        throw new RangeError(`priority must be an integer ${MIN_PRIORITY}..${MAX_PRIORITY} or null, got ${item.priority}`);
      }
      parts.push(encodeContextValue(TAG_PRIORITY, 'unsigned', item.priority));
    }
  }
  parts.push(encodeClosingTag(TAG_VALUES));
  return Buffer.concat(parts);
}

/**
 * The notification's parameters; each `value` is a view of `data` (no copy).
 * @throws DecodeError for a wrong or missing tag, a number over 4294967295,
 *   an index over 4294967294, a priority outside 1..16, a value or list not
 *   closed, trailing octets
 */
export function decodeCovNotification(data: Uint8Array): CovNotification {
  return decodeService('COVNotification', data, () => {
    const processId = decodeUnsigned32(data, 0, TAG_PROCESS, 'subscriber process identifier');
    const device = decodeObjectField(data, processId.next, TAG_DEVICE);
    const object = decodeObjectField(data, device.next, TAG_OBJECT);
    const time = decodeUnsigned32(data, object.next, TAG_TIME, 'time remaining');
    let at = expectOpening(data, time.next, TAG_VALUES, 'list of values');
    const values: CovValue[] = [];
    let end = closingAt(data, at, TAG_VALUES);
    // Every item consumes octets, so the loop ends with the data.
    while (end === null) {
      const field = decodePropertyField(data, at, TAG_PROPERTY);
      const value = decodeValueField(data, field.next, TAG_VALUE);
      at = value.next;
      let priority: number | null = null;
      if (contextPrimitiveAt(data, at, TAG_PRIORITY)) {
        const decoded = decodeContextValue(data, at, 'unsigned', TAG_PRIORITY);
        if (typeof decoded.value !== 'number' || decoded.value < MIN_PRIORITY || decoded.value > MAX_PRIORITY) {
          throw new DecodeError(`priority ${decoded.value} is outside ${MIN_PRIORITY}..${MAX_PRIORITY}`, at);
        }
        priority = decoded.value;
        at += decoded.length;
      }
      values.push({ property: field.property, index: field.index, value: value.value, priority });
      end = closingAt(data, at, TAG_VALUES);
    }
    const result = { processId: processId.value, initiatingDevice: device.object, object: object.object, timeRemaining: time.value, values };
    return { result, next: end };
  });
}

/** The whole UnconfirmedCOVNotification APDU: `10 02` and the service data. @throws as encodeCovNotification */
export function encodeUnconfirmedCovNotificationApdu(notification: CovNotification): Buffer {
  return Buffer.concat([Buffer.from([PDU_UNCONFIRMED_REQUEST, UNCONFIRMED_COV_NOTIFICATION]), encodeCovNotification(notification)]);
}

/** Whether the APDU at `offset` is an UnconfirmedCOVNotification (`10 02`). */
export function isUnconfirmedCovNotification(apdu: Uint8Array, offset = 0): boolean {
  return apdu.length - offset >= 2 && apdu[offset] === PDU_UNCONFIRMED_REQUEST && apdu[offset + 1] === UNCONFIRMED_COV_NOTIFICATION;
}

/**
 * The notification in the UnconfirmedCOVNotification APDU at `offset`, to the end of `apdu`.
 * @throws DecodeError when it is not one (`10 02`), and as decodeCovNotification
 */
export function decodeUnconfirmedCovNotificationApdu(apdu: Uint8Array, offset = 0): CovNotification {
  if (!isUnconfirmedCovNotification(apdu, offset)) throw new DecodeError('not an UnconfirmedCOVNotification APDU', Math.max(0, Math.min(offset, apdu.length)));
  const start = offset + 2;
  return decodeCovNotification(Buffer.from(apdu.buffer, apdu.byteOffset + start, apdu.length - start));
}

/**
 * The values in CLIENT.md's shapes (decodePropertyValue, knowing the
 * monitored object's type), keyed by property name (`"present-value"`,
 * `"status-flags"`: named bits; a proprietary property by its number), an
 * element as `"name[index]"`. A property listed twice keeps the last.
 * @throws DecodeError for a value that is not well-formed tagged data
 */
export function covValuesByName(notification: Pick<CovNotification, 'object' | 'values'>): { [property: string]: PropertyValue } {
  const out: { [property: string]: PropertyValue } = {};
  for (const item of notification.values) {
    const name = String(nameOf(PROPERTY_IDENTIFIERS, item.property));
    out[item.index === null ? name : `${name}[${item.index}]`] = decodePropertyValue(item.value, notification.object.type, item.property, item.index);
  }
  return out;
}
