/**
 * Character-strings (clause 20.2.9) in each character set the standard
 * defines: the examples of the standard, the sets Node.js can decode, and
 * the reasons given for those it cannot.
 */
import { strict as assert } from 'node:assert';
import { decodeApplicationValue, encodeApplicationValue } from '../../dist/protocol/application-tags';
import { CHARACTER_SET_NAMES } from '../../dist/protocol/character-string';
import { encodeTagHeader } from '../../dist/protocol/tag-header';
import { ValueError } from '../../dist/protocol/value-error';
import { h, throwsDecode, throwsExactly } from '../support/codec-assert';

const SENTENCE = 'This is a BACnet string!';
const SENTENCE_HEX = '546869732069732061204241436E657420737472696E6721';

/** The application-tagged character-string whose content is `set` then `text` (hex). */
function tagged(set: number, text: string): Buffer {
  const content = Buffer.concat([Buffer.from([set]), h(text)]);
  return Buffer.concat([encodeTagHeader('application', 7, content.length), content]);
}

function decodes(bytes: Buffer, text: string): void {
  assert.deepStrictEqual(decodeApplicationValue(bytes), { valueType: 'character-string', value: text, length: bytes.length });
}

describe('character-string', () => {
  it('names the six character sets', () => {
    assert.deepEqual([...CHARACTER_SET_NAMES], ['ISO 10646 (UTF-8)', 'IBM/Microsoft DBCS', 'JIS X 0208', 'ISO 10646 (UCS-4)', 'ISO 10646 (UCS-2)', 'ISO 8859-1']);
  });

  it('the examples of clause 20.2.9: UTF-8, DBCS code page 850, UCS-2, UCS-4', () => {
    decodes(h(`75 19 00 ${SENTENCE_HEX}`), SENTENCE);
    decodes(h(`75 1B 01 0352 ${SENTENCE_HEX}`), SENTENCE);
    decodes(h('75 31 04 0054006800690073002000690073002000610020004200410043006E0065007400200073007400720069006E00670021'), SENTENCE);
    const ucs4 = [...SENTENCE].map((c) => c.charCodeAt(0).toString(16).padStart(8, '0')).join('');
    decodes(h(`75 61 03 ${ucs4}`), SENTENCE);
  });

  it('encodes as UTF-8 (set 0), whatever the text', () => {
    assert.deepEqual(encodeApplicationValue('character-string', ''), h('71 00'));
    assert.deepEqual(encodeApplicationValue('character-string', '°C'), h('74 00 C2B0 43'));
    assert.deepEqual(encodeApplicationValue('character-string', '😀'), h('75 05 00 F09F9880'));
    decodes(h('71 00'), '');
  });

  it('UTF-8 keeps a byte order mark; 8-bit text that is not UTF-8 reads as ISO 8859-1', () => {
    decodes(h('75 05 00 EFBBBF 41'), '\uFEFFA');
    decodes(h('73 00 B043'), '°C');
  });

  it('ISO 8859-1, UCS-2 with a surrogate pair, UCS-4 beyond the BMP', () => {
    decodes(tagged(5, 'B0 43 E9'), '°Cé');
    decodes(tagged(4, 'D83D DE00 0041'), '😀A');
    decodes(tagged(3, '0001F600'), '😀');
    decodes(tagged(4, ''), '');
  });

  it('DBCS code pages Node.js knows, and pure ASCII in any code page', () => {
    decodes(tagged(1, '03A4 93FA967B'), '日本'); // 932 Shift-JIS
    decodes(tagged(1, '03A8 C4E3BAC3'), '你好'); // 936 GBK
    decodes(tagged(1, '03B5 C7D1B1B9'), '한국'); // 949
    decodes(tagged(1, '03B6 A4A4A4E5'), '中文'); // 950 Big5
    decodes(tagged(1, '01B5 414243'), 'ABC'); // 437
  });

  it('JIS X 0208 as row/cell octet pairs', () => {
    decodes(tagged(2, '467C 4B5C'), '日本');
    decodes(tagged(2, ''), '');
  });

  it('refuses with a reason what it cannot read (at the content, after a 1- or 2-octet header)', () => {
    throwsDecode(() => decodeApplicationValue(h('70')), 'character-string has no character set octet', 1);
    throwsDecode(() => decodeApplicationValue(tagged(6, '41')), 'character-string in character set 6, which is not defined (0..5)', 1);
    throwsDecode(() => decodeApplicationValue(tagged(4, '0041 00')), 'UCS-2 character-string of 3 octets: not a whole number of 2-octet characters', 1);
    throwsDecode(() => decodeApplicationValue(tagged(3, '000041')), 'UCS-4 character-string of 3 octets: not a whole number of 4-octet characters', 1);
    throwsDecode(() => decodeApplicationValue(tagged(3, '00110000')), 'UCS-4 character-string holds 0x110000, which is not a Unicode character', 2);
    throwsDecode(() => decodeApplicationValue(tagged(3, '0000D800')), 'UCS-4 character-string holds 0xd800, which is not a Unicode character', 2);
    throwsDecode(() => decodeApplicationValue(tagged(1, '03')), 'IBM/Microsoft DBCS character-string truncated in its code page', 1);
    throwsDecode(() => decodeApplicationValue(tagged(1, '01B5 41C3')), 'IBM/Microsoft DBCS character-string in code page 437: a code page this decoder does not know', 2);
    throwsDecode(() => decodeApplicationValue(tagged(1, '03A4 93')), 'IBM/Microsoft DBCS character-string in code page 932: not valid shift_jis text', 1);
    throwsDecode(() => decodeApplicationValue(tagged(2, '467C 4B')), 'JIS X 0208 character-string must be pairs of octets 0x21..0x7E', 1);
    throwsDecode(() => decodeApplicationValue(tagged(2, '467C 0A0D')), 'JIS X 0208 character-string must be pairs of octets 0x21..0x7E', 2);
  });

  it('refuses to encode what is not a string or cannot be UTF-8', () => {
    throwsExactly(() => encodeApplicationValue('character-string', 5), ValueError, 'character-string takes a string (sent as UTF-8), got 5');
    throwsExactly(
      () => encodeApplicationValue('character-string', 'ab\uD800'),
      ValueError,
      'character-string takes a string (sent as UTF-8): got a lone surrogate at index 2, which UTF-8 cannot carry',
    );
  });
});
