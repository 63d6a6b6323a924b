/**
 * fd-read with many values (CLIENT.md "fd-read" Output, an array; "Confirmed
 * requests"): an array in msg.payload with good and bad elements, all of
 * them failing, a long object-list that arrives in segments, and one that a
 * non-segmenting device gives element by element.
 */
import assert from 'node:assert/strict';
import helper from 'node-red-node-test-helper';
import type { DemoSite, DemoSiteOptions } from '../support/bbmd-emulator';
import { PointProbe, pointSuite, reported, withMessages } from '../support/point-flow';
import { catchNode, packageNodes, statusOf } from '../support/red-helper';
import { until } from '../support/wait';

const NODES = [...withMessages(packageNodes('bacnet-bbmd', 'fd-read')), catchNode()];

helper.init(require.resolve('node-red'));

describe('fd-read arrays and long lists (test helper, demo site)', function () {
  this.timeout(20_000);
  const suite = pointSuite(NODES, 'fd-read');
  let probe: PointProbe;

  async function deploy(options: DemoSiteOptions, fields: Record<string, unknown>): Promise<DemoSite> {
    await suite.deploy(fields, options);
    probe = suite.probe;
    return suite.site;
  }

  it('an array of reads: each element its fields plus value or error, in order; the status counts the failures', async () => {
    const demo = await deploy({ devices: 2 }, { device: '1202', object: '', property: 'present-value' });
    const payload = [
      { object: 'analog-input:1' },
      { object: 'analog-input:9' },
      { object: 'analog-inptu:1' },
      'x',
      { object: 'binary-value:1', property: 'units' },
      { object: 'multi-state-value:1' },
      { device: 1201, object: 'analog-value:1', property: 'priority-array', index: 0 },
      { object: 'analog-input:1', colour: 'red' },
    ];
    const answer = await probe.ask({ payload, topic: 'many', keep: 1 });
    assert.ok(answer.ok, reported().join('\n'));
    assert.equal(answer.msg.topic, 'many');
    assert.equal(answer.msg.keep, 1);
    const results = answer.msg.payload as Record<string, unknown>[];
    assert.equal(results.length, payload.length);
    assert.deepEqual(results[0], { object: 'analog-input:1', value: 21.5 });
    assert.deepEqual(results[1], { object: 'analog-input:9', error: 'device 1202 refused ReadPropertyMultiple of analog-input:9 present-value: object / unknown-object' });
    assert.match(String(results[2]!.error), /analog-inptu.*did you mean "analog-input"/);
    assert.equal(results[2]!.object, 'analog-inptu:1');
    assert.equal(results[3]!.request, 'x');
    assert.match(String(results[3]!.error), /element 3 is not an object/);
    assert.deepEqual(results[4], { object: 'binary-value:1', property: 'units', error: 'device 1202 refused ReadPropertyMultiple of binary-value:1 units: property / unknown-property' });
    assert.deepEqual(results[5], { object: 'multi-state-value:1', value: 1 });
    assert.deepEqual(results[6], { device: 1201, object: 'analog-value:1', property: 'priority-array', index: 0, value: 16 });
    assert.match(String(results[7]!.error), /"colour"/);
    assert.deepEqual(statusOf('point'), { fill: 'yellow', shape: 'dot', text: '5 of 8 failed' });
    assert.deepEqual(probe.errors, []);
    // One ReadPropertyMultiple for device 1202's four reads; the bad elements sent nothing.
    assert.deepEqual(demo.devices[1]!.server.requests.map((r) => r.service), ['ReadPropertyMultiple']);
    assert.deepEqual(demo.devices[1]!.server.readPropertyMultipleSpecs[0]!.flatMap((spec) => spec.properties).length, 4);

    const good = await probe.ask({ payload: [{ object: 'analog-input:1' }, { object: 'binary-value:1' }] });
    assert.deepEqual(good.msg.payload, [{ object: 'analog-input:1', value: 21.5 }, { object: 'binary-value:1', value: 'inactive' }]);
    assert.deepEqual(statusOf('point'), { fill: 'green', shape: 'dot', text: '2 values' });
  });

  it('every element failed: done(err) with the first error, nothing sent on, a red ring', async () => {
    await deploy({ devices: 2 }, { device: '1202', object: '', property: 'present-value' });
    const answer = await probe.ask({ payload: [{ object: 'analog-input:7' }, { object: 'bogus:1' }, { object: 'analog-input:1', property: 'priority-array' }] });
    assert.equal(answer.ok, false);
    assert.deepEqual(reported(), ['fd-read.errors.failed: device 1202 refused ReadPropertyMultiple of analog-input:7 present-value: object / unknown-object']);
    assert.deepEqual(statusOf('point'), { fill: 'red', shape: 'ring', text: 'all 3 failed' });
    assert.deepEqual(probe.out, []);
  });

  it('a segmented object-list arrives whole: 405 entries, Segment-ACKs seen by the device', async () => {
    const demo = await deploy({ devices: 3 }, { device: '1203', object: 'device', property: 'object-list' });
    const large = demo.devices[2]!;
    const started = Date.now();
    const list = (await probe.value({ payload: 1 })) as string[];
    const ms = Date.now() - started;
    assert.equal(list.length, 405);
    assert.deepEqual(list.slice(0, 6), ['device:1203', 'analog-input:1', 'analog-value:1', 'binary-value:1', 'multi-state-value:1', 'analog-input:2']);
    assert.equal(list[404], 'analog-input:401');
    assert.equal(large.server.requests.length, 1, 'one request');
    assert.ok(large.server.counters.segmentsSent > 1, 'sent in segments');
    // The value is ours once our last Segment-ACK is sent; the device takes it a moment later.
    await until(() => large.server.counters.segmentedCompleted === 1, 1000, 'the device to take the last Segment-ACK');
    assert.ok(large.server.segmentAcks.length >= 1 && large.server.segmentAcks.every((ack) => ack.matched && !ack.negative));
    assert.equal(large.server.segmentAcks.at(-1)!.sequenceNumber, large.server.counters.segmentsSent - 1, 'the last segment acknowledged');
    assert.equal(large.server.counters.segmentedCompleted, 1);
    assert.ok(ms < 3000, `took ${ms} ms`);
    assert.match(String(statusOf('point')?.text), /^\["device:1203",/);
  });

  it('a device that cannot segment: index 0, then each element; the caller gets the whole array', async () => {
    // maxApdu 480 with 100 more objects: the list (525 octets) does not fit one APDU, and 106 reads stay quick.
    const demo = await deploy({ devices: 2, routed: null, large: null, nonSegmenting: 1, deviceOptions: (i) => (i === 1 ? { extraObjects: 100, maxApdu: 480 } : {}) }, { device: '1202', object: 'device', property: 'object-list' });
    const device = demo.devices[1]!;
    const started = Date.now();
    const list = (await probe.value({ payload: 1 })) as string[];
    const ms = Date.now() - started;
    assert.equal(list.length, 105);
    assert.deepEqual(list, device.objects.keys());
    const requests = device.server.requests;
    assert.equal(requests.length, 1 + 1 + 105);
    assert.equal(requests[0]!.index, null, 'first the whole array');
    assert.equal(device.server.counters.aborts, 1, 'answered with an Abort');
    assert.deepEqual(requests.slice(1).map((r) => r.index), Array.from({ length: 106 }, (_, i) => i), 'then index 0 and each index in turn');
    assert.ok(requests.every((r) => r.object === 'device:1202' && r.property === 'object-list'));
    assert.ok(ms < 5000, `took ${ms} ms`);
    const { object, property, index } = probe.out[0]!.bacnet as Record<string, unknown>;
    assert.deepEqual({ object, property, index }, { object: 'device:1202', property: 'object-list', index: null }, 'msg.bacnet names the whole array');
  });

  it('element by element fails when one element fails', async () => {
    const demo = await deploy({ devices: 2, routed: null, large: null, nonSegmenting: 1, deviceOptions: (i) => (i === 1 ? { extraObjects: 100, maxApdu: 480 } : {}) }, { device: '1202', object: 'device', property: 'object-list' });
    const device = demo.devices[1]!;
    // The device loses analog-input:50 between the length and the element reads: its 54th element read is refused.
    const original = device.objects.read.bind(device.objects);
    device.objects.read = (ref, property, index) => (index === 54 ? { error: { errorClass: 'property', errorCode: 'invalid-array-index' } } : original(ref, property, index));
    const sentence = await probe.failure({ payload: 1 });
    assert.equal(sentence, 'fd-read.errors.failed: device 1202 refused ReadProperty of device:1202 object-list[54]: property / invalid-array-index');
    assert.equal(device.server.requests.at(-1)!.index, 54, 'stopped at the failing element');
  });
});
