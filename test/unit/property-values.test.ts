/**
 * decodePropertyValue: each row of CLIENT.md's Values table from the octets
 * of a ReadProperty-ACK's [3], shaped by object type and property; arrays
 * with and without an index; priority arrays; the generic fallback; and
 * malformed octets giving DecodeError and nothing else.
 */
import { strict as assert } from 'node:assert';
import * as index from '../../dist/index';
import { encodeApplicationValue } from '../../dist/protocol/application-tags';
import { NameError } from '../../dist/protocol/names';
import { decodePropertyValue } from '../../dist/protocol/property-values';
import { h, throwsDecode } from '../support/codec-assert';

const decode = (hex: string, objectType: string | number, property: string | number, index?: number | null): unknown =>
  decodePropertyValue(h(hex), objectType, property, index);

describe('property values: decoding', () => {
  it('is the public API of the package', () => {
    assert.equal(index.decodePropertyValue, decodePropertyValue);
    for (const name of ['encodePropertyValue', 'propertyDatatype', 'enumerationOf', 'PROPERTY_DATATYPES', 'STATUS_FLAGS', 'EVENT_TRANSITION_BITS', 'LIMIT_ENABLE']) {
      assert.ok(name in index, name);
    }
  });

  it('null, boolean, unsigned, signed, real, double', () => {
    assert.equal(decode('00', 'analog-output', 'present-value'), null);
    assert.equal(decode('11', 'analog-input', 'out-of-service'), true);
    assert.equal(decode('10', 'binary-value', 'out-of-service'), false);
    assert.equal(decode('21 48', 'device', 'vendor-identifier'), 72);
    assert.equal(decode('25 08 FF FF FF FF FF FF FF FF', 'device', 'database-revision'), '18446744073709551615');
    assert.equal(decode('31 C4', 'device', 'utc-offset'), -60);
    assert.equal(decode('44 41 B4 00 00', 'analog-input', 'present-value'), 22.5);
    assert.equal(decodePropertyValue(encodeApplicationValue('double', 1.1), 'analog-value', 512), 1.1);
  });

  it('octet-string as a Buffer, character-string in UTF-8, ISO 8859-1 and UCS-2', () => {
    assert.deepEqual(decode('62 01 02', 'analog-value', 512), Buffer.from([1, 2]));
    assert.equal(decode('75 06 00 48 65 6C 6C 6F', 'device', 'object-name'), 'Hello');
    assert.equal(decode('74 05 E9 74 E9', 'analog-input', 'description'), 'été');
    assert.equal(decode('75 05 04 00 48 00 69', 'device', 'location'), 'Hi');
  });

  it('status-flags, event-enable, acked-transitions and limit-enable have named bits', () => {
    assert.deepEqual(decode('82 04 40', 'analog-input', 'status-flags'), {
      'in-alarm': false,
      fault: true,
      overridden: false,
      'out-of-service': false,
    });
    assert.deepEqual(decode('82 05 E0', 'binary-input', 'event-enable'), { 'to-offnormal': true, 'to-fault': true, 'to-normal': true });
    assert.deepEqual(decode('82 05 A0', 'device', 'acked-transitions'), { 'to-offnormal': true, 'to-fault': false, 'to-normal': true });
    assert.deepEqual(decode('82 06 80', 'analog-value', 'limit-enable'), { 'low-limit-enable': true, 'high-limit-enable': false });
    // Fewer bits than names: the missing ones are false.
    assert.deepEqual(decode('82 07 80', 'multi-state-value', 'status-flags'), {
      'in-alarm': true,
      fault: false,
      overridden: false,
      'out-of-service': false,
    });
  });

  it('other bit-strings are arrays of booleans', () => {
    assert.deepEqual(decode('82 05 A0', 'device', 'protocol-object-types-supported'), [true, false, true]);
    assert.deepEqual(decode('82 04 40', 'analog-value', 512), [false, true, false, false]);
  });

  it('enumerated values by the standard name of the property, else the number', () => {
    assert.equal(decode('91 01', 'binary-input', 'present-value'), 'active');
    assert.equal(decode('91 00', 'binary-output', 'relinquish-default'), 'inactive');
    assert.equal(decode('91 3E', 'analog-input', 'units'), 'degrees-celsius');
    assert.equal(decode('91 00', 'analog-input', 'event-state'), 'normal');
    assert.equal(decode('91 01', 'binary-input', 'polarity'), 'reverse');
    assert.equal(decode('91 00', 'device', 'system-status'), 'operational');
    assert.equal(decode('91 00', 'device', 'object-type'), 'analog-input');
    assert.equal(decode('92 EA 60', 'analog-input', 'units'), 60000);
    assert.equal(decode('91 07', 'analog-value', 512), 7);
  });

  it('date and time as the codec gives them, null where unspecified', () => {
    assert.deepEqual(decode('A4 7C 0C 04 05', 'device', 'local-date'), { year: 2024, month: 12, day: 4, weekday: 5 });
    assert.deepEqual(decode('A4 FF FF FF FF', 'device', 'local-date'), { year: null, month: null, day: null, weekday: null });
    assert.deepEqual(decode('B4 0D 1E 00 FF', 'device', 'local-time'), { hour: 13, minute: 30, second: 0, hundredths: null });
  });

  it('object identifiers as "<type>:<instance>", a proprietary type as its number', () => {
    assert.equal(decode('C4 02 00 00 05', 'device', 'object-identifier'), 'device:5');
    assert.equal(decode('C4 00 00 00 00', 'analog-input', 'object-identifier'), 'analog-input:0');
    assert.equal(decode('C4 32 00 00 07', 'analog-value', 512), '200:7');
  });

  it('arrays: the whole array, index 0 its length, another index the element', () => {
    const objectList = 'C4 02 00 00 05 C4 00 00 00 00 C4 00 00 00 01';
    assert.deepEqual(decode(objectList, 'device', 'object-list'), ['device:5', 'analog-input:0', 'analog-input:1']);
    assert.deepEqual(decode('C4 02 00 00 05', 'device', 'object-list'), ['device:5']);
    assert.deepEqual(decode('', 'device', 'object-list'), []);
    assert.equal(decode('21 03', 'device', 'object-list', 0), 3);
    assert.equal(decode('C4 00 00 00 00', 'device', 'object-list', 2), 'analog-input:0');
    assert.deepEqual(decode('73 00 4F 6E 74 00 4F 66 66', 'multi-state-value', 'state-text'), ['On', 'Off']);
    assert.deepEqual(decode('91 55 91 4B', 'analog-input', 'property-list'), ['present-value', 'object-identifier']);
    assert.equal(decode('21 10', 'analog-value', 512, 0), 16);
  });

  it('lists are arrays, even of one element', () => {
    assert.deepEqual(decode('21 02', 'multi-state-input', 'alarm-values'), [2]);
    assert.deepEqual(decode('21 02 21 05', 'multi-state-value', 'fault-values'), [2, 5]);
  });

  it('priority-array: 16 entries, null where empty, in the present-value type', () => {
    const slots = (slot8: string): string => `${'00 '.repeat(7)}${slot8} ${'00 '.repeat(8)}`;
    const analog = decode(slots('44 41 B4 00 00'), 'analog-output', 'priority-array') as unknown[];
    assert.equal(analog.length, 16);
    assert.deepEqual(analog, [null, null, null, null, null, null, null, 22.5, null, null, null, null, null, null, null, null]);
    const binary = decode(slots('91 01'), 'binary-value', 'priority-array') as unknown[];
    assert.equal(binary[7], 'active');
    assert.equal(binary.filter((entry) => entry === null).length, 15);
    assert.equal((decode(slots('21 04'), 'multi-state-output', 'priority-array') as unknown[])[7], 4);
    assert.equal(decode('91 00', 'binary-output', 'priority-array', 8), 'inactive');
    assert.equal(decode('00', 'binary-output', 'priority-array', 9), null);
    assert.equal(decode('21 10', 'binary-output', 'priority-array', 0), 16);
  });

  it('a priority value in its constructed form is kept as { tag, value }', () => {
    const entries = decode(`${'00 '.repeat(15)} 0E 21 05 0F`, 'analog-value', 'priority-array') as unknown[];
    assert.equal(entries.length, 16);
    assert.deepEqual(entries[15], { tag: 0, value: [5] });
  });

  it('other constructed data: an array of { tag, value }, application values inside as the codec gives them', () => {
    assert.deepEqual(decode('0E 1C 00 00 00 01 21 1F 0F', 'analog-value', 512), [
      { tag: 0, value: [{ tag: 1, value: Buffer.from([0, 0, 0, 1]) }, 31] },
    ]);
    // A known constructed property whose octets are not its production: the generic form, not an error.
    // (event-time-stamps: a BACnetTimeStamp has no context tag 5; constructed-values.test.ts has the known shapes.)
    assert.deepEqual(decode('0C 0D 1E 00 00 59 07', 'analog-input', 'event-time-stamps'), [
      { tag: 0, value: Buffer.from([13, 30, 0, 0]) },
      { tag: 5, value: Buffer.from([7]) },
    ]);
    // Two application values where a BACnetDateTime is expected, but time before date: both, in order.
    assert.deepEqual(decode('B4 0D 1E 00 00 A4 7C 0C 04 05', 'binary-input', 'change-of-state-time'), [
      { hour: 13, minute: 30, second: 0, hundredths: 0 },
      { year: 2024, month: 12, day: 4, weekday: 5 },
    ]);
    // A known single-valued property that held several values: all of them.
    assert.deepEqual(decode('44 41 B4 00 00 44 41 B4 00 00', 'analog-input', 'present-value'), [22.5, 22.5]);
  });

  it('names, numbers and any spelling for the object type and property', () => {
    assert.equal(decode('91 01', 4, 85), 'active');
    assert.equal(decode('91 01', 'binaryOutput', 'PRESENT_VALUE'), 'active');
    assert.throws(() => decode('91 01', 'binary-outptu', 'present-value'), NameError);
    assert.throws(() => decode('91 01', 'binary-output', 'present-value', -1), NameError);
  });

  it('malformed octets give DecodeError', () => {
    throwsDecode(() => decode('44 41 B4', 'analog-input', 'present-value'), /only 2 follow/);
    throwsDecode(() => decode('0F', 'analog-input', 'present-value'), 'closing tag 0 without an opening tag', 0);
    throwsDecode(() => decode('0E 21 05', 'analog-value', 512), /not closed/);
    throwsDecode(() => decode('D1 00', 'analog-value', 512), /reserved/);
    throwsDecode(() => decode('A3 7C 0C 04', 'device', 'local-date'), /date must be 4 octets/);
  });
});
