/**
 * Public API for use without Node-RED: the codecs, the registration state
 * machine and the shared UDP endpoint.
 */
export * from './address';
export * from './apdu';
export * from './bvll';
export { systemClock } from './clock';
export type { Clock, TimerHandle } from './clock';
export { DecodeError } from './decode-error';
export * from './foreign-device';
export * from './npdu';
export { HostResolver, resolveHost } from './resolver';
export { ACCEPTED_NPDU_FORMS, PayloadError, parseNpduPayload } from './npdu-payload';
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
} from './udp-endpoint';
export type { LocalEndpointConfig, NpduListener, ReceivedNpdu, RegistrationConfig, RegistrationLease } from './udp-endpoint';
