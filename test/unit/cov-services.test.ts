/**
 * The COV services (clauses 13.6, 13.7, 13.14, 13.15): SubscribeCOV,
 * SubscribeCOVProperty and the COV notification's service data. Octets are
 * laid out by hand per clause 20.2 with the parameters of the standard's
 * Annex E/F examples (subscriber process 18, analog-input:10, device:4,
 * 65.0 and status-flags all false): context tag n primitive is (n << 4) | 8
 * | length, opening (n << 4) | 0x0E, closing (n << 4) | 0x0F; then
 * cancellations, reasons for bad data, and property tests.
 */
import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import { encodePropertyValue } from '../../dist/protocol/property-encoding';
import { decodePropertyValue } from '../../dist/protocol/property-values';
import {
  CovNotification,
  covValuesByName,
  decodeCovNotification,
  decodeUnconfirmedCovNotificationApdu,
  encodeCovNotification,
  encodeUnconfirmedCovNotificationApdu,
  isUnconfirmedCovNotification,
} from '../../dist/protocol/services/cov-notification';
import { SubscribeCovRequest, decodeSubscribeCovRequest, encodeSubscribeCovRequest, isCovCancellation } from '../../dist/protocol/services/subscribe-cov';
import {
  SubscribeCovPropertyRequest,
  decodeSubscribeCovPropertyRequest,
  encodeSubscribeCovPropertyRequest,
} from '../../dist/protocol/services/subscribe-cov-property';
import { h, throwsDecode, throwsRange } from '../support/codec-assert';
import { decodeOrUndefined, run } from '../support/property-run';

const AI10 = { type: 0, instance: 10 };
/** [0] 18, [1] analog-input:10 (0x0000000A), [2] TRUE, [3] 0 (indefinite). */
const SUBSCRIBE = '09 12 1C 00 00 00 0A 29 01 39 00';
/** As SUBSCRIBE with lifetime 60, then [4] { [0] present-value (85) }, [5] REAL 1.0 (3F 80 00 00). */
const SUBSCRIBE_PROPERTY = '09 12 1C 00 00 00 0A 29 01 39 3C 4E 09 55 4F 5C 3F 80 00 00';
/**
 * [0] 18, [1] device:4 (8 << 22 | 4 = 0x02000004), [2] analog-input:10, [3] 0,
 * [4] { [0] present-value [2] { REAL 65.0 } [0] status-flags (111) [2] { bit-string, 4 unused bits, 0000 } }.
 */
const NOTIFICATION = '09 12 1C 02 00 00 04 2C 00 00 00 0A 39 00 4E 09 55 2E 44 42 82 00 00 2F 09 6F 2E 82 04 00 2F 4F';
const NOTIFIED: CovNotification = {
  processId: 18,
  initiatingDevice: { type: 8, instance: 4 },
  object: AI10,
  timeRemaining: 0,
  values: [
    { property: 85, index: null, value: h('44 42 82 00 00'), priority: null },
    { property: 111, index: null, value: h('82 04 00'), priority: null },
  ],
};

describe('cov-services', () => {
  describe('SubscribeCOV (clause 13.14)', () => {
    it('a confirmed subscription with an indefinite lifetime', () => {
      const request: SubscribeCovRequest = { processId: 18, object: AI10, confirmed: true, lifetime: 0 };
      assert.deepEqual(encodeSubscribeCovRequest(request), h(SUBSCRIBE));
      assert.deepEqual(decodeSubscribeCovRequest(h(SUBSCRIBE)), request);
      assert.equal(isCovCancellation(request), false);
    });
    it('a cancellation has neither [2] nor [3]; each alone is not one', () => {
      const cancel: SubscribeCovRequest = { processId: 18, object: AI10, confirmed: null, lifetime: null };
      assert.deepEqual(encodeSubscribeCovRequest(cancel), h('09 12 1C 00 00 00 0A'));
      assert.deepEqual(decodeSubscribeCovRequest(h('09 12 1C 00 00 00 0A')), cancel);
      assert.equal(isCovCancellation(cancel), true);
      assert.deepEqual(decodeSubscribeCovRequest(h('09 12 1C 00 00 00 0A 39 3C')), { ...cancel, lifetime: 60 });
      assert.deepEqual(decodeSubscribeCovRequest(h('09 12 1C 00 00 00 0A 29 00')), { ...cancel, confirmed: false });
      assert.equal(isCovCancellation({ confirmed: false, lifetime: null }), false);
    });
    it('the largest process identifier and lifetime take four octets', () => {
      const request: SubscribeCovRequest = { processId: 4294967295, object: { type: 19, instance: 4194303 }, confirmed: false, lifetime: 86400 };
      const octets = '0C FF FF FF FF 1C 04 FF FF FF 29 00 3B 01 51 80';
      assert.deepEqual(encodeSubscribeCovRequest(request), h(octets));
      assert.deepEqual(decodeSubscribeCovRequest(h(octets)), request);
    });
    it('decoding gives reasons', () => {
      throwsDecode(() => decodeSubscribeCovRequest(h('')), 'SubscribeCOV-Request: a tag was expected but the data ends', 0);
      throwsDecode(() => decodeSubscribeCovRequest(h('0D 05 01 00 00 00 00 1C 00 00 00 0A')), 'SubscribeCOV-Request: subscriber process identifier 4294967296 is over 4294967295', 0);
      throwsDecode(() => decodeSubscribeCovRequest(h('09 12 1C 00 00 00 0A 39 3C 29 01')), 'SubscribeCOV-Request: 2 octets after the last parameter', 9);
      throwsDecode(() => decodeSubscribeCovRequest(h('09 12 1C 00 00 00 0A 29 02')), /^SubscribeCOV-Request: context-tagged boolean must be one octet 0 or 1/);
      throwsDecode(() => decodeSubscribeCovRequest(h('09 12 0C 00 00 00 0A')), 'SubscribeCOV-Request: expected context tag 1, got context tag 0', 2);
    });
    it('encoding refuses what does not fit', () => {
      const base: SubscribeCovRequest = { processId: 1, object: AI10, confirmed: null, lifetime: null };
      throwsRange(() => encodeSubscribeCovRequest({ ...base, processId: 4294967296 }), 'subscriber process identifier must be an integer 0..4294967295, got 4294967296');
      throwsRange(() => encodeSubscribeCovRequest({ ...base, processId: -1 }), 'subscriber process identifier must be an integer 0..4294967295, got -1');
      throwsRange(() => encodeSubscribeCovRequest({ ...base, lifetime: 1.5 }), 'lifetime must be an integer 0..4294967295, got 1.5');
      throwsRange(() => encodeSubscribeCovRequest({ ...base, object: { type: 8, instance: null } }), 'object instance is null: resolve the Device object to an instance first');
    });
  });

  describe('SubscribeCOVProperty (clause 13.15)', () => {
    it('present-value with a COV increment of 1.0 for 60 s', () => {
      const request: SubscribeCovPropertyRequest = { processId: 18, object: AI10, confirmed: true, lifetime: 60, property: 85, index: null, covIncrement: 1 };
      assert.deepEqual(encodeSubscribeCovPropertyRequest(request), h(SUBSCRIBE_PROPERTY));
      assert.deepEqual(decodeSubscribeCovPropertyRequest(h(SUBSCRIBE_PROPERTY)), request);
    });
    it('a cancellation keeps the monitored property; an index [1] inside [4]', () => {
      const cancel: SubscribeCovPropertyRequest = { processId: 7, object: AI10, confirmed: null, lifetime: null, property: 87, index: 8, covIncrement: null };
      const octets = '09 07 1C 00 00 00 0A 4E 09 57 19 08 4F';
      assert.deepEqual(encodeSubscribeCovPropertyRequest(cancel), h(octets));
      assert.deepEqual(decodeSubscribeCovPropertyRequest(h(octets)), cancel);
      assert.equal(isCovCancellation(cancel), true);
    });
    it('decoding gives reasons', () => {
      throwsDecode(() => decodeSubscribeCovPropertyRequest(h(SUBSCRIBE)), 'SubscribeCOVProperty-Request: a tag was expected but the data ends');
      throwsDecode(() => decodeSubscribeCovPropertyRequest(h('09 12 1C 00 00 00 0A 09 55')), /^SubscribeCOVProperty-Request: expected opening tag 4 \(monitored property\), got context tag 0/);
      throwsDecode(() => decodeSubscribeCovPropertyRequest(h('09 12 1C 00 00 00 0A 4E 09 55 5F')), 'SubscribeCOVProperty-Request: expected closing tag 4 after the monitored property, got closing tag 5', 10);
      throwsDecode(() => decodeSubscribeCovPropertyRequest(h('09 12 1C 00 00 00 0A 4E 09 55 4F 5A 3F 80')), /^SubscribeCOVProperty-Request: real/);
    });
    it('encoding refuses an increment that is not a REAL', () => {
      const base: SubscribeCovPropertyRequest = { processId: 1, object: AI10, confirmed: false, lifetime: 300, property: 85, index: null, covIncrement: null };
      throwsRange(() => encodeSubscribeCovPropertyRequest({ ...base, covIncrement: 1e39 }), 'covIncrement must be a REAL (a number within single precision) or null, got 1e+39');
      throwsRange(() => encodeSubscribeCovPropertyRequest({ ...base, index: -1 }), 'array index must be an integer 0..4294967294, got -1');
    });
  });

  describe('COV notification (clauses 13.6, 13.7)', () => {
    it('present-value 65.0 and status-flags, confirmed and unconfirmed alike', () => {
      assert.deepEqual(encodeCovNotification(NOTIFIED), h(NOTIFICATION));
      assert.deepEqual(decodeCovNotification(h(NOTIFICATION)), NOTIFIED);
      const apdu = encodeUnconfirmedCovNotificationApdu(NOTIFIED);
      assert.deepEqual(apdu, h(`10 02 ${NOTIFICATION}`));
      assert.equal(isUnconfirmedCovNotification(apdu), true);
      assert.deepEqual(decodeUnconfirmedCovNotificationApdu(Buffer.concat([h('01 00'), apdu]), 2), NOTIFIED);
    });
    it('values by property name in CLIENT.md shapes, status-flags as named bits', () => {
      assert.deepEqual(covValuesByName(NOTIFIED), {
        'present-value': 65,
        'status-flags': { 'in-alarm': false, fault: false, overridden: false, 'out-of-service': false },
      });
      const binary = { object: { type: 5, instance: 1 }, values: [
        { property: 85, index: null, value: encodePropertyValue('binary-value', 'present-value', 'active'), priority: 8 },
        { property: 87, index: 3, value: h('00'), priority: null },
        { property: 512, index: null, value: h('21 07'), priority: null },
      ] };
      const element = decodePropertyValue(h('00'), 'binary-value', 'priority-array', 3);
      assert.deepEqual(covValuesByName(binary), { 'present-value': 'active', 'priority-array[3]': element, 512: 7 });
    });
    it('a priority [3], an empty list, an index [1]', () => {
      const n: CovNotification = { ...NOTIFIED, timeRemaining: 299, values: [{ property: 85, index: 2, value: h('91 01'), priority: 16 }] };
      const octets = '09 12 1C 02 00 00 04 2C 00 00 00 0A 3A 01 2B 4E 09 55 19 02 2E 91 01 2F 39 10 4F';
      assert.deepEqual(encodeCovNotification(n), h(octets));
      assert.deepEqual(decodeCovNotification(h(octets)), n);
      assert.deepEqual(decodeCovNotification(h('09 12 1C 02 00 00 04 2C 00 00 00 0A 39 00 4E 4F')), { ...NOTIFIED, values: [] });
    });
    it('decoding gives reasons', () => {
      throwsDecode(() => decodeUnconfirmedCovNotificationApdu(h('10 00 C4 02 00 00 04')), 'not an UnconfirmedCOVNotification APDU', 0);
      throwsDecode(() => decodeCovNotification(h('09 12 1C 02 00 00 04 2C 00 00 00 0A 39 00 4E 09 55 2E 44 42 82 00 00 2F 39 11 4F')), 'COVNotification: priority 17 is outside 1..16', 24);
      throwsDecode(() => decodeCovNotification(h('09 12 1C 02 00 00 04 2C 00 00 00 0A 39 00 4E 09 55 2E 44 42 82 00 00 2F')), 'COVNotification: a tag was expected but the data ends');
      throwsDecode(() => decodeCovNotification(h('09 12 1C 02 00 00 04 2C 00 00 00 0A 39 00 09 55')), /^COVNotification: expected opening tag 4 \(list of values\), got context tag 0/);
      throwsDecode(() => decodeCovNotification(h(`${NOTIFICATION} 00`)), 'COVNotification: 1 octets after the last parameter', 32);
      throwsDecode(() => decodeCovNotification(h('09 12 1C 02 00 00 04 2C 00 00 00 0A 39 00 4E 09 55 44 42 82 00 00 4F')), /^COVNotification: expected opening tag 2 \(property value\), got application tag 4/);
    });
    it('encoding refuses what does not fit', () => {
      throwsRange(() => encodeCovNotification({ ...NOTIFIED, timeRemaining: -1 }), 'time remaining must be an integer 0..4294967295, got -1');
      throwsRange(() => encodeCovNotification({ ...NOTIFIED, values: [{ ...NOTIFIED.values[0], priority: 0 }] }), 'priority must be an integer 1..16 or null, got 0');
      assert.throws(() => encodeCovNotification({ ...NOTIFIED, values: [{ ...NOTIFIED.values[0], value: h('44 42') }] }), RangeError);
    });
  });

  describe('properties', () => {
    const object = fc.record({ type: fc.integer({ min: 0, max: 1023 }), instance: fc.integer({ min: 0, max: 4194303 }) }, { noNullPrototype: true });
    const u32 = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.nat({ max: 0xffffffff }));
    const fields = {
      processId: u32,
      object,
      confirmed: fc.option(fc.boolean(), { nil: null }),
      lifetime: fc.option(u32, { nil: null }),
    };
    const index = fc.option(fc.nat({ max: 4294967294 }), { nil: null });
    const value = fc.constantFrom(h(''), h('44 42 82 00 00'), h('82 04 00'), h('91 01'), h('00'), h('4E 21 01 4F'), h('75 06 00 68 61 6C 6C 6F'));
    const item = fc.record({ property: u32, index, value, priority: fc.option(fc.integer({ min: 1, max: 16 }), { nil: null }) }, { noNullPrototype: true });
    const notification = fc.record(
      { processId: u32, initiatingDevice: object, object, timeRemaining: u32, values: fc.array(item, { maxLength: 5 }) },
      { noNullPrototype: true },
    );

    it('decode(encode(x)) is x for both subscriptions and the notification', () => {
      run(
        fc.property(
          fc.record(fields, { noNullPrototype: true }),
          fc.record({ property: u32, index, covIncrement: fc.option(fc.float(), { nil: null }) }, { noNullPrototype: true }),
          notification,
          (sub, monitored, n) => {
            assert.deepEqual(decodeSubscribeCovRequest(encodeSubscribeCovRequest(sub)), sub);
            const withProperty = { ...sub, ...monitored };
            assert.deepEqual(decodeSubscribeCovPropertyRequest(encodeSubscribeCovPropertyRequest(withProperty)), withProperty);
            assert.deepEqual(decodeCovNotification(encodeCovNotification(n)), n);
            assert.deepEqual(decodeUnconfirmedCovNotificationApdu(encodeUnconfirmedCovNotificationApdu(n)), n);
          },
        ),
        300,
      );
    });
    it('any octets decode or throw DecodeError, nothing else', () => {
      const prefix = fc.constantFrom(h(''), h('09 12 1C 00 00 00 0A'), h('09 12 1C 00 00 00 0A 4E'), h('09 12 1C 02 00 00 04 2C 00 00 00 0A 39 00 4E'), h('10 02'));
      run(
        fc.property(prefix, fc.uint8Array({ maxLength: 24 }), (start, tail) => {
          const data = Buffer.concat([start, tail]);
          decodeOrUndefined(() => decodeSubscribeCovRequest(data));
          decodeOrUndefined(() => decodeSubscribeCovPropertyRequest(data));
          const n = decodeOrUndefined(() => decodeCovNotification(data));
          if (n) decodeOrUndefined(() => covValuesByName(n));
          decodeOrUndefined(() => decodeUnconfirmedCovNotificationApdu(data));
        }),
        1000,
      );
    });
  });
});
