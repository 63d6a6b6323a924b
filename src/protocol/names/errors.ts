/**
 * The names of what a device answers when it refuses (clause 18, ASN.1 in
 * clause 21): error classes and codes of an Error-PDU, reasons of a
 * Reject-PDU and of an Abort-PDU. Each line starts at the number of its
 * first name; `_` is an unassigned number.
 */
import { MAX_UINT32, defineTable } from './name-table';

/** BACnetErrorClass: 0..63 ASHRAE's, 64..65535 proprietary. */
export const ERROR_CLASSES = defineTable('error-class', 'error class', MAX_UINT32, [
  [0, 'device object property resources security services vt communication'],
]);

/**
 * BACnetErrorCode: 0..255 ASHRAE's, 256..65535 proprietary. The network
 * security codes removed in revision 22 (bad-timestamp 90 and others) keep
 * their names; 33 was never assigned.
 */
export const ERROR_CODES = defineTable('error-code', 'error code', MAX_UINT32, [
  [0, 'other authentication-failed configuration-in-progress device-busy'],
  [4, 'dynamic-creation-not-supported file-access-denied incompatible-security-levels'],
  [7, 'inconsistent-parameters inconsistent-selection-criterion invalid-data-type'],
  [10, 'invalid-file-access-method invalid-file-start-position invalid-operator-name'],
  [13, 'invalid-parameter-data-type invalid-time-stamp key-generation-error'],
  [16, 'missing-required-parameter no-objects-of-specified-type no-space-for-object'],
  [19, 'no-space-to-add-list-element no-space-to-write-property no-vt-sessions-available'],
  [22, 'property-is-not-a-list object-deletion-not-permitted object-identifier-already-exists'],
  [25, 'operational-problem password-failure read-access-denied security-not-supported'],
  [29, 'service-request-denied timeout unknown-object unknown-property _ unknown-vt-class'],
  [35, 'unknown-vt-session unsupported-object-type value-out-of-range vt-session-already-closed'],
  [39, 'vt-session-termination-failure write-access-denied character-set-not-supported'],
  [42, 'invalid-array-index cov-subscription-failed not-cov-property'],
  [45, 'optional-functionality-not-supported invalid-configuration-data datatype-not-supported'],
  [48, 'duplicate-name duplicate-object-id property-is-not-an-array abort-buffer-overflow'],
  [52, 'abort-invalid-apdu-in-this-state abort-preempted-by-higher-priority-task'],
  [54, 'abort-segmentation-not-supported abort-proprietary abort-other invalid-tag network-down'],
  [59, 'reject-buffer-overflow reject-inconsistent-parameters reject-invalid-parameter-data-type'],
  [62, 'reject-invalid-tag reject-missing-required-parameter reject-parameter-out-of-range'],
  [65, 'reject-too-many-arguments reject-undefined-enumeration reject-unrecognized-service'],
  [68, 'reject-proprietary reject-other unknown-device unknown-route value-not-initialized'],
  [73, 'invalid-event-state no-alarm-configured log-buffer-full logged-value-purged'],
  [77, 'no-property-specified not-configured-for-triggered-logging unknown-subscription'],
  [80, 'parameter-out-of-range list-element-not-found busy communication-disabled success'],
  [85, 'access-denied bad-destination-address bad-destination-device-id bad-signature'],
  [89, 'bad-source-address bad-timestamp cannot-use-key cannot-verify-message-id'],
  [93, 'correct-key-revision destination-device-id-required duplicate-message'],
  [96, 'encryption-not-configured encryption-required incorrect-key invalid-key-data'],
  [100, 'key-update-in-progress malformed-message not-key-server security-not-configured'],
  [104, 'source-security-required too-many-keys unknown-authentication-type unknown-key'],
  [108, 'unknown-key-revision unknown-source-message not-router-to-dnet router-busy'],
  [112, 'unknown-network-message message-too-long security-error addressing-error'],
  [116, 'write-bdt-failed read-bdt-failed register-foreign-device-failed read-fdt-failed'],
  [120, 'delete-fdt-entry-failed distribute-broadcast-failed unknown-file-size'],
  [123, 'abort-apdu-too-long abort-application-exceeded-reply-time abort-out-of-resources'],
  [126, 'abort-tsm-timeout abort-window-size-out-of-range file-full inconsistent-configuration'],
  [130, 'inconsistent-object-type internal-error not-configured out-of-memory value-too-long'],
  [135, 'abort-insufficient-security abort-security-error duplicate-entry'],
  [138, 'invalid-value-in-this-state invalid-operation-in-this-state list-item-not-numbered'],
  [141, 'list-item-not-timestamped invalid-data-encoding bvlc-function-unknown'],
  [144, 'bvlc-proprietary-function-unknown header-encoding-error header-not-understood'],
  [147, 'message-incomplete not-a-bacnet-sc-hub payload-expected unexpected-data'],
  [151, 'node-duplicate-vmac http-unexpected-response-code http-no-upgrade'],
  [154, 'http-resource-not-local http-proxy-authentication-failed http-response-timeout'],
  [157, 'http-response-syntax-error http-response-value-error http-response-missing-header'],
  [160, 'http-websocket-header-error http-upgrade-required http-upgrade-error'],
  [163, 'http-temporary-unavailable http-not-a-server http-error websocket-scheme-not-supported'],
  [167, 'websocket-unknown-control-message websocket-close-error websocket-closed-by-peer'],
  [170, 'websocket-endpoint-leaves websocket-protocol-error websocket-data-not-accepted'],
  [173, 'websocket-closed-abnormally websocket-data-inconsistent websocket-data-against-policy'],
  [176, 'websocket-frame-too-long websocket-extension-missing websocket-request-unavailable'],
  [179, 'websocket-error tls-client-certificate-error tls-server-certificate-error'],
  [182, 'tls-client-authentication-failed tls-server-authentication-failed'],
  [184, 'tls-client-certificate-expired tls-server-certificate-expired'],
  [186, 'tls-client-certificate-revoked tls-server-certificate-revoked tls-error'],
  [189, 'dns-unavailable dns-name-resolution-failed dns-resolver-failure dns-error'],
  [193, 'tcp-connect-timeout tcp-connection-refused tcp-closed-by-local tcp-closed-other'],
  [197, 'tcp-error ip-address-not-reachable ip-error certificate-expired certificate-invalid'],
  [202, 'certificate-malformed certificate-revoked unknown-security-key'],
  [205, 'referenced-port-in-error not-enabled adjust-scope-required auth-scope-required'],
  [209, 'bind-scope-required config-scope-required control-scope-required'],
  [212, 'extended-scope-required incorrect-client install-scope-required insufficient-scope'],
  [216, 'no-default-scope no-policy revoked-token override-scope-required inactive-token'],
  [221, 'unknown-audience unknown-client unknown-scope view-scope-required'],
  [225, 'incorrect-audience incorrect-client-origin invalid-array-size incorrect-issuer'],
  [229, 'invalid-token'],
]);

/** BACnetRejectReason: one octet in the Reject-PDU; 0..63 ASHRAE's, 64..255 proprietary. */
export const REJECT_REASONS = defineTable('reject-reason', 'reject reason', 255, [
  [0, 'other buffer-overflow inconsistent-parameters invalid-parameter-data-type invalid-tag'],
  [5, 'missing-required-parameter parameter-out-of-range too-many-arguments'],
  [8, 'undefined-enumeration unrecognized-service invalid-data-encoding'],
]);

/** BACnetAbortReason: one octet in the Abort-PDU; 0..63 ASHRAE's, 64..255 proprietary. */
export const ABORT_REASONS = defineTable('abort-reason', 'abort reason', 255, [
  [0, 'other buffer-overflow invalid-apdu-in-this-state preempted-by-higher-priority-task'],
  [4, 'segmentation-not-supported security-error insufficient-security'],
  [7, 'window-size-out-of-range application-exceeded-reply-time out-of-resources'],
  [10, 'tsm-timeout apdu-too-long'],
]);
