/**
 * The ReadPropertyMultiple service data (clause 15.7): the clause F.3.7
 * example, hand-laid answers with errors, indexes and several objects, the
 * reasons bad data is refused, the lengths a batch splitter uses, and
 * property tests.
 */
import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import { ERROR_CLASSES, ERROR_CODES, PROPERTY_IDENTIFIERS, numberOf } from '../../dist/protocol/names';
import { encodePropertyValue } from '../../dist/protocol/property-encoding';
import { decodePropertyValue } from '../../dist/protocol/property-values';
import {
  ReadAccessResult,
  ReadAccessSpecification,
  decodeReadPropertyMultipleAck,
  decodeReadPropertyMultipleRequest,
  encodeReadPropertyMultipleAck,
  encodeReadPropertyMultipleRequest,
  readPropertyMultipleAckEstimate,
  readPropertyMultipleRequestLength,
} from '../../dist/protocol/services/read-property-multiple';
import { h, throwsDecode, throwsRange } from '../support/codec-assert';
import { decodeOrUndefined, run } from '../support/property-run';

const AI16 = { type: 0, instance: 16 };
/** F.3.7: analog-input:16 present-value and reliability. */
const F37_REQUEST = '0C 00 00 00 10 1E 09 55 09 67 1F';
/** F.3.7's answer: present-value 72.3 in [4], reliability no-fault-detected in [4]. */
const F37_ACK = '0C 00 00 00 10 1E 29 55 4E 44 42 90 99 9A 4F 29 67 4E 91 00 4F 1F';

describe('read-property-multiple', () => {
  describe('clause F.3.7 example', () => {
    it('the request: analog-input:16 present-value and reliability', () => {
      const specs: ReadAccessSpecification[] = [{ object: AI16, properties: [{ property: 85, index: null }, { property: 103, index: null }] }];
      assert.deepEqual(decodeReadPropertyMultipleRequest(h(F37_REQUEST)), specs);
      assert.deepEqual(encodeReadPropertyMultipleRequest(specs), h(F37_REQUEST));
      assert.equal(readPropertyMultipleRequestLength(specs), 11);
    });
    it('the ACK: 72.3 and no-fault-detected, through decodePropertyValue', () => {
      const results = decodeReadPropertyMultipleAck(h(F37_ACK));
      assert.deepEqual(results, [
        { object: AI16, results: [{ property: 85, index: null, value: h('44 42 90 99 9A') }, { property: 103, index: null, value: h('91 00') }] },
      ]);
      const values = results[0].results.map((item) => 'value' in item && decodePropertyValue(item.value, 'analog-input', item.property, item.index));
      assert.deepEqual(values, [Math.fround(72.3), 'no-fault-detected']);
      const rebuilt: ReadAccessResult[] = [{
        object: AI16,
        results: [
          { property: 85, index: null, value: encodePropertyValue('analog-input', 'present-value', 72.3) },
          { property: 103, index: null, value: encodePropertyValue('analog-input', 'reliability', 'no-fault-detected') },
        ],
      }];
      assert.deepEqual(encodeReadPropertyMultipleAck(rebuilt), h(F37_ACK));
    });
  });

  describe('hand-laid per clauses 20.2 and 21', () => {
    it('all, required and optional are properties 8, 105 and 80', () => {
      assert.deepEqual(['all', 'required', 'optional'].map((name) => numberOf(PROPERTY_IDENTIFIERS, name)), [8, 105, 80]);
      const specs = [{ object: { type: 8, instance: 4194303 }, properties: [{ property: 8, index: null }] }];
      assert.deepEqual(encodeReadPropertyMultipleRequest(specs), h('0C 02 3F FF FF 1E 09 08 1F'));
    });
    it('two objects, an array index [1], a property over 255', () => {
      const specs: ReadAccessSpecification[] = [
        { object: { type: 2, instance: 1 }, properties: [{ property: 87, index: 8 }, { property: 85, index: null }] },
        { object: { type: 8, instance: 1234 }, properties: [{ property: 371, index: 0 }] },
      ];
      const octets = '0C 00 80 00 01 1E 09 57 19 08 09 55 1F 0C 02 00 04 D2 1E 0A 01 73 19 00 1F';
      assert.deepEqual(encodeReadPropertyMultipleRequest(specs), h(octets));
      assert.deepEqual(decodeReadPropertyMultipleRequest(h(octets)), specs);
      assert.equal(readPropertyMultipleRequestLength(specs), readPropertyMultipleRequestLength(specs.slice(0, 1)) + readPropertyMultipleRequestLength(specs.slice(1)));
    });
    it('an answer with an unknown object, an unknown property and an index [3]', () => {
      const object = numberOf(ERROR_CLASSES, 'object');
      const unknownObject = numberOf(ERROR_CODES, 'unknown-object');
      const property = numberOf(ERROR_CLASSES, 'property');
      const unknownProperty = numberOf(ERROR_CODES, 'unknown-property');
      assert.deepEqual([object, unknownObject, property, unknownProperty], [1, 31, 2, 32]);
      const results: ReadAccessResult[] = [
        { object: { type: 0, instance: 50 }, results: [{ property: 85, index: null, error: { errorClass: 1, errorCode: 31 } }] },
        {
          object: { type: 2, instance: 1 },
          results: [
            { property: 87, index: 8, value: h('00') },
            { property: 4194304, index: null, error: { errorClass: 2, errorCode: 32 } },
          ],
        },
      ];
      const octets = '0C 00 00 00 32 1E 29 55 5E 91 01 91 1F 5F 1F 0C 00 80 00 01 1E 29 57 39 08 4E 00 4F 2B 40 00 00 5E 91 02 91 20 5F 1F';
      assert.deepEqual(encodeReadPropertyMultipleAck(results), h(octets));
      assert.deepEqual(decodeReadPropertyMultipleAck(h(octets)), results);
    });
    it('a result without its optional [1] list, an empty list, no results at all', () => {
      assert.deepEqual(decodeReadPropertyMultipleAck(h('0C 00 00 00 01 0C 00 00 00 02 1E 1F')), [
        { object: { type: 0, instance: 1 }, results: [] },
        { object: { type: 0, instance: 2 }, results: [] },
      ]);
      assert.deepEqual(decodeReadPropertyMultipleAck(h('')), []);
      assert.deepEqual(encodeReadPropertyMultipleAck([{ object: { type: 0, instance: 2 }, results: [] }]), h('0C 00 00 00 02 1E 1F'));
    });
    it('values are views of the data (no copy), constructed values end at their own closing tag', () => {
      const data = h('0C 00 00 00 01 1E 29 55 4E 4E 21 01 4F 2E 21 02 2F 4F 1F');
      const [result] = decodeReadPropertyMultipleAck(data);
      const item = result.results[0];
      assert.ok('value' in item);
      assert.deepEqual(item.value, h('4E 21 01 4F 2E 21 02 2F'));
      assert.equal(item.value.buffer, data.buffer);
    });
  });

  describe('decoders give reasons', () => {
    it('requests: empty, an empty list, a missing closing tag, trailing octets', () => {
      throwsDecode(() => decodeReadPropertyMultipleRequest(h('')), 'ReadPropertyMultiple-Request: no read access specification', 0);
      throwsDecode(() => decodeReadPropertyMultipleRequest(h('0C 00 00 00 10 1E 1F')), 'ReadPropertyMultiple-Request: an empty list of property references', 6);
      throwsDecode(() => decodeReadPropertyMultipleRequest(h('0C 00 00 00 10 1E 09 55')), 'ReadPropertyMultiple-Request: a tag was expected but the data ends');
      throwsDecode(() => decodeReadPropertyMultipleRequest(h('0C 00 00 00 10 09 55')), 'ReadPropertyMultiple-Request: expected opening tag 1 (list of property references), got context tag 0', 5);
      throwsDecode(() => decodeReadPropertyMultipleRequest(h(`${F37_REQUEST} 3E`)), 'ReadPropertyMultiple-Request: expected a context-tagged value with tag 0, got opening tag 3', 11);
      throwsDecode(() => decodeReadPropertyMultipleRequest(h('0C 00 00 00 10 1E 09 55 1C FF FF FF FF 1F')), 'ReadPropertyMultiple-Request: array index 4294967295 is over 4294967294', 8);
    });
    it('acks: neither value nor error, an unclosed error, a value not closed, a wrong error datatype', () => {
      throwsDecode(() => decodeReadPropertyMultipleAck(h('0C 00 00 00 10 1E 29 55 44 42 90 99 9A 1F')), /^ReadPropertyMultiple-ACK: expected opening tag 4 \(property value\) or 5 \(property access error\), got application tag 4/);
      throwsDecode(() => decodeReadPropertyMultipleAck(h('0C 00 00 00 10 1E 29 55 5E 91 01 91 1F 1F')), 'ReadPropertyMultiple-ACK: expected closing tag 5 after the error class and code, got closing tag 1', 13);
      throwsDecode(() => decodeReadPropertyMultipleAck(h('0C 00 00 00 10 1E 29 55 4E 44 42 90 99 9A 1F')), /^ReadPropertyMultiple-ACK: closing tag 1 does not match opening tag 4/);
      throwsDecode(() => decodeReadPropertyMultipleAck(h('0C 00 00 00 10 1E 29 55 5E 21 01 91 1F 5F 1F')), /^ReadPropertyMultiple-ACK: expected enumerated \(application tag 9\), got unsigned/);
      throwsDecode(() => decodeReadPropertyMultipleAck(h('0C 00 00 00 10 1E 29 55 4E 00 4F')), 'ReadPropertyMultiple-ACK: a tag was expected but the data ends');
    });
  });

  describe('encoders refuse what does not fit', () => {
    it('no object, no property, an instance, an index, an error class or code, a value', () => {
      throwsRange(() => encodeReadPropertyMultipleRequest([]), 'ReadPropertyMultiple needs at least one object');
      throwsRange(() => encodeReadPropertyMultipleRequest([{ object: AI16, properties: [] }]), 'a read access specification needs at least one property');
      throwsRange(() => encodeReadPropertyMultipleRequest([{ object: { type: 8, instance: null }, properties: [{ property: 8, index: null }] }]), 'object instance is null: resolve the Device object to an instance first');
      throwsRange(() => encodeReadPropertyMultipleRequest([{ object: AI16, properties: [{ property: 85, index: 4294967295 }] }]), 'array index must be an integer 0..4294967294, got 4294967295');
      const ack = (error: { errorClass: number; errorCode: number }): ReadAccessResult[] => [{ object: AI16, results: [{ property: 85, index: null, error }] }];
      throwsRange(() => encodeReadPropertyMultipleAck(ack({ errorClass: -1, errorCode: 0 })), 'error class must be an integer 0..4294967295, got -1');
      throwsRange(() => encodeReadPropertyMultipleAck(ack({ errorClass: 1, errorCode: 1.5 })), 'error code must be an integer 0..4294967295, got 1.5');
      assert.throws(() => encodeReadPropertyMultipleAck([{ object: AI16, results: [{ property: 85, index: null, value: h('44 42') }] }]), RangeError);
      throwsRange(() => readPropertyMultipleAckEstimate([{ object: AI16, properties: [{ property: 85, index: null }] }], -1), 'valueOctets must be a non-negative integer, got -1');
    });
  });

  describe('lengths for splitting batches', () => {
    it('the ack estimate is exact when every value takes valueOctets, an upper bound when none takes more', () => {
      const specs: ReadAccessSpecification[] = [{ object: AI16, properties: [{ property: 85, index: null }, { property: 103, index: null }] }];
      assert.equal(readPropertyMultipleAckEstimate(specs, 5), 11 + 2 * 7);
      assert.ok(h(F37_ACK).length <= readPropertyMultipleAckEstimate(specs, 5));
      const exact: ReadAccessResult[] = [{ object: AI16, results: [{ property: 85, index: null, value: h('44 42 90 99 9A') }, { property: 103, index: null, value: h('94 00 00 00 00') }] }];
      assert.equal(encodeReadPropertyMultipleAck(exact).length, readPropertyMultipleAckEstimate(specs, 5));
    });
  });

  describe('properties', () => {
    const object = fc.record({ type: fc.integer({ min: 0, max: 1023 }), instance: fc.integer({ min: 0, max: 4194303 }) }, { noNullPrototype: true });
    const reference = fc.record(
      { property: fc.oneof(fc.integer({ min: 0, max: 600 }), fc.nat({ max: 0xffffffff })), index: fc.option(fc.nat({ max: 4294967294 }), { nil: null }) },
      { noNullPrototype: true },
    );
    const spec = fc.record({ object, properties: fc.array(reference, { minLength: 1, maxLength: 5 }) }, { noNullPrototype: true });
    const value = fc.constantFrom(h(''), h('44 42 90 99 9A'), h('00'), h('91 01 21 05'), h('4E 21 01 4F 1E 2E 21 02 2F 1F'), h('75 06 00 68 61 6C 6C 6F'));
    const error = fc.record({ errorClass: fc.nat({ max: 0xffffffff }), errorCode: fc.nat({ max: 0xffffffff }) }, { noNullPrototype: true });
    const item = fc.oneof(
      fc.tuple(reference, value).map(([ref, octets]) => ({ ...ref, value: octets })),
      fc.tuple(reference, error).map(([ref, e]) => ({ ...ref, error: e })),
    );
    const result = fc.record({ object, results: fc.array(item, { maxLength: 5 }) }, { noNullPrototype: true });

    it('decode(encode(x)) is x for requests and acks; the request length is the encoding length', () => {
      run(
        fc.property(fc.array(spec, { minLength: 1, maxLength: 4 }), fc.array(result, { maxLength: 4 }), (specs, results) => {
          const request = encodeReadPropertyMultipleRequest(specs);
          assert.deepEqual(decodeReadPropertyMultipleRequest(request), specs);
          assert.equal(readPropertyMultipleRequestLength(specs), request.length);
          assert.deepEqual(decodeReadPropertyMultipleAck(encodeReadPropertyMultipleAck(results)), results);
        }),
        300,
      );
    });
    it('the ack estimate bounds any answer whose values and errors fit valueOctets', () => {
      run(
        fc.property(fc.array(spec, { minLength: 1, maxLength: 4 }), fc.array(value, { minLength: 20, maxLength: 20 }), (specs, values) => {
          let n = 0;
          const results = specs.map((s) => ({ object: s.object, results: s.properties.map((ref) => ({ ...ref, value: values[n++ % values.length] })) }));
          assert.ok(encodeReadPropertyMultipleAck(results).length <= readPropertyMultipleAckEstimate(specs, 10));
        }),
        200,
      );
    });
    it('any octets decode or throw DecodeError, nothing else', () => {
      const prefix = fc.constantFrom(h(''), h('0C 00 00 00 10 1E'), h('0C 00 00 00 10 1E 29 55'), h('0C 00 00 00 10 1E 29 55 5E'), h('0C 00 00 00 10 1E 09 55'));
      run(
        fc.property(prefix, fc.uint8Array({ maxLength: 24 }), (start, tail) => {
          const data = Buffer.concat([start, tail]);
          decodeOrUndefined(() => decodeReadPropertyMultipleRequest(data));
          decodeOrUndefined(() => decodeReadPropertyMultipleAck(data));
        }),
        1000,
      );
    });
  });
});
