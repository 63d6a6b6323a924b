/**
 * The fake device as a BACnet server (test/support/fake-device-server.ts):
 * driven from a raw UDP socket on 127.0.0.1 with the package codec, as the
 * client under test will drive it. Every wait is bounded.
 */
import assert from 'node:assert/strict';
import type { BipAddress } from '../../dist/protocol/address';
import { ConfirmedApdu, SERVICE, encodeConfirmedApdu } from '../../dist/protocol/confirmed-apdu';
import { ABORT_REASONS, ERROR_CLASSES, ERROR_CODES, PROPERTY_IDENTIFIERS, REJECT_REASONS, nameOf, numberOf, parseObjectReference } from '../../dist/protocol/names';
import { encodeWhoIsApdu } from '../../dist/protocol/apdu';
import { encodePropertyValue } from '../../dist/protocol/property-encoding';
import { PropertyValue, decodePropertyValue } from '../../dist/protocol/property-values';
import { decodeReadPropertyAck, encodeReadPropertyRequest } from '../../dist/protocol/services/read-property';
import { encodeWritePropertyRequest } from '../../dist/protocol/services/write-property';
import { DEMO_EXTRA_OBJECTS, DemoSite, startDemoSite } from '../support/bbmd-emulator';
import type { FakeDevice } from '../support/fake-device';
import { Probe, Request, probeRig, request } from '../support/udp-probe';
import { until } from '../support/wait';

function readRequest(object: string, property: string | number, index: number | null, invokeId: number, limits: Partial<Request> = {}): Buffer {
  const ref = parseObjectReference(object, { allowWildcard: true });
  const id = typeof property === 'number' ? property : numberOfProperty(property);
  return request(SERVICE.readProperty, encodeReadPropertyRequest({ object: ref, property: id, index }), invokeId, limits);
}

function writeRequest(object: string, property: string, value: unknown, priority: number | null, invokeId: number, valueType?: 'character-string'): Buffer {
  const ref = parseObjectReference(object);
  const octets = encodePropertyValue(ref.type, property, value, valueType);
  return request(SERVICE.writeProperty, encodeWritePropertyRequest({ object: ref, property: numberOfProperty(property), index: null, value: octets, priority }), invokeId);
}

function numberOfProperty(name: string): number {
  return numberOf(PROPERTY_IDENTIFIERS, name);
}

/** The value of a Complex-ACK to ReadProperty, in CLIENT.md's shape. */
function valueOf(apdu: ConfirmedApdu | null, data?: Buffer): PropertyValue {
  assert.ok(apdu && apdu.type === 'complex-ack', `expected a Complex-ACK, got ${JSON.stringify(apdu)}`);
  const ack = decodeReadPropertyAck(data ?? apdu.data);
  return decodePropertyValue(ack.value, ack.object.type, ack.property, ack.index);
}

function errorOf(apdu: ConfirmedApdu | null): string {
  assert.ok(apdu && apdu.type === 'error', `expected an Error, got ${JSON.stringify(apdu)}`);
  return `${nameOf(ERROR_CLASSES, apdu.errorClass)}/${nameOf(ERROR_CODES, apdu.errorCode)}`;
}

describe('FakeDevice as a BACnet server (ReadProperty, WriteProperty, segmentation)', function () {
  this.timeout(10000);
  const rig = probeRig(4100);
  const { device, ask } = rig;
  let probe: Probe;
  beforeEach(() => {
    probe = rig.probe;
  });

  it('reads present-value of each default object, and the Device object-name', async () => {
    const d = await device();
    const expected: Array<[string, string, PropertyValue]> = [
      ['analog-input:1', 'present-value', 21.5],
      ['analog-input:1', 'units', 'degrees-celsius'],
      ['analog-value:1', 'present-value', 20],
      ['binary-value:1', 'present-value', 'inactive'],
      ['multi-state-value:1', 'present-value', 1],
      ['multi-state-value:1', 'state-text', ['Off', 'Auto', 'On']],
      ['analog-input:1', 'status-flags', { 'in-alarm': false, fault: false, overridden: false, 'out-of-service': false }],
      ['device:4100', 'object-name', 'Fake device 4100'],
      ['device:4100', 'protocol-version', 1],
      ['device:4194303', 'object-identifier', 'device:4100'],
    ];
    for (const [i, [object, property, value]] of expected.entries()) {
      assert.deepEqual(valueOf(await ask(d, readRequest(object, property, null, i))), value, `${object} ${property}`);
    }
    assert.equal(d.readPropertyCount, expected.length);
    assert.deepEqual(d.server.requests[0], {
      service: 'ReadProperty', invokeId: 0, from: d.server.requests[0].from, object: 'analog-input:1', property: 'present-value',
      index: null, priority: null, maxApdu: 1476, maxSegments: 64, segmentedResponseAccepted: true,
    });
  });

  it('commands analog-value:1 through its priority-array and relinquishes with NULL', async () => {
    const d = await device();
    const pv = async (id: number): Promise<PropertyValue> => valueOf(await ask(d, readRequest('analog-value:1', 'present-value', null, id)));
    assert.deepEqual(await ask(d, writeRequest('analog-value:1', 'present-value', 25, 8, 1)), { type: 'simple-ack', invokeId: 1, service: SERVICE.writeProperty });
    assert.equal(await pv(2), 25);
    assert.equal((await ask(d, writeRequest('analog-value:1', 'present-value', 30, null, 3)))?.type, 'simple-ack'); // priority 16
    assert.equal(await pv(4), 25);
    const slots = valueOf(await ask(d, readRequest('analog-value:1', 'priority-array', null, 5))) as PropertyValue[];
    assert.deepEqual([slots.length, slots[7], slots[15], slots.filter((s) => s === null).length], [16, 25, 30, 14]);
    assert.equal(valueOf(await ask(d, readRequest('analog-value:1', 'priority-array', 0, 6))), 16);
    assert.equal(valueOf(await ask(d, readRequest('analog-value:1', 'priority-array', 8, 7))), 25);
    assert.equal(valueOf(await ask(d, readRequest('analog-value:1', 'priority-array', 1, 8))), null);
    assert.equal((await ask(d, writeRequest('analog-value:1', 'present-value', null, 8, 9)))?.type, 'simple-ack');
    assert.equal(await pv(10), 30);
    assert.equal((await ask(d, writeRequest('analog-value:1', 'present-value', null, 16, 11)))?.type, 'simple-ack');
    assert.equal(await pv(12), 20, 'relinquish-default');
    assert.equal((await ask(d, writeRequest('binary-value:1', 'present-value', 'active', null, 13)))?.type, 'simple-ack');
    assert.equal(valueOf(await ask(d, readRequest('binary-value:1', 'present-value', null, 14))), 'active');
    assert.equal(d.objects.get('binary-value:1', 'present-value'), 'active');
    assert.deepEqual(d.server.requests.filter((r) => r.service === 'WriteProperty').map((r) => r.priority), [8, null, 8, 16, null]);
  });

  it('array index: 0 is the length, n an element, beyond the end invalid-array-index, a non-array property-is-not-an-array', async () => {
    const d = await device();
    assert.equal(valueOf(await ask(d, readRequest('device:4100', 'object-list', 0, 1))), 5);
    assert.equal(valueOf(await ask(d, readRequest('device:4100', 'object-list', 1, 2))), 'device:4100');
    assert.equal(valueOf(await ask(d, readRequest('device:4100', 'object-list', 5, 3))), 'multi-state-value:1');
    assert.equal(errorOf(await ask(d, readRequest('device:4100', 'object-list', 6, 4))), 'property/invalid-array-index');
    assert.equal(valueOf(await ask(d, readRequest('multi-state-value:1', 'state-text', 3, 5))), 'On');
    assert.equal(errorOf(await ask(d, readRequest('analog-input:1', 'present-value', 1, 6))), 'property/property-is-not-an-array');
  });

  it('answers the standard errors and rejects', async () => {
    const d = await device();
    assert.equal(errorOf(await ask(d, readRequest('analog-input:99', 'present-value', null, 1))), 'object/unknown-object');
    assert.equal(errorOf(await ask(d, readRequest('analog-input:1', 'priority-array', null, 2))), 'property/unknown-property');
    assert.equal(errorOf(await ask(d, writeRequest('analog-input:1', 'object-type', 'analog-value', null, 3))), 'property/write-access-denied');
    assert.equal(errorOf(await ask(d, writeRequest('analog-input:1', 'present-value', 3, null, 4))), 'property/write-access-denied', 'not out of service');
    assert.equal(errorOf(await ask(d, writeRequest('analog-value:1', 'present-value', 'hot', null, 5, 'character-string'))), 'property/invalid-data-type');
    assert.equal(errorOf(await ask(d, writeRequest('multi-state-value:1', 'present-value', 4, null, 6))), 'property/value-out-of-range');
    assert.equal(errorOf(await ask(d, writeRequest('analog-value:9', 'present-value', 4, null, 7))), 'object/unknown-object');
    // Priority 17: the codec refuses to encode it, so patch priority 16's octet (context tag 4, 49 10).
    const bad = writeRequest('analog-value:1', 'present-value', 22, 16, 8);
    assert.equal(bad[bad.length - 1], 16);
    bad[bad.length - 1] = 17;
    assert.deepEqual(await ask(d, bad), { type: 'reject', invokeId: 8, reason: numberOf(REJECT_REASONS, 'parameter-out-of-range') });
    // AtomicReadFile (6): a service the fake device does not offer (SubscribeCOV is now fake-cov.ts's).
    assert.deepEqual(await ask(d, request(6, Buffer.alloc(0), 9)), { type: 'reject', invokeId: 9, reason: numberOf(REJECT_REASONS, 'unrecognized-service') });
    assert.deepEqual(await ask(d, request(SERVICE.readProperty, Buffer.from([0x09]), 10)), { type: 'reject', invokeId: 10, reason: numberOf(REJECT_REASONS, 'invalid-tag') });
    assert.equal(valueOf(await ask(d, readRequest('analog-value:1', 'present-value', null, 11))), 20, 'nothing was written');
    assert.equal(d.server.counters.errors, 7);
    assert.equal(d.server.counters.rejects, 3);
  });

  /** Reads the object-list of `d` at max APDU 480 and acknowledges as a client would; returns the reassembled data. */
  async function readSegmented(d: FakeDevice, onSegment?: (seq: number) => 'ack' | 'skip'): Promise<Buffer> {
    probe.send(d.address as BipAddress, readRequest(`device:${d.deviceInstance}`, 'object-list', null, 42, { maxApdu: 480 }));
    const parts: Buffer[] = [];
    for (let guard = 0; guard < 50; guard++) {
      const { npdu, apdu } = await probe.next();
      assert.ok(apdu && apdu.type === 'complex-ack' && apdu.segmented, `expected a segment, got ${JSON.stringify(apdu)}`);
      assert.equal(npdu.expectingReply, true);
      assert.equal(apdu.windowSize, d.windowSize);
      const seq = apdu.sequenceNumber as number;
      if (seq !== parts.length) {
        // Out of order: a client sends a negative Segment-ACK naming the last segment it has.
        probe.send(d.address as BipAddress, encodeConfirmedApdu({ type: 'segment-ack', negative: true, fromServer: false, invokeId: 42, sequenceNumber: parts.length - 1, windowSize: 4 }));
        continue;
      }
      parts.push(apdu.data);
      const windowEnd = seq === 0 || (seq - 0) % 4 === 0 || !apdu.moreFollows;
      if (windowEnd && (onSegment?.(seq) ?? 'ack') === 'ack') {
        probe.send(d.address as BipAddress, encodeConfirmedApdu({ type: 'segment-ack', negative: false, fromServer: false, invokeId: 42, sequenceNumber: seq, windowSize: 4 }));
      }
      if (!apdu.moreFollows) {
        // The last Segment-ACK is on its way: the answer is complete once the device has it.
        await until(() => d.server.counters.segmentedCompleted === 1, 1000, 'the last Segment-ACK');
        return Buffer.concat(parts);
      }
    }
    throw new Error('too many segments');
  }

  it('sends a long object-list in segments, window by window, on Segment-ACKs', async () => {
    const d = await device({ segmentation: 1, extraObjects: DEMO_EXTRA_OBJECTS });
    const data = await readSegmented(d);
    const list = valueOf({ type: 'complex-ack', segmented: false, moreFollows: false, invokeId: 42, sequenceNumber: null, windowSize: null, service: 12, data }) as string[];
    assert.equal(list.length, DEMO_EXTRA_OBJECTS + 5);
    assert.deepEqual(list.slice(0, 2), ['device:4100', 'analog-input:1']);
    assert.equal(list[list.length - 1], `analog-input:${DEMO_EXTRA_OBJECTS + 1}`);
    const segments = Math.ceil(data.length / 475);
    assert.equal(d.server.counters.segmentsSent, segments);
    assert.deepEqual(d.server.segmentAcks.map((a) => [a.sequenceNumber, a.negative, a.matched]), [[0, false, true], [4, false, true], ...(segments > 5 ? [[segments - 1, false, true]] : [])]);
    assert.equal(d.server.counters.segmentedCompleted, 1);
    await probe.none(100);
  });

  it('resends from the segment after a negative Segment-ACK when a segment was lost', async () => {
    const d = await device({ segmentation: 0, extraObjects: DEMO_EXTRA_OBJECTS, dropSegments: [2] });
    const data = await readSegmented(d);
    assert.equal((valueOf({ type: 'complex-ack', segmented: false, moreFollows: false, invokeId: 42, sequenceNumber: null, windowSize: null, service: 12, data }) as string[]).length, DEMO_EXTRA_OBJECTS + 5);
    assert.equal(d.server.counters.segmentsDropped, 1);
    assert.ok(d.server.segmentAcks.some((a) => a.negative && a.sequenceNumber === 1), JSON.stringify(d.server.segmentAcks));
    assert.equal(d.server.counters.segmentedCompleted, 1);
  });

  it('resends the window when no Segment-ACK comes, and gives up after segmentRetries', async () => {
    const d = await device({ segmentation: 1, extraObjects: DEMO_EXTRA_OBJECTS, segmentTimeoutMs: 100, segmentRetries: 2 });
    probe.send(d.address as BipAddress, readRequest('device:4100', 'object-list', null, 7, { maxApdu: 480 }));
    for (let i = 0; i < 3; i++) {
      const { apdu } = await probe.next();
      assert.ok(apdu?.type === 'complex-ack' && apdu.sequenceNumber === 0 && apdu.moreFollows, JSON.stringify(apdu));
    }
    await probe.none(300);
    assert.equal(d.server.counters.segmentsSent, 3, 'segment 0, then two resends');
    assert.equal(d.server.counters.segmentedFailed, 1);
  });

  it('a device that cannot segment Aborts; a segmenting one Aborts when the requester takes too few segments', async () => {
    const flat = await device({ segmentation: 3, extraObjects: DEMO_EXTRA_OBJECTS });
    const reason = (apdu: ConfirmedApdu | null): string | number => {
      assert.ok(apdu && apdu.type === 'abort' && apdu.fromServer, JSON.stringify(apdu));
      return nameOf(ABORT_REASONS, apdu.reason);
    };
    assert.equal(reason(await ask(flat, readRequest('device:4100', 'object-list', null, 1))), 'segmentation-not-supported');
    assert.equal(reason(await ask(flat, readRequest('device:4100', 'object-list', null, 2, { segmentedResponseAccepted: false }))), 'buffer-overflow');
    assert.equal(valueOf(await ask(flat, readRequest('device:4100', 'object-list', 0, 3))), DEMO_EXTRA_OBJECTS + 5, 'index 0 still fits');
    const seg = await device({ deviceInstance: 4101, segmentation: 1, extraObjects: DEMO_EXTRA_OBJECTS });
    assert.equal(reason(await ask(seg, readRequest('device:4101', 'object-list', null, 4, { maxApdu: 480, maxSegments: 2 }))), 'buffer-overflow');
    assert.equal(reason(await ask(seg, readRequest('device:4101', 'object-list', null, 5, { segmentedResponseAccepted: false }))), 'segmentation-not-supported');
  });

  it('silent answers nothing; answerConfirmed false keeps I-Am only; answerDelayMs delays confirmed answers', async () => {
    const d = await device({ silent: true });
    const to = d.address as BipAddress;
    probe.send(to, readRequest('device:4100', 'object-name', null, 1));
    probe.send(to, encodeWhoIsApdu(), { expectingReply: false });
    await probe.none(200);
    assert.equal(d.counters.iAm, 0);
    d.silent = false;
    d.answerConfirmed = false;
    probe.send(to, readRequest('device:4100', 'object-name', null, 2));
    probe.send(to, encodeWhoIsApdu(), { expectingReply: false });
    assert.equal((await probe.next()).apdu, null, 'an I-Am');
    await probe.none(200);
    d.answerConfirmed = true;
    d.answerDelayMs = 150;
    const t0 = Date.now();
    assert.equal(valueOf(await ask(d, readRequest('device:4100', 'object-name', null, 3))), 'Fake device 4100');
    assert.ok(Date.now() - t0 >= 140, `answered after ${Date.now() - t0} ms`);
    assert.deepEqual(d.server.requests.map((r) => r.invokeId), [3]);
  });

  describe('startDemoSite', () => {
    let site: DemoSite | null = null;
    afterEach(async () => {
      await site?.stop();
      site = null;
    });

    it('the routed device answers only for network 5 MAC 0a, from SNET/SADR, to the request SNET/SADR; options add a non-segmenting and a silent device', async () => {
      site = await startDemoSite({ devices: 5, nonSegmenting: 3, silent: 4 });
      const [routed, , large, flat, silent] = site.devices;
      assert.deepEqual([routed.maxApdu, large.segmentation, large.objects.keys().length, flat.segmentation, silent.silent], [480, 1, DEMO_EXTRA_OBJECTS + 5, 3, true]);
      const to = routed.address as BipAddress;
      probe.send(to, readRequest('device:1201', 'object-name', null, 1));
      probe.send(to, readRequest('device:1201', 'object-name', null, 2), { dnet: 5, dadr: '0b' });
      await probe.none(200);
      probe.send(to, readRequest('device:1201', 'object-name', null, 3), { dnet: 5, dadr: '0a', snet: 9, sadr: '01' });
      const answer = await probe.next();
      assert.deepEqual([answer.npdu.snet, answer.npdu.sadr, answer.npdu.dnet, answer.npdu.dadr], [5, '0a', 9, '01']);
      assert.equal(valueOf(answer.apdu), 'Fake device 1201');
      const flatAnswer = await ask(flat, readRequest('device:1204', 'object-list', null, 4));
      assert.deepEqual(flatAnswer, { type: 'abort', fromServer: true, invokeId: 4, reason: numberOf(ABORT_REASONS, 'segmentation-not-supported') });
      probe.send(silent.address as BipAddress, readRequest('device:1205', 'object-name', null, 5));
      await probe.none(200);
    });
  });
});
