/**
 * Device references as CLIENT.md writes them, and the sentences of a failed
 * request (requestFailed), word for word as CLIENT.md gives them.
 */
import assert from 'node:assert/strict';
import { DeviceReferenceError, formatDeviceReference, parseDeviceReference } from '../../dist/client/device-reference';
import { ClientError, requestFailed } from '../../dist/client/client-error';
import { describeFailure } from '../../dist/client/transaction-error';
import { ABORT_REASONS, ERROR_CLASSES, ERROR_CODES, REJECT_REASONS, numberOf } from '../../dist/protocol/names';

const address = (host: string, port = 47808, network: number | null = null, mac: string | null = null) => ({ kind: 'address', host, port, network, mac });

describe('parseDeviceReference', () => {
  const accepted: [string, unknown, object][] = [
    ['an instance', 1201, { kind: 'instance', instance: 1201 }],
    ['instance 0', 0, { kind: 'instance', instance: 0 }],
    ['the largest instance', 4194302, { kind: 'instance', instance: 4194302 }],
    ['an instance as a string', ' 2345 ', { kind: 'instance', instance: 2345 }],
    ['host:port', '10.0.4.7:47809', address('10.0.4.7', 47809)],
    ['a host alone (port 47808)', '10.0.4.7', address('10.0.4.7')],
    ['a host name', 'plant-ahu.local:47808', address('plant-ahu.local')],
    ['{ address, port }', { address: '10.0.4.7', port: 47810 }, address('10.0.4.7', 47810)],
    ['{ address } alone', { address: '10.0.4.7' }, address('10.0.4.7')],
    ['a port as a string of digits', { address: '10.0.4.7', port: '47811' }, address('10.0.4.7', 47811)],
    ['{ address, port, network, mac }', { address: '10.0.4.1', port: 47808, network: 5, mac: '0A' }, address('10.0.4.1', 47808, 5, '0a')],
    ['null network and mac', { address: '10.0.4.7', port: 47808, network: null, mac: null }, address('10.0.4.7')],
  ];
  for (const [what, input, expected] of accepted) {
    it(`takes ${what}`, () => assert.deepEqual(parseDeviceReference(input), expected));
  }

  it("takes fd-receive's msg.source as it is, direct and routed", () => {
    assert.deepEqual(parseDeviceReference({ address: '10.0.4.7', port: 47808 }), address('10.0.4.7'));
    assert.deepEqual(parseDeviceReference({ address: '10.0.4.1', port: 47808, network: 12, mac: '0a0b' }), address('10.0.4.1', 47808, 12, '0a0b'));
  });

  const refused: [string, unknown, RegExp][] = [
    ['an empty string', '', /no device given: expected a device instance 0\.\.4194302/],
    ['blanks', '   ', /no device given/],
    ['an instance too large', 4194303, /device instance must be a whole number 0\.\.4194302, got 4194303/],
    ['a negative instance', -1, /0\.\.4194302, got -1/],
    ['a fraction', 12.5, /got 12\.5/],
    ['NaN', NaN, /got NaN/],
    ['a string instance too large', '99999999', /got "99999999"/],
    ['a bad port', '10.0.4.7:0', /device "10\.0\.4\.7:0": bad port .* expected a device instance/],
    ['a port too large', '10.0.4.7:65536', /bad port/],
    ['a bad host', '10.0.4:47808', /bad host/],
    ['a boolean', true, /device must be .*, not boolean/],
    ['null', null, /not null/],
    ['an array', [1201], /not object/],
    ['a record without address', { port: 47808 }, /needs address as a string, got undefined/],
    ['a record with port 0', { address: '10.0.4.7', port: 0 }, /port must be a whole number 1\.\.65535, got 0/],
    ['a record with a port text', { address: '10.0.4.7', port: 'x' }, /port must be .* got "x"/],
    ['a mac without network', { address: '10.0.4.7', mac: '0a' }, /mac needs a network/],
    ['network 0', { address: '10.0.4.7', network: 0, mac: '0a' }, /network must be a whole number 1\.\.65534, got 0/],
    ['network 65535', { address: '10.0.4.7', network: 65535, mac: '0a' }, /1\.\.65534, got 65535/],
    ['a network without mac', { address: '10.0.4.7', network: 5 }, /mac must be 1\.\.7 octets in hex/],
    ['a mac not hex', { address: '10.0.4.7', network: 5, mac: 'zz' }, /got "zz"/],
    ['a mac of 8 octets', { address: '10.0.4.7', network: 5, mac: '0102030405060708' }, /1\.\.7 octets/],
  ];
  for (const [what, input, pattern] of refused) {
    it(`refuses ${what} with a clear error`, () => {
      assert.throws(() => parseDeviceReference(input), (err: unknown) => {
        assert.ok(err instanceof DeviceReferenceError);
        assert.ok(err instanceof TypeError);
        assert.match(err.message, pattern);
        return true;
      });
    });
  }

  it('formats references for sentences', () => {
    assert.equal(formatDeviceReference(parseDeviceReference(1201)), '1201');
    assert.equal(formatDeviceReference(parseDeviceReference('10.0.4.7')), '10.0.4.7:47808');
    assert.equal(formatDeviceReference(parseDeviceReference({ address: '10.0.4.1', network: 5, mac: '0a' })), '10.0.4.1:47808 network 5 MAC 0a');
  });
});

describe('requestFailed sentences (CLIENT.md)', () => {
  const read = { device: 'device 1201', address: '10.0.4.7:47808', service: 'ReadProperty', what: 'analog-input:3 present-value' };
  const write = { device: 'device 2345', address: null, service: 'WriteProperty', what: 'analog-value:1 present-value' };

  it('an Error-PDU', () => {
    const failure = { kind: 'error', errorClass: numberOf(ERROR_CLASSES, 'property'), errorCode: numberOf(ERROR_CODES, 'write-access-denied') } as const;
    const err = requestFailed(write, failure);
    assert.ok(err instanceof ClientError);
    assert.equal(err.message, 'device 2345 refused WriteProperty of analog-value:1 present-value: property / write-access-denied');
    assert.equal(err.short, 'property/write-access-denied');
    assert.equal(err.failure, failure);
    assert.equal(describeFailure(failure), 'property / write-access-denied');
  });

  it('silence', () => {
    const err = requestFailed(read, { kind: 'timeout', tries: 4 });
    assert.equal(err.message, 'device 1201 (10.0.4.7:47808) did not answer ReadProperty of analog-input:3 present-value after 4 tries');
    assert.equal(err.short, 'no answer');
    assert.equal(requestFailed({ ...read, address: null }, { kind: 'timeout', tries: 1 }).message, 'device 1201 did not answer ReadProperty of analog-input:3 present-value after 1 try');
  });

  it('busy', () => {
    assert.equal(requestFailed(read, { kind: 'busy', waiting: 100 }).message, 'device 1201 busy (100 requests waiting)');
  });

  it('Reject and Abort name the standard reasons', () => {
    const reject = requestFailed(read, { kind: 'reject', reason: numberOf(REJECT_REASONS, 'unrecognized-service') });
    assert.equal(reject.message, 'device 1201 rejected ReadProperty of analog-input:3 present-value: reject / unrecognized-service');
    const abort = requestFailed(read, { kind: 'abort', reason: numberOf(ABORT_REASONS, 'segmentation-not-supported'), fromServer: true });
    assert.equal(abort.message, 'device 1201 aborted ReadProperty of analog-input:3 present-value: abort / segmentation-not-supported');
    assert.equal(abort.short, 'abort/segmentation-not-supported');
    const ours = requestFailed(read, { kind: 'abort', reason: numberOf(ABORT_REASONS, 'tsm-timeout'), fromServer: false });
    assert.match(ours.message, /aborted by us .*: abort \/ tsm-timeout$/);
  });

  it('send and closed', () => {
    assert.equal(requestFailed(read, { kind: 'send', cause: 'EHOSTUNREACH' }).message, 'ReadProperty of analog-input:3 present-value not sent to device 1201: EHOSTUNREACH');
    assert.equal(requestFailed(read, { kind: 'closed' }).short, 'closed');
  });
});
