/**
 * Spot checks of the clause 21 tables: the numbers every BACnet tool shows
 * (analog-input 0, device 8, present-value 85, degrees-celsius 62,
 * write-access-denied 40, ...) and the first and last of each range, against
 * the standard and bacnet-stack's bacenum.h.
 */
import { strict as assert } from 'node:assert';
import {
  ABORT_REASONS,
  ENGINEERING_UNITS,
  ENUMERATIONS,
  ERROR_CLASSES,
  ERROR_CODES,
  NameTable,
  OBJECT_TYPES,
  PROPERTY_IDENTIFIERS,
  REJECT_REASONS,
  nameOf,
  numberOf,
} from '../../dist/protocol/names';

/** Asserts that each name is the number in `table`, both ways. */
function spotCheck(table: NameTable, pairs: Readonly<Record<string, number>>): void {
  for (const [name, n] of Object.entries(pairs)) {
    assert.equal(nameOf(table, n), name, `${table.id} ${n}`);
    assert.equal(numberOf(table, name), n, `${table.id} ${name}`);
  }
}

describe('names: well-known numbers', () => {
  it('object types', () => {
    spotCheck(OBJECT_TYPES, {
      'analog-input': 0, 'analog-output': 1, 'analog-value': 2, 'binary-input': 3, 'binary-output': 4,
      'binary-value': 5, calendar: 6, device: 8, file: 10, 'multi-state-input': 13, 'notification-class': 15,
      schedule: 17, 'multi-state-value': 19, 'trend-log': 20, accumulator: 23, 'trend-log-multiple': 27,
      'structured-view': 29, 'access-door': 30, timer: 31, 'access-credential': 32, 'network-security': 38,
      'bitstring-value': 39, 'characterstring-value': 40, 'integer-value': 45, 'positive-integer-value': 48,
      'notification-forwarder': 51, channel: 53, 'lighting-output': 54, 'binary-lighting-output': 55,
      'network-port': 56, 'elevator-group': 57, lift: 59, staging: 60, 'audit-log': 61, 'audit-reporter': 62,
      color: 63, 'color-temperature': 64,
    });
  });

  it('property identifiers', () => {
    spotCheck(PROPERTY_IDENTIFIERS, {
      'acked-transitions': 0, all: 8, 'notification-class': 17, 'controlled-variable-reference': 19,
      description: 28, 'event-state': 36, 'fault-values': 39, 'issue-confirmed-notifications': 51,
      'max-apdu-length-accepted': 62, 'object-identifier': 75, 'object-list': 76, 'object-name': 77,
      'object-type': 79, optional: 80, 'out-of-service': 81, polarity: 84, 'present-value': 85, priority: 86,
      'priority-array': 87, 'protocol-conformance-class': 95, 'protocol-services-supported': 97,
      reliability: 103, 'relinquish-default': 104, required: 105, 'segmentation-supported': 107,
      'status-flags': 111, 'system-status': 112, units: 117, 'vendor-identifier': 120, 'vendor-name': 121,
      enable: 133, 'protocol-revision': 139, 'active-cov-subscriptions': 152, 'max-segments-accepted': 167,
      'align-intervals': 193, 'interval-offset': 195, 'restart-notification-recipients': 202, 'node-type': 208,
      'requested-shed-level': 218, 'door-alarm-state': 226, 'secured-status': 235, 'absentee-limit': 244,
      'expiration-time': 270, 'user-information-reference': 311, 'user-name': 317, 'verification-time': 326,
      'backup-and-restore-state': 338, 'bit-mask': 342, 'is-utc': 344, 'event-message-texts': 351,
      'write-status': 370, 'property-list': 371, 'serial-number': 372, 'egress-active': 386,
      'timer-state': 398, 'apdu-length': 399, 'ip-address': 400, 'bacnet-ip-mode': 408,
      'fd-bbmd-address': 418, 'network-type': 427, 'virtual-mac-address-table': 429, 'value-source': 433,
      'bacnet-ipv6-mode': 435, 'ipv6-zone-index': 446, 'group-id': 465, 'group-mode': 467,
      'registered-car-call': 480, represents: 491, 'audit-source-reporter': 497, 'audit-priority-filter': 500,
      'device-uuid': 507, 'issuer-certificate-files': 511, 'max-bvlc-length-accepted': 4194304,
      'sc-hub-connector-state': 4194318, 'color-command': 4194334, 'max-proxied-i-ams-per-second': 4194349,
    });
    assert.equal(numberOf(PROPERTY_IDENTIFIERS, 'log-enable'), 133, 'the old name of enable');
  });

  it('engineering units', () => {
    spotCheck(ENGINEERING_UNITS, {
      'square-meters': 0, amperes: 3, 'kilowatt-hours': 19, 'percent-relative-humidity': 29, pascals: 53,
      'degrees-celsius': 62, 'degrees-kelvin': 63, 'degrees-fahrenheit': 64, seconds: 73,
      'cubic-feet-per-minute': 84, 'liters-per-second': 87, 'no-units': 95, 'parts-per-million': 96,
      percent: 98, currency1: 105, currency10: 114, 'delta-degrees-kelvin': 121, hectopascals: 133,
      'kilowatt-hours-per-square-meter': 137, milliseconds: 159, 'micro-siemens': 190, decibels: 199,
      'watt-hours-reactive': 203, 'per-mille': 207, ph: 234, 'ohm-meter-squared-per-meter': 237,
      'joule-per-hours': 247, 'million-standard-cubic-feet-per-minute': 254,
      'standard-cubic-feet-per-day': 47808, millirems: 47814, 'per-day': 47823, 'kelvin-per-day': 47870,
      'delta-degrees-celsius': 47872, 'btu-per-hour-per-watt': 47898, gigawatts: 47924, volume1: 47937,
      'volumetric-flow10': 47956, 'site-unit1': 47958, picoseconds: 47981,
    });
    assert.equal(numberOf(ENGINEERING_UNITS, 'kelvin'), 63);
    assert.equal(numberOf(ENGINEERING_UNITS, 'microsiemens'), 190);
    assert.equal(numberOf(ENGINEERING_UNITS, 'joulesPerHour'), 247);
    assert.equal(numberOf(ENGINEERING_UNITS, 'pH'), 234);
  });

  it('error classes and codes, reject and abort reasons', () => {
    spotCheck(ERROR_CLASSES, {
      device: 0, object: 1, property: 2, resources: 3, security: 4, services: 5, vt: 6, communication: 7,
    });
    spotCheck(ERROR_CODES, {
      other: 0, 'device-busy': 3, 'file-access-denied': 5, 'invalid-data-type': 9,
      'missing-required-parameter': 16, 'service-request-denied': 29, timeout: 30, 'unknown-object': 31,
      'unknown-property': 32, 'unknown-vt-class': 34, 'value-out-of-range': 37, 'write-access-denied': 40,
      'invalid-array-index': 42, 'datatype-not-supported': 47, 'property-is-not-an-array': 50,
      'abort-segmentation-not-supported': 54, 'network-down': 58, 'reject-unrecognized-service': 67,
      'unknown-device': 70, busy: 82, success: 84, 'not-router-to-dnet': 110, 'unknown-file-size': 122,
      'abort-apdu-too-long': 123, 'duplicate-entry': 137, 'invalid-data-encoding': 142, 'tls-error': 188,
      'not-enabled': 206, 'invalid-token': 229,
    });
    spotCheck(REJECT_REASONS, {
      other: 0, 'buffer-overflow': 1, 'inconsistent-parameters': 2, 'invalid-parameter-data-type': 3,
      'invalid-tag': 4, 'missing-required-parameter': 5, 'parameter-out-of-range': 6, 'too-many-arguments': 7,
      'undefined-enumeration': 8, 'unrecognized-service': 9, 'invalid-data-encoding': 10,
    });
    spotCheck(ABORT_REASONS, {
      other: 0, 'buffer-overflow': 1, 'invalid-apdu-in-this-state': 2, 'preempted-by-higher-priority-task': 3,
      'segmentation-not-supported': 4, 'security-error': 5, 'insufficient-security': 6,
      'window-size-out-of-range': 7, 'application-exceeded-reply-time': 8, 'out-of-resources': 9,
      'tsm-timeout': 10, 'apdu-too-long': 11,
    });
  });

  it('enumerations of the standard properties', () => {
    const E = ENUMERATIONS;
    spotCheck(E['binary-pv'], { inactive: 0, active: 1 });
    spotCheck(E['event-state'], {
      normal: 0, fault: 1, offnormal: 2, 'high-limit': 3, 'low-limit': 4, 'life-safety-alarm': 5,
    });
    spotCheck(E.reliability, {
      'no-fault-detected': 0, 'no-sensor': 1, 'unreliable-other': 7, 'configuration-error': 10,
      'communication-failure': 12, 'renew-dhcp-failure': 18, 'multi-state-out-of-range': 25,
    });
    spotCheck(E.polarity, { normal: 0, reverse: 1 });
    spotCheck(E['device-status'], { operational: 0, 'non-operational': 4, 'backup-in-progress': 5 });
    spotCheck(E.segmentation, { 'segmented-both': 0, 'segmented-receive': 2, 'no-segmentation': 3 });
    spotCheck(E['notify-type'], { alarm: 0, event: 1, 'ack-notification': 2 });
    spotCheck(E['event-type'], {
      'change-of-bitstring': 0, 'out-of-range': 5, 'change-of-life-safety': 8, 'buffer-ready': 10,
      'access-event': 13, 'change-of-reliability': 19, none: 20, 'change-of-timer': 22,
    });
    spotCheck(E['program-state'], { idle: 0, halted: 4, unloading: 5 });
    spotCheck(E['program-request'], { ready: 0, unload: 5 });
    spotCheck(E['program-error'], { normal: 0, other: 4 });
    spotCheck(E['shed-state'], { 'shed-inactive': 0, 'shed-non-compliant': 3 });
    spotCheck(E['life-safety-state'], { quiet: 0, 'test-supervisory': 23, 'test-oeo-unaffected': 34 });
    spotCheck(E['life-safety-mode'], { off: 0, 'automatic-release-disabled': 13, deactivated: 19 });
    spotCheck(E['life-safety-operation'], { none: 0, 'unsilence-visual': 9 });
    spotCheck(E['silenced-state'], { unsilenced: 0, 'all-silenced': 3 });
    spotCheck(E['door-value'], { lock: 0, 'extended-pulse-unlock': 3 });
    spotCheck(E['lock-status'], { locked: 0, 'lock-fault': 2, unknown: 4 });
    spotCheck(E['door-status'], { closed: 0, 'door-fault': 3, 'limited-opened': 9 });
    spotCheck(E['door-secured-status'], { secured: 0, unknown: 2 });
    spotCheck(E['door-alarm-state'], { normal: 0, 'door-open-too-long': 2, 'egress-open': 8 });
    spotCheck(E.maintenance, { none: 0, 'need-service-inoperative': 3 });
    spotCheck(E['node-type'], { unknown: 0, other: 11, zone: 21 });
    spotCheck(E['backup-state'], { idle: 0, 'restore-failure': 6 });
    spotCheck(E['restart-reason'], { unknown: 0, 'detected-powered-off': 4, 'activate-changes': 8 });
    spotCheck(E['logging-type'], { polled: 0, cov: 1, triggered: 2 });
    spotCheck(E['timer-state'], { idle: 0, running: 1, expired: 2 });
    spotCheck(E['timer-transition'], { none: 0, 'forced-to-expired': 5, 'expired-to-running': 7 });
    spotCheck(E['write-status'], { idle: 0, 'in-progress': 1, successful: 2, failed: 3 });
    spotCheck(E['lighting-operation'], { none: 0, 'warn-relinquish': 9, stop: 10, 'toggle-default': 14 });
    spotCheck(E['lighting-in-progress'], { idle: 0, 'not-controlled': 3, 'trim-active': 5 });
    spotCheck(E['lighting-transition'], { none: 0, fade: 1, ramp: 2 });
    spotCheck(E['binary-lighting-pv'], { off: 0, on: 1, 'warn-relinquish': 4, stop: 5, toggle: 6 });
    spotCheck(E['network-type'], { ethernet: 0, mstp: 2, ipv4: 5, ipv6: 9, 'secure-connect': 11 });
    spotCheck(E['escalator-mode'], { unknown: 0, 'out-of-service': 5 });
    spotCheck(E['lift-car-mode'], { unknown: 0, 'occupant-evacuation': 13 });
    spotCheck(E['lift-fault'], { 'controller-fault': 0, 'load-measurement-fault': 16 });
    spotCheck(E['access-event'], { none: 0, 'verification-required': 15, 'denied-deny-all': 128, 'denied-other': 164 });
    spotCheck(E.relationship, { unknown: 0, 'receives-steam': 29 });
  });
});
