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
export * from './registration/types';
export { ForeignDeviceManager } from './registration/foreign-device';
export { NAT_RENEWAL_MAX_MS } from './registration/timing';
export { MAX_QUEUED_BROADCASTS, QUEUE_WAIT_MS } from './registration/broadcast-queue';
export * from './protocol/npdu';
export { HostResolver, RESOLVE_TIMEOUT_MS, resolveHost } from './transport/resolver';
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
