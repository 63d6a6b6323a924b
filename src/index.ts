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
export {
  ABORT_REASONS,
  DEVICE_OBJECT_TYPE,
  ENGINEERING_UNITS,
  ENUMERATIONS,
  ERROR_CLASSES,
  ERROR_CODES,
  MAX_ARRAY_INDEX,
  MAX_OBJECT_INSTANCE,
  NameError,
  OBJECT_TYPES,
  PROPERTY_IDENTIFIERS,
  REJECT_REASONS,
  WILDCARD_INSTANCE,
  enumerationFor,
  formatObjectReference,
  formatPropertyReference,
  nameOf,
  numberOf,
  parseArrayIndex,
  parseObjectReference,
  parsePropertyReference,
  resolveDeviceObject,
} from './protocol/names';
export type {
  EnumerationId,
  NameTable,
  ObjectReference,
  ObjectReferenceInput,
  ObjectReferenceOptions,
  PropertyReference,
} from './protocol/names';
