/**
 * Application- and context-tagged primitive values (clause 20.2): the
 * standard's own encoding examples both ways, then the edges of each
 * datatype and the exact refusals of encoder and decoder.
 */
import { strict as assert } from 'node:assert';
// Through the package's entry point: these are its public API.
import * as index from '../../dist/index';
import { ValueError, ValueType } from '../../dist/index';
import { encodeApplicationValue as encodeFromModule } from '../../dist/protocol/application-tags';
import { h, throwsDecode, throwsExactly } from '../support/codec-assert';

const { decodeApplicationValue, decodeContextOctets, decodeContextValue, encodeApplicationValue, encodeContextValue, isValueType, VALUE_TYPES } = index;

/** Encodes `value` to exactly `hex`, and decodes `hex` back to exactly `value`, all octets read. */
function both(valueType: ValueType, value: unknown, hex: string, decoded: unknown = value): void {
  assert.equal(encodeApplicationValue(valueType, value).toString('hex'), h(hex).toString('hex'));
  assert.deepStrictEqual(decodeApplicationValue(h(hex)), { valueType, value: decoded, length: h(hex).length });
}

function bothContext(tag: number, valueType: ValueType, value: unknown, hex: string): void {
  assert.equal(encodeContextValue(tag, valueType, value).toString('hex'), h(hex).toString('hex'));
  assert.deepStrictEqual(decodeContextValue(h(hex), 0, valueType, tag), { tag, value, length: h(hex).length });
}

function refuses(valueType: ValueType, value: unknown, message: string): void {
  throwsExactly(() => encodeApplicationValue(valueType, value), ValueError, message);
}

const UNSIGNED_TAKES = 'unsigned takes an integer 0..18446744073709551615 (a number up to 9007199254740991, beyond it a string of digits or a bigint)';
const SIGNED_TAKES =
  'signed takes an integer -9223372036854775808..9223372036854775807 (a number within ±9007199254740991, beyond it a string of digits or a bigint)';
const DATE_TAKES = 'date takes { year, month, day, weekday } with year 1900..2154, month 1..14, day 1..34, weekday 1..7, each or null for any';

describe('application tags', () => {
  it('VALUE_TYPES are the application tags 0..12, and index.ts exports the codec', () => {
    assert.deepEqual(
      [...VALUE_TYPES],
      ['null', 'boolean', 'unsigned', 'signed', 'real', 'double', 'octet-string', 'character-string', 'bit-string', 'enumerated', 'date', 'time', 'object-identifier'],
    );
    assert.equal(encodeApplicationValue, encodeFromModule);
    assert.equal(typeof index.decodeTaggedData, 'function');
    assert.ok(isValueType('octet-string') && !isValueType('octetString') && !isValueType(2));
  });

  describe('the examples of clauses 20.2.2-20.2.14, application-tagged', () => {
    it('null, boolean', () => {
      both('null', null, '00');
      both('boolean', false, '10');
      both('boolean', true, '11');
    });
    it('unsigned 72, signed 72 and -72', () => {
      both('unsigned', 72, '21 48');
      both('signed', 72, '31 48');
      both('signed', -72, '31 B8');
    });
    it('real 72.0, double 72.0', () => {
      both('real', 72, '44 42900000');
      both('double', 72, '55 08 4052000000000000');
    });
    it("octet-string X'1234FF'", () => both('octet-string', h('1234FF'), '63 1234FF'));
    it('character-string "This is a BACnet string!" (UTF-8, extended length 25)', () => {
      both('character-string', 'This is a BACnet string!', '75 19 00 546869732069732061204241436E657420737472696E6721');
    });
    it("bit-string B'10101', enumerated 0", () => {
      both('bit-string', [true, false, true, false, true], '82 03A8');
      both('enumerated', 0, '91 00');
    });
    it('date January 24, 1991 (a Thursday), and with month and weekday unspecified', () => {
      both('date', { year: 1991, month: 1, day: 24, weekday: 4 }, 'A4 5B011804');
      both('date', { year: 1991, month: null, day: 24, weekday: null }, 'A4 5BFF18FF');
    });
    it('time 17:35:45.17', () => both('time', { hour: 17, minute: 35, second: 45, hundredths: 17 }, 'B4 11232D11'));
    it('object-identifier binary-input 15', () => both('object-identifier', { type: 3, instance: 15 }, 'C4 00C0000F'));
  });

  describe('the examples of clause 20.2.15, context-tagged', () => {
    it('null, boolean (one content octet here), unsigned, signed', () => {
      bothContext(3, 'null', null, '38');
      bothContext(2, 'boolean', true, '29 01');
      bothContext(6, 'boolean', false, '69 00');
      bothContext(27, 'boolean', false, 'F9 1B 00');
      bothContext(0, 'unsigned', 256, '0A 0100');
      bothContext(5, 'signed', -72, '59 B8');
      bothContext(33, 'signed', -72, 'F9 21 B8');
    });
    it('real, double, octet-string', () => {
      bothContext(0, 'real', Math.fround(-33.3), '0C C2053333');
      bothContext(1, 'double', -33.3, '1D 08 C040A66666666666');
      bothContext(85, 'double', -33.3, 'FD 55 08 C040A66666666666');
      bothContext(1, 'octet-string', h('4321'), '1A 4321');
    });
    it('character-string, with tag 5, tag 127, and "Français"', () => {
      const text = '00 546869732069732061204241436E657420737472696E6721';
      bothContext(5, 'character-string', 'This is a BACnet string!', `5D 19 ${text}`);
      bothContext(127, 'character-string', 'This is a BACnet string!', `FD 7F 19 ${text}`);
      bothContext(7, 'character-string', 'Français', '7D 0A 00 4672616EC3A7616973');
    });
    it('bit-string, enumerated, date, time, object-identifier', () => {
      bothContext(0, 'bit-string', [true, false, true, false, true], '0A 03A8');
      bothContext(9, 'enumerated', 0, '99 00');
      bothContext(9, 'date', { year: 1991, month: 1, day: 24, weekday: 4 }, '9C 5B011804');
      bothContext(4, 'time', { hour: 17, minute: 35, second: 45, hundredths: 17 }, '4C 11232D11');
      bothContext(4, 'object-identifier', { type: 3, instance: 15 }, '4C 00C0000F');
    });
    it('decodeContextOctets gives the raw content', () => {
      assert.deepStrictEqual(decodeContextOctets(h('0A 0100 FF')), { tag: 0, octets: h('0100'), length: 3 });
      assert.deepStrictEqual(decodeContextOctets(h('FF 38'), 1, 3), { tag: 3, octets: h(''), length: 1 });
      throwsDecode(() => decodeContextOctets(h('0A 0100'), 0, 1), 'expected context tag 1, got context tag 0', 0);
      throwsDecode(() => decodeContextOctets(h('21 48'), 0, 1), 'expected a context-tagged value with tag 1, got application tag 2 (unsigned)', 0);
      throwsDecode(() => decodeContextValue(h('0E'), 0, 'unsigned'), 'expected a context-tagged value, got opening tag 0', 0);
    });
  });

  describe('unsigned, signed, enumerated', () => {
    it('take the fewest octets, up to 8', () => {
      both('unsigned', 0, '21 00');
      both('unsigned', 255, '21 FF');
      both('unsigned', 256, '22 0100');
      both('unsigned', 0xffffffff, '24 FFFFFFFF');
      both('unsigned', 2 ** 32, '25 05 0100000000');
      both('unsigned', Number.MAX_SAFE_INTEGER, '25 07 1FFFFFFFFFFFFF');
      both('signed', 127, '31 7F');
      both('signed', 128, '32 0080');
      both('signed', -128, '31 80');
      both('signed', -129, '32 FF7F');
      both('signed', -(2 ** 40), '35 06 FF0000000000');
      both('signed', Number.MIN_SAFE_INTEGER, '35 07 E0000000000001');
      both('enumerated', 0xffffffff, '94 FFFFFFFF');
    });
    it('beyond Number.MAX_SAFE_INTEGER are strings of digits (strings and bigints encode)', () => {
      both('unsigned', '9007199254740992', '25 07 20000000000000');
      both('unsigned', '18446744073709551615', '25 08 FFFFFFFFFFFFFFFF');
      assert.deepEqual(encodeApplicationValue('unsigned', 2n ** 64n - 1n), h('25 08 FFFFFFFFFFFFFFFF'));
      both('signed', '-9223372036854775808', '35 08 8000000000000000');
      both('signed', '9223372036854775807', '35 08 7FFFFFFFFFFFFFFF');
      both('signed', '-9007199254740992', '35 07 E0000000000000');
      assert.deepEqual(encodeApplicationValue('signed', '-72'), h('31 B8'));
      assert.deepEqual(encodeApplicationValue('unsigned', '0072'), h('21 48'));
    });
    it('decode longer forms than needed', () => {
      assert.equal(decodeApplicationValue(h('24 00000048')).value, 72);
      assert.equal(decodeApplicationValue(h('25 08 0000000000000048')).value, 72);
      assert.equal(decodeApplicationValue(h('32 FFB8')).value, -72);
      assert.equal(decodeApplicationValue(h('35 08 FFFFFFFFFFFFFFB8')).value, -72);
      assert.equal(decodeApplicationValue(h('95 05 00FFFFFFFF')).value, 0xffffffff);
    });
    it('refuse what does not fit, naming the valueType and what it takes', () => {
      for (const bad of [Number.NaN, -1, 1.5, 2 ** 53, Infinity, '-1', '18446744073709551616', '1e3', ' 7', null, true, undefined]) {
        assert.throws(() => encodeApplicationValue('unsigned', bad), (err: unknown) => err instanceof ValueError && err.message.startsWith(UNSIGNED_TAKES));
      }
      refuses('unsigned', Number.NaN, `${UNSIGNED_TAKES}, got NaN`);
      refuses('unsigned', 2 ** 64, `${UNSIGNED_TAKES}, got 18446744073709552000`);
      refuses('signed', '9223372036854775808', `${SIGNED_TAKES}, got "9223372036854775808"`);
      refuses('signed', -(2n ** 63n) - 1n, `${SIGNED_TAKES}, got -9223372036854775809n`);
      refuses('enumerated', 2 ** 32, 'enumerated takes an integer 0..4294967295, got 4294967296');
      refuses('enumerated', -1, 'enumerated takes an integer 0..4294967295, got -1');
      refuses('enumerated', '1', 'enumerated takes an integer 0..4294967295, got "1"');
    });
    it('refuse malformed content with DecodeError', () => {
      throwsDecode(() => decodeApplicationValue(h('20')), 'unsigned has no content octets', 1);
      throwsDecode(() => decodeApplicationValue(h('30')), 'signed has no content octets', 1);
      throwsDecode(() => decodeApplicationValue(h('25 09 010000000000000000')), 'unsigned of 9 octets is longer than 8 (64 bits)', 2);
      throwsDecode(() => decodeApplicationValue(h('95 05 0100000000')), 'enumerated value 4294967296 is over 4294967295', 2);
    });
  });

  describe('real and double', () => {
    it('carry NaN, ±Infinity and -0; real rounds to single precision', () => {
      both('real', Number.NaN, '44 7FC00000');
      both('real', -Infinity, '44 FF800000');
      both('real', -0, '44 80000000');
      both('real', 72.1, '44 42903333', Math.fround(72.1));
      both('real', 3.4028235e38, '44 7F7FFFFF', 3.4028234663852886e38);
      both('double', Infinity, '55 08 7FF0000000000000');
    });
    it('real refuses a finite number beyond single range instead of sending Infinity', () => {
      const takes = 'real takes a number within ±3.4028234663852886e+38 (IEEE 754 single precision; NaN and ±Infinity too)';
      refuses('real', 1e39, `${takes}, got 1e+39`);
      refuses('real', -3.5e38, `${takes}, got -3.5e+38`);
      refuses('real', '72', `${takes}, got "72"`);
      refuses('double', null, 'double takes a number, got null');
    });
    it('must be 4 and 8 octets', () => {
      throwsDecode(() => decodeApplicationValue(h('43 429000')), 'real must be 4 octets, got 3', 1);
      throwsDecode(() => decodeApplicationValue(h('54 40520000')), 'double must be 8 octets, got 4', 1);
    });
  });

  describe('octet-string, bit-string, null, boolean', () => {
    it('octet-string: empty, and 300 octets (length 254..65535 form)', () => {
      both('octet-string', h(''), '60');
      const long = Buffer.alloc(300, 0xab);
      both('octet-string', long, `65 FE 012C ${long.toString('hex')}`);
      assert.deepStrictEqual(decodeApplicationValue(encodeApplicationValue('octet-string', new Uint8Array([1, 2]))).value, h('0102'));
      refuses('octet-string', '1234', 'octet-string takes a Buffer or Uint8Array, got "1234"');
      refuses('octet-string', [1, 2], 'octet-string takes a Buffer or Uint8Array, got an array of 2');
    });
    it('a decoded octet-string is a copy, not a view of the input', () => {
      const input = h('62 0102');
      const { value } = decodeApplicationValue(input, 0, 'octet-string');
      input[1] = 0xff;
      assert.deepStrictEqual(value, h('0102'));
    });
    it('bit-string: empty, 8 and 9 bits', () => {
      both('bit-string', [], '81 00');
      both('bit-string', Array(8).fill(true), '82 00FF');
      both('bit-string', [...Array(8).fill(false), true], '83 07 0080');
      refuses('bit-string', [1, 0], 'bit-string takes an array of booleans, got an array of 2');
      refuses('bit-string', 5, 'bit-string takes an array of booleans, got 5');
      throwsDecode(() => decodeApplicationValue(h('80')), 'bit-string has no unused-bits octet', 1);
      throwsDecode(() => decodeApplicationValue(h('82 08FF')), 'bit-string of 1 bit octets cannot have 8 unused bits', 1);
      throwsDecode(() => decodeApplicationValue(h('81 03')), 'bit-string of 0 bit octets cannot have 3 unused bits', 1);
    });
    it('null and boolean refuse anything else', () => {
      refuses('null', undefined, 'null takes null, got undefined');
      refuses('null', 0, 'null takes null, got 0');
      refuses('boolean', 1, 'boolean takes true or false, got 1');
      throwsExactly(() => encodeContextValue(0, 'boolean', 'true'), ValueError, 'boolean takes true or false, got "true"');
      throwsDecode(() => decodeApplicationValue(h('01 00')), 'null must have no content octets, got 1', 1);
      throwsDecode(() => decodeApplicationValue(h('12')), 'application boolean with L/V/T 2: its value must be 0 or 1', 0);
      throwsDecode(() => decodeContextValue(h('09 02'), 0, 'boolean'), 'context-tagged boolean must be one octet 0 or 1', 1);
      throwsDecode(() => decodeContextValue(h('08'), 0, 'boolean'), 'context-tagged boolean must be one octet 0 or 1', 1);
    });
  });

  describe('date, time, object-identifier', () => {
    it('date keeps the special month and day numbers and the year range 1900..2154', () => {
      both('date', { year: 2024, month: 13, day: 32, weekday: 7 }, 'A4 7C0D2007');
      both('date', { year: 1900, month: 14, day: 33, weekday: 1 }, 'A4 000E2101');
      both('date', { year: 2154, month: 12, day: 34, weekday: null }, 'A4 FE0C22FF');
      both('date', { year: null, month: null, day: null, weekday: null }, 'A4 FFFFFFFF');
    });
    it('date refuses fields out of range or missing', () => {
      refuses('date', { year: 2155, month: 1, day: 1, weekday: 1 }, `${DATE_TAKES}: year is 2155`);
      refuses('date', { year: 2024, month: 0, day: 1, weekday: 1 }, `${DATE_TAKES}: month is 0`);
      refuses('date', { year: 2024, month: 1, day: 35, weekday: 1 }, `${DATE_TAKES}: day is 35`);
      refuses('date', { year: 2024, month: 1, day: 1 }, `${DATE_TAKES}: weekday is missing`);
      refuses('date', { year: 2024, month: '1', day: 1, weekday: 1 }, `${DATE_TAKES}: month is "1"`);
      refuses('date', '2024-01-01', `${DATE_TAKES}, got "2024-01-01"`);
      refuses('date', new Date(0).getTime(), `${DATE_TAKES}, got 0`);
    });
    it('date and time decoding refuses octets outside the ranges', () => {
      throwsDecode(() => decodeApplicationValue(h('A4 7C000101')), 'date month 0 is outside 1..14 (or 255 for any)', 2);
      throwsDecode(() => decodeApplicationValue(h('A4 7C0F0101')), 'date month 15 is outside 1..14 (or 255 for any)', 2);
      throwsDecode(() => decodeApplicationValue(h('A4 7C012301')), 'date day 35 is outside 1..34 (or 255 for any)', 3);
      throwsDecode(() => decodeApplicationValue(h('A4 7C010100')), 'date weekday 0 is outside 1..7 (or 255 for any)', 4);
      throwsDecode(() => decodeApplicationValue(h('B4 18000000')), 'time hour 24 is outside 0..23 (or 255 for any)', 1);
      throwsDecode(() => decodeApplicationValue(h('B4 00003C00')), 'time second 60 is outside 0..59 (or 255 for any)', 3);
      throwsDecode(() => decodeApplicationValue(h('B4 00000064')), 'time hundredths 100 is outside 0..99 (or 255 for any)', 4);
      throwsDecode(() => decodeApplicationValue(h('A3 7C0101')), 'date must be 4 octets, got 3', 1);
    });
    it('time: unspecified fields, and refusals', () => {
      both('time', { hour: null, minute: null, second: null, hundredths: null }, 'B4 FFFFFFFF');
      both('time', { hour: 23, minute: 59, second: 59, hundredths: 99 }, 'B4 173B3B63');
      const takes = 'time takes { hour, minute, second, hundredths } with hour 0..23, minute 0..59, second 0..59, hundredths 0..99, each or null for any';
      refuses('time', { hour: 24, minute: 0, second: 0, hundredths: 0 }, `${takes}: hour is 24`);
      refuses('time', { hour: 1, minute: 0, second: 0, hundredths: 0.5 }, `${takes}: hundredths is 0.5`);
    });
    it('object-identifier: the widest type and the wildcard instance; refusals', () => {
      both('object-identifier', { type: 8, instance: 4194303 }, 'C4 023FFFFF');
      both('object-identifier', { type: 1023, instance: 0 }, 'C4 FFC00000');
      const takes = 'object-identifier takes { type: 0..1023, instance: 0..4194303 }';
      refuses('object-identifier', { type: 1024, instance: 0 }, `${takes}, got {"type":1024,"instance":0}`);
      refuses('object-identifier', { type: 0, instance: 4194304 }, `${takes}, got {"type":0,"instance":4194304}`);
      refuses('object-identifier', 'analog-input:0', `${takes}, got "analog-input:0"`);
      throwsDecode(() => decodeApplicationValue(h('C3 000000')), 'object-identifier must be 4 octets, got 3', 1);
    });
  });

  describe('decodeApplicationValue', () => {
    it('reads at an offset and says how many octets it took', () => {
      assert.deepStrictEqual(decodeApplicationValue(h('FF FF 21 48 FF'), 2), { valueType: 'unsigned', value: 72, length: 2 });
      assert.deepStrictEqual(decodeApplicationValue(h('44 42900000'), 0, 'real'), { valueType: 'real', value: 72, length: 5 });
    });
    it('refuses another datatype than expected, context and opening tags, reserved tags, truncation', () => {
      throwsDecode(() => decodeApplicationValue(h('21 48'), 0, 'enumerated'), 'expected enumerated (application tag 9), got unsigned (application tag 2)', 0);
      throwsDecode(() => decodeApplicationValue(h('09 48')), 'expected an application-tagged value, got context tag 0', 0);
      throwsDecode(() => decodeApplicationValue(h('3E')), 'expected an application-tagged value, got opening tag 3', 0);
      throwsDecode(() => decodeApplicationValue(h('D1 00')), 'application tag 13 is reserved: clause 20.2.1.4 defines 0..12', 0);
      throwsDecode(() => decodeApplicationValue(h('F1 20 00')), 'application tag 32 is reserved: clause 20.2.1.4 defines 0..12', 0);
      throwsDecode(() => decodeApplicationValue(h('44 429000')), 'application tag 4 (real) has 4 content octets but only 3 follow', 0);
      throwsDecode(() => decodeApplicationValue(h('65 FF FFFFFFFF 00')), 'application tag 6 (octet-string) has 4294967295 content octets but only 1 follow', 0);
      throwsDecode(() => decodeApplicationValue(h('')), 'a tag was expected but the data ends', 0);
      throwsDecode(() => decodeApplicationValue(h('21 48'), 2), 'a tag was expected but the data ends', 2);
    });
    it('an unknown valueType is a ValueError listing the valid ones', () => {
      throwsExactly(
        () => encodeApplicationValue('octetString' as ValueType, h('00')),
        ValueError,
        'valueType must be one of null, boolean, unsigned, signed, real, double, octet-string, character-string, bit-string, enumerated, date, time, object-identifier, got "octetString"',
      );
      throwsExactly(
        () => decodeContextValue(h('09 01'), 0, 'Unsigned' as ValueType),
        ValueError,
        'valueType must be one of null, boolean, unsigned, signed, real, double, octet-string, character-string, bit-string, enumerated, date, time, object-identifier, got "Unsigned"',
      );
      assert.throws(() => encodeApplicationValue('real', 'x'), (err: unknown) => err instanceof TypeError && err.name === 'ValueError' && (err as ValueError).valueType === 'real');
    });
  });
});
