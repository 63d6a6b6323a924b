/**
 * The confirmed-service APDUs of clause 20.1: every type both ways, the
 * clause F.3 examples, the max-APDU and max-segments tables, the wrapped
 * Error form, and property tests (decode(encode(x)) is x; any octets decode
 * or throw DecodeError).
 */
import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import {
  ConfirmedApdu,
  MAX_APDU_ACCEPTED,
  SERVICE,
  decodeConfirmedApdu,
  encodeConfirmedApdu,
  maxApduCode,
  maxApduFromCode,
  maxSegmentsCode,
  maxSegmentsFromCode,
} from '../../dist/protocol/confirmed-apdu';
import { DecodeError } from '../../dist/protocol/decode-error';
import { h, throwsDecode, throwsRange } from '../support/codec-assert';
import { decodeOrUndefined, run } from '../support/property-run';

/** Both ways: `hex` decodes to `apdu` and `apdu` encodes to `hex`. */
function both(hex: string, apdu: ConfirmedApdu): void {
  assert.deepEqual(decodeConfirmedApdu(h(hex)), apdu);
  assert.deepEqual(encodeConfirmedApdu(apdu), h(hex));
}

describe('confirmed-apdu', () => {
  describe('code tables (clause 20.1.2.4, 20.1.2.5)', () => {
    it('max-APDU codes 0..5 are 50, 128, 206, 480, 1024, 1476 both ways; 6..15 are reserved', () => {
      const sizes = [50, 128, 206, 480, 1024, 1476];
      sizes.forEach((size, code) => {
        assert.equal(maxApduFromCode(code), size);
        assert.equal(maxApduCode(size), code);
      });
      assert.equal(MAX_APDU_ACCEPTED, 1476);
      throwsRange(() => maxApduFromCode(6), 'max-APDU-length-accepted code must be 0..5 (6..15 are reserved), got 6');
      throwsRange(() => maxApduFromCode(-1), 'max-APDU-length-accepted code must be 0..5 (6..15 are reserved), got -1');
    });
    it('maxApduCode takes the largest code that fits, and refuses below 50', () => {
      assert.equal(maxApduCode(127), 0);
      assert.equal(maxApduCode(479), 2);
      assert.equal(maxApduCode(1475), 4);
      assert.equal(maxApduCode(65535), 5);
      throwsRange(() => maxApduCode(49), 'max APDU length must be at least 50 octets, got 49');
      throwsRange(() => maxApduCode(NaN), 'max APDU length must be at least 50 octets, got NaN');
    });
    it('max-segments codes 0..7 are unspecified, 2, 4, 8, 16, 32, 64, more than 64', () => {
      const counts = [null, 2, 4, 8, 16, 32, 64, Infinity];
      counts.forEach((count, code) => {
        assert.equal(maxSegmentsFromCode(code), count);
        assert.equal(maxSegmentsCode(count), code);
      });
      assert.equal(maxSegmentsCode(3), 1);
      assert.equal(maxSegmentsCode(63), 5);
      assert.equal(maxSegmentsCode(65), 7);
      throwsRange(() => maxSegmentsFromCode(8), 'max-segments-accepted code must be 0..7, got 8');
      throwsRange(() => maxSegmentsCode(1), 'max segments must be null (unspecified) or at least 2, got 1');
    });
    it('service choices', () => {
      assert.deepEqual(
        { ...SERVICE },
        { confirmedCovNotification: 1, subscribeCov: 5, readProperty: 12, readPropertyMultiple: 14, writeProperty: 15, subscribeCovProperty: 28 },
      );
    });
  });

  describe('clause F.3 examples', () => {
    it('F.3.5 ReadProperty request: 00 05 01 0C, invoke 1, max APDU 1476, service data after the header', () => {
      both('00 05 01 0C 0C 00 00 00 05 19 55', {
        type: 'confirmed-request',
        segmented: false,
        moreFollows: false,
        segmentedResponseAccepted: false,
        maxSegments: null,
        maxApdu: 1476,
        invokeId: 1,
        sequenceNumber: null,
        windowSize: null,
        service: SERVICE.readProperty,
        data: h('0C 00 00 00 05 19 55'),
      });
    });
    it('F.3.5 ReadProperty-ACK: 30 01 0C, unsegmented', () => {
      both('30 01 0C 0C 00 00 00 05 19 55 3E 44 42 90 99 9A 3F', {
        type: 'complex-ack',
        segmented: false,
        moreFollows: false,
        invokeId: 1,
        sequenceNumber: null,
        windowSize: null,
        service: SERVICE.readProperty,
        data: h('0C 00 00 00 05 19 55 3E 44 42 90 99 9A 3F'),
      });
    });
    it('F.3.9 WriteProperty request: 00 04 59 0F, invoke 89, max APDU 1024; its answer is Simple-ACK 20 59 0F', () => {
      const request = decodeConfirmedApdu(h('00 04 59 0F 0C 00 80 00 01 19 55 3E 44 43 34 00 00 3F'));
      assert.equal(request.type, 'confirmed-request');
      assert.ok(request.type === 'confirmed-request');
      assert.equal(request.maxApdu, 1024);
      assert.equal(request.invokeId, 89);
      assert.equal(request.service, SERVICE.writeProperty);
      both('20 59 0F', { type: 'simple-ack', invokeId: 89, service: 15 });
    });
  });

  describe('every type both ways', () => {
    it('a segmented Confirmed-Request with sequence number and window, SA and max segments', () => {
      both('0E 65 07 03 04 0F 01 02', {
        type: 'confirmed-request',
        segmented: true,
        moreFollows: true,
        segmentedResponseAccepted: true,
        maxSegments: 64,
        maxApdu: 1476,
        invokeId: 7,
        sequenceNumber: 3,
        windowSize: 4,
        service: 15,
        data: h('01 02'),
      });
    });
    it('a segmented Complex-ACK: sequence number and proposed window size before the service choice', () => {
      both('3C 2A 05 10 0E AB', {
        type: 'complex-ack',
        segmented: true,
        moreFollows: true,
        invokeId: 42,
        sequenceNumber: 5,
        windowSize: 16,
        service: 14,
        data: h('AB'),
      });
      both('38 2A 06 10 0E', {
        type: 'complex-ack',
        segmented: true,
        moreFollows: false,
        invokeId: 42,
        sequenceNumber: 6,
        windowSize: 16,
        service: 14,
        data: Buffer.alloc(0),
      });
    });
    it('Segment-ACK with the negative and server flags', () => {
      both('40 01 02 03', { type: 'segment-ack', negative: false, fromServer: false, invokeId: 1, sequenceNumber: 2, windowSize: 3 });
      both('42 01 02 03', { type: 'segment-ack', negative: true, fromServer: false, invokeId: 1, sequenceNumber: 2, windowSize: 3 });
      both('41 FF 00 7F', { type: 'segment-ack', negative: false, fromServer: true, invokeId: 255, sequenceNumber: 0, windowSize: 127 });
      both('43 01 02 03', { type: 'segment-ack', negative: true, fromServer: true, invokeId: 1, sequenceNumber: 2, windowSize: 3 });
    });
    it('Error: property / unknown-property, and write-access-denied', () => {
      both('50 01 0C 91 02 91 20', { type: 'error', invokeId: 1, service: 12, errorClass: 2, errorCode: 32 });
      both('50 59 0F 91 02 91 28', { type: 'error', invokeId: 89, service: 15, errorClass: 2, errorCode: 40 });
    });
    it('Error wrapped in [0] (WritePropertyMultiple-Error, CreateObject-Error): the first pair inside', () => {
      // [0] { property, write-access-denied } [1] first-failed-write-attempt { ... }
      const apdu = decodeConfirmedApdu(h('50 03 10 0E 91 02 91 28 0F 1E 0C 00 80 00 01 19 55 1F'));
      assert.deepEqual(apdu, { type: 'error', invokeId: 3, service: 16, errorClass: 2, errorCode: 40 });
      const create = decodeConfirmedApdu(h('50 04 0A 0E 91 03 91 12 0F 19 00'));
      assert.deepEqual(create, { type: 'error', invokeId: 4, service: 10, errorClass: 3, errorCode: 18 });
    });
    it('Reject and Abort (client and server)', () => {
      both('60 01 09', { type: 'reject', invokeId: 1, reason: 9 });
      both('70 02 04', { type: 'abort', fromServer: false, invokeId: 2, reason: 4 });
      both('71 02 0B', { type: 'abort', fromServer: true, invokeId: 2, reason: 11 });
    });
    it('data is a view of the input, read from the offset', () => {
      const bytes = h('01 04 00 05 01 0C 0C 00 00 00 05 19 55');
      const apdu = decodeConfirmedApdu(bytes, 2);
      assert.ok(apdu.type === 'confirmed-request');
      assert.equal(apdu.data.buffer, bytes.buffer);
      assert.equal(apdu.data.byteOffset, bytes.byteOffset + 6);
      const plain = decodeConfirmedApdu(new Uint8Array(h('30 01 0C 0C')));
      assert.ok(plain.type === 'complex-ack' && Buffer.isBuffer(plain.data) && plain.data.equals(h('0C')));
    });
    it('MOR without SEG decodes as false; reserved bits are ignored', () => {
      const apdu = decodeConfirmedApdu(h('35 01 0C'));
      assert.ok(apdu.type === 'complex-ack');
      assert.equal(apdu.moreFollows, false);
      assert.deepEqual(decodeConfirmedApdu(h('4C 01 02 03')), { type: 'segment-ack', negative: false, fromServer: false, invokeId: 1, sequenceNumber: 2, windowSize: 3 });
    });
  });

  describe('bad octets', () => {
    it('Unconfirmed-Request, unknown types, empty input', () => {
      throwsDecode(() => decodeConfirmedApdu(h('10 08')), 'not a confirmed-service APDU', 0);
      throwsDecode(() => decodeConfirmedApdu(h('80 01 02')), 'unknown APDU type 8', 0);
      throwsDecode(() => decodeConfirmedApdu(h('')), 'no APDU: the data ends', 0);
      throwsDecode(() => decodeConfirmedApdu(h('20 01 02'), 3), 'no APDU: the data ends', 3);
    });
    it('truncated PDUs name the missing field', () => {
      throwsDecode(() => decodeConfirmedApdu(h('00 05 01')), 'Confirmed-Request APDU truncated before its service choice');
      throwsDecode(() => decodeConfirmedApdu(h('08 05 01 00')), 'Confirmed-Request APDU truncated before its proposed window size');
      throwsDecode(() => decodeConfirmedApdu(h('3C 01 00 04')), 'Complex-ACK APDU truncated before its service choice');
      throwsDecode(() => decodeConfirmedApdu(h('40 01 02')), 'Segment-ACK APDU truncated before its actual window size');
      throwsDecode(() => decodeConfirmedApdu(h('60 01')), 'Reject APDU truncated before its reject reason');
      throwsDecode(() => decodeConfirmedApdu(h('50 01 0C 91 02')), /^a tag was expected but the data ends$/);
    });
    it('reserved max-APDU code, window size 0 or over 127, octets after a fixed-length PDU', () => {
      throwsDecode(() => decodeConfirmedApdu(h('00 06 01 0C')), 'Confirmed-Request max-APDU code 6 is reserved', 1);
      throwsDecode(() => decodeConfirmedApdu(h('40 01 02 00')), 'Segment-ACK actual window size 0 is outside 1..127', 3);
      throwsDecode(() => decodeConfirmedApdu(h('38 01 02 80 0C')), 'Complex-ACK proposed window size 128 is outside 1..127', 3);
      throwsDecode(() => decodeConfirmedApdu(h('20 01 0C 00')), 'Simple-ACK APDU has 1 octets after its 3', 3);
      throwsDecode(() => decodeConfirmedApdu(h('71 01 02 03 04')), 'Abort APDU has 2 octets after its 3', 3);
    });
    it('Error data that is not the pair', () => {
      throwsDecode(() => decodeConfirmedApdu(h('50 01 0C 19 02')), 'Error APDU: expected error-class or opening tag 0, got context tag 1');
      throwsDecode(() => decodeConfirmedApdu(h('50 01 0C 21 02 91 20')), /^expected enumerated \(application tag 9\), got unsigned/);
      throwsDecode(() => decodeConfirmedApdu(h('50 01 10 0E 91 02 91 28 1E')), 'Error APDU: expected closing tag 0 after error-code, got opening tag 1');
    });
  });

  describe('encoding refuses what does not fit', () => {
    const request: ConfirmedApdu = {
      type: 'confirmed-request',
      segmented: false,
      moreFollows: false,
      segmentedResponseAccepted: true,
      maxSegments: 64,
      maxApdu: 1476,
      invokeId: 0,
      sequenceNumber: null,
      windowSize: null,
      service: 12,
      data: Buffer.alloc(0),
    };
    it('octet fields, window sizes and the segment fields', () => {
      throwsRange(() => encodeConfirmedApdu({ ...request, invokeId: 256 }), 'invokeId must be an integer 0..255, got 256');
      throwsRange(() => encodeConfirmedApdu({ ...request, moreFollows: true }), 'moreFollows needs segmented');
      throwsRange(() => encodeConfirmedApdu({ ...request, sequenceNumber: 1 }), 'an unsegmented APDU has no sequenceNumber or windowSize (give null)');
      throwsRange(() => encodeConfirmedApdu({ ...request, segmented: true }), 'a segmented APDU needs sequenceNumber and windowSize');
      throwsRange(() => encodeConfirmedApdu({ ...request, segmented: true, sequenceNumber: 0, windowSize: 128 }), 'windowSize must be an integer 1..127, got 128');
      throwsRange(() => encodeConfirmedApdu({ ...request, maxApdu: 49 }), 'max APDU length must be at least 50 octets, got 49');
      throwsRange(() => encodeConfirmedApdu({ type: 'error', invokeId: 1, service: 12, errorClass: -1, errorCode: 0 }), 'errorClass must be an integer 0..4294967295, got -1');
      throwsRange(() => encodeConfirmedApdu({ type: 'reject', invokeId: 1, reason: 1.5 }), 'reason must be an integer 0..255, got 1.5');
    });
    it('types: flags, data and the type itself', () => {
      assert.throws(() => encodeConfirmedApdu({ ...request, segmented: 1 as unknown as boolean }), TypeError);
      assert.throws(() => encodeConfirmedApdu({ ...request, data: [1] as unknown as Buffer }), TypeError);
      assert.throws(() => encodeConfirmedApdu({ type: 'unconfirmed' } as unknown as ConfirmedApdu), TypeError);
    });
    it('a size between two codes is announced as the smaller', () => {
      assert.deepEqual(encodeConfirmedApdu({ ...request, maxApdu: 1000, maxSegments: 10 }).subarray(0, 2), h('02 33'));
    });
  });

  describe('properties', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    const window = fc.integer({ min: 1, max: 127 });
    const data = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b));
    const segmentation = fc.oneof(
      fc.record({ segmented: fc.constant(true), moreFollows: fc.boolean(), sequenceNumber: octet, windowSize: window }, { noNullPrototype: true }),
      fc.constant({ segmented: false, moreFollows: false, sequenceNumber: null, windowSize: null }),
    );
    const apdu: fc.Arbitrary<ConfirmedApdu> = fc.oneof(
      fc
        .tuple(
          segmentation,
          fc.record(
            {
              segmentedResponseAccepted: fc.boolean(),
              maxSegments: fc.constantFrom(null, 2, 4, 8, 16, 32, 64, Infinity),
              maxApdu: fc.constantFrom(50, 128, 206, 480, 1024, 1476),
              invokeId: octet,
              service: octet,
              data,
            },
            { noNullPrototype: true },
          ),
        )
        .map(([seg, rest]) => ({ type: 'confirmed-request' as const, ...seg, ...rest })),
      fc.record({ type: fc.constant('simple-ack' as const), invokeId: octet, service: octet }, { noNullPrototype: true }),
      fc
        .tuple(segmentation, fc.record({ invokeId: octet, service: octet, data }, { noNullPrototype: true }))
        .map(([seg, rest]) => ({ type: 'complex-ack' as const, ...seg, ...rest })),
      fc.record(
        { type: fc.constant('segment-ack' as const), negative: fc.boolean(), fromServer: fc.boolean(), invokeId: octet, sequenceNumber: octet, windowSize: window },
        { noNullPrototype: true },
      ),
      fc.record(
        { type: fc.constant('error' as const), invokeId: octet, service: octet, errorClass: fc.nat({ max: 0xffffffff }), errorCode: fc.nat({ max: 0xffffffff }) },
        { noNullPrototype: true },
      ),
      fc.record({ type: fc.constant('reject' as const), invokeId: octet, reason: octet }, { noNullPrototype: true }),
      fc.record({ type: fc.constant('abort' as const), fromServer: fc.boolean(), invokeId: octet, reason: octet }, { noNullPrototype: true }),
    );

    it('decode(encode(apdu)) is apdu, for every type', () => {
      run(
        fc.property(apdu, (value) => {
          assert.deepEqual(decodeConfirmedApdu(encodeConfirmedApdu(value)), value);
        }),
        500,
      );
    });
    it('any octets decode or throw DecodeError, nothing else; what decodes survives encode and decode', () => {
      run(
        fc.property(fc.uint8Array({ maxLength: 24 }), fc.nat({ max: 3 }), (bytes, offset) => {
          const decoded = decodeOrUndefined(() => decodeConfirmedApdu(bytes, offset));
          if (decoded !== undefined) assert.deepEqual(decodeConfirmedApdu(encodeConfirmedApdu(decoded)), decoded);
        }),
        1000,
      );
    });
    it('a DecodeError is what every bad start octet gives', () => {
      for (let first = 0; first < 256; first++) {
        try {
          decodeConfirmedApdu(Buffer.from([first]));
        } catch (err) {
          assert.ok(err instanceof DecodeError, String(err));
        }
      }
    });
  });
});
