/**
 * Property tests of the application-tag codec (fast-check, the fixed seed of
 * test/support/property-run.ts): decode(encode(v)) is v for every valueType,
 * application- and context-tagged; trees of tagged data decode to what was
 * built; any octets make the decoders return or throw DecodeError, nothing
 * else; any value makes an encoder return octets or throw ValueError.
 */
import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import {
  decodeApplicationValue,
  decodeContextOctets,
  decodeContextValue,
  encodeApplicationValue,
  encodeContextValue,
} from '../../dist/protocol/application-tags';
import { BacnetValue, VALUE_TYPES, ValueType } from '../../dist/protocol/primitive-values';
import { decodeTagHeader, encodeClosingTag, encodeOpeningTag, encodeTagHeader } from '../../dist/protocol/tag-header';
import { TaggedItem, decodeConstructed, decodeTaggedData } from '../../dist/protocol/tagged-data';
import { ValueError, describeValue } from '../../dist/protocol/value-error';
import { SCALE, decodeOrUndefined, run } from '../support/property-run';
import { VALUES } from '../support/value-arbitraries';

const valueType = fc.constantFrom(...VALUE_TYPES);
const typedValue = valueType.chain((type) => VALUES[type].map((value) => ({ type, value })));
const tagNumber = fc.oneof(fc.integer({ min: 0, max: 14 }), fc.integer({ min: 15, max: 254 }));

/** A tree of tagged data, with the octets that encode it and what the generic decoder should give. */
interface Built {
  octets: Buffer;
  item: TaggedItem;
}

const tree = fc.letrec<{ node: Built; constructed: Built }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 5, depthIdentifier: 'tree' },
    typedValue.map(({ type, value }) => ({ octets: encodeApplicationValue(type, value), item: value })),
    fc.record({ tag: tagNumber, content: fc.uint8Array({ maxLength: 20 }) }).map(({ tag, content }) => ({
      octets: Buffer.concat([encodeTagHeader('context', tag, content.length), content]),
      item: { tag, value: Buffer.from(content) },
    })),
    tie('constructed'),
  ),
  constructed: fc.record({ tag: tagNumber, children: fc.array(tie('node'), { maxLength: 4, depthIdentifier: 'tree' }) }).map(({ tag, children }) => ({
    octets: Buffer.concat([encodeOpeningTag(tag), ...children.map((c) => c.octets), encodeClosingTag(tag)]),
    item: { tag, value: children.map((c) => c.item) },
  })),
}));
const sequence = fc.array(tree.node, { maxLength: 5 });

/** Arbitrary octets: mostly short, sometimes up to 300. */
const octets = fc.oneof(fc.uint8Array({ maxLength: 16 }), fc.uint8Array({ maxLength: 300 })).map((b) => Buffer.from(b));

/** Every decoder of this codec, each at `offset` of `bytes`. */
const DECODERS: Array<(bytes: Buffer, offset: number) => unknown> = [
  (bytes, offset) => decodeTagHeader(bytes, offset),
  (bytes, offset) => decodeApplicationValue(bytes, offset),
  (bytes, offset) => decodeContextOctets(bytes, offset),
  ...VALUE_TYPES.map((type) => (bytes: Buffer, offset: number) => decodeContextValue(bytes, offset, type)),
  (bytes, offset) => decodeTaggedData(bytes, offset),
  (bytes, offset) => decodeConstructed(bytes, offset),
];

describe('application tag properties', function () {
  this.timeout(60000 * Math.max(1, SCALE));

  it('decodeApplicationValue(encodeApplicationValue(t, v)) is v, every octet read', () => {
    run(
      fc.property(typedValue, ({ type, value }) => {
        const encoded = encodeApplicationValue(type, value);
        assert.deepStrictEqual(decodeApplicationValue(encoded, 0, type), { valueType: type, value, length: encoded.length });
      }),
      2000,
    );
  });

  it('decodeContextValue(encodeContextValue(tag, t, v)) is v, for every tag number', () => {
    run(
      fc.property(typedValue, tagNumber, ({ type, value }, tag) => {
        const encoded = encodeContextValue(tag, type, value);
        assert.deepStrictEqual(decodeContextValue(encoded, 0, type, tag), { tag, value, length: encoded.length });
      }),
      1000,
    );
  });

  it('trees of application, context and constructed data decode to what was built', () => {
    run(
      fc.property(sequence, (built) => {
        const bytes = Buffer.concat(built.map((b) => b.octets));
        assert.deepStrictEqual(decodeTaggedData(bytes), { value: built.map((b) => b.item), length: bytes.length });
      }),
      500,
    );
    run(
      fc.property(tree.constructed, fc.uint8Array({ maxLength: 4 }), (built, trailer) => {
        const bytes = Buffer.concat([built.octets, trailer]);
        const { tag, value } = built.item as { tag: number; value: TaggedItem[] };
        assert.deepStrictEqual(decodeConstructed(bytes), { tag, value, length: built.octets.length });
      }),
      500,
    );
  });

  it('random octets at any offset: every decoder returns or throws DecodeError, nothing else', () => {
    run(
      fc.property(octets, fc.nat(310), (bytes, offset) => {
        for (const decode of DECODERS) decodeOrUndefined(() => decode(bytes, offset));
      }),
      3000,
    );
  });

  it('damaged encodings (an octet changed, cut short): DecodeError or a value, nothing else', () => {
    run(
      fc.property(sequence, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean(), (built, where, octet, cut) => {
        const bytes = Buffer.concat(built.map((b) => b.octets));
        if (bytes.length === 0) return;
        const damaged = cut ? bytes.subarray(0, where % bytes.length) : Buffer.from(bytes);
        if (!cut) damaged[where % bytes.length] = octet;
        for (const decode of DECODERS) decodeOrUndefined(() => decode(damaged, 0));
      }),
      1000,
    );
  });

  it('what decodes from random octets encodes again to a value that decodes the same', () => {
    run(
      fc.property(octets, (bytes) => {
        const decoded = decodeOrUndefined(() => decodeApplicationValue(bytes));
        if (decoded === undefined) return;
        let again: Buffer;
        try {
          again = encodeApplicationValue(decoded.valueType, decoded.value);
        } catch (err) {
          // UCS-2 may hold a lone surrogate, which UTF-8 (what we send) cannot.
          assert.ok(err instanceof ValueError && decoded.valueType === 'character-string', String(err));
          return;
        }
        assert.deepStrictEqual(decodeApplicationValue(again).value, decoded.value);
        if (['unsigned', 'signed', 'enumerated'].includes(decoded.valueType)) assert.ok(again.length <= decoded.length, 'integers take the fewest octets');
      }),
      3000,
    );
  });

  it('any value for any valueType: octets that decode, or a ValueError, nothing else', () => {
    const anything = fc.oneof(
      fc.anything({ withBigInt: true, withTypedArray: true, withNullPrototype: true, maxDepth: 2 }),
      typedValue.map(({ value }) => value),
    );
    run(
      fc.property(valueType, anything, (type, value) => {
        let encoded: Buffer;
        try {
          encoded = encodeApplicationValue(type, value);
        } catch (err) {
          assert.ok(err instanceof ValueError, `${type} ${describeValue(value)}: ${String(err)}`);
          assert.ok(err.message.startsWith(`${type} takes `), err.message);
          return;
        }
        assert.equal(decodeApplicationValue(encoded, 0, type).length, encoded.length);
      }),
      3000,
    );
  });
});
