/**
 * Object and property references as flows write them (CLIENT.md "Names"):
 * every accepted form, the printed form, the clear errors, and property tests
 * that parse(print(x)) is x and that parsing anything throws only NameError.
 */
import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import {
  MAX_ARRAY_INDEX,
  MAX_OBJECT_INSTANCE,
  NameError,
  OBJECT_TYPES,
  ObjectReference,
  PROPERTY_IDENTIFIERS,
  PropertyReference,
  WILDCARD_INSTANCE,
  formatObjectReference,
  formatPropertyReference,
  nameOf,
  parseArrayIndex,
  parseObjectReference,
  parsePropertyReference,
  resolveDeviceObject,
} from '../../dist/protocol/names';
import * as api from '../../dist/index';
import { throwsExactly } from '../support/codec-assert';
import { plainRecord as record, resultOrUndefined } from '../support/property-helpers';

const SEED = 0x0bac0fd;

/** The parser's result, or undefined for a NameError; any other exception fails the property. */
const parsedOrUndefined = <T>(fn: () => T): T | undefined => resultOrUndefined(fn, NameError);

describe('object and property references', () => {
  describe('parseObjectReference', () => {
    it('reads "<type>:<instance>" with the type in any spelling or as a number', () => {
      const ai1 = { type: 0, instance: 1 };
      for (const input of ['analog-input:1', 'analogInput:1', 'ANALOG_INPUT:1', 'Analog-Input:1', '0:1', ' analog-input : 1 ', 'analog-input:0001']) {
        assert.deepEqual(parseObjectReference(input), ai1, input);
      }
      assert.deepEqual(parseObjectReference('8:1234'), { type: 8, instance: 1234 });
      assert.deepEqual(parseObjectReference('130:7'), { type: 130, instance: 7 });
      assert.deepEqual(parseObjectReference(`device:${MAX_OBJECT_INSTANCE}`), { type: 8, instance: 4194302 });
    });

    it('reads { type, instance } with a name or number each, the instance as a digit string too', () => {
      assert.deepEqual(parseObjectReference({ type: 'analog-value', instance: 3 }), { type: 2, instance: 3 });
      assert.deepEqual(parseObjectReference({ type: 'binaryInput', instance: '12' }), { type: 3, instance: 12 });
      assert.deepEqual(parseObjectReference({ type: 1023, instance: 0 }), { type: 1023, instance: 0 });
      assert.deepEqual(parseObjectReference({ type: '19', instance: 4 }), { type: 19, instance: 4 });
    });

    it('reads "device" alone as the target device\'s Device object (instance null)', () => {
      const device = { type: 8, instance: null };
      for (const input of ['device', 'DEVICE', ' Device ', '8', 'device:', { type: 'device' }, { type: 8, instance: null }, { type: 'device', instance: '' }]) {
        assert.deepEqual(parseObjectReference(input), device, JSON.stringify(input));
      }
    });

    it('takes the wildcard instance only for a device and only where the caller allows it', () => {
      assert.deepEqual(parseObjectReference('device:4194303', { allowWildcard: true }), { type: 8, instance: WILDCARD_INSTANCE });
      assert.deepEqual(parseObjectReference({ type: 'device', instance: 4194303 }, { allowWildcard: true }), {
        type: 8,
        instance: 4194303,
      });
      const message = 'object instance 4194303 (the wildcard) is not allowed here';
      throwsExactly(() => parseObjectReference('device:4194303'), NameError, message);
      throwsExactly(() => parseObjectReference('analog-input:4194303', { allowWildcard: true }), NameError, message);
    });

    it('says what is wrong: unknown type, missing, negative, fractional or too large instance, bad shape', () => {
      throwsExactly(
        () => parseObjectReference('analog-inptu:1'),
        NameError,
        'unknown object type "analog-inptu" (did you mean "analog-input"?)',
      );
      throwsExactly(() => parseObjectReference('1024:1'), NameError, 'object type "1024" is not an integer 0..1023');
      throwsExactly(
        () => parseObjectReference('analog-input'),
        NameError,
        'analog-input needs an instance: analog-input:<0..4194302>',
      );
      throwsExactly(
        () => parseObjectReference({ type: 0 }),
        NameError,
        'analog-input needs an instance: analog-input:<0..4194302>',
      );
      throwsExactly(() => parseObjectReference('analog-input:-1'), NameError, 'object instance "-1" is not an integer 0..4194302');
      throwsExactly(() => parseObjectReference('analog-input:1.5'), NameError, 'object instance "1.5" is not an integer 0..4194302');
      throwsExactly(() => parseObjectReference({ type: 0, instance: 1.5 }), NameError, 'object instance 1.5 is not an integer 0..4194302');
      throwsExactly(() => parseObjectReference({ type: 0, instance: -1 }), NameError, 'object instance -1 is not an integer 0..4194302');
      throwsExactly(
        () => parseObjectReference('analog-input:4194304'),
        NameError,
        'object instance "4194304" is not an integer 0..4194302',
      );
      throwsExactly(() => parseObjectReference('analog-input:x'), NameError, 'object instance "x" is not an integer 0..4194302');
      throwsExactly(() => parseObjectReference(':1'), NameError, 'object ":1" has no type');
      throwsExactly(() => parseObjectReference(''), NameError, 'object "" has no type');
      throwsExactly(() => parseObjectReference('a:1:2'), NameError, 'object "a:1:2" has more than one ":"');
      throwsExactly(() => parseObjectReference(8), NameError, 'an object is "<type>:<instance>" or { type, instance }, not 8');
      throwsExactly(() => parseObjectReference(null), NameError, 'an object is "<type>:<instance>" or { type, instance }, not null');
      throwsExactly(() => parseObjectReference([0, 1]), NameError, 'an object is "<type>:<instance>" or { type, instance }, not object');
      throwsExactly(() => parseObjectReference({ type: true }), NameError, 'object type must be a name or a number, not boolean');
      throwsExactly(
        () => parseObjectReference({ type: 0, instance: {} }),
        NameError,
        'object instance must be a number, not object',
      );
      throwsExactly(() => parseObjectReference({ type: ' ', instance: 1 }), NameError, 'object has no type');
    });

    it('names the kind of input and keeps it on the error', () => {
      try {
        parseObjectReference('analog-input:9999999');
        assert.fail('no error');
      } catch (err) {
        assert.ok(err instanceof NameError && err instanceof TypeError);
        assert.equal(err.kind, 'object instance');
        assert.equal(err.input, 'analog-input:9999999');
      }
    });
  });

  describe('formatObjectReference and resolveDeviceObject', () => {
    it('prints "<kebab type>:<instance>", a proprietary type as its number, an unresolved device as "device"', () => {
      assert.equal(formatObjectReference({ type: 0, instance: 0 }), 'analog-input:0');
      assert.equal(formatObjectReference({ type: 8, instance: 1234 }), 'device:1234');
      assert.equal(formatObjectReference({ type: 19, instance: 7 }), 'multi-state-value:7');
      assert.equal(formatObjectReference({ type: 600, instance: 3 }), '600:3');
      assert.equal(formatObjectReference({ type: 8, instance: null }), 'device');
      assert.equal(formatObjectReference(parseObjectReference('analogInput:1')), 'analog-input:1');
    });

    it('fills the target device\'s Device object with its instance, or the wildcard when unknown', () => {
      const device = parseObjectReference('device');
      assert.deepEqual(resolveDeviceObject(device, 1234), { type: 8, instance: 1234 });
      assert.deepEqual(resolveDeviceObject(device, null), { type: 8, instance: 4194303 });
      assert.equal(formatObjectReference(resolveDeviceObject(device, null)), 'device:4194303');
      const ai = { type: 0, instance: 5 };
      assert.equal(resolveDeviceObject(ai, 1234), ai);
    });
  });

  describe('property references', () => {
    it('reads a property in any spelling or as a number, with an optional index', () => {
      assert.deepEqual(parsePropertyReference('present-value'), { property: 85, index: null });
      assert.deepEqual(parsePropertyReference('presentValue', ''), { property: 85, index: null });
      assert.deepEqual(parsePropertyReference('PRESENT_VALUE', null), { property: 85, index: null });
      assert.deepEqual(parsePropertyReference(85, undefined), { property: 85, index: null });
      assert.deepEqual(parsePropertyReference('87', 8), { property: 87, index: 8 });
      assert.deepEqual(parsePropertyReference('priority-array', '16'), { property: 87, index: 16 });
      assert.deepEqual(parsePropertyReference('priority-array[0]'), { property: 87, index: 0 });
      assert.deepEqual(parsePropertyReference(' object-list [ 12 ] '), { property: 76, index: 12 });
      assert.deepEqual(parsePropertyReference(512, MAX_ARRAY_INDEX), { property: 512, index: 4294967294 });
      assert.deepEqual(parsePropertyReference('all'), { property: 8, index: null });
    });

    it('says what is wrong with a property or an index', () => {
      const indexError = (shown: string): string => `array index ${shown} is not an integer 0..4294967294`;
      throwsExactly(() => parsePropertyReference('present-value', -1), NameError, indexError('-1'));
      throwsExactly(() => parsePropertyReference('present-value', 1.5), NameError, indexError('1.5'));
      throwsExactly(() => parsePropertyReference('present-value', '-1'), NameError, indexError('"-1"'));
      throwsExactly(() => parsePropertyReference('present-value', 'two'), NameError, indexError('"two"'));
      throwsExactly(() => parsePropertyReference('present-value', 4294967295), NameError, indexError('4294967295'));
      throwsExactly(() => parsePropertyReference('present-value', true), NameError, indexError('boolean'));
      throwsExactly(() => parsePropertyReference('priority-array[-1]'), NameError, indexError('"-1"'));
      throwsExactly(() => parsePropertyReference('priority-array[]'), NameError, 'property "priority-array[]" has empty brackets');
      throwsExactly(
        () => parsePropertyReference('priority-array[1]', 2),
        NameError,
        'property "priority-array[1]" and index 2 both give an index',
      );
      throwsExactly(
        () => parsePropertyReference('present-valeu'),
        NameError,
        'unknown property identifier "present-valeu" (did you mean "present-value"?)',
      );
      throwsExactly(() => parsePropertyReference(''), NameError, 'no property identifier given');
      throwsExactly(() => parsePropertyReference(undefined), NameError, 'property must be a name or a number, not undefined');
      throwsExactly(() => parsePropertyReference(-3), NameError, 'property identifier -3 is not an integer 0..4294967295');
    });

    it('fails at once on huge input (nothing quadratic in its length)', () => {
      const huge = '['.repeat(200_000);
      assert.throws(() => parsePropertyReference(`${huge}]`), NameError);
      assert.throws(() => parsePropertyReference(`present-value${huge}1]`), NameError);
      assert.throws(() => parseObjectReference(`${'a'.repeat(200_000)}:1`), NameError);
      assert.throws(() => parseObjectReference(`device:${'9'.repeat(200_000)}`), NameError);
    });

    it('parseArrayIndex: none, integers and digit strings', () => {
      assert.equal(parseArrayIndex(undefined), null);
      assert.equal(parseArrayIndex(null), null);
      assert.equal(parseArrayIndex(' '), null);
      assert.equal(parseArrayIndex(0), 0);
      assert.ok(Object.is(parseArrayIndex(-0), 0));
      assert.equal(parseArrayIndex(' 7 '), 7);
      assert.throws(() => parseArrayIndex(Number.NaN), NameError);
    });

    it('prints a property as its kebab name (a number when proprietary), the index in brackets', () => {
      assert.equal(formatPropertyReference({ property: 85, index: null }), 'present-value');
      assert.equal(formatPropertyReference({ property: 87, index: 8 }), 'priority-array[8]');
      assert.equal(formatPropertyReference({ property: 1000, index: null }), '1000');
      assert.equal(formatPropertyReference({ property: 1000, index: 2 }), '1000[2]');
    });
  });

  describe('properties (fast-check)', () => {
    const objectRef: fc.Arbitrary<ObjectReference> = fc.oneof(
      record({ type: fc.integer({ min: 0, max: 1023 }), instance: fc.integer({ min: 0, max: MAX_OBJECT_INSTANCE }) }),
      record({ type: fc.constantFrom(...OBJECT_TYPES.names.keys()), instance: fc.integer({ min: 0, max: 100 }) }),
      fc.constant({ type: 8, instance: null }),
    );
    const propertyRef: fc.Arbitrary<PropertyReference> = record({
      property: fc.oneof(fc.constantFrom(...PROPERTY_IDENTIFIERS.names.keys()), fc.integer({ min: 0, max: 0xffffffff })),
      index: fc.option(fc.integer({ min: 0, max: MAX_ARRAY_INDEX })),
    });

    it('parse(format(x)) is x for objects, and the { type, instance } form reads the same', () => {
      fc.assert(
        fc.property(objectRef, (ref) => {
          assert.deepEqual(parseObjectReference(formatObjectReference(ref)), ref);
          assert.deepEqual(parseObjectReference({ type: nameOf(OBJECT_TYPES, ref.type), instance: ref.instance }), ref);
        }),
        { seed: SEED, numRuns: 500 },
      );
    });

    it('parse(format(x)) is x for properties', () => {
      fc.assert(
        fc.property(propertyRef, (ref) => {
          assert.deepEqual(parsePropertyReference(formatPropertyReference(ref)), ref);
          assert.deepEqual(parsePropertyReference(nameOf(PROPERTY_IDENTIFIERS, ref.property), ref.index), ref);
        }),
        { seed: SEED, numRuns: 500 },
      );
    });

    it('parsing any string or value throws nothing but NameError', () => {
      const text = fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.tuple(fc.string({ maxLength: 15 }), fc.string({ maxLength: 10 })).map(([a, b]) => `${a}:${b}`),
        fc.tuple(fc.constantFrom('analog-input', 'device', '8', 'present-value'), fc.string({ maxLength: 8 })).map(
          ([a, b]) => `${a}${b}`,
        ),
      );
      fc.assert(
        fc.property(text, fc.anything(), (input, other) => {
          const objects = [
            parsedOrUndefined(() => parseObjectReference(input)),
            parsedOrUndefined(() => parseObjectReference(input, { allowWildcard: true })),
            parsedOrUndefined(() => parseObjectReference(other)),
            parsedOrUndefined(() => parseObjectReference({ type: input, instance: other })),
          ];
          for (const ref of objects) {
            if (ref === undefined || ref.instance === null) continue;
            assert.ok(Number.isInteger(ref.instance) && ref.instance >= 0 && ref.instance <= WILDCARD_INSTANCE);
          }
          parsedOrUndefined(() => parsePropertyReference(input));
          parsedOrUndefined(() => parsePropertyReference(input, other));
          parsedOrUndefined(() => parsePropertyReference(other));
          parsedOrUndefined(() => parseArrayIndex(other));
        }),
        { seed: SEED, numRuns: 1000 },
      );
    });
  });

  it('is exported from the package entry point', () => {
    assert.equal(api.parseObjectReference, parseObjectReference);
    assert.equal(api.formatObjectReference, formatObjectReference);
    assert.equal(api.parsePropertyReference, parsePropertyReference);
    assert.equal(api.NameError, NameError);
    assert.equal(api.OBJECT_TYPES, OBJECT_TYPES);
    assert.equal(api.nameOf(api.ERROR_CODES, 40), 'write-access-denied');
    assert.equal(api.numberOf(api.ENUMERATIONS['binary-pv'], 'active'), 1);
    assert.equal(api.enumerationFor('binary-value', 'present-value'), api.ENUMERATIONS['binary-pv']);
  });
});
