/**
 * encodePropertyValue and the clause 12 datatype table: the application tag
 * chosen from the property, an explicit valueType, NULL everywhere, the error
 * for an unknown datatype; and fast-check: every (object type, property) of
 * the table round-trips through decodePropertyValue, any value gives octets
 * or ValueError, any octets a value or DecodeError.
 */
import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import { NameError, NameTable, formatObjectReference, nameOf } from '../../dist/protocol/names';
import { PROPERTY_DATATYPES, ElementType, PropertyDatatype, propertyDatatype } from '../../dist/protocol/property-datatypes';
import { encodePropertyValue } from '../../dist/protocol/property-encoding';
import { decodePropertyValue } from '../../dist/protocol/property-values';
import { ValueError } from '../../dist/protocol/value-error';
import { throwsExactly } from '../support/codec-assert';
import { decodeOrUndefined, run } from '../support/property-run';
import { VALUES } from '../support/value-arbitraries';

const hex = (b: Buffer): string => b.toString('hex').toUpperCase();
const encoded = (objectType: string, property: string | number, value: unknown, valueType?: string, index?: number): string =>
  // valueType is checked at run time: the cast lets the tests give a wrong one.
  hex(encodePropertyValue(objectType, property, value, valueType as Parameters<typeof encodePropertyValue>[3], index));

const VALUE_TYPE_LIST = 'null, boolean, unsigned, signed, real, double, octet-string, character-string, bit-string, enumerated, date, time, object-identifier';

describe('property datatypes: encoding', () => {
  it('analog present-value, relinquish-default, cov-increment and limits are real', () => {
    assert.equal(encoded('analog-value', 'present-value', 21.5), '4441AC0000');
    assert.equal(encoded('analog-output', 'relinquish-default', 0), '4400000000');
    assert.equal(encoded('analog-input', 'cov-increment', 0.5), '443F000000');
    for (const property of ['high-limit', 'low-limit', 'deadband']) assert.equal(encoded('analog-input', property, 1), '443F800000');
  });

  it('binary present-value and relinquish-default are enumerated: names, true/false, 1/0', () => {
    for (const active of ['active', 'ACTIVE', true, 1]) assert.equal(encoded('binary-output', 'present-value', active), '9101');
    for (const inactive of ['inactive', false, 0]) assert.equal(encoded('binary-value', 'present-value', inactive), '9100');
    assert.equal(encoded('binary-value', 'relinquish-default', 'active'), '9101');
    assert.equal(encoded('binary-input', 'polarity', 'reverse'), '9101');
  });

  it('multi-state present-value and relinquish-default are unsigned', () => {
    assert.equal(encoded('multi-state-value', 'present-value', 3), '2103');
    assert.equal(encoded('multi-state-output', 'relinquish-default', 1), '2101');
  });

  it('out-of-service is boolean; names, descriptions and locations are character strings', () => {
    assert.equal(encoded('analog-input', 'out-of-service', true), '11');
    assert.equal(encoded('binary-output', 'out-of-service', false), '10');
    assert.equal(encoded('analog-value', 'object-name', 'AHU-1'), '7506004148552D31');
    assert.equal(encoded('device', 'description', 'Hi'), '73004869');
    assert.equal(encoded('device', 'location', ''), '7100');
    assert.equal(encoded('multi-state-input', 'profile-name', 'x'), '720078');
  });

  it('units by name in any spelling or number; notify-type, event-state by name', () => {
    assert.equal(encoded('analog-input', 'units', 'degrees-celsius'), '913E');
    assert.equal(encoded('analog-output', 'units', 'degreesCelsius'), '913E');
    assert.equal(encoded('analog-value', 'units', 62), '913E');
    assert.equal(encoded('analog-value', 'units', 60000), '92EA60');
    assert.equal(encoded('binary-input', 'notify-type', 'event'), '9101');
    assert.equal(encoded('device', 'system-status', 'operational'), '9100');
  });

  it('event-enable, acked-transitions, status-flags and limit-enable take named bits or booleans', () => {
    assert.equal(encoded('analog-input', 'event-enable', { 'to-offnormal': true, 'to-fault': false, 'to-normal': true }), '8205A0');
    assert.equal(encoded('analog-input', 'event-enable', { 'to-fault': true }), '820540');
    assert.equal(encoded('analog-input', 'event-enable', [true, false, true]), '8205A0');
    assert.equal(encoded('binary-value', 'status-flags', { fault: true }), '820440');
    assert.equal(encoded('analog-value', 'limit-enable', { 'high-limit-enable': true }), '820640');
  });

  it('device properties: unsigned, date, time, signed, object-list', () => {
    assert.equal(encoded('device', 'apdu-timeout', 3000), '220BB8');
    assert.equal(encoded('device', 'local-date', { year: 2024, month: 12, day: 4, weekday: null }), 'A47C0C04FF');
    assert.equal(encoded('device', 'local-time', { hour: 13, minute: 30, second: 0, hundredths: 0 }), 'B40D1E0000');
    assert.equal(encoded('device', 'utc-offset', -60), '31C4');
    assert.equal(encoded('device', 'object-list', ['device:5', { type: 'analog-input', instance: 0 }]), 'C402000005C400000000');
  });

  it('arrays with an index: 0 is the length, another index one element', () => {
    assert.equal(encoded('multi-state-value', 'state-text', 'On', undefined, 1), '73004F6E');
    assert.equal(encoded('multi-state-value', 'state-text', 2, undefined, 0), '2102');
    assert.equal(encoded('multi-state-value', 'state-text', ['On', 'Off']), '73004F6E74004F6666');
    assert.equal(encoded('binary-output', 'priority-array', 'active', undefined, 8), '9101');
  });

  it('null writes NULL for any property, known or not', () => {
    assert.equal(encoded('analog-output', 'present-value', null), '00');
    assert.equal(encoded('binary-output', 'present-value', null, undefined, undefined), '00');
    assert.equal(encoded('analog-value', 512, null), '00');
    assert.equal(encoded('analog-value', 'present-value', null, 'real'), '00');
  });

  it('an explicit valueType is used; enumerated still takes the property\'s names', () => {
    assert.equal(encoded('analog-value', 512, 5, 'unsigned'), '2105');
    assert.equal(encoded('analog-value', 'present-value', 5, 'unsigned'), '2105');
    assert.equal(encoded('binary-value', 'present-value', 'active', 'enumerated'), '9101');
    assert.equal(encoded('analog-input', 'units', 'degrees-celsius', 'enumerated'), '913E');
    assert.equal(encoded('analog-value', 512, 'x', 'character-string'), '720078');
    assert.equal(encoded('analog-value', 512, [1, 2], 'unsigned'), '21012102');
    assert.equal(encoded('analog-value', 512, [true, false], 'bit-string'), '820680');
    assert.equal(encoded('analog-value', 'status-flags', { fault: true }, 'bit-string'), '820440');
    assert.equal(encoded('analog-value', 512, 'analog-input:1', 'object-identifier'), 'C400000001');
  });

  it('a property outside the table without valueType is an error naming the valueTypes', () => {
    throwsExactly(
      () => encodePropertyValue('analog-value', 512, 1),
      ValueError,
      `no datatype known for property 512 of analog-value; give valueType (one of ${VALUE_TYPE_LIST})`,
    );
    throwsExactly(
      () => encodePropertyValue('analog-input', 'tags', []),
      ValueError,
      `no datatype known for property tags of analog-input; give valueType (one of ${VALUE_TYPE_LIST})`,
    );
  });

  it('values that do not fit are ValueErrors that say what the property takes', () => {
    throwsExactly(
      () => encodePropertyValue('binary-output', 'present-value', 'activ'),
      ValueError,
      'enumerated of present-value of binary-output takes a binary-pv value or a number: unknown binary-pv value "activ" (did you mean "active"?)',
    );
    throwsExactly(
      () => encodePropertyValue('analog-input', 'status-flags', { alarm: true }),
      ValueError,
      'bit-string takes an array of booleans or { "in-alarm", "fault", "overridden", "out-of-service" } with true or false each: status-flags of analog-input has no bit "alarm"',
    );
    throwsExactly(
      () => encodePropertyValue('device', 'object-list', 'device:5'),
      ValueError,
      'object-list of device is an array of object-identifier: give an array, or an index for one element',
    );
    throwsExactly(() => encodePropertyValue('analog-value', 'present-value', 1, 'float' as 'real'), ValueError, `valueType must be one of ${VALUE_TYPE_LIST}, got "float"`);
    assert.throws(() => encodePropertyValue('analog-value', 'present-value', '21.5'), ValueError);
    assert.throws(() => encodePropertyValue('device', 'object-list', ['device']), ValueError);
    assert.throws(() => encodePropertyValue('multi-state-value', 'present-value', -1), ValueError);
    assert.throws(() => encodePropertyValue('analog-valu', 'present-value', 1), NameError);
  });

  it('the table: shapes, element types and enumerations', () => {
    const shapeOf = (type: string, property: string): string => {
      const datatype = propertyDatatype(type, property);
      return datatype === null ? 'none' : `${datatype.shape} ${typeof datatype.element === 'object' ? 'bits' : datatype.element} ${datatype.enumeration?.id ?? '-'}`;
    };
    assert.equal(shapeOf('analog-input', 'present-value'), 'single real -');
    assert.equal(shapeOf('binary-input', 'present-value'), 'single enumerated binary-pv');
    assert.equal(shapeOf('multi-state-output', 'present-value'), 'single unsigned -');
    assert.equal(shapeOf('binary-output', 'priority-array'), 'priority-array enumerated binary-pv');
    assert.equal(shapeOf('analog-value', 'priority-array'), 'priority-array real -');
    assert.equal(shapeOf('device', 'object-list'), 'array object-identifier -');
    assert.equal(shapeOf('analog-input', 'units'), 'single enumerated engineering-units');
    assert.equal(shapeOf('analog-input', 'status-flags'), 'single bits -');
    assert.equal(shapeOf('multi-state-input', 'alarm-values'), 'list unsigned -');
    assert.equal(shapeOf('analog-input', 'priority-array'), 'none');
    assert.equal(shapeOf('loop', 'present-value'), 'none');
    assert.equal(propertyDatatype(0, 85)?.element, 'real');
    const types = new Set(PROPERTY_DATATYPES.map((entry) => entry.objectType));
    assert.equal(types.size, 10);
  });
});

/** A valid value of one element, in the shape decodePropertyValue gives it back. */
function elementValue(element: ElementType, enumeration: NameTable | null): fc.Arbitrary<unknown> {
  if (typeof element === 'object') {
    return fc.record(Object.fromEntries(element.bits.map((name) => [name, fc.boolean()])), { noNullPrototype: true });
  }
  if (element === 'enumerated' && enumeration !== null) {
    const named = fc.constantFrom(...enumeration.names.keys());
    return fc.oneof(named, fc.integer({ min: 0, max: 0xffffffff })).map((n) => nameOf(enumeration, n));
  }
  if (element === 'object-identifier') {
    // Instance 4194303 is only the Device wildcard: a reference refuses it for other types.
    const ref = fc.record({ type: fc.integer({ min: 0, max: 1023 }), instance: fc.integer({ min: 0, max: 4194302 }) });
    return ref.map(formatObjectReference);
  }
  return VALUES[element];
}

function propertyValue(datatype: PropertyDatatype): fc.Arbitrary<unknown> {
  const element = elementValue(datatype.element, datatype.enumeration);
  if (datatype.shape === 'single') return element;
  if (datatype.shape === 'priority-array') return fc.array(fc.option(element, { nil: null }), { minLength: 16, maxLength: 16 });
  return fc.array(element, { maxLength: 6 });
}

describe('property datatypes: properties', () => {
  it('every (object type, property) of the table: decode(encode(v)) is v', () => {
    const cases = fc.constantFrom(...PROPERTY_DATATYPES).chain((entry) => propertyValue(entry.datatype).map((value) => ({ entry, value })));
    run(
      fc.property(cases, ({ entry, value }) => {
        const octets = encodePropertyValue(entry.objectType, entry.property, value);
        assert.deepStrictEqual(decodePropertyValue(octets, entry.objectType, entry.property), value);
      }),
      3000,
    );
  });

  it('one element of every array of the table, with its index', () => {
    const arrays = PROPERTY_DATATYPES.filter((entry) => entry.datatype.shape === 'array' || entry.datatype.shape === 'priority-array');
    const cases = fc
      .constantFrom(...arrays)
      .chain((entry) =>
        fc.tuple(fc.constant(entry), elementValue(entry.datatype.element, entry.datatype.enumeration), fc.integer({ min: 1, max: 16 })),
      );
    run(
      fc.property(cases, ([entry, value, index]) => {
        const octets = encodePropertyValue(entry.objectType, entry.property, value, undefined, index);
        assert.deepStrictEqual(decodePropertyValue(octets, entry.objectType, entry.property, index), value);
      }),
      500,
    );
  });

  it('any value gives octets or a ValueError', () => {
    const entry = fc.constantFrom(...PROPERTY_DATATYPES);
    run(
      fc.property(entry, fc.anything(), ({ objectType, property }, value) => {
        try {
          assert.ok(Buffer.isBuffer(encodePropertyValue(objectType, property, value)));
        } catch (err) {
          if (!(err instanceof ValueError)) throw err;
        }
      }),
      1000,
    );
  });

  it('any octets give a value or a DecodeError, for table properties and others', () => {
    const property = fc.oneof(
      fc.constantFrom(...PROPERTY_DATATYPES).map((entry) => [entry.objectType, entry.property] as const),
      fc.tuple(fc.integer({ min: 0, max: 1023 }), fc.integer({ min: 0, max: 600 })),
    );
    const index = fc.option(fc.integer({ min: 0, max: 20 }), { nil: null });
    run(
      fc.property(fc.uint8Array({ maxLength: 40 }), property, index, (bytes, [objectType, id], arrayIndex) => {
        decodeOrUndefined(() => decodePropertyValue(bytes, objectType, id, arrayIndex));
      }),
      3000,
    );
  });
});
