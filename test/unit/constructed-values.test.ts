/**
 * Constructed property values (CLIENT.md "other constructed data"): the
 * clause 21 productions of the Device and analog/binary/multi-state objects
 * decoded by field name from octets laid out as clause 20.2 and bacnet-stack's
 * encoders do (timestamp.c, datetime.c, bacaddr.c, cov.c); odd data kept in
 * the generic form; encoding from the same shapes; and fast-check: round
 * trips, and any octets give a value or a DecodeError.
 */
import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import { CONSTRUCTED_ROWS, FieldSpec, PRODUCTIONS, Production } from '../../dist/protocol/constructed-productions';
import { constructedDatatype, decodeProduction, describeProduction, encodeProduction } from '../../dist/protocol/constructed-values';
import { PROPERTY_IDENTIFIERS, formatObjectReference, nameOf } from '../../dist/protocol/names';
import { encodePropertyValue } from '../../dist/protocol/property-encoding';
import { decodePropertyValue } from '../../dist/protocol/property-values';
import { ValueError } from '../../dist/protocol/value-error';
import { h, throwsDecode, throwsExactly } from '../support/codec-assert';
import { decodeOrUndefined, run } from '../support/property-run';
import { VALUES } from '../support/value-arbitraries';

const decode = (hex: string, objectType: string, property: string, index?: number): unknown => decodePropertyValue(h(hex), objectType, property, index);
const hex = (b: Buffer): string => b.toString('hex').toUpperCase();
const spaced = (text: string): string => text.replace(/\s+/g, '');

const DATE = { year: 2024, month: 12, day: 4, weekday: 5 };
const TIME = { hour: 13, minute: 30, second: 0, hundredths: 0 };
const STAMPS = '0C 0D 1E 00 00 19 07 2E A4 7C 0C 04 05 B4 0D 1E 00 00 2F';
const MAC = Buffer.from([192, 168, 0, 10, 0xba, 0xc0]);
/** A BACnetCOVSubscription: device:7 process 1, analog-input:1 present-value, confirmed, 60 s, increment 1.0. */
const COV_DEVICE = '0E 0E 0C 02 00 00 07 0F 19 01 0F 1E 0C 00 00 00 01 19 55 1F 29 01 39 3C 4C 3F 80 00 00';
/** Another: network 5 MAC 00 2A process 2, binary-value:2 present-value[3], unconfirmed, 0 s, no increment. */
const COV_ADDRESS = '0E 0E 1E 21 05 62 00 2A 1F 0F 19 02 0F 1E 0C 01 40 00 02 19 55 29 03 1F 29 00 39 00';

describe('constructed values: decoding', () => {
  it('event-time-stamps: BACnetARRAY[3] of BACnetTimeStamp, each alternative by its field name', () => {
    assert.deepEqual(decode(STAMPS, 'analog-input', 'event-time-stamps'), [{ time: TIME }, { 'sequence-number': 7 }, { datetime: { date: DATE, time: TIME } }]);
    assert.deepEqual(decode('2E A4 7C 0C 04 05 B4 0D 1E 00 00 2F', 'multi-state-value', 'event-time-stamps', 3), { datetime: { date: DATE, time: TIME } });
    assert.equal(decode('21 03', 'binary-output', 'event-time-stamps', 0), 3);
  });

  it('BACnetDateTime and BACnetTimeStamp properties of binary objects and the device', () => {
    assert.deepEqual(decode('A4 7C 0C 04 05 B4 0D 1E 00 00', 'binary-input', 'change-of-state-time'), { date: DATE, time: TIME });
    assert.deepEqual(decode('A4 FF FF FF FF B4 FF FF FF FF', 'binary-value', 'time-of-state-count-reset'), {
      date: { year: null, month: null, day: null, weekday: null },
      time: { hour: null, minute: null, second: null, hundredths: null },
    });
    assert.deepEqual(decode('19 07', 'device', 'time-of-device-restart'), { 'sequence-number': 7 });
    assert.deepEqual(decode('0C 0D 1E 00 00', 'device', 'last-restore-time'), { time: TIME });
  });

  it('device-address-binding: a list of { "device-identifier", "device-address": { "network-number", "mac-address" } }', () => {
    const bindings = decode('C4 02 00 00 05 21 00 65 06 C0 A8 00 0A BA C0 C4 02 00 00 09 21 05 61 03', 'device', 'device-address-binding');
    assert.deepEqual(bindings, [
      { 'device-identifier': 'device:5', 'device-address': { 'network-number': 0, 'mac-address': MAC } },
      { 'device-identifier': 'device:9', 'device-address': { 'network-number': 5, 'mac-address': Buffer.from([3]) } },
    ]);
    assert.deepEqual(decode('', 'device', 'slave-address-binding'), []);
  });

  it('active-cov-subscriptions: recipient process, monitored property reference, optional increment', () => {
    assert.deepEqual(decode(`${COV_DEVICE} ${COV_ADDRESS}`, 'device', 'active-cov-subscriptions'), [
      {
        recipient: { recipient: { device: 'device:7' }, 'process-identifier': 1 },
        'monitored-property-reference': { 'object-identifier': 'analog-input:1', 'property-identifier': 'present-value' },
        'issue-confirmed-notifications': true,
        'time-remaining': 60,
        'cov-increment': 1,
      },
      {
        recipient: { recipient: { address: { 'network-number': 5, 'mac-address': Buffer.from([0, 0x2a]) } }, 'process-identifier': 2 },
        'monitored-property-reference': { 'object-identifier': 'binary-value:2', 'property-identifier': 'present-value', 'property-array-index': 3 },
        'issue-confirmed-notifications': false,
        'time-remaining': 0,
      },
    ]);
  });

  it('recipient lists and event-algorithm-inhibit-ref', () => {
    assert.deepEqual(decode('0C 02 00 00 07 1E 21 00 65 06 C0 A8 00 0A BA C0 1F', 'device', 'restart-notification-recipients'), [
      { device: 'device:7' },
      { address: { 'network-number': 0, 'mac-address': MAC } },
    ]);
    assert.deepEqual(decode('0C 01 40 00 02 1A 02 00', 'analog-value', 'event-algorithm-inhibit-ref'), {
      'object-identifier': 'binary-value:2',
      'property-identifier': 512,
    });
  });

  it('BACnetDeviceObjectPropertyReference and BACnetDeviceObjectReference, with and without their optional fields', () => {
    const production = (name: string): Production => PRODUCTIONS.get(name) as Production;
    const dopr = production('BACnetDeviceObjectPropertyReference');
    assert.deepEqual(decodeProduction(dopr, h('0C 00 00 00 01 19 55 3C 02 00 00 05')), {
      value: { 'object-identifier': 'analog-input:1', 'property-identifier': 'present-value', 'device-identifier': 'device:5' },
      next: 12,
    });
    const dor = production('BACnetDeviceObjectReference');
    assert.deepEqual(decodeProduction(dor, h('1C 00 00 00 01')).value, { 'object-identifier': 'analog-input:1' });
    assert.deepEqual(decodeProduction(dor, h('0C 02 00 00 05 1C 00 00 00 01')).value, { 'device-identifier': 'device:5', 'object-identifier': 'analog-input:1' });
  });

  it('octets that are not the production stay in the generic form, never an error', () => {
    // A context tag the CHOICE does not have: raw octets.
    assert.deepEqual(decode('39 07', 'device', 'time-of-device-restart'), [{ tag: 3, value: Buffer.from([7]) }]);
    // A BACnetDateTime given as a time stamp (an older revision's last-restore-time): both application values.
    assert.deepEqual(decode('A4 7C 0C 04 05 B4 0D 1E 00 00', 'device', 'last-restore-time'), [DATE, TIME]);
    // One good time stamp and one that is not: the whole array generic.
    assert.deepEqual(decode('19 07 21 07', 'analog-input', 'event-time-stamps'), [{ tag: 1, value: Buffer.from([7]) }, 7]);
    // A binding without its MAC address.
    assert.deepEqual(decode('C4 02 00 00 05 21 00', 'device', 'device-address-binding'), ['device:5', 0]);
    // A date-time followed by more data is not one BACnetDateTime.
    assert.deepEqual(decode('A4 7C 0C 04 05 B4 0D 1E 00 00 21 01', 'binary-output', 'change-of-state-time'), [DATE, TIME, 1]);
  });

  it('malformed octets are a DecodeError, as for any property', () => {
    throwsDecode(() => decode('0E 0E 0C 02 00 00 07 0F', 'device', 'active-cov-subscriptions'), /not closed/);
    throwsDecode(() => decode('2E A4 7C 0C', 'analog-input', 'event-time-stamps'), /only 2 follow/);
    throwsDecode(() => decode('0C 0D 1E 00', 'device', 'time-of-device-restart', 1), /only 3 follow/);
  });
});

describe('constructed values: encoding', () => {
  it('BACnetDateTime and BACnetTimeStamp from the decoded shapes', () => {
    assert.equal(hex(encodeProduction('BACnetDateTime', { date: DATE, time: TIME })), 'A47C0C0405B40D1E0000');
    const stamps = [{ time: TIME }, { 'sequence-number': 7 }, { datetime: { date: DATE, time: TIME } }];
    assert.equal(stamps.map((stamp) => hex(encodeProduction('BACnetTimeStamp', stamp))).join(''), spaced(STAMPS));
  });

  it('the writable constructed properties through encodePropertyValue', () => {
    const recipients = [{ device: 'device:7' }, { address: { 'network-number': 0, 'mac-address': MAC } }];
    assert.equal(hex(encodePropertyValue('device', 'restart-notification-recipients', recipients)), '0C020000071E21006506C0A8000ABAC01F');
    assert.equal(hex(encodePropertyValue('device', 'utc-time-synchronization-recipients', [{ device: { type: 'device', instance: 7 } }])), '0C02000007');
    const binding = { 'device-identifier': 'device:5', 'device-address': { 'network-number': 0, 'mac-address': MAC } };
    assert.equal(hex(encodePropertyValue('device', 'manual-slave-address-binding', [binding])), 'C40200000521006506C0A8000ABAC0');
    const ref = { 'object-identifier': 'binary-value:2', 'property-identifier': 'present-value', 'property-array-index': 3 };
    assert.equal(hex(encodePropertyValue('analog-input', 'event-algorithm-inhibit-ref', ref)), '0C0140000219552903');
    assert.equal(hex(encodePropertyValue('device', 'time-synchronization-recipients', null)), '00');
  });

  it('the constructed properties a device reports encode too (the device decides whether it takes the write)', () => {
    assert.equal(hex(encodePropertyValue('binary-input', 'change-of-state-time', { date: DATE, time: TIME })), 'A47C0C0405B40D1E0000');
    assert.equal(hex(encodePropertyValue('device', 'active-cov-subscriptions', [])), '');
    assert.throws(() => encodePropertyValue('device', 'active-cov-subscriptions', {}), ValueError);
  });

  it('values that do not fit are ValueErrors naming the shape', () => {
    const stampShape = '{ time } or { "sequence-number" } or { datetime: { date, time } }';
    throwsExactly(
      () => encodeProduction('BACnetTimeStamp', { time: TIME, 'sequence-number': 1 }),
      ValueError,
      `BACnetTimeStamp takes ${stampShape}: give exactly one of "time", "sequence-number", "datetime"`,
    );
    throwsExactly(() => encodeProduction('BACnetTimeStamp', 7), ValueError, `BACnetTimeStamp takes ${stampShape}, got 7`);
    throwsExactly(() => encodeProduction('BACnetDateTime', { date: DATE }), ValueError, 'BACnetDateTime takes { date, time }: BACnetDateTime needs "time"');
    throwsExactly(() => encodeProduction('BACnetDateTime', { date: DATE, time: TIME, zone: 1 }), ValueError, 'BACnetDateTime takes { date, time }: BACnetDateTime has no field "zone"');
    throwsExactly(
      () => encodeProduction('BACnetTimeStamp', { datetime: { date: { ...DATE, month: 15 }, time: TIME } }),
      ValueError,
      `BACnetTimeStamp takes ${stampShape}: "date": date takes { year, month, day, weekday } with year 1900..2154, month 1..14, day 1..34, weekday 1..7, each or null for any: month is 15`,
    );
    assert.throws(() => encodePropertyValue('device', 'restart-notification-recipients', { device: 'device:7' }), /restart-notification-recipients of device is a list of BACnetRecipient \{ device \} or \{ address: /);
    assert.throws(() => encodePropertyValue('device', 'restart-notification-recipients', [{ device: 'devise:7' }]), /BACnetRecipient takes .*: "device": /);
    assert.throws(() => encodePropertyValue('device', 'restart-notification-recipients', [{ device: 'device' }]), /needs an instance/);
    assert.throws(() => encodeProduction('BACnetFoo', {}), /unknown production "BACnetFoo"/);
  });

  it('describes every production', () => {
    assert.equal(describeProduction(PRODUCTIONS.get('BACnetAddressBinding') as Production), '{ "device-identifier", "device-address": { "network-number", "mac-address" } }');
    assert.equal(constructedDatatype('device', 'active-cov-subscriptions')?.shape, 'list');
    assert.equal(constructedDatatype('analog-input', 'present-value'), null);
  });
});

/** A value of `production` in the shape decodeProduction gives it back. */
function productionValue(production: Production): fc.Arbitrary<Record<string, unknown>> {
  const fieldValue = (field: FieldSpec): fc.Arbitrary<unknown> => {
    if (typeof field.type === 'object') return productionValue(field.type);
    if (field.type === 'object-identifier') {
      return fc.record({ type: fc.integer({ min: 0, max: 1023 }), instance: fc.integer({ min: 0, max: 4194302 }) }).map(formatObjectReference);
    }
    if (field.type === 'property-identifier') return fc.integer({ min: 0, max: 0xffffffff }).map((n) => nameOf(PROPERTY_IDENTIFIERS, n));
    return VALUES[field.type];
  };
  const record = (fields: readonly FieldSpec[]): fc.Arbitrary<Record<string, unknown>> => {
    const model = Object.fromEntries(fields.map((field) => [field.name, fieldValue(field)]));
    const requiredKeys = fields.filter((field) => field.optional !== true).map((field) => field.name);
    return fc.record(model, { requiredKeys, noNullPrototype: true });
  };
  if (production.kind === 'choice') return fc.oneof(...production.fields.map((field) => record([field])));
  return record(production.fields);
}

const PROPERTIES = CONSTRUCTED_ROWS.flatMap(([types, properties, shape, production, writable]) =>
  types.split(' ').flatMap((objectType) => properties.split(' ').map((property) => ({ objectType, property, shape, production, writable }))),
);

/** Tag soup: opening and closing tags 0..4 and primitives that these productions use, so the walker meets near-misses. */
const TOKENS = ['0E', '0F', '1E', '1F', '2E', '2F', '3E', '3F', '4E', '4F', '0C 02 00 00 07', '0C 0D 1E 00 00', '19 07', '29 01', '39 3C', '4C 3F 80 00 00', '1A 02 00', '3C 02 00 00 05'];
const APPLICATION = ['21 05', '22 01 00', 'A4 7C 0C 04 05', 'B4 0D 1E 00 00', 'C4 02 00 00 05', '61 03', '65 06 C0 A8 00 0A BA C0', '91 55', '44 3F 80 00 00', '11'];
const soup = fc.array(fc.constantFrom(...TOKENS, ...APPLICATION), { maxLength: 16 }).map((parts) => h(parts.join(' ')));

describe('constructed values: properties', () => {
  it('every production: decodeProduction(encodeProduction(v)) is v', () => {
    const cases = fc.constantFrom(...PRODUCTIONS.values()).chain((production) => productionValue(production).map((value) => ({ production, value })));
    run(
      fc.property(cases, ({ production, value }) => {
        const octets = encodeProduction(production, value);
        assert.deepStrictEqual(decodeProduction(production, octets), { value, next: octets.length });
      }),
      1000,
    );
  });

  it('every constructed property: decodePropertyValue(encodePropertyValue(v)) is v', () => {
    const cases = fc.constantFrom(...PROPERTIES).chain((entry) => {
      const one = productionValue(entry.production);
      return (entry.shape === 'single' ? one : fc.array(one, { maxLength: 4 })).map((value) => ({ entry, value }));
    });
    run(
      fc.property(cases, ({ entry, value }) => {
        const octets = encodePropertyValue(entry.objectType, entry.property, value);
        assert.deepStrictEqual(decodePropertyValue(octets, entry.objectType, entry.property), value);
      }),
      500,
    );
  });

  it('any octets or tag soup give a value or a DecodeError for every constructed property', () => {
    const entry = fc.constantFrom(...PROPERTIES);
    const index = fc.option(fc.integer({ min: 0, max: 4 }), { nil: null });
    run(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), soup), entry, index, (bytes, { objectType, property }, arrayIndex) => {
        decodeOrUndefined(() => decodePropertyValue(bytes, objectType, property, arrayIndex));
      }),
      3000,
    );
  });
});
