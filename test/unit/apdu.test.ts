import { strict as assert } from 'node:assert';
import {
  IAm,
  MAX_DEVICE_INSTANCE,
  OBJECT_TYPE_DEVICE,
  SEGMENTATION_NAMES,
  decodeIAm,
  encodeGlobalWhoIs,
  encodeIAmApdu,
  encodeWhoIsApdu,
} from '../../dist/protocol/apdu';
import { DecodeError } from '../../dist/protocol/decode-error';
import { h, throwsDecode, throwsRange } from '../support/codec-assert';
import { decodeNpdu } from '../../dist/protocol/npdu';

/** The I-Am APDUs of the captures (test/fixtures/real-bbmd-frames.json), as the bytes say. */
const CAPTURED_I_AMS: Array<[string, IAm]> = [
  ['10 00 c4 0200162e 22 05c4 91 03 22 0104', { deviceInstance: 5678, maxApdu: 1476, segmentation: 'no-segmentation', vendorId: 260 }],
  ['10 00 c4 020004d2 22 05c4 91 03 22 0104', { deviceInstance: 1234, maxApdu: 1476, segmentation: 'no-segmentation', vendorId: 260 }],
  ['10 00 c4 02000929 22 0400 91 00 22 03e7', { deviceInstance: 2345, maxApdu: 1024, segmentation: 'segmented-both', vendorId: 999 }],
  ['10 00 c4 02000d80 22 0400 91 00 22 03e7', { deviceInstance: 3456, maxApdu: 1024, segmentation: 'segmented-both', vendorId: 999 }],
  ['10 00 c4 020011d7 22 05c4 91 00 21 00', { deviceInstance: 4567, maxApdu: 1476, segmentation: 'segmented-both', vendorId: 0 }],
  ['10 00 c4 02001626 22 05c4 91 00 21 00', { deviceInstance: 5670, maxApdu: 1476, segmentation: 'segmented-both', vendorId: 0 }],
];

describe('apdu', () => {
  it('constants', () => {
    assert.equal(MAX_DEVICE_INSTANCE, 4194303);
    assert.equal(MAX_DEVICE_INSTANCE, 2 ** 22 - 1);
    assert.equal(OBJECT_TYPE_DEVICE, 8);
    assert.deepEqual([...SEGMENTATION_NAMES], ['segmented-both', 'segmented-transmit', 'segmented-receive', 'no-segmentation']);
  });

  describe('Who-Is', () => {
    it('encodeGlobalWhoIs() is exactly 01 20 FF FF 00 FF 10 08', () => {
      assert.deepEqual(encodeGlobalWhoIs(), h('0120FFFF00FF1008'));
    });
    it('encodeWhoIsApdu() without a range is 10 08', () => {
      assert.deepEqual(encodeWhoIsApdu(), h('1008'));
    });
    it('the global Who-Is NPDU decodes as a global broadcast with the APDU at offset 6', () => {
      const npdu = encodeGlobalWhoIs({ low: 1201, high: 1203 });
      const header = decodeNpdu(npdu);
      assert.equal(header.dnet, 0xffff);
      assert.equal(header.dadr, '');
      assert.equal(header.hopCount, 255);
      assert.equal(header.apduOffset, 6);
      assert.deepEqual(npdu.subarray(6), encodeWhoIsApdu({ low: 1201, high: 1203 }));
    });
    const ranges: Array<[number, number, string]> = [
      [1201, 1203, '10 08 0a 04b1 1a 04b3'],
      [0, 0, '10 08 09 00 19 00'],
      [0, 5, '10 08 09 00 19 05'],
      [255, 256, '10 08 09 ff 1a 0100'],
      [65535, 65536, '10 08 0a ffff 1b 010000'],
      [70000, MAX_DEVICE_INSTANCE, '10 08 0b 011170 1b 3fffff'],
      [0, MAX_DEVICE_INSTANCE, '10 08 09 00 1b 3fffff'],
      [MAX_DEVICE_INSTANCE, MAX_DEVICE_INSTANCE, '10 08 0b 3fffff 1b 3fffff'],
    ];
    for (const [low, high, hex] of ranges) {
      it(`range ${low}..${high} is ${hex} (context tags 0 and 1, minimal length)`, () => {
        assert.deepEqual(encodeWhoIsApdu({ low, high }), h(hex));
        assert.deepEqual(encodeGlobalWhoIs({ low, high }), Buffer.concat([h('0120ffff00ff'), h(hex)]));
      });
    }
    it('limits outside 0..4194303 or not integers are a RangeError', () => {
      throwsRange(() => encodeWhoIsApdu({ low: -1, high: 5 }), 'Who-Is low limit must be an integer 0..4194303, got -1');
      throwsRange(() => encodeWhoIsApdu({ low: 0, high: 4194304 }), 'Who-Is high limit must be an integer 0..4194303, got 4194304');
      throwsRange(() => encodeWhoIsApdu({ low: 4194304, high: 4194304 }), 'Who-Is low limit must be an integer 0..4194303, got 4194304');
      throwsRange(() => encodeWhoIsApdu({ low: 1.5, high: 5 }), 'Who-Is low limit must be an integer 0..4194303, got 1.5');
      throwsRange(() => encodeWhoIsApdu({ low: 0, high: NaN }), 'Who-Is high limit must be an integer 0..4194303, got NaN');
      throwsRange(() => encodeGlobalWhoIs({ low: 0, high: Infinity }), 'Who-Is high limit must be an integer 0..4194303, got Infinity');
    });
    it('low above high is a RangeError', () => {
      throwsRange(() => encodeWhoIsApdu({ low: 1203, high: 1201 }), 'Who-Is low limit 1203 is above the high limit 1201');
      throwsRange(() => encodeGlobalWhoIs({ low: 1, high: 0 }), 'Who-Is low limit 1 is above the high limit 0');
    });
  });

  describe('I-Am', () => {
    it('encodeIAmApdu gives the exact bytes of a captured I-Am', () => {
      assert.deepEqual(
        encodeIAmApdu({ deviceInstance: 5678, maxApdu: 1476, segmentation: 3, vendorId: 260 }),
        h('1000 c40200162e 2205c4 9103 220104'),
      );
      assert.deepEqual(
        encodeIAmApdu({ deviceInstance: 4567, maxApdu: 1476, segmentation: 0, vendorId: 0 }),
        h('1000 c4020011d7 2205c4 9100 2100'),
      );
    });
    it('encodeIAmApdu uses minimal-length unsigneds', () => {
      assert.deepEqual(
        encodeIAmApdu({ deviceInstance: 0, maxApdu: 50, segmentation: 1, vendorId: 65535 }),
        h('1000 c402000000 2132 9101 22ffff'),
      );
      assert.deepEqual(
        encodeIAmApdu({ deviceInstance: MAX_DEVICE_INSTANCE, maxApdu: 0x10000, segmentation: 2, vendorId: 0xffff }),
        h('1000 c4023fffff 23010000 9102 22ffff'),
      );
    });
    it('encodeIAmApdu/decodeIAm round trip', () => {
      for (const deviceInstance of [0, 1, 127, 5678, 65536, 4194302, MAX_DEVICE_INSTANCE]) {
        for (const [segmentation, name] of SEGMENTATION_NAMES.entries()) {
          for (const [maxApdu, vendorId] of [[50, 0], [480, 260], [1476, 999], [1024, 65535]]) {
            const apdu = encodeIAmApdu({ deviceInstance, maxApdu, segmentation, vendorId });
            assert.deepEqual(decodeIAm(apdu), { deviceInstance, maxApdu, segmentation: name, vendorId });
          }
        }
      }
    });
    it('a segmentation code outside 0..3 decodes as unknown-N', () => {
      // Built by hand: encodeIAmApdu refuses segmentation codes outside the standard's four.
      const apdu = h('1000 c402000007 2201e0 9104 2101');
      assert.deepEqual(decodeIAm(apdu), { deviceInstance: 7, maxApdu: 480, segmentation: 'unknown-4', vendorId: 1 });
      assert.equal(decodeIAm(h('1000 c402000007 2201e0 9201f4 2101')).segmentation, 'unknown-500');
    });
    it('encodeIAmApdu refuses a device instance outside 0..4194303 and negative numbers', () => {
      throwsRange(
        () => encodeIAmApdu({ deviceInstance: 4194304, maxApdu: 1476, segmentation: 0, vendorId: 0 }),
        'device instance must be 0..4194303, got 4194304',
      );
      throwsRange(
        () => encodeIAmApdu({ deviceInstance: -1, maxApdu: 1476, segmentation: 0, vendorId: 0 }),
        'device instance must be 0..4194303, got -1',
      );
      throwsRange(
        () => encodeIAmApdu({ deviceInstance: 1.5, maxApdu: 1476, segmentation: 0, vendorId: 0 }),
        'device instance must be 0..4194303, got 1.5',
      );
      throwsRange(
        () => encodeIAmApdu({ deviceInstance: 1, maxApdu: -1, segmentation: 0, vendorId: 0 }),
        'unsigned value out of range: -1',
      );
      throwsRange(
        () => encodeIAmApdu({ deviceInstance: 1, maxApdu: 1476, segmentation: 0, vendorId: 2 ** 32 }),
        'vendor identifier must be 0..65535, got 4294967296',
      );
      throwsRange(
        () => encodeIAmApdu({ deviceInstance: 1, maxApdu: 1476, segmentation: 4, vendorId: 0 }),
        'segmentation must be 0..3 (both, transmit, receive, none), got 4',
      );
    });

    describe('decodeIAm of the captured I-Ams', () => {
      for (const [hex, expected] of CAPTURED_I_AMS) {
        it(`device ${expected.deviceInstance}: ${hex}`, () => {
          assert.deepEqual(decodeIAm(h(hex)), expected);
        });
      }
      it('at an offset, behind a global-broadcast NPDU header (BBMD C)', () => {
        const npdu = h('0120ffff00ff 1000c4020011d72205c491002100');
        const header = decodeNpdu(npdu);
        assert.equal(header.apduOffset, 6);
        assert.deepEqual(decodeIAm(npdu, header.apduOffset), {
          deviceInstance: 4567,
          maxApdu: 1476,
          segmentation: 'segmented-both',
          vendorId: 0,
        });
      });
      it('behind an NPDU with SNET/SADR (a device behind a router)', () => {
        const npdu = h('0108000501 0a 1000c40200162e2205c49103220104');
        const header = decodeNpdu(npdu);
        assert.equal(header.snet, 5);
        assert.equal(header.sadr, '0a');
        assert.equal(decodeIAm(npdu, header.apduOffset).deviceInstance, 5678);
      });
    });

    describe('malformed I-Ams throw DecodeError', () => {
      it('truncation at every octet', () => {
        for (const [hex] of CAPTURED_I_AMS) {
          const apdu = h(hex);
          for (let n = 0; n < apdu.length; n++) {
            assert.throws(
              () => decodeIAm(apdu.subarray(0, n)),
              (err: unknown) => err instanceof DecodeError,
              `${n} octets of ${hex}`,
            );
          }
        }
      });
      it('truncation messages say where', () => {
        const apdu = h(CAPTURED_I_AMS[0][0]);
        throwsDecode(() => decodeIAm(apdu.subarray(0, 0)), 'not an I-Am APDU', 0);
        throwsDecode(() => decodeIAm(apdu.subarray(0, 1)), 'not an I-Am APDU', 0);
        throwsDecode(() => decodeIAm(apdu.subarray(0, 2)), 'I-Am truncated before the object identifier', 2);
        throwsDecode(() => decodeIAm(apdu.subarray(0, 6)), 'I-Am object identifier truncated', 2);
        throwsDecode(() => decodeIAm(apdu.subarray(0, 7)), 'I-Am truncated before the max APDU length accepted', 7);
        throwsDecode(() => decodeIAm(apdu.subarray(0, 9)), 'I-Am max APDU length accepted truncated', 7);
        throwsDecode(() => decodeIAm(apdu.subarray(0, 10)), 'I-Am truncated before the segmentation supported', 10);
        throwsDecode(() => decodeIAm(apdu.subarray(0, 11)), 'I-Am segmentation supported truncated', 10);
        throwsDecode(() => decodeIAm(apdu.subarray(0, 12)), 'I-Am truncated before the vendor identifier', 12);
        throwsDecode(() => decodeIAm(apdu.subarray(0, 14)), 'I-Am vendor identifier truncated', 12);
      });
      it('not an unconfirmed I-Am', () => {
        throwsDecode(() => decodeIAm(h('1008')), 'not an I-Am APDU');
        throwsDecode(() => decodeIAm(h('1008 0a04b1 1a04b3')), 'not an I-Am APDU');
        throwsDecode(() => decodeIAm(h('0000 c40200162e2205c49103220104')), 'not an I-Am APDU');
        throwsDecode(() => decodeIAm(h('2000 c40200162e2205c49103220104')), 'not an I-Am APDU');
        throwsDecode(() => decodeIAm(h('1001 c40200162e2205c49103220104')), 'not an I-Am APDU');
      });
      it('an offset outside the input', () => {
        const apdu = h(CAPTURED_I_AMS[0][0]);
        throwsDecode(() => decodeIAm(apdu, apdu.length), 'not an I-Am APDU');
        throwsDecode(() => decodeIAm(apdu, apdu.length + 5), 'not an I-Am APDU');
        throwsDecode(() => decodeIAm(apdu, -1), 'not an I-Am APDU');
      });
      it('wrongly tagged object identifier', () => {
        // Context tag 0 (class bit set) instead of application tag 12.
        throwsDecode(
          () => decodeIAm(h('1000 cc0200162e 2205c4 9103 220104')),
          'I-Am object identifier must be application tag 12 of 4 octets (0xC4), got 0xcc',
          2,
        );
        // Application tag 2 (unsigned) in its place.
        throwsDecode(
          () => decodeIAm(h('1000 240200162e 2205c4 9103 220104')),
          'I-Am object identifier must be application tag 12 of 4 octets (0xC4), got 0x24',
          2,
        );
        // Extended length (5).
        throwsDecode(
          () => decodeIAm(h('1000 c5040200162e 2205c4 9103 220104')),
          'I-Am object identifier must be application tag 12 of 4 octets (0xC4), got 0xc5',
          2,
        );
      });
      it('an object that is not a Device', () => {
        throwsDecode(
          () => decodeIAm(h('1000 c400000001 2205c4 9103 220104')),
          'I-Am names object type 0, not a Device (8)',
          2,
        );
        throwsDecode(
          () => decodeIAm(h('1000 c4ffc00000 2205c4 9103 220104')),
          'I-Am names object type 1023, not a Device (8)',
          2,
        );
      });
      it('wrongly tagged max APDU, segmentation and vendor', () => {
        throwsDecode(
          () => decodeIAm(h('1000 c40200162e 9105 9103 220104')),
          'I-Am max APDU length accepted: expected application tag 2 of 1..4 octets, got 0x91',
          7,
        );
        throwsDecode(
          () => decodeIAm(h('1000 c40200162e 20 9103 220104')),
          'I-Am max APDU length accepted: expected application tag 2 of 1..4 octets, got 0x20',
          7,
        );
        throwsDecode(
          () => decodeIAm(h('1000 c40200162e 2a05c4 9103 220104')),
          'I-Am max APDU length accepted: expected application tag 2 of 1..4 octets, got 0x2a',
          7,
        );
        throwsDecode(
          () => decodeIAm(h('1000 c40200162e 2205c4 2103 220104')),
          'I-Am segmentation supported: expected application tag 9 of 1..4 octets, got 0x21',
          10,
        );
        throwsDecode(
          () => decodeIAm(h('1000 c40200162e 2205c4 9103 920104')),
          'I-Am vendor identifier: expected application tag 2 of 1..4 octets, got 0x92',
          12,
        );
        throwsDecode(
          () => decodeIAm(h('1000 c40200162e 2205c4 9103 250000000104')),
          'I-Am vendor identifier: expected application tag 2 of 1..4 octets, got 0x25',
          12,
        );
      });
    });
  });
});
