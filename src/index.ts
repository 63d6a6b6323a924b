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
export { DEFAULT_RECV_BUFFER_SIZE, EndpointError } from './transport/endpoint-config';
export type { LocalEndpointConfig } from './transport/endpoint-config';
export { bindErrorMessage, resolveIPv4 } from './transport/udp-socket';
export { UdpEndpoint } from './transport/udp-endpoint';
export { acquireEndpoint, acquireRegistration, openEndpoints, releaseEndpoint } from './transport/endpoint-registry';
export type { NpduListener, RegistrationConfig, RegistrationLease } from './registration/registration-table';
export type { ReceivedNpdu } from './protocol/received-npdu';
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
// Property values (CLIENT.md "Values"): shaped by object type and property, and the clause 12 datatypes for writing.
export { EVENT_TRANSITION_BITS, LIMIT_ENABLE, PROPERTY_DATATYPES, STATUS_FLAGS, enumerationOf, propertyDatatype } from './protocol/property-datatypes';
export type { DatatypeEntry, ElementType, PropertyDatatype } from './protocol/property-datatypes';
export { encodePropertyValue } from './protocol/property-encoding';
export { decodePropertyValue } from './protocol/property-values';
export type { NamedBits, PropertyValue } from './protocol/property-values';
// Constructed property values by their clause 21 field names (BACnetDateTime, BACnetTimeStamp, address bindings, ...).
export { constructedDatatype, decodeProduction, describeProduction, encodeProduction, productionNamed } from './protocol/constructed-values';
export type { ConstructedValue } from './protocol/constructed-values';
export { CONSTRUCTED_ROWS, PRODUCTIONS } from './protocol/constructed-productions';
export type { ConstructedDatatype, FieldSpec, Leaf, Production } from './protocol/constructed-productions';
// Confirmed services (clause 20.1, 15.5, 15.9): the APDUs and the ReadProperty/WriteProperty service data.
export {
  MAX_APDU_ACCEPTED,
  SERVICE,
  decodeConfirmedApdu,
  encodeConfirmedApdu,
  maxApduCode,
  maxApduFromCode,
  maxSegmentsCode,
  maxSegmentsFromCode,
} from './protocol/confirmed-apdu';
export type { ConfirmedApdu } from './protocol/confirmed-apdu';
export { decodeReadPropertyAck, decodeReadPropertyRequest, encodeReadPropertyAck, encodeReadPropertyRequest } from './protocol/services/read-property';
export type { PropertyAddress } from './protocol/services/read-property';
export { decodeWritePropertyRequest, encodeWritePropertyRequest } from './protocol/services/write-property';
export type { WritePropertyRequest } from './protocol/services/write-property';
// The client (CLIENT.md): confirmed requests per socket, the device table and lookup, reads and writes.
export { TransactionManager } from './client/transaction-manager';
export type { ConfirmedRequest, TransactionCounters, TransactionManagerOptions, TransactionSocket } from './client/transaction-manager';
export { TransactionError, describeFailure } from './client/transaction-error';
export type { TransactionFailure } from './client/transaction-error';
export { ServerDuty } from './client/server-duty';
export type { ConfirmedNotification } from './client/server-duty';
export { DeviceReferenceError, formatDeviceReference, parseDeviceReference } from './client/device-reference';
export type { DeviceReference } from './client/device-reference';
export { DEFAULT_MAX_DEVICES, DeviceTable, describeDeviceAddress } from './client/device-table';
export type { DeviceEntry, DeviceTableOptions } from './client/device-table';
export { ABSENT_MS, DeviceLocator, DeviceNotFoundError } from './client/device-locator';
export type { DeviceLocatorOptions } from './client/device-locator';
export { ClientError, ClientInputError, requestFailed } from './client/client-error';
export type { RequestWords } from './client/client-error';
export type { Destination } from './client/destination';
export { BacnetClient } from './client/bacnet-client';
export type { ClientHost } from './client/bacnet-client';
export { PointClient } from './client/point-client';
export type { BacnetInfo, ReadRequest, ReadResult, WriteRequest } from './client/point-client';
export {
  decodeReadPropertyMultipleAck,
  decodeReadPropertyMultipleRequest,
  encodeReadPropertyMultipleAck,
  encodeReadPropertyMultipleRequest,
  readPropertyMultipleAckEstimate,
  readPropertyMultipleRequestLength,
} from './protocol/services/read-property-multiple';
export type { ReadAccessResult, ReadAccessResultItem, ReadAccessSpecification } from './protocol/services/read-property-multiple';
export { MultipleReader, planBatches } from './client/read-multiple';
export type { BatchItem, MultipleReadOutcome, PropertyValues } from './client/read-multiple';
export { isPropertySelection } from './client/point-client';
// COV (clause 13.6, 13.7, 13.14, 13.15): subscriptions and notifications, the service data.
export { decodeSubscribeCovRequest, encodeSubscribeCovRequest, isCovCancellation } from './protocol/services/subscribe-cov';
export type { SubscribeCovRequest } from './protocol/services/subscribe-cov';
export { decodeSubscribeCovPropertyRequest, encodeSubscribeCovPropertyRequest } from './protocol/services/subscribe-cov-property';
export type { SubscribeCovPropertyRequest } from './protocol/services/subscribe-cov-property';
export {
  UNCONFIRMED_COV_NOTIFICATION,
  covValuesByName,
  decodeCovNotification,
  decodeUnconfirmedCovNotificationApdu,
  encodeCovNotification,
  encodeUnconfirmedCovNotificationApdu,
  isUnconfirmedCovNotification,
} from './protocol/services/cov-notification';
export type { CovNotification, CovValue } from './protocol/services/cov-notification';
export { BACKOFF_MAX_MS, CovSubscription, MAX_LIFETIME_S, MIN_LIFETIME_S, backoffMs, renewalMs } from './client/cov-subscription';
export type { CovFollowOptions, CovListener, CovMessage, CovState } from './client/cov-subscription';
export { CovNotifications, covProcessId } from './client/cov-notifications';
export type { CovNotificationCounters } from './client/cov-notifications';
// The editor's point browser (CLIENT.md "The point browser"): devices, Who-Is, object listings.
export { MAX_NAMES_WAITING, NAME_READS_AT_ONCE, PointBrowser, WHO_IS_INTERVAL_MS } from './client/point-browser';
export type { BrowsedDevice, PointBrowserOptions } from './client/point-browser';
export { BROWSE_RETRIES, BROWSE_TIMEOUT_MS, BrowserError, CACHE_MS, MAX_CACHED_DEVICES, MAX_PAGE, ObjectListing } from './client/object-listing';
export type { ObjectListingOptions, ObjectPage, ObjectRow } from './client/object-listing';
