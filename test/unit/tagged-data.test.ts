/**
 * Tag headers (clause 20.2.1) in every length form and with extended tag
 * numbers, the generic decoder of tagged and constructed data, and the
 * application-tagged I-Am parameters of the real BBMD captures.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SEGMENTATION_NAMES, decodeIAm } from '../../dist/protocol/apdu';
import { encodeApplicationValue } from '../../dist/protocol/application-tags';
import { decodeBvll } from '../../dist/protocol/bvll';
import { decodeNpdu } from '../../dist/protocol/npdu';
import { decodeTagHeader, encodeClosingTag, encodeOpeningTag, encodeTagHeader } from '../../dist/protocol/tag-header';
import { MAX_TAG_NESTING, decodeConstructed, decodeTaggedData } from '../../dist/protocol/tagged-data';
import { h, throwsDecode, throwsRange } from '../support/codec-assert';

const hex = (b: Buffer): string => b.toString('hex').toUpperCase();

describe('tag headers', () => {
  it('every length form: inline 0..4, one octet 5..253, 254 + two octets, 255 + four octets', () => {
    const forms: Array<[number, string]> = [
      [0, '60'],
      [4, '64'],
      [5, '6505'],
      [253, '65FD'],
      [254, '65FE00FE'],
      [65535, '65FEFFFF'],
      [65536, '65FF00010000'],
      [0xffffffff, '65FFFFFFFFFF'],
    ];
    for (const [length, expected] of forms) {
      assert.equal(hex(encodeTagHeader('application', 6, length)), expected, `length ${length}`);
      assert.deepStrictEqual(decodeTagHeader(h(expected)), { tagClass: 'application', tag: 6, kind: 'primitive', length, headerLength: expected.length / 2 });
    }
  });

  it('extended tag numbers 15..254, before the extended length', () => {
    assert.equal(hex(encodeTagHeader('context', 14, 0)), 'E8');
    assert.equal(hex(encodeTagHeader('context', 15, 0)), 'F80F');
    assert.equal(hex(encodeTagHeader('context', 254, 300)), 'FDFEFE012C');
    assert.deepStrictEqual(decodeTagHeader(h('FDFEFE012C')), { tagClass: 'context', tag: 254, kind: 'primitive', length: 300, headerLength: 5 });
  });

  it('opening and closing tags, extended too', () => {
    const pairs: Array<[number, string, string]> = [
      [0, '0E', '0F'],
      [3, '3E', '3F'],
      [14, 'EE', 'EF'],
      [15, 'FE0F', 'FF0F'],
      [254, 'FEFE', 'FFFE'],
    ];
    for (const [tag, opening, closing] of pairs) {
      assert.equal(hex(encodeOpeningTag(tag)), opening);
      assert.equal(hex(encodeClosingTag(tag)), closing);
      assert.deepStrictEqual(decodeTagHeader(h(opening)), { tagClass: 'context', tag, kind: 'opening', length: 0, headerLength: opening.length / 2 });
      assert.deepStrictEqual(decodeTagHeader(h(closing)), { tagClass: 'context', tag, kind: 'closing', length: 0, headerLength: closing.length / 2 });
    }
  });

  it('the application boolean carries its value in the L/V/T field', () => {
    assert.equal(hex(encodeTagHeader('application', 1, 1)), '11');
    assert.deepStrictEqual(decodeTagHeader(h('11')), { tagClass: 'application', tag: 1, kind: 'primitive', length: 0, headerLength: 1, booleanValue: true });
    assert.deepStrictEqual(decodeTagHeader(h('10')), { tagClass: 'application', tag: 1, kind: 'primitive', length: 0, headerLength: 1, booleanValue: false });
    // The context-tagged boolean has a content octet like any other primitive.
    assert.deepStrictEqual(decodeTagHeader(h('1901')), { tagClass: 'context', tag: 1, kind: 'primitive', length: 1, headerLength: 1 });
  });

  it('decodes the longer forms senders should not use, since they are unambiguous', () => {
    assert.deepStrictEqual(decodeTagHeader(h('F803')), { tagClass: 'context', tag: 3, kind: 'primitive', length: 0, headerLength: 2 });
    assert.deepStrictEqual(decodeTagHeader(h('0D02')), { tagClass: 'context', tag: 0, kind: 'primitive', length: 2, headerLength: 2 });
    assert.deepStrictEqual(decodeTagHeader(h('0DFE0003')), { tagClass: 'context', tag: 0, kind: 'primitive', length: 3, headerLength: 4 });
  });

  it('malformed and truncated headers throw DecodeError saying why', () => {
    throwsDecode(() => decodeTagHeader(h('F8')), 'tag truncated before its extended tag number', 0);
    throwsDecode(() => decodeTagHeader(h('F8FF')), 'tag number 255 is reserved', 0);
    throwsDecode(() => decodeTagHeader(h('06')), 'application tag 0 with L/V/T 6: opening and closing tags are context-specific', 0);
    throwsDecode(() => decodeTagHeader(h('F7 20')), 'application tag 32 with L/V/T 7: opening and closing tags are context-specific', 0);
    throwsDecode(() => decodeTagHeader(h('0D')), 'context tag 0 truncated in its extended length', 0);
    throwsDecode(() => decodeTagHeader(h('0DFE00')), 'context tag 0 truncated in its extended length', 0);
    throwsDecode(() => decodeTagHeader(h('65FF000000')), 'application tag 6 truncated in its extended length', 0);
    throwsDecode(() => decodeTagHeader(h('0D05'), 0, 1), 'context tag 0 truncated in its extended length', 0);
    throwsDecode(() => decodeTagHeader(h('21'), 1), 'a tag was expected but the data ends', 1);
  });

  it('encoders refuse tags and lengths that no header carries', () => {
    throwsRange(() => encodeTagHeader('context', 255, 0), 'tag number must be an integer 0..254, got 255');
    throwsRange(() => encodeOpeningTag(-1), 'tag number must be an integer 0..254, got -1');
    throwsRange(() => encodeTagHeader('application', 2, 2 ** 32), 'tag length must be an integer 0..4294967295, got 4294967296');
    throwsRange(() => encodeTagHeader('application', 2, 1.5), 'tag length must be an integer 0..4294967295, got 1.5');
  });
});

describe('generic decoder of tagged data', () => {
  it('application values become values, context primitives raw octets, constructed data nested arrays', () => {
    assert.deepStrictEqual(decodeTaggedData(h('3E 21 48 1E 09 01 1F 44 42900000 3F 11')), {
      value: [{ tag: 3, value: [72, { tag: 1, value: [{ tag: 0, value: h('01') }] }, 72] }, true],
      length: 14,
    });
    assert.deepStrictEqual(decodeTaggedData(h('3E 3F FE 20 FF 20')).value, [{ tag: 3, value: [] }, { tag: 32, value: [] }]);
    assert.deepStrictEqual(decodeTaggedData(h('')), { value: [], length: 0 });
  });

  it('a ReadProperty-ACK: object, property, and the value between [3] and [/3]', () => {
    const ack = h('0C 00000000 19 55 3E 44 42900000 3F');
    assert.deepStrictEqual(decodeTaggedData(ack).value, [{ tag: 0, value: h('00000000') }, { tag: 1, value: h('55') }, { tag: 3, value: [72] }]);
    assert.deepStrictEqual(decodeConstructed(ack, 7), { tag: 3, value: [72], length: 7 });
    // It stops at its closing tag.
    assert.deepStrictEqual(decodeConstructed(h('3E 21 48 3F 00 00')), { tag: 3, value: [72], length: 4 });
  });

  it('a priority-array: 16 entries, null where empty', () => {
    const entries = [...Array(7).fill('00'), '44 42900000', ...Array(8).fill('00')].join(' ');
    const { value } = decodeConstructed(h(`3E ${entries} 3F`));
    assert.deepStrictEqual(value, [...Array(7).fill(null), 72, ...Array(8).fill(null)]);
  });

  it('reads between offset and end', () => {
    assert.deepStrictEqual(decodeTaggedData(h('FF 21 48 91 03 FF'), 1, 5), { value: [72, 3], length: 4 });
    throwsDecode(() => decodeTaggedData(h('21 48'), 0, 1), 'application tag 2 (unsigned) has 1 content octets but only 0 follow', 0);
    throwsDecode(() => decodeTaggedData(h('00'), 0, 5), 'tagged data from 0 to 5 is outside the 1 octets', 0);
  });

  it(`nests up to ${MAX_TAG_NESTING} opening tags`, () => {
    const nested = (depth: number): Buffer => Buffer.concat([Buffer.alloc(depth, 0x0e), h('00'), Buffer.alloc(depth, 0x0f)]);
    assert.equal(MAX_TAG_NESTING, 64);
    let expected: unknown = [null];
    for (let i = 0; i < 64; i++) expected = [{ tag: 0, value: expected }];
    assert.deepStrictEqual(decodeTaggedData(nested(64)).value, expected);
    assert.deepStrictEqual(decodeConstructed(nested(64)).length, 129);
    throwsDecode(() => decodeTaggedData(nested(65)), 'constructed data nested deeper than 64 opening tags', 64);
    throwsDecode(() => decodeConstructed(nested(65)), 'constructed data nested deeper than 64 opening tags', 64);
  });

  it('refuses data that is not well-formed, saying why', () => {
    throwsDecode(() => decodeTaggedData(h('21 48 3F')), 'closing tag 3 without an opening tag', 2);
    throwsDecode(() => decodeTaggedData(h('3E 4F')), 'closing tag 4 does not match opening tag 3 at 0', 1);
    throwsDecode(() => decodeTaggedData(h('3E 21 48')), 'opening tag 3 at 0 is not closed', 0);
    throwsDecode(() => decodeTaggedData(h('3E 1E 3F')), 'closing tag 3 does not match opening tag 1 at 1', 2);
    throwsDecode(() => decodeConstructed(h('3E 1E 1F')), 'opening tag 3 at 0 is not closed', 0);
    throwsDecode(() => decodeConstructed(h('21 48')), 'expected an opening tag, got application tag 2 (unsigned)', 0);
    throwsDecode(() => decodeTaggedData(h('3E D1 00 3F')), 'application tag 13 is reserved: clause 20.2.1.4 defines 0..12', 1);
    throwsDecode(() => decodeTaggedData(h('3E 43 429000 3F')), 'real must be 4 octets, got 3', 2);
    throwsDecode(() => decodeTaggedData(h('3E 44 429000 3F')), 'opening tag 3 at 0 is not closed', 0);
  });
});

describe('application-tagged values in the real BBMD captures', () => {
  interface Frame {
    hex: string;
    info: string;
  }
  const capture = JSON.parse(fs.readFileSync(path.join(__dirname, '../../test/fixtures/real-bbmd-frames.json'), 'utf8')) as { frames: Frame[] };

  function apduOf(frame: Frame): Buffer | null {
    const bvll = decodeBvll(Buffer.from(frame.hex, 'hex'));
    if (!('npdu' in bvll)) return null;
    return bvll.npdu.subarray(decodeNpdu(bvll.npdu).apduOffset);
  }

  it('the I-Am parameters decode as object-identifier, unsigned, enumerated, unsigned and re-encode identically', () => {
    let iAms = 0;
    for (const frame of capture.frames) {
      const apdu = apduOf(frame);
      if (apdu === null || !frame.info.includes('i-Am')) continue;
      iAms++;
      const iAm = decodeIAm(apdu);
      const { value, length } = decodeTaggedData(apdu, 2);
      assert.equal(length, apdu.length - 2);
      const segmentation = SEGMENTATION_NAMES.indexOf(iAm.segmentation as (typeof SEGMENTATION_NAMES)[number]);
      assert.deepStrictEqual(value, [{ type: 8, instance: iAm.deviceInstance }, iAm.maxApdu, segmentation, iAm.vendorId], frame.hex);
      const reencoded = Buffer.concat([
        encodeApplicationValue('object-identifier', value[0]),
        encodeApplicationValue('unsigned', value[1]),
        encodeApplicationValue('enumerated', value[2]),
        encodeApplicationValue('unsigned', value[3]),
      ]);
      assert.equal(hex(reencoded), hex(apdu.subarray(2)), frame.hex);
    }
    assert.equal(iAms, 22);
  });

  it('the Who-Is requests carry no parameters', () => {
    const whoIs = capture.frames.map(apduOf).filter((apdu): apdu is Buffer => apdu !== null && apdu[1] === 0x08);
    assert.equal(whoIs.length, 27);
    for (const apdu of whoIs) assert.deepStrictEqual(decodeTaggedData(apdu, 2), { value: [], length: 0 });
  });
});
