/**
 * SubscribeCOV (clause 13.14): the service data of the request, without the
 * APDU header (confirmed-apdu.ts); its answer is a Simple-ACK. A request
 * with neither issueConfirmedNotifications [2] nor lifetime [3] cancels the
 * subscription (clause 13.14.1.4). The four leading fields are shared with
 * SubscribeCOVProperty (subscribe-cov-property.ts). Pure: decoders throw only
 * DecodeError, encoders RangeError.
 */
import { decodeContextValue, encodeContextValue } from '../application-tags';
import { DecodeError } from '../decode-error';
import { MAX_UINT32, ObjectReference } from '../names';
import { decodeTagHeader } from '../tag-header';
import { decodeObjectField, decodeService, encodeObjectField } from './property-address';

/** A subscription, or its cancellation when `confirmed` and `lifetime` are both null. */
export interface SubscribeCovRequest {
  /** subscriberProcessIdentifier, Unsigned32: the subscriber's own handle, echoed in each notification. */
  processId: number;
  object: ObjectReference;
  /** issueConfirmedNotifications; null: absent. */
  confirmed: boolean | null;
  /** Seconds (0: indefinite, clause 13.14.1.4); null: absent. */
  lifetime: number | null;
}

const TAG_PROCESS = 0;
const TAG_OBJECT = 1;
const TAG_CONFIRMED = 2;
const TAG_LIFETIME = 3;

/** True when the request cancels (both optional parameters absent, clause 13.14.1.4). */
export function isCovCancellation(request: { confirmed: boolean | null; lifetime: number | null }): boolean {
  return request.confirmed === null && request.lifetime === null;
}

/**
 * [0] process identifier, [1] object, [2] confirmed and [3] lifetime when given.
 * @throws RangeError for a process identifier or lifetime outside 0..4294967295,
 *   and as encodePropertyAddress for the object
 */
export function encodeSubscribeCovRequest(request: SubscribeCovRequest): Buffer {
  return encodeSubscriptionFields(request);
}

/** @throws DecodeError for a wrong or missing tag, a number over 4294967295, trailing octets */
export function decodeSubscribeCovRequest(data: Uint8Array): SubscribeCovRequest {
  return decodeService('SubscribeCOV-Request', data, () => {
    const { fields, next } = decodeSubscriptionFields(data);
    return { result: fields, next };
  });
}

/** The fields [0]..[3] common to SubscribeCOV and SubscribeCOVProperty. */
export function encodeSubscriptionFields(request: SubscribeCovRequest): Buffer {
  const parts = [encodeContextValue(TAG_PROCESS, 'unsigned', unsigned32(request.processId, 'subscriber process identifier')), encodeObjectField(TAG_OBJECT, request.object)];
  if (request.confirmed !== null) {
    if (typeof request.confirmed !== 'boolean') throw new RangeError(`issueConfirmedNotifications must be true, false or null, got ${String(request.confirmed)}`);
    parts.push(encodeContextValue(TAG_CONFIRMED, 'boolean', request.confirmed));
  }
  if (request.lifetime !== null) parts.push(encodeContextValue(TAG_LIFETIME, 'unsigned', unsigned32(request.lifetime, 'lifetime')));
  return Buffer.concat(parts);
}

/** The fields [0]..[3] at the start of `data`, and where the next parameter starts. */
export function decodeSubscriptionFields(data: Uint8Array): { fields: SubscribeCovRequest; next: number } {
  const processId = decodeUnsigned32(data, 0, TAG_PROCESS, 'subscriber process identifier');
  const { object, next } = decodeObjectField(data, processId.next, TAG_OBJECT);
  let at = next;
  let confirmed: boolean | null = null;
  let lifetime: number | null = null;
  if (contextPrimitiveAt(data, at, TAG_CONFIRMED)) {
    const decoded = decodeContextValue(data, at, 'boolean', TAG_CONFIRMED);
    confirmed = decoded.value;
    at += decoded.length;
  }
  if (contextPrimitiveAt(data, at, TAG_LIFETIME)) {
    const decoded = decodeUnsigned32(data, at, TAG_LIFETIME, 'lifetime');
    lifetime = decoded.value;
    at = decoded.next;
  }
  return { fields: { processId: processId.value, object, confirmed, lifetime }, next: at };
}

/** A context-tagged Unsigned that must fit 32 bits. @throws DecodeError naming `what` otherwise */
export function decodeUnsigned32(data: Uint8Array, at: number, tag: number, what: string): { value: number; next: number } {
  const decoded = decodeContextValue(data, at, 'unsigned', tag);
  if (typeof decoded.value !== 'number' || decoded.value > MAX_UINT32) throw new DecodeError(`${what} ${decoded.value} is over ${MAX_UINT32}`, at);
  return { value: decoded.value, next: at + decoded.length };
}

/** Whether a context-tagged primitive with tag `tag` is at `at` (false at the end of the data). */
export function contextPrimitiveAt(data: Uint8Array, at: number, tag: number): boolean {
  if (at >= data.length) return false;
  const header = decodeTagHeader(data, at);
  return header.tagClass === 'context' && header.kind === 'primitive' && header.tag === tag;
}

/** `value` when it is an integer 0..4294967295. @throws RangeError naming `name` otherwise */
export function unsigned32(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_UINT32) throw new RangeError(`${name} must be an integer 0..${MAX_UINT32}, got ${value}`);
  return value;
}
