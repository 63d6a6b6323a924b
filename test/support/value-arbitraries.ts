/**
 * fast-check arbitraries of application-tagged values, each as the decoder
 * gives it back (numbers up to MAX_SAFE_INTEGER, strings of digits beyond).
 */
import * as fc from 'fast-check';
import { BacnetValue, ValueType } from '../../dist/protocol/primitive-values';

const orNull = (min: number, max: number): fc.Arbitrary<number | null> => fc.option(fc.integer({ min, max }), { nil: null, freq: 4 });
const TWO_64 = 2n ** 64n;
const TWO_63 = 2n ** 63n;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Values as the decoder gives them back, for each valueType. */
export const VALUES: { [K in ValueType]: fc.Arbitrary<BacnetValue> } = {
  null: fc.constant(null),
  boolean: fc.boolean(),
  unsigned: fc.oneof(fc.maxSafeNat(), fc.bigInt({ min: SAFE + 1n, max: TWO_64 - 1n }).map(String)),
  signed: fc.oneof(
    fc.maxSafeInteger(),
    fc.bigInt({ min: SAFE + 1n, max: TWO_63 - 1n }).map(String),
    fc.bigInt({ min: -TWO_63, max: -SAFE - 1n }).map(String),
  ),
  real: fc.float(),
  double: fc.double(),
  'octet-string': fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  'character-string': fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 300 })),
  'bit-string': fc.array(fc.boolean(), { maxLength: 70 }),
  enumerated: fc.integer({ min: 0, max: 0xffffffff }),
  date: fc.record({ year: orNull(1900, 2154), month: orNull(1, 14), day: orNull(1, 34), weekday: orNull(1, 7) }, { noNullPrototype: true }),
  time: fc.record({ hour: orNull(0, 23), minute: orNull(0, 59), second: orNull(0, 59), hundredths: orNull(0, 99) }, { noNullPrototype: true }),
  'object-identifier': fc.record({ type: fc.integer({ min: 0, max: 1023 }), instance: fc.integer({ min: 0, max: 0x3fffff }) }, { noNullPrototype: true }),
};
