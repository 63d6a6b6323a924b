/**
 * Public API for use without Node-RED: the codecs, the registration state
 * machine and the shared UDP endpoint.
 */
export * from './protocol/address';
export * from './protocol/apdu';
export * from './protocol/bvll';
export { systemClock } from './util/clock';
export type { Clock, TimerHandle } from './util/clock';
export { DecodeError } from './protocol/decode-error';
export * from './registration/foreign-device';
export * from './protocol/npdu';
export { HostResolver, resolveHost } from './transport/resolver';
export { ACCEPTED_NPDU_FORMS, PayloadError, parseNpduPayload } from './protocol/npdu-payload';
export {
  DEFAULT_RECV_BUFFER_SIZE,
  EndpointError,
  UdpEndpoint,
  acquireEndpoint,
  acquireRegistration,
  bindErrorMessage,
  openEndpoints,
  releaseEndpoint,
  resolveIPv4,
} from './transport/udp-endpoint';
export type { LocalEndpointConfig, NpduListener, ReceivedNpdu, RegistrationConfig, RegistrationLease } from './transport/udp-endpoint';
// Application- and context-tagged values (clause 20.2): the base of reading and writing points.
export {
  decodeApplicationValue,
  decodeContextOctets,
  decodeContextValue,
  encodeApplicationValue,
  encodeContextValue,
  isValueType,
} from './protocol/application-tags';
export type { ContextOctets, DecodedApplicationValue, DecodedContextValue } from './protocol/application-tags';
export { CHARACTER_SET_NAMES } from './protocol/character-string';
export type { BigIntegerValue } from './protocol/integer-content';
export { VALUE_TYPES } from './protocol/primitive-values';
export type { BacnetDate, BacnetObjectIdentifier, BacnetTime, BacnetValue, ValueType, ValueTypeMap } from './protocol/primitive-values';
export { MAX_CONTENT_LENGTH, MAX_TAG_NUMBER, decodeTagHeader, encodeClosingTag, encodeOpeningTag, encodeTagHeader } from './protocol/tag-header';
export type { TagClass, TagHeader, TagKind } from './protocol/tag-header';
export { MAX_TAG_NESTING, decodeConstructed, decodeTaggedData } from './protocol/tagged-data';
export type { ContextTagged, DecodedConstructed, DecodedTaggedData, TaggedItem } from './protocol/tagged-data';
export { ValueError } from './protocol/value-error';
