/**
 * The ReadProperty and WriteProperty service data (clauses 15.5 and 15.9):
 * the clause F.3.5 and F.3.9 examples with the value codec of
 * property-encoding.ts and property-values.ts, optional index and priority,
 * the reasons bad data is refused, and property tests.
 */
import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import { decodeConfirmedApdu } from '../../dist/protocol/confirmed-apdu';
import { encodePropertyValue } from '../../dist/protocol/property-encoding';
import { decodePropertyValue } from '../../dist/protocol/property-values';
import {
  PropertyAddress,
  decodeReadPropertyAck,
  decodeReadPropertyRequest,
  encodeReadPropertyAck,
  encodeReadPropertyRequest,
} from '../../dist/protocol/services/read-property';
import { decodeWritePropertyRequest, encodeWritePropertyRequest } from '../../dist/protocol/services/write-property';
import { h, throwsDecode, throwsRange } from '../support/codec-assert';
import { decodeOrUndefined, run } from '../support/property-run';

const AI5: PropertyAddress = { object: { type: 0, instance: 5 }, property: 85, index: null };
const AV1: PropertyAddress = { object: { type: 2, instance: 1 }, property: 85, index: null };

describe('read-write-property', () => {
  describe('clause F.3 examples', () => {
    it('F.3.5 ReadProperty request: analog-input:5 present-value', () => {
      const apdu = decodeConfirmedApdu(h('00 05 01 0C 0C 00 00 00 05 19 55'));
      assert.ok(apdu.type === 'confirmed-request');
      assert.deepEqual(decodeReadPropertyRequest(apdu.data), AI5);
      assert.deepEqual(encodeReadPropertyRequest(AI5), h('0C 00 00 00 05 19 55'));
    });
    it('F.3.5 ReadProperty-ACK: 72.3, through decodePropertyValue', () => {
      const apdu = decodeConfirmedApdu(h('30 01 0C 0C 00 00 00 05 19 55 3E 44 42 90 99 9A 3F'));
      assert.ok(apdu.type === 'complex-ack');
      const ack = decodeReadPropertyAck(apdu.data);
      assert.deepEqual(ack, { ...AI5, value: h('44 42 90 99 9A') });
      assert.equal(decodePropertyValue(ack.value, ack.object.type, ack.property, ack.index), Math.fround(72.3));
      const value = encodePropertyValue('analog-input', 'present-value', 72.3);
      assert.deepEqual(encodeReadPropertyAck({ ...AI5, value }), apdu.data);
    });
    it('F.3.9 WriteProperty: analog-value:1 present-value 180.0, no priority', () => {
      const apdu = decodeConfirmedApdu(h('00 04 59 0F 0C 00 80 00 01 19 55 3E 44 43 34 00 00 3F'));
      assert.ok(apdu.type === 'confirmed-request');
      const request = decodeWritePropertyRequest(apdu.data);
      assert.deepEqual(request, { ...AV1, value: h('44 43 34 00 00'), priority: null });
      assert.equal(decodePropertyValue(request.value, 'analog-value', 'present-value'), 180);
      const value = encodePropertyValue('analog-value', 'present-value', 180);
      assert.deepEqual(encodeWritePropertyRequest({ ...AV1, value, priority: null }), apdu.data);
    });
  });

  describe('index, priority and constructed values', () => {
    it('an array index [2] and the wildcard Device instance', () => {
      const target: PropertyAddress = { object: { type: 8, instance: 4194303 }, property: 76, index: 0 };
      assert.deepEqual(encodeReadPropertyRequest(target), h('0C 02 3F FF FF 19 4C 29 00'));
      assert.deepEqual(decodeReadPropertyRequest(h('0C 02 3F FF FF 19 4C 29 00')), target);
      const last = { ...target, index: 4294967294 };
      assert.deepEqual(decodeReadPropertyRequest(encodeReadPropertyRequest(last)), last);
    });
    it('a priority [4] and a relinquish (NULL) of priority-array element 8', () => {
      const request = { object: { type: 1, instance: 3 }, property: 87, index: 8, value: h('00'), priority: 8 };
      const octets = encodeWritePropertyRequest(request);
      assert.deepEqual(octets, h('0C 00 40 00 03 19 57 29 08 3E 00 3F 49 08'));
      assert.deepEqual(decodeWritePropertyRequest(octets), request);
    });
    it('a value with constructed data and a nested [3] ends at its own closing tag', () => {
      const value = h('3E 21 01 3F 1E 2E 21 02 2F 1F');
      const ack = { object: { type: 8, instance: 1 }, property: 4194304, index: null, value };
      const octets = encodeReadPropertyAck(ack);
      assert.deepEqual(decodeReadPropertyAck(octets), ack);
      assert.deepEqual(decodeReadPropertyAck(octets).value, value);
    });
    it('[3] in the extended tag form (FE 03 ... FF 03) that the tag decoder accepts', () => {
      const ack = decodeReadPropertyAck(h('0C 00 00 00 05 19 55 FE 03 44 42 90 99 9A FF 03'));
      assert.deepEqual(ack, { ...AI5, value: h('44 42 90 99 9A') });
      assert.deepEqual(decodeReadPropertyAck(h('0C 00 00 00 05 19 55 FE 03 44 42 90 99 9A 3F')).value, h('44 42 90 99 9A'));
    });
    it('the value is a view of the data (no copy)', () => {
      const data = h('0C 00 00 00 05 19 55 3E 44 42 90 99 9A 3F');
      const ack = decodeReadPropertyAck(data);
      assert.equal(ack.value.buffer, data.buffer);
    });
  });

  describe('decoders give reasons', () => {
    it('wrong or missing tags', () => {
      throwsDecode(() => decodeReadPropertyRequest(h('')), 'ReadProperty-Request: a tag was expected but the data ends');
      throwsDecode(() => decodeReadPropertyRequest(h('1C 00 00 00 05 19 55')), 'ReadProperty-Request: expected context tag 0, got context tag 1');
      throwsDecode(() => decodeReadPropertyRequest(h('0C 00 00 00 05')), 'ReadProperty-Request: a tag was expected but the data ends');
      throwsDecode(() => decodeReadPropertyAck(h('0C 00 00 00 05 19 55')), 'ReadProperty-ACK: a tag was expected but the data ends');
      throwsDecode(() => decodeReadPropertyAck(h('0C 00 00 00 05 19 55 44 42 90 99 9A')), /^ReadProperty-ACK: expected opening tag 3 \(property value\), got application tag 4/);
    });
    it('a missing or mismatched closing tag', () => {
      throwsDecode(() => decodeReadPropertyAck(h('0C 00 00 00 05 19 55 3E 44 42 90 99 9A')), 'ReadProperty-ACK: opening tag 3 at 7 is not closed');
      throwsDecode(() => decodeWritePropertyRequest(h('0C 00 80 00 01 19 55 3E 44 43 34 00 00 4F')), /^WriteProperty-Request: closing tag 4 does not match opening tag 3/);
    });
    it('trailing octets, an index over 4294967294, a priority outside 1..16', () => {
      throwsDecode(() => decodeReadPropertyRequest(h('0C 00 00 00 05 19 55 00')), 'ReadProperty-Request: 1 octets after the last parameter', 7);
      throwsDecode(() => decodeReadPropertyRequest(h('0C 00 00 00 05 19 55 3E 3F')), 'ReadProperty-Request: 2 octets after the last parameter', 7);
      throwsDecode(() => decodeReadPropertyRequest(h('0C 00 00 00 05 19 55 2C FF FF FF FF')), 'ReadProperty-Request: array index 4294967295 is over 4294967294', 7);
      const write = '0C 00 80 00 01 19 55 3E 44 43 34 00 00 3F';
      throwsDecode(() => decodeWritePropertyRequest(h(`${write} 49 00`)), 'WriteProperty-Request: priority 0 is outside 1..16', 14);
      throwsDecode(() => decodeWritePropertyRequest(h(`${write} 49 11`)), 'WriteProperty-Request: priority 17 is outside 1..16', 14);
      throwsDecode(() => decodeWritePropertyRequest(h(`${write} 59 01`)), 'WriteProperty-Request: expected context tag 4, got context tag 5', 14);
      throwsDecode(() => decodeWritePropertyRequest(h(`${write} 49 08 00`)), 'WriteProperty-Request: 1 octets after the last parameter', 16);
    });
  });

  describe('encoders refuse what does not fit', () => {
    it('instance, type, property, index, priority, value', () => {
      throwsRange(() => encodeReadPropertyRequest({ ...AI5, object: { type: 0, instance: 4194304 } }), 'object instance must be an integer 0..4194303, got 4194304');
      throwsRange(() => encodeReadPropertyRequest({ ...AI5, object: { type: 1024, instance: 0 } }), 'object type must be an integer 0..1023, got 1024');
      throwsRange(() => encodeReadPropertyRequest({ ...AI5, object: { type: 8, instance: null } }), 'object instance is null: resolve the Device object to an instance first');
      throwsRange(() => encodeReadPropertyRequest({ ...AI5, property: 2 ** 32 }), 'property identifier must be an integer 0..4294967295, got 4294967296');
      throwsRange(() => encodeReadPropertyRequest({ ...AI5, index: 4294967295 }), 'array index must be an integer 0..4294967294, got 4294967295');
      const write = { ...AV1, value: h('44 43 34 00 00'), priority: 0 };
      throwsRange(() => encodeWritePropertyRequest(write), 'priority must be an integer 1..16 or null, got 0');
      throwsRange(() => encodeWritePropertyRequest({ ...write, priority: 17 }), 'priority must be an integer 1..16 or null, got 17');
      throwsRange(() => encodeWritePropertyRequest({ ...write, priority: null, value: h('3F') }), 'property value is not complete tagged data: closing tag 3 without an opening tag');
      assert.throws(() => encodeReadPropertyAck({ ...AI5, value: h('44 42') }), (err: unknown) => err instanceof RangeError && /^property value is not complete tagged data: /.test(err.message));
      assert.throws(() => encodeReadPropertyAck({ ...AI5, value: 'x' as unknown as Buffer }), TypeError);
    });
  });

  describe('properties', () => {
    const address = fc.record(
      {
        object: fc.record({ type: fc.integer({ min: 0, max: 1023 }), instance: fc.integer({ min: 0, max: 4194303 }) }, { noNullPrototype: true }),
        property: fc.oneof(fc.integer({ min: 0, max: 600 }), fc.nat({ max: 0xffffffff })),
        index: fc.option(fc.nat({ max: 4294967294 }), { nil: null }),
      },
      { noNullPrototype: true },
    );
    const value = fc.constantFrom(h(''), h('44 42 90 99 9A'), h('00'), h('91 01 21 05'), h('3E 21 01 3F 1E 2E 21 02 2F 1F'), h('75 06 00 68 61 6C 6C 6F'));

    it('decode(encode(x)) is x for requests, acks and writes', () => {
      run(
        fc.property(address, value, fc.option(fc.integer({ min: 1, max: 16 }), { nil: null }), (target, octets, priority) => {
          assert.deepEqual(decodeReadPropertyRequest(encodeReadPropertyRequest(target)), target);
          assert.deepEqual(decodeReadPropertyAck(encodeReadPropertyAck({ ...target, value: octets })), { ...target, value: octets });
          const write = { ...target, value: octets, priority };
          assert.deepEqual(decodeWritePropertyRequest(encodeWritePropertyRequest(write)), write);
        }),
        300,
      );
    });
    it('any octets decode or throw DecodeError, nothing else', () => {
      const prefix = fc.constantFrom(h(''), h('0C 00 00 00 05 19 55'), h('0C 00 00 00 05 19 55 3E'));
      run(
        fc.property(prefix, fc.uint8Array({ maxLength: 20 }), (start, tail) => {
          const data = Buffer.concat([start, tail]);
          decodeOrUndefined(() => decodeReadPropertyRequest(data));
          decodeOrUndefined(() => decodeReadPropertyAck(data));
          decodeOrUndefined(() => decodeWritePropertyRequest(data));
        }),
        1000,
      );
    });
  });
});
