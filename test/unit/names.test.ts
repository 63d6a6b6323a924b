/**
 * The standard's name tables (clause 21) and the lookups over them: every
 * name maps back to its number, no two names share a number or a spelling,
 * the well-known numbers are right, every input form is accepted, bad input
 * gets one named error with a suggestion for a near miss.
 */
import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import {
  ABORT_REASONS,
  ENGINEERING_UNITS,
  ENUMERATIONS,
  ERROR_CLASSES,
  ERROR_CODES,
  NameError,
  NameTable,
  OBJECT_TYPES,
  PROPERTY_IDENTIFIERS,
  REJECT_REASONS,
  enumerationFor,
  nameOf,
  normalizeName,
  numberOf,
} from '../../dist/protocol/names';
import { throwsExactly } from '../support/codec-assert';

const SEED = 0x0bac0fd;
const TABLES: readonly NameTable[] = [
  OBJECT_TYPES,
  PROPERTY_IDENTIFIERS,
  ENGINEERING_UNITS,
  ERROR_CLASSES,
  ERROR_CODES,
  REJECT_REASONS,
  ABORT_REASONS,
  ...Object.values(ENUMERATIONS),
];

const camel = (kebab: string): string => kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const snake = (kebab: string): string => kebab.toUpperCase().replace(/-/g, '_');

/** The numbers in [first, last] that have no name in `table`. */
function unnamed(table: NameTable, first: number, last: number): number[] {
  const gaps: number[] = [];
  for (let n = first; n <= last; n++) if (!table.names.has(n)) gaps.push(n);
  return gaps;
}

/** The numbers in [first, last] that have a name in `table`. */
function named(table: NameTable, first: number, last: number): number[] {
  return [...table.names.keys()].filter((n) => n >= first && n <= last);
}

const range = (first: number, last: number): number[] => Array.from({ length: last - first + 1 }, (_, i) => first + i);

/** Asserts that each name is the number in `table`, both ways. */
function spotCheck(table: NameTable, pairs: Readonly<Record<string, number>>): void {
  for (const [name, n] of Object.entries(pairs)) {
    assert.equal(nameOf(table, n), name, `${table.id} ${n}`);
    assert.equal(numberOf(table, name), n, `${table.id} ${name}`);
  }
}

describe('names (clause 21 tables)', () => {
  describe('every table', () => {
    for (const table of TABLES) {
      it(`${table.id}: every name maps back to its number in every spelling, no spelling twice`, () => {
        assert.ok(table.names.size > 0);
        const seen = new Map<string, number>();
        for (const [n, name] of table.names) {
          assert.ok(Number.isInteger(n) && n >= 0 && n <= table.max, `${name} ${n} in 0..${table.max}`);
          assert.match(name, /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, `${name} is kebab case`);
          assert.equal(nameOf(table, n), name);
          for (const spelling of [name, camel(name), snake(name), name.toUpperCase(), ` ${name} `]) {
            assert.equal(numberOf(table, spelling), n, `${table.id} "${spelling}"`);
          }
          const key = normalizeName(name);
          assert.equal(seen.get(key), undefined, `${name} and number ${seen.get(key)} share a spelling`);
          seen.set(key, n);
        }
        // Aliases are extra spellings of named numbers, never printed.
        for (const [key, n] of table.lookup) {
          assert.ok(table.names.has(n), `${table.id} alias ${key} names ${n}`);
          assert.equal(numberOf(table, key), n);
        }
      });
    }

    it('table ids are unique and the enumeration ids are their keys', () => {
      const ids = TABLES.map((table) => table.id);
      assert.equal(new Set(ids).size, ids.length);
      for (const [id, table] of Object.entries(ENUMERATIONS)) {
        assert.equal(table.id, id);
        assert.equal(table.label, `${id} value`);
        assert.equal(table.max, 0xffffffff);
      }
    });
  });

  describe('sizes and unassigned numbers (a miscounted line shows here)', () => {
    it('object types: 0..64 all named, 0..1023 on the wire', () => {
      assert.equal(OBJECT_TYPES.names.size, 65);
      assert.deepEqual(unnamed(OBJECT_TYPES, 0, 64), []);
      assert.equal(OBJECT_TYPES.max, 1023);
    });

    it('property identifiers: 0..511 but the unassigned ones, and 4194304..4194349 but 4194333', () => {
      assert.equal(PROPERTY_IDENTIFIERS.names.size, 530);
      assert.deepEqual(unnamed(PROPERTY_IDENTIFIERS, 0, 511), [
        18, 194, 198, 199, 200, 201, 216, 217, 223, 224, 225, ...range(236, 243), ...range(312, 316), 324, 325, 466,
      ]);
      assert.deepEqual(named(PROPERTY_IDENTIFIERS, 512, 4194303), [], 'proprietary range');
      assert.deepEqual(unnamed(PROPERTY_IDENTIFIERS, 4194304, 4194349), [4194333]);
      assert.equal(PROPERTY_IDENTIFIERS.max, 0xffffffff);
    });

    it('engineering units: 0..254 and 47808..47981 but 47813 and 47957', () => {
      assert.equal(ENGINEERING_UNITS.names.size, 427);
      assert.deepEqual(unnamed(ENGINEERING_UNITS, 0, 254), []);
      assert.deepEqual(unnamed(ENGINEERING_UNITS, 47808, 47981), [47813, 47957]);
      assert.deepEqual(named(ENGINEERING_UNITS, 255, 47807), [], 'proprietary range');
    });

    it('errors: 8 classes, codes 0..229 but 33, 11 reject and 12 abort reasons of one octet', () => {
      assert.deepEqual(unnamed(ERROR_CLASSES, 0, 7), []);
      assert.equal(ERROR_CLASSES.names.size, 8);
      assert.deepEqual(unnamed(ERROR_CODES, 0, 229), [33]);
      assert.equal(ERROR_CODES.names.size, 229);
      assert.deepEqual(unnamed(REJECT_REASONS, 0, 10), []);
      assert.equal(REJECT_REASONS.names.size, 11);
      assert.deepEqual(unnamed(ABORT_REASONS, 0, 11), []);
      assert.equal(ABORT_REASONS.names.size, 12);
      assert.equal(REJECT_REASONS.max, 255);
      assert.equal(ABORT_REASONS.max, 255);
    });

    it('enumerations: the gaps are the standard\'s', () => {
      const gaps = Object.fromEntries(
        Object.entries(ENUMERATIONS).map(([id, table]) => [id, unnamed(table, 0, Math.max(...table.names.keys()))]),
      );
      const withGaps = Object.fromEntries(Object.entries(gaps).filter(([, list]) => list.length > 0));
      assert.deepEqual(withGaps, {
        reliability: [11],
        'event-type': [6, 7, 12],
        'access-event': range(16, 127),
        'network-type': [8],
      });
    });
  });

  describe('well-known numbers', () => {
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

  describe('numberOf input forms', () => {
    it('accepts kebab, camelCase, SCREAMING_SNAKE, any case, spaces, numbers and digit strings', () => {
      for (const input of ['analog-input', 'analogInput', 'ANALOG_INPUT', 'Analog-Input', 'analog input', ' analog-input ', 0, '0', ' 0 ', '000']) {
        assert.equal(numberOf(OBJECT_TYPES, input), 0, JSON.stringify(input));
      }
      assert.equal(numberOf(PROPERTY_IDENTIFIERS, 'PRESENT_VALUE'), 85);
      assert.equal(numberOf(PROPERTY_IDENTIFIERS, 'presentValue'), 85);
      assert.equal(numberOf(PROPERTY_IDENTIFIERS, '85'), 85);
      assert.equal(numberOf(ENGINEERING_UNITS, 'degreesCelsius'), 62);
      assert.equal(numberOf(ERROR_CODES, 'WRITE_ACCESS_DENIED'), 40);
    });

    it('accepts numbers without a name within the range (proprietary) and prints them as numbers', () => {
      assert.equal(numberOf(OBJECT_TYPES, 128), 128);
      assert.equal(numberOf(OBJECT_TYPES, '1023'), 1023);
      assert.equal(nameOf(OBJECT_TYPES, 128), 128);
      assert.equal(numberOf(PROPERTY_IDENTIFIERS, 512), 512);
      assert.equal(numberOf(PROPERTY_IDENTIFIERS, 4294967295), 4294967295);
      assert.equal(nameOf(PROPERTY_IDENTIFIERS, 4194303), 4194303);
      assert.equal(nameOf(ENGINEERING_UNITS, 47813), 47813);
      assert.equal(numberOf(ABORT_REASONS, 255), 255);
      assert.equal(numberOf(ENUMERATIONS['binary-pv'], 2), 2);
      assert.equal(nameOf(ENUMERATIONS['binary-pv'], 2), 2);
      assert.ok(Object.is(numberOf(OBJECT_TYPES, -0), 0), '-0 is 0');
    });

    it('rejects numbers out of range or not integers, naming the table and the input', () => {
      throwsExactly(() => numberOf(OBJECT_TYPES, 1024), NameError, 'object type 1024 is not an integer 0..1023');
      throwsExactly(() => numberOf(OBJECT_TYPES, '1024'), NameError, 'object type "1024" is not an integer 0..1023');
      throwsExactly(() => numberOf(OBJECT_TYPES, -1), NameError, 'object type -1 is not an integer 0..1023');
      throwsExactly(() => numberOf(OBJECT_TYPES, 1.5), NameError, 'object type 1.5 is not an integer 0..1023');
      throwsExactly(() => numberOf(OBJECT_TYPES, Number.NaN), NameError, 'object type NaN is not an integer 0..1023');
      throwsExactly(() => numberOf(ABORT_REASONS, 256), NameError, 'abort reason 256 is not an integer 0..255');
      throwsExactly(
        () => numberOf(PROPERTY_IDENTIFIERS, '4294967296'),
        NameError,
        'property identifier "4294967296" is not an integer 0..4294967295',
      );
      throwsExactly(
        () => numberOf(ENUMERATIONS['binary-pv'], Infinity),
        NameError,
        'binary-pv value Infinity is not an integer 0..4294967295',
      );
    });

    it('rejects unknown names, suggesting the closest for a near miss', () => {
      throwsExactly(
        () => numberOf(OBJECT_TYPES, 'analog-inptu'),
        NameError,
        'unknown object type "analog-inptu" (did you mean "analog-input"?)',
      );
      throwsExactly(
        () => numberOf(PROPERTY_IDENTIFIERS, 'presentValu'),
        NameError,
        'unknown property identifier "presentValu" (did you mean "present-value"?)',
      );
      throwsExactly(
        () => numberOf(ENGINEERING_UNITS, 'degrees-celcius'),
        NameError,
        'unknown engineering unit "degrees-celcius" (did you mean "degrees-celsius"?)',
      );
      throwsExactly(() => numberOf(ENUMERATIONS['binary-pv'], 'on'), NameError, 'unknown binary-pv value "on"');
      throwsExactly(() => numberOf(OBJECT_TYPES, 'ai'), NameError, 'unknown object type "ai"');
      throwsExactly(() => numberOf(OBJECT_TYPES, '0x10'), NameError, 'unknown object type "0x10"');
      throwsExactly(() => numberOf(OBJECT_TYPES, '   '), NameError, 'no object type given');
      const err = catchNameError(() => numberOf(ERROR_CODES, 'write-acess-denied'));
      assert.equal(err.kind, 'error code');
      assert.equal(err.input, 'write-acess-denied');
      assert.equal(err.suggestion, 'write-access-denied');
      assert.ok(err instanceof TypeError);
      assert.equal(err.name, 'NameError');
      assert.equal(catchNameError(() => numberOf(OBJECT_TYPES, 'x'.repeat(10000))).suggestion, null);
    });

    it('rejects what is neither a string nor a number', () => {
      for (const input of [null, undefined, true, {}, [], 1n]) {
        const err = catchNameError(() => numberOf(OBJECT_TYPES, input as unknown as string));
        assert.match(err.message, /^object type must be a name or a number, not /);
      }
    });

    it('never throws anything but NameError, and reads back what nameOf prints (property)', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 40 }), (text) => {
          try {
            const n = numberOf(PROPERTY_IDENTIFIERS, text);
            assert.ok(Number.isInteger(n) && n >= 0 && n <= PROPERTY_IDENTIFIERS.max);
          } catch (err) {
            if (!(err instanceof NameError)) throw err;
          }
        }),
        { seed: SEED, numRuns: 500 },
      );
      for (const table of [OBJECT_TYPES, ENGINEERING_UNITS, ENUMERATIONS.reliability]) {
        fc.assert(
          fc.property(fc.integer({ min: 0, max: Math.min(table.max, 70000) }), (n) => {
            assert.equal(numberOf(table, nameOf(table, n)), n);
            assert.equal(numberOf(table, String(n)), n);
          }),
          { seed: SEED, numRuns: 300 },
        );
      }
    });
  });

  describe('enumerationFor', () => {
    it('present-value depends on the object type', () => {
      for (const type of ['binary-input', 'binary-output', 'binary-value', 3, 'binaryValue']) {
        assert.equal(enumerationFor(type, 'present-value'), ENUMERATIONS['binary-pv'], String(type));
      }
      assert.equal(enumerationFor('analog-input', 'present-value'), null);
      assert.equal(enumerationFor('multi-state-value', 'present-value'), null);
      assert.equal(enumerationFor('life-safety-point', 'present-value'), ENUMERATIONS['life-safety-state']);
      assert.equal(enumerationFor('access-door', 'present-value'), ENUMERATIONS['door-value']);
      assert.equal(enumerationFor('load-control', 'present-value'), ENUMERATIONS['shed-state']);
      assert.equal(enumerationFor('binary-lighting-output', 'present-value'), ENUMERATIONS['binary-lighting-pv']);
      assert.equal(enumerationFor('binary-output', 'relinquish-default'), ENUMERATIONS['binary-pv']);
      assert.equal(enumerationFor('binary-output', 'feedback-value'), ENUMERATIONS['binary-pv']);
      assert.equal(enumerationFor('loop', 'action'), ENUMERATIONS.action);
      assert.equal(enumerationFor('command', 'action'), null);
    });

    it('properties with one enumeration in every object', () => {
      const cases: Array<[number | string, number | string, NameTable]> = [
        ['analog-input', 'event-state', ENUMERATIONS['event-state']],
        ['binary-value', 'reliability', ENUMERATIONS.reliability],
        ['analog-value', 'units', ENGINEERING_UNITS],
        [0, 117, ENGINEERING_UNITS],
        ['binary-output', 'polarity', ENUMERATIONS.polarity],
        ['device', 'system-status', ENUMERATIONS['device-status']],
        ['device', 'segmentation-supported', ENUMERATIONS.segmentation],
        ['notification-class', 'notify-type', ENUMERATIONS['notify-type']],
        ['event-enrollment', 'event-type', ENUMERATIONS['event-type']],
        ['analog-input', 'object-type', OBJECT_TYPES],
        ['device', 'property-list', PROPERTY_IDENTIFIERS],
        ['device', 'last-restart-reason', ENUMERATIONS['restart-reason']],
        ['program', 'program-state', ENUMERATIONS['program-state']],
        ['program', 'program-change', ENUMERATIONS['program-request']],
        ['program', 'reason-for-halt', ENUMERATIONS['program-error']],
        ['timer', 'timer-state', ENUMERATIONS['timer-state']],
        ['trend-log', 'logging-type', ENUMERATIONS['logging-type']],
        ['network-port', 'network-type', ENUMERATIONS['network-type']],
        ['lighting-output', 'in-progress', ENUMERATIONS['lighting-in-progress']],
        ['life-safety-zone', 'mode', ENUMERATIONS['life-safety-mode']],
      ];
      for (const [type, property, table] of cases) {
        assert.equal(enumerationFor(type, property), table, `${type} ${property}`);
      }
    });

    it('is null for properties that are not enumerated and for proprietary ones; throws on unknown names', () => {
      assert.equal(enumerationFor('analog-input', 'object-name'), null);
      assert.equal(enumerationFor('analog-input', 512), null);
      assert.equal(enumerationFor(128, 'present-value'), null);
      assert.equal(enumerationFor(128, 'event-state'), ENUMERATIONS['event-state']);
      assert.throws(() => enumerationFor('analog-inptu', 'units'), NameError);
      assert.throws(() => enumerationFor('analog-input', 'unitz'), NameError);
    });
  });
});

function catchNameError(fn: () => unknown): NameError {
  try {
    fn();
  } catch (err) {
    if (err instanceof NameError) return err;
    throw err;
  }
  assert.fail('expected a NameError');
}
