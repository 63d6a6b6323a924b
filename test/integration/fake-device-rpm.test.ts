/**
 * ReadPropertyMultiple against the fake device (test/support/fake-rpm.ts):
 * a raw UDP socket on 127.0.0.1 and the package codec, as the client's
 * batch reads will drive it. Every wait is bounded.
 */
import assert from 'node:assert/strict';
import type { BipAddress } from '../../dist/protocol/address';
import { ConfirmedApdu, SERVICE, encodeConfirmedApdu } from '../../dist/protocol/confirmed-apdu';
import { ABORT_REASONS, ERROR_CLASSES, ERROR_CODES, PROPERTY_IDENTIFIERS, REJECT_REASONS, nameOf, numberOf, parseObjectReference } from '../../dist/protocol/names';
import { PropertyValue, decodePropertyValue } from '../../dist/protocol/property-values';
import { decodeReadPropertyAck, encodeReadPropertyRequest } from '../../dist/protocol/services/read-property';
import {
  ReadAccessResult,
  ReadAccessSpecification,
  decodeReadPropertyMultipleAck,
  encodeReadPropertyMultipleRequest,
  readPropertyMultipleRequestLength,
} from '../../dist/protocol/services/read-property-multiple';
import { DEMO_EXTRA_OBJECTS } from '../support/bbmd-emulator';
import { Request, probeRig, request } from '../support/udp-probe';

type Reads = Array<[object: string, properties: Array<string | [string, number]>]>;

/** Read access specifications from `[object, [property or [property, index], ...]]`. */
function specsOf(reads: Reads): ReadAccessSpecification[] {
  return reads.map(([object, properties]) => ({
    object: parseObjectReference(object, { allowWildcard: true }),
    properties: properties.map((p) => (typeof p === 'string' ? { property: numberOf(PROPERTY_IDENTIFIERS, p), index: null } : { property: numberOf(PROPERTY_IDENTIFIERS, p[0]), index: p[1] })),
  }));
}

function rpm(reads: Reads, invokeId: number, limits: Partial<Request> = {}): Buffer {
  return request(SERVICE.readPropertyMultiple, encodeReadPropertyMultipleRequest(specsOf(reads)), invokeId, limits);
}

/** Each result as `[property name, index, value or "class/code"]`, decoded in CLIENT.md's shapes. */
function readable(results: ReadAccessResult[]): Array<Array<[string | number, number | null, PropertyValue]>> {
  return results.map((result) =>
    result.results.map((item) => {
      const name = nameOf(PROPERTY_IDENTIFIERS, item.property);
      if ('error' in item) return [name, item.index, `${nameOf(ERROR_CLASSES, item.error.errorClass)}/${nameOf(ERROR_CODES, item.error.errorCode)}`];
      return [name, item.index, decodePropertyValue(item.value, result.object.type, item.property, item.index)];
    }),
  );
}

function ackOf(apdu: ConfirmedApdu | null): ReadAccessResult[] {
  assert.ok(apdu && apdu.type === 'complex-ack' && !apdu.segmented && apdu.service === SERVICE.readPropertyMultiple, `expected a Complex-ACK, got ${JSON.stringify(apdu)}`);
  return decodeReadPropertyMultipleAck(apdu.data);
}

function abortReason(apdu: ConfirmedApdu | null): string | number {
  assert.ok(apdu && apdu.type === 'abort' && apdu.fromServer, JSON.stringify(apdu));
  return nameOf(ABORT_REASONS, apdu.reason);
}

describe('FakeDevice answers ReadPropertyMultiple', function () {
  this.timeout(10000);
  const rig = probeRig(4200);
  const { device, ask } = rig;

  it('mixes values and per-property errors: unknown-object for each property, unknown-property, invalid-array-index', async () => {
    const d = await device();
    const results = ackOf(await ask(d, rpm([
      ['analog-input:1', ['present-value', 'units', 'priority-array']],
      ['analog-input:99', ['present-value', 'object-name']],
      ['device:4200', [['object-list', 0], ['object-list', 2], ['object-list', 6]]],
      ['multi-state-value:1', [['state-text', 3], ['present-value', 1]]],
    ], 1)));
    assert.deepEqual(results.map((r) => r.object), specsOf([['analog-input:1', []], ['analog-input:99', []], ['device:4200', []], ['multi-state-value:1', []]]).map((s) => s.object));
    assert.deepEqual(readable(results), [
      [['present-value', null, 21.5], ['units', null, 'degrees-celsius'], ['priority-array', null, 'property/unknown-property']],
      [['present-value', null, 'object/unknown-object'], ['object-name', null, 'object/unknown-object']],
      [['object-list', 0, 5], ['object-list', 2, 'analog-input:1'], ['object-list', 6, 'property/invalid-array-index']],
      [['state-text', 3, 'On'], ['present-value', 1, 'property/property-is-not-an-array']],
    ]);
    assert.equal(d.server.counters.readPropertyMultiple, 1);
    assert.equal(d.server.counters.complexAcks, 1);
    assert.equal(d.server.requests[0].service, 'ReadPropertyMultiple');
    assert.deepEqual(d.server.readPropertyMultipleSpecs[0].map((s) => s.properties.length), [3, 2, 3, 2]);
  });

  it('all is every property the object has; required and optional split it', async () => {
    const d = await device();
    const [all, required, optional] = readable(ackOf(await ask(d, rpm([['analog-value:1', ['all']], ['analog-value:1', ['required']], ['analog-value:1', ['optional']]], 2))));
    const names = (items: typeof all): Array<string | number> => items.map(([name]) => name);
    assert.deepEqual(names(required), ['object-identifier', 'object-name', 'object-type', 'present-value', 'status-flags', 'event-state', 'out-of-service', 'units']);
    assert.deepEqual(names(optional), ['description', 'reliability', 'priority-array', 'relinquish-default', 'cov-increment']);
    assert.deepEqual([...names(all)].sort(), [...names(required), ...names(optional)].sort());
    const byName = new Map(all.map(([name, , value]) => [name, value]));
    assert.equal(byName.get('present-value'), 20, 'computed from the priority-array');
    assert.equal(byName.get('object-identifier'), 'analog-value:1');
    assert.equal((byName.get('priority-array') as PropertyValue[]).length, 16);
    assert.ok(all.every(([, index]) => index === null));
  });

  it('all of an unknown object is one error; an index with all is invalid-array-index; the wildcard Device is this device', async () => {
    const d = await device();
    const results = ackOf(await ask(d, rpm([['analog-input:99', ['all']], ['binary-value:1', [['all', 1]]], ['device:4194303', ['required']]], 3)));
    const [unknown, indexed, wildcard] = readable(results);
    assert.deepEqual(unknown, [['all', null, 'object/unknown-object']]);
    assert.deepEqual(indexed, [['all', 1, 'property/invalid-array-index']]);
    assert.equal(results[2].object.instance, 4194303, 'the object as asked');
    const properties = new Map(wildcard.map(([name, , value]) => [name, value]));
    assert.equal(properties.get('object-identifier'), 'device:4200');
    assert.equal(properties.get('vendor-identifier'), 260);
    assert.equal((properties.get('protocol-services-supported') as boolean[])[14], true, 'readPropertyMultiple in protocol-services-supported');
    assert.equal(properties.has('description'), false, 'optional');
  });

  it('an answer longer than the max APDU comes in segments', async () => {
    const d = await device({ segmentation: 1, extraObjects: DEMO_EXTRA_OBJECTS });
    const to = d.address as BipAddress;
    rig.probe.send(to, rpm([['device:4200', ['all']], ['analog-input:1', ['present-value']]], 9, { maxApdu: 480 }));
    const parts: Buffer[] = [];
    for (let guard = 0; guard < 100; guard++) {
      const { apdu } = await rig.probe.next();
      assert.ok(apdu && apdu.type === 'complex-ack' && apdu.segmented && apdu.service === SERVICE.readPropertyMultiple, JSON.stringify(apdu));
      assert.equal(apdu.sequenceNumber, parts.length);
      parts.push(apdu.data);
      // A window of one: each segment acknowledged before the next is sent.
      rig.probe.send(to, encodeConfirmedApdu({ type: 'segment-ack', negative: false, fromServer: false, invokeId: 9, sequenceNumber: parts.length - 1, windowSize: 1 }));
      if (!apdu.moreFollows) break;
    }
    assert.ok(parts.length > 2, `${parts.length} segments`);
    const [all, present] = readable(decodeReadPropertyMultipleAck(Buffer.concat(parts)));
    const objectList = all.find(([name]) => name === 'object-list')?.[2] as string[];
    assert.equal(objectList.length, DEMO_EXTRA_OBJECTS + 5);
    assert.deepEqual(present, [['present-value', null, 21.5]]);
    assert.equal(d.server.counters.segmentsSent, parts.length);
  });

  it('a device that cannot segment Aborts; the same reads split one object per request are answered', async () => {
    const d = await device({ segmentation: 3, maxApdu: 206 });
    const names = ['object-identifier', 'object-name', 'object-type', 'present-value', 'status-flags', 'event-state', 'out-of-service', 'units', 'description', 'reliability', 'cov-increment'];
    const reads: Reads = ['analog-input:1', 'analog-value:1', 'binary-value:1', 'multi-state-value:1'].map((object) => [object, names]);
    assert.ok(readPropertyMultipleRequestLength(specsOf(reads)) + 4 <= 206, 'the request itself fits');
    assert.equal(abortReason(await ask(d, rpm(reads, 1))), 'segmentation-not-supported');
    assert.equal(abortReason(await ask(d, rpm(reads, 2, { segmentedResponseAccepted: false }))), 'buffer-overflow');
    const answered = [];
    for (const [i, one] of reads.entries()) answered.push(...readable(ackOf(await ask(d, rpm([one], 3 + i)))));
    assert.equal(answered.length, 4);
    assert.deepEqual(answered.map((items) => items[3]), [['present-value', null, 21.5], ['present-value', null, 20], ['present-value', null, 'inactive'], ['present-value', null, 1]]);
    assert.deepEqual(answered[2][7], ['units', null, 'property/unknown-property']);
    assert.equal(d.server.counters.aborts, 2);
  });

  it('readPropertyMultiple: false Rejects unrecognized-service and leaves ReadProperty; a malformed request is rejected invalid-tag', async () => {
    const d = await device({ readPropertyMultiple: false });
    assert.deepEqual(await ask(d, rpm([['analog-input:1', ['present-value']]], 1)), { type: 'reject', invokeId: 1, reason: numberOf(REJECT_REASONS, 'unrecognized-service') });
    const read = request(SERVICE.readProperty, encodeReadPropertyRequest({ object: { type: 8, instance: 4200 }, property: numberOf(PROPERTY_IDENTIFIERS, 'protocol-services-supported'), index: null }), 2);
    const answer = await ask(d, read);
    assert.ok(answer && answer.type === 'complex-ack');
    const ack = decodeReadPropertyAck(answer.data);
    const services = decodePropertyValue(ack.value, ack.object.type, ack.property) as boolean[];
    assert.deepEqual([services[12], services[14], services[15]], [true, false, true]);
    assert.equal(d.server.counters.readPropertyMultiple, 1);
    d.readPropertyMultiple = true;
    assert.deepEqual(readable(ackOf(await ask(d, rpm([['analog-input:1', ['present-value']]], 3)))), [[['present-value', null, 21.5]]], 'turned on while running');
    assert.deepEqual(await ask(d, request(SERVICE.readPropertyMultiple, Buffer.from('0c00000001', 'hex'), 4)), { type: 'reject', invokeId: 4, reason: numberOf(REJECT_REASONS, 'invalid-tag') });
    assert.equal(d.server.counters.rejects, 2);
  });
});
