/**
 * The standard's name tables (clause 21) and the lookups over them: every
 * name maps back to its number, no two names share a number or a spelling,
 * the unassigned numbers are the standard's (the well-known numbers are in
 * names-known-numbers.test.ts), every input form is accepted, bad input gets
 * one named error with a suggestion for a near miss.
 */
import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import {
  ABORT_REASONS,
  ENGINEERING_UNITS,
  ENUMERATIONS,
  ERROR_CLASSES,
  ERROR_CODES,
  NameError,
  NameTable,
  OBJECT_TYPES,
  PROPERTY_IDENTIFIERS,
  REJECT_REASONS,
  enumerationFor,
  nameOf,
  normalizeName,
  numberOf,
} from '../../dist/protocol/names';
import { throwsExactly } from '../support/codec-assert';

const SEED = 0x0bac0fd;
const TABLES: readonly NameTable[] = [
  OBJECT_TYPES,
  PROPERTY_IDENTIFIERS,
  ENGINEERING_UNITS,
  ERROR_CLASSES,
  ERROR_CODES,
  REJECT_REASONS,
  ABORT_REASONS,
  ...Object.values(ENUMERATIONS),
];

const camel = (kebab: string): string => kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const snake = (kebab: string): string => kebab.toUpperCase().replace(/-/g, '_');

/** The numbers in [first, last] that have no name in `table`. */
function unnamed(table: NameTable, first: number, last: number): number[] {
  const gaps: number[] = [];
  for (let n = first; n <= last; n++) if (!table.names.has(n)) gaps.push(n);
  return gaps;
}

/** The numbers in [first, last] that have a name in `table`. */
function named(table: NameTable, first: number, last: number): number[] {
  return [...table.names.keys()].filter((n) => n >= first && n <= last);
}

const range = (first: number, last: number): number[] => Array.from({ length: last - first + 1 }, (_, i) => first + i);

describe('names (clause 21 tables)', () => {
  describe('every table', () => {
    for (const table of TABLES) {
      it(`${table.id}: every name maps back to its number in every spelling, no spelling twice`, () => {
        assert.ok(table.names.size > 0);
        const seen = new Map<string, number>();
        for (const [n, name] of table.names) {
          assert.ok(Number.isInteger(n) && n >= 0 && n <= table.max, `${name} ${n} in 0..${table.max}`);
          assert.match(name, /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, `${name} is kebab case`);
          assert.equal(nameOf(table, n), name);
          for (const spelling of [name, camel(name), snake(name), name.toUpperCase(), ` ${name} `]) {
            assert.equal(numberOf(table, spelling), n, `${table.id} "${spelling}"`);
          }
          const key = normalizeName(name);
          assert.equal(seen.get(key), undefined, `${name} and number ${seen.get(key)} share a spelling`);
          seen.set(key, n);
        }
        // Aliases are extra spellings of named numbers, never printed.
        for (const [key, n] of table.lookup) {
          assert.ok(table.names.has(n), `${table.id} alias ${key} names ${n}`);
          assert.equal(numberOf(table, key), n);
        }
      });
    }

    it('table ids are unique and the enumeration ids are their keys', () => {
      const ids = TABLES.map((table) => table.id);
      assert.equal(new Set(ids).size, ids.length);
      for (const [id, table] of Object.entries(ENUMERATIONS)) {
        assert.equal(table.id, id);
        assert.equal(table.label, `${id} value`);
        assert.equal(table.max, 0xffffffff);
      }
    });
  });

  describe('sizes and unassigned numbers (a miscounted line shows here)', () => {
    it('object types: 0..64 all named, 0..1023 on the wire', () => {
      assert.equal(OBJECT_TYPES.names.size, 65);
      assert.deepEqual(unnamed(OBJECT_TYPES, 0, 64), []);
      assert.equal(OBJECT_TYPES.max, 1023);
    });

    it('property identifiers: 0..511 but the unassigned ones, and 4194304..4194349 but 4194333', () => {
      assert.equal(PROPERTY_IDENTIFIERS.names.size, 530);
      assert.deepEqual(unnamed(PROPERTY_IDENTIFIERS, 0, 511), [
        18, 194, 198, 199, 200, 201, 216, 217, 223, 224, 225, ...range(236, 243), ...range(312, 316), 324, 325, 466,
      ]);
      assert.deepEqual(named(PROPERTY_IDENTIFIERS, 512, 4194303), [], 'proprietary range');
      assert.deepEqual(unnamed(PROPERTY_IDENTIFIERS, 4194304, 4194349), [4194333]);
      assert.equal(PROPERTY_IDENTIFIERS.max, 0xffffffff);
    });

    it('engineering units: 0..254 and 47808..47981 but 47813 and 47957', () => {
      assert.equal(ENGINEERING_UNITS.names.size, 427);
      assert.deepEqual(unnamed(ENGINEERING_UNITS, 0, 254), []);
      assert.deepEqual(unnamed(ENGINEERING_UNITS, 47808, 47981), [47813, 47957]);
      assert.deepEqual(named(ENGINEERING_UNITS, 255, 47807), [], 'proprietary range');
    });

    it('errors: 8 classes, codes 0..229 but 33, 11 reject and 12 abort reasons of one octet', () => {
      assert.deepEqual(unnamed(ERROR_CLASSES, 0, 7), []);
      assert.equal(ERROR_CLASSES.names.size, 8);
      assert.deepEqual(unnamed(ERROR_CODES, 0, 229), [33]);
      assert.equal(ERROR_CODES.names.size, 229);
      assert.deepEqual(unnamed(REJECT_REASONS, 0, 10), []);
      assert.equal(REJECT_REASONS.names.size, 11);
      assert.deepEqual(unnamed(ABORT_REASONS, 0, 11), []);
      assert.equal(ABORT_REASONS.names.size, 12);
      assert.equal(REJECT_REASONS.max, 255);
      assert.equal(ABORT_REASONS.max, 255);
    });

    it('enumerations: the gaps are the standard\'s', () => {
      const gaps = Object.fromEntries(
        Object.entries(ENUMERATIONS).map(([id, table]) => [id, unnamed(table, 0, Math.max(...table.names.keys()))]),
      );
      const withGaps = Object.fromEntries(Object.entries(gaps).filter(([, list]) => list.length > 0));
      assert.deepEqual(withGaps, {
        reliability: [11],
        'event-type': [6, 7, 12],
        'access-event': range(16, 127),
        'network-type': [8],
      });
    });
  });

  describe('numberOf input forms', () => {
    it('accepts kebab, camelCase, SCREAMING_SNAKE, any case, spaces, numbers and digit strings', () => {
      for (const input of ['analog-input', 'analogInput', 'ANALOG_INPUT', 'Analog-Input', 'analog input', ' analog-input ', 0, '0', ' 0 ', '000']) {
        assert.equal(numberOf(OBJECT_TYPES, input), 0, JSON.stringify(input));
      }
      assert.equal(numberOf(PROPERTY_IDENTIFIERS, 'PRESENT_VALUE'), 85);
      assert.equal(numberOf(PROPERTY_IDENTIFIERS, 'presentValue'), 85);
      assert.equal(numberOf(PROPERTY_IDENTIFIERS, '85'), 85);
      assert.equal(numberOf(ENGINEERING_UNITS, 'degreesCelsius'), 62);
      assert.equal(numberOf(ERROR_CODES, 'WRITE_ACCESS_DENIED'), 40);
    });

    it('accepts numbers without a name within the range (proprietary) and prints them as numbers', () => {
      assert.equal(numberOf(OBJECT_TYPES, 128), 128);
      assert.equal(numberOf(OBJECT_TYPES, '1023'), 1023);
      assert.equal(nameOf(OBJECT_TYPES, 128), 128);
      assert.equal(numberOf(PROPERTY_IDENTIFIERS, 512), 512);
      assert.equal(numberOf(PROPERTY_IDENTIFIERS, 4294967295), 4294967295);
      assert.equal(nameOf(PROPERTY_IDENTIFIERS, 4194303), 4194303);
      assert.equal(nameOf(ENGINEERING_UNITS, 47813), 47813);
      assert.equal(numberOf(ABORT_REASONS, 255), 255);
      assert.equal(numberOf(ENUMERATIONS['binary-pv'], 2), 2);
      assert.equal(nameOf(ENUMERATIONS['binary-pv'], 2), 2);
      assert.ok(Object.is(numberOf(OBJECT_TYPES, -0), 0), '-0 is 0');
    });

    it('rejects numbers out of range or not integers, naming the table and the input', () => {
      throwsExactly(() => numberOf(OBJECT_TYPES, 1024), NameError, 'object type 1024 is not an integer 0..1023');
      throwsExactly(() => numberOf(OBJECT_TYPES, '1024'), NameError, 'object type "1024" is not an integer 0..1023');
      throwsExactly(() => numberOf(OBJECT_TYPES, -1), NameError, 'object type -1 is not an integer 0..1023');
      throwsExactly(() => numberOf(OBJECT_TYPES, 1.5), NameError, 'object type 1.5 is not an integer 0..1023');
      throwsExactly(() => numberOf(OBJECT_TYPES, Number.NaN), NameError, 'object type NaN is not an integer 0..1023');
      throwsExactly(() => numberOf(ABORT_REASONS, 256), NameError, 'abort reason 256 is not an integer 0..255');
      throwsExactly(
        () => numberOf(PROPERTY_IDENTIFIERS, '4294967296'),
        NameError,
        'property identifier "4294967296" is not an integer 0..4294967295',
      );
      throwsExactly(
        () => numberOf(ENUMERATIONS['binary-pv'], Infinity),
        NameError,
        'binary-pv value Infinity is not an integer 0..4294967295',
      );
    });

    it('rejects unknown names, suggesting the closest for a near miss', () => {
      throwsExactly(
        () => numberOf(OBJECT_TYPES, 'analog-inptu'),
        NameError,
        'unknown object type "analog-inptu" (did you mean "analog-input"?)',
      );
      throwsExactly(
        () => numberOf(PROPERTY_IDENTIFIERS, 'presentValu'),
        NameError,
        'unknown property identifier "presentValu" (did you mean "present-value"?)',
      );
      throwsExactly(
        () => numberOf(ENGINEERING_UNITS, 'degrees-celcius'),
        NameError,
        'unknown engineering unit "degrees-celcius" (did you mean "degrees-celsius"?)',
      );
      throwsExactly(() => numberOf(ENUMERATIONS['binary-pv'], 'on'), NameError, 'unknown binary-pv value "on"');
      throwsExactly(() => numberOf(OBJECT_TYPES, 'ai'), NameError, 'unknown object type "ai"');
      throwsExactly(() => numberOf(OBJECT_TYPES, '0x10'), NameError, 'unknown object type "0x10"');
      throwsExactly(() => numberOf(OBJECT_TYPES, '   '), NameError, 'no object type given');
      const err = catchNameError(() => numberOf(ERROR_CODES, 'write-acess-denied'));
      assert.equal(err.kind, 'error code');
      assert.equal(err.input, 'write-acess-denied');
      assert.equal(err.suggestion, 'write-access-denied');
      assert.ok(err instanceof TypeError);
      assert.equal(err.name, 'NameError');
      assert.equal(catchNameError(() => numberOf(OBJECT_TYPES, 'x'.repeat(10000))).suggestion, null);
    });

    it('rejects what is neither a string nor a number', () => {
      for (const input of [null, undefined, true, {}, [], 1n]) {
        const err = catchNameError(() => numberOf(OBJECT_TYPES, input as unknown as string));
        assert.match(err.message, /^object type must be a name or a number, not /);
      }
    });

    it('never throws anything but NameError, and reads back what nameOf prints (property)', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 40 }), (text) => {
          try {
            const n = numberOf(PROPERTY_IDENTIFIERS, text);
            assert.ok(Number.isInteger(n) && n >= 0 && n <= PROPERTY_IDENTIFIERS.max);
          } catch (err) {
            if (!(err instanceof NameError)) throw err;
          }
        }),
        { seed: SEED, numRuns: 500 },
      );
      for (const table of [OBJECT_TYPES, ENGINEERING_UNITS, ENUMERATIONS.reliability]) {
        fc.assert(
          fc.property(fc.integer({ min: 0, max: Math.min(table.max, 70000) }), (n) => {
            assert.equal(numberOf(table, nameOf(table, n)), n);
            assert.equal(numberOf(table, String(n)), n);
          }),
          { seed: SEED, numRuns: 300 },
        );
      }
    });
  });

  describe('enumerationFor', () => {
    it('present-value depends on the object type', () => {
      for (const type of ['binary-input', 'binary-output', 'binary-value', 3, 'binaryValue']) {
        assert.equal(enumerationFor(type, 'present-value'), ENUMERATIONS['binary-pv'], String(type));
      }
      assert.equal(enumerationFor('analog-input', 'present-value'), null);
      assert.equal(enumerationFor('multi-state-value', 'present-value'), null);
      assert.equal(enumerationFor('life-safety-point', 'present-value'), ENUMERATIONS['life-safety-state']);
      assert.equal(enumerationFor('access-door', 'present-value'), ENUMERATIONS['door-value']);
      assert.equal(enumerationFor('load-control', 'present-value'), ENUMERATIONS['shed-state']);
      assert.equal(enumerationFor('binary-lighting-output', 'present-value'), ENUMERATIONS['binary-lighting-pv']);
      assert.equal(enumerationFor('binary-output', 'relinquish-default'), ENUMERATIONS['binary-pv']);
      assert.equal(enumerationFor('binary-output', 'feedback-value'), ENUMERATIONS['binary-pv']);
      assert.equal(enumerationFor('loop', 'action'), ENUMERATIONS.action);
      assert.equal(enumerationFor('command', 'action'), null);
    });

    it('properties with one enumeration in every object', () => {
      const cases: Array<[number | string, number | string, NameTable]> = [
        ['analog-input', 'event-state', ENUMERATIONS['event-state']],
        ['binary-value', 'reliability', ENUMERATIONS.reliability],
        ['analog-value', 'units', ENGINEERING_UNITS],
        [0, 117, ENGINEERING_UNITS],
        ['binary-output', 'polarity', ENUMERATIONS.polarity],
        ['device', 'system-status', ENUMERATIONS['device-status']],
        ['device', 'segmentation-supported', ENUMERATIONS.segmentation],
        ['notification-class', 'notify-type', ENUMERATIONS['notify-type']],
        ['event-enrollment', 'event-type', ENUMERATIONS['event-type']],
        ['analog-input', 'object-type', OBJECT_TYPES],
        ['device', 'property-list', PROPERTY_IDENTIFIERS],
        ['device', 'last-restart-reason', ENUMERATIONS['restart-reason']],
        ['program', 'program-state', ENUMERATIONS['program-state']],
        ['program', 'program-change', ENUMERATIONS['program-request']],
        ['program', 'reason-for-halt', ENUMERATIONS['program-error']],
        ['timer', 'timer-state', ENUMERATIONS['timer-state']],
        ['trend-log', 'logging-type', ENUMERATIONS['logging-type']],
        ['network-port', 'network-type', ENUMERATIONS['network-type']],
        ['lighting-output', 'in-progress', ENUMERATIONS['lighting-in-progress']],
        ['life-safety-zone', 'mode', ENUMERATIONS['life-safety-mode']],
      ];
      for (const [type, property, table] of cases) {
        assert.equal(enumerationFor(type, property), table, `${type} ${property}`);
      }
    });

    it('is null for properties that are not enumerated and for proprietary ones; throws on unknown names', () => {
      assert.equal(enumerationFor('analog-input', 'object-name'), null);
      assert.equal(enumerationFor('analog-input', 512), null);
      assert.equal(enumerationFor(128, 'present-value'), null);
      assert.equal(enumerationFor(128, 'event-state'), ENUMERATIONS['event-state']);
      assert.throws(() => enumerationFor('analog-inptu', 'units'), NameError);
      assert.throws(() => enumerationFor('analog-input', 'unitz'), NameError);
    });
  });
});

function catchNameError(fn: () => unknown): NameError {
  try {
    fn();
  } catch (err) {
    if (err instanceof NameError) return err;
    throw err;
  }
  assert.fail('expected a NameError');
}
