/**
 * fd-read with ReadPropertyMultiple (CLIENT.md "fd-read" arrays and `all`,
 * "Confirmed requests"): one request per device, per-property errors, batches
 * split to maxApdu and again on Aborts, the fallback to ReadProperty for a
 * device without the service, remembered in the device table.
 */
import assert from 'node:assert/strict';
import helper from 'node-red-node-test-helper';
import type { BacnetClient } from '../../dist/client/bacnet-client';
import type { DemoSite, DemoSiteOptions } from '../support/bbmd-emulator';
import type { FakeDevice } from '../support/fake-device';
import { PointProbe, pointSuite, reported, withMessages } from '../support/point-flow';
import { catchNode, packageNodes, statusOf } from '../support/red-helper';

const NODES = [...withMessages(packageNodes('bacnet-bbmd', 'fd-read')), catchNode()];

helper.init(require.resolve('node-red'));

type Element = Record<string, unknown> & { value?: unknown; error?: string };

describe('fd-read ReadPropertyMultiple (test helper, demo site)', function () {
  this.timeout(20_000);
  const suite = pointSuite(NODES, 'fd-read');
  let probe: PointProbe;

  async function deploy(options: DemoSiteOptions, fields: Record<string, unknown> = { device: '1202', object: '', property: 'present-value' }): Promise<DemoSite> {
    await suite.deploy(fields, options);
    probe = suite.probe;
    return suite.site;
  }

  async function elements(payload: unknown[]): Promise<Element[]> {
    const answer = await probe.ask({ payload });
    assert.ok(answer.ok, reported().join('\n'));
    return answer.msg.payload as Element[];
  }

  const services = (device: FakeDevice): (string | number)[] => device.server.requests.map((r) => r.service);

  it('20 points of one device: one ReadPropertyMultiple, the values in order', async () => {
    const demo = await deploy({ devices: 2, large: null, deviceOptions: (i) => (i === 1 ? { extraObjects: 20 } : {}) });
    const payload = Array.from({ length: 20 }, (_, i) => ({ object: `analog-input:${i + 2}` }));
    const results = await elements(payload);
    assert.deepEqual(results, payload.map((p, i) => ({ ...p, value: i + 0.5 })));
    const device = demo.devices[1]!;
    assert.equal(device.server.counters.readPropertyMultiple, 1);
    assert.deepEqual(services(device), ['ReadPropertyMultiple']);
    assert.equal(device.server.readPropertyMultipleSpecs[0]!.length, 20, 'one specification per object');
    assert.deepEqual(statusOf('point'), { fill: 'green', shape: 'dot', text: '20 values' });
  });

  it('good and bad properties in one request: each bad one its own error naming ReadPropertyMultiple', async () => {
    const demo = await deploy({ devices: 2, large: null });
    const results = await elements([
      { object: 'analog-input:1' },
      { object: 'analog-input:9' },
      { object: 'binary-value:1', property: 'units' },
      { object: 'analog-input:1', property: 'units' },
      { object: 'analog-value:1', property: 'priority-array', index: 17 },
      { object: 'analog-value:1', property: 'priority-array', index: 0 },
    ]);
    assert.deepEqual(results, [
      { object: 'analog-input:1', value: 21.5 },
      { object: 'analog-input:9', error: 'device 1202 refused ReadPropertyMultiple of analog-input:9 present-value: object / unknown-object' },
      { object: 'binary-value:1', property: 'units', error: 'device 1202 refused ReadPropertyMultiple of binary-value:1 units: property / unknown-property' },
      { object: 'analog-input:1', property: 'units', value: 'degrees-celsius' },
      { object: 'analog-value:1', property: 'priority-array', index: 17, error: 'device 1202 refused ReadPropertyMultiple of analog-value:1 priority-array[17]: property / invalid-array-index' },
      { object: 'analog-value:1', property: 'priority-array', index: 0, value: 16 },
    ]);
    assert.deepEqual(services(demo.devices[1]!), ['ReadPropertyMultiple']);
    assert.deepEqual(statusOf('point'), { fill: 'yellow', shape: 'dot', text: '3 of 6 failed' });
  });

  it('several devices: one request each, the elements in the order given', async () => {
    const demo = await deploy({ devices: 3 });
    const results = await elements([
      { device: 1201, object: 'analog-input:1' },
      { device: 1202, object: 'binary-value:1' },
      { device: 1203, object: 'analog-input:2' },
      { device: 1201, object: 'multi-state-value:1' },
      { device: 1203, object: 'device', property: 'object-name' },
      { device: 1202, object: 'analog-input:1' },
    ]);
    assert.deepEqual(results.map((r) => r.value), [21.5, 'inactive', 0.5, 1, 'Fake device 1203', 21.5]);
    for (const device of demo.devices) assert.deepEqual(services(device), ['ReadPropertyMultiple'], `device ${device.deviceInstance}`);
  });

  it('a device that rejects ReadPropertyMultiple: read with ReadProperty, remembered; the next array sends no ReadPropertyMultiple', async () => {
    const demo = await deploy({ devices: 2, large: null, deviceOptions: (i) => (i === 1 ? { readPropertyMultiple: false } : {}) });
    const device = demo.devices[1]!;
    const payload = [{ object: 'analog-input:1' }, { object: 'analog-input:9' }, { object: 'multi-state-value:1' }];
    const first = await elements(payload);
    assert.deepEqual(first, [
      { object: 'analog-input:1', value: 21.5 },
      { object: 'analog-input:9', error: 'device 1202 refused ReadProperty of analog-input:9 present-value: object / unknown-object' },
      { object: 'multi-state-value:1', value: 1 },
    ]);
    assert.equal(device.server.counters.readPropertyMultiple, 1, 'one ReadPropertyMultiple, rejected');
    assert.equal(device.server.counters.rejects, 1);
    assert.equal(device.server.counters.readProperty, 3);
    const client = (helper.getNode('cfg') as unknown as { bbmd: { client: BacnetClient } }).bbmd.client;
    assert.equal(client.table.get(1202)?.readPropertyMultiple, false, 'remembered in the device table');

    const second = await elements(payload);
    assert.deepEqual(second, first);
    assert.equal(device.server.counters.readPropertyMultiple, 1, 'no second ReadPropertyMultiple');
    assert.equal(device.server.counters.readProperty, 6);

    const all = await probe.failure({ payload: { object: 'analog-input:1', property: 'all' } });
    assert.equal(all, 'fd-read.errors.failed: device 1202 does not take ReadPropertyMultiple, and analog-input:1 all is read only with it');
    assert.equal(device.server.counters.readPropertyMultiple + device.server.counters.readProperty, 7, 'nothing sent for it');
  });

  it('a small maxApdu behind the router: several batches, each fitting, no Abort', async () => {
    const demo = await deploy({ devices: 2, large: null, deviceOptions: (i) => (i === 0 ? { maxApdu: 206, extraObjects: 40 } : {}) }, { device: '1201', object: '', property: '' });
    const payload = Array.from({ length: 40 }, (_, i) => ({ object: `analog-input:${i + 2}`, property: i % 2 === 0 ? 'present-value' : 'object-name' }));
    const results = await elements(payload);
    assert.deepEqual(results.map((r) => r.value), payload.map((_, i) => (i % 2 === 0 ? i + 0.5 : `Sensor ${i + 2}`)));
    const routed = demo.devices[0]!;
    assert.ok(routed.server.counters.readPropertyMultiple >= 3, `several batches, got ${routed.server.counters.readPropertyMultiple}`);
    assert.equal(routed.server.counters.aborts, 0, 'each answer fitted 206 octets');
    assert.equal(routed.server.readPropertyMultipleSpecs.flat().length, 40, 'every read asked once');
    assert.ok(routed.server.requests.every((r) => r.service === 'ReadPropertyMultiple'));
  });

  it('a non-segmenting device with an answer too big: split again, the long array read element by element', async () => {
    const demo = await deploy({ devices: 2, routed: null, large: null, nonSegmenting: 1, deviceOptions: (i) => (i === 1 ? { extraObjects: 100, maxApdu: 480 } : {}) });
    const device = demo.devices[1]!;
    const results = await elements([
      { object: 'analog-input:1' },
      { object: 'device', property: 'object-list' },
      { object: 'analog-input:2' },
      { object: 'analog-input:3' },
    ]);
    assert.equal(results[0]!.value, 21.5);
    assert.deepEqual(results[1]!.value, device.objects.keys());
    assert.equal((results[1]!.value as string[]).length, 105);
    assert.deepEqual([results[2]!.value, results[3]!.value], [0.5, 1.5]);
    // The whole batch, its half with the list, the list alone: three Aborts; then ReadProperty's own Abort.
    assert.equal(device.server.counters.readPropertyMultiple, 5, 'the batch, its two halves, the halves of the first');
    assert.equal(device.server.counters.aborts, 4);
    assert.equal(device.server.counters.readProperty, 1 + 1 + 105, 'the whole list, then index 0 and each element');
  });

  it('all, required and optional: an object keyed by property name, alone or in an array', async () => {
    const demo = await deploy({ devices: 2, large: null }, { device: '1202', object: 'analog-input:1', property: 'all' });
    const all = (await probe.value({ payload: 1 })) as Record<string, unknown>;
    assert.equal(all['present-value'], 21.5);
    assert.equal(all['object-name'], 'Room temperature');
    assert.equal(all.units, 'degrees-celsius');
    assert.deepEqual(all['status-flags'], { 'in-alarm': false, fault: false, overridden: false, 'out-of-service': false });
    assert.deepEqual(Object.keys(all), demo.devices[1]!.objects.propertyNames({ type: 0, instance: 1 }, 'all'));
    const { property, object } = probe.out[0]!.bacnet as Record<string, unknown>;
    assert.deepEqual({ object, property }, { object: 'analog-input:1', property: 'all' });
    assert.equal(probe.out[0]!.topic, '1202/analog-input:1/all');
    assert.deepEqual(statusOf('point')?.fill, 'green');

    const results = await elements([
      { property: 'required' },
      { property: 'optional' },
      { object: 'analog-input:9', property: 'all' },
      { property: 'present-value' },
    ]);
    const required = results[0]!.value as Record<string, unknown>;
    const optional = results[1]!.value as Record<string, unknown>;
    assert.deepEqual(Object.keys(required), ['object-identifier', 'object-name', 'object-type', 'status-flags', 'event-state', 'out-of-service', 'present-value', 'units']);
    assert.deepEqual(Object.keys(optional), ['description', 'reliability', 'cov-increment']);
    assert.equal(results[2]!.error, 'device 1202 refused ReadPropertyMultiple of analog-input:9 all: object / unknown-object');
    assert.equal(results[3]!.value, 21.5);
    const device = demo.devices[1]!;
    assert.equal(device.server.counters.readPropertyMultiple, 2, 'one request for the single read, one for the array');
    assert.equal(device.server.counters.readProperty, 0);
  });

  it('done(err) only when every element failed', async () => {
    const demo = await deploy({ devices: 2, large: null });
    const failed = await probe.ask({ payload: [{ object: 'analog-input:7' }, { device: 1201, object: 'analog-input:8' }] });
    assert.equal(failed.ok, false);
    assert.deepEqual(reported(), ['fd-read.errors.failed: device 1202 refused ReadPropertyMultiple of analog-input:7 present-value: object / unknown-object']);
    assert.deepEqual(probe.out, []);
    assert.deepEqual(statusOf('point'), { fill: 'red', shape: 'ring', text: 'all 2 failed' });

    const some = await elements([{ object: 'analog-input:7' }, { device: 1201, object: 'analog-input:1' }]);
    assert.deepEqual(some.map((r) => 'value' in r), [false, true]);
    assert.equal(reported().length, 1, 'no second done(err)');
    assert.deepEqual(demo.devices.map((d) => d.server.counters.readPropertyMultiple), [2, 2]);
  });
});
