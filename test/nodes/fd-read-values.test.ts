/**
 * fd-read in a real Node-RED runtime against the demo site, rule by rule of
 * CLIENT.md "fd-read", "Values" and "Device references": the values of the
 * fake device's objects in their JavaScript shapes, devices named by
 * address, msg.payload overrides, msg.topic, pass-through, Catch, and the
 * error sentences and statuses.
 */
import assert from 'node:assert/strict';
import helper from 'node-red-node-test-helper';
import type { DemoSite } from '../support/bbmd-emulator';
import { Fields, PointProbe, pointSuite, reported } from '../support/point-flow';
import { Msg, catchNode, packageNodes, statusOf } from '../support/red-helper';
import { LOOPBACK, until } from '../support/wait';

const NODES = [...packageNodes('bacnet-bbmd', 'fd-read'), catchNode()];
type Bacnet = { device: Record<string, unknown>; object: string; property: string; index: number | null };

helper.init(require.resolve('node-red'));

describe('fd-read values and rules (test helper, demo site)', function () {
  this.timeout(20_000);
  const suite = pointSuite(NODES, 'fd-read');
  let site: DemoSite;
  let probe: PointProbe;
  async function deploy(fields: Fields): Promise<void> {
    await suite.deploy(fields);
    ({ site, probe } = suite);
  }
  const device1202 = (): DemoSite['devices'][number] => site.devices[1]!;
  const port1202 = (): number => device1202().address!.port;

  it('gives each value in its CLIENT.md shape, and the green dot shows it in at most 20 characters', async () => {
    await deploy({ device: '1202', object: '', property: 'present-value' });
    const read = (payload: Record<string, unknown>): Promise<unknown> => probe.value({ payload });
    assert.equal(await read({ object: 'analog-input:1' }), 21.5);
    assert.deepEqual(statusOf('point'), { fill: 'green', shape: 'dot', text: '21.5' });
    assert.equal(await read({ object: 'binary-value:1' }), 'inactive');
    assert.equal(await read({ object: 'multi-state-value:1' }), 1);
    assert.equal(await read({ object: 'analog-input:1', property: 'units' }), 'degrees-celsius');
    assert.equal(await read({ object: 'analogInput:1', property: 'EVENT_STATE' }), 'normal');
    const flags = await read({ object: 'analog-input:1', property: 'status-flags' });
    assert.deepEqual(flags, { 'in-alarm': false, fault: false, overridden: false, 'out-of-service': false });
    const status = statusOf('point')!;
    assert.equal(status.fill, 'green');
    assert.ok(status.text!.length <= 20 && status.text!.startsWith('{"in-alarm":false'), `status ${status.text}`);
    assert.deepEqual(await read({ object: 'analog-value:1', property: 'priority-array' }), new Array(16).fill(null));
    assert.equal(await read({ object: 'analog-value:1', property: 'priority-array', index: 0 }), 16);
    assert.equal(await read({ object: 'analog-value:1', property: 'priority-array', index: 8 }), null);
    assert.equal(await read({ object: 'analog-value:1', property: 'priority-array[0]' }), 16);
    assert.equal(await read({ object: '2:1', property: '85' }), 20, 'numbers for type and property; present-value is relinquish-default');
    const list = await read({ object: 'device', property: 'object-list' });
    assert.deepEqual(list, ['device:1202', 'analog-input:1', 'analog-value:1', 'binary-value:1', 'multi-state-value:1']);
    const last = probe.out[probe.out.length - 1]!;
    assert.deepEqual((last.bacnet as Bacnet).object, 'device:1202', 'device sent as device:<instance>');
    assert.deepEqual(probe.errors, []);
  });

  it('a device by address: "host:port", instance null, "device" sent as the wildcard 4194303 until the table knows it', async () => {
    await deploy((demo) => ({ device: `${LOOPBACK}:${demo.devices[1]!.address!.port}`, object: 'analog-input:1' }));
    assert.equal(await probe.value({ payload: 1 }), 21.5);
    const msg = probe.out[0]!;
    assert.deepEqual(msg.bacnet, { device: { instance: null, address: LOOPBACK, port: port1202() }, object: 'analog-input:1', property: 'present-value', index: null });
    assert.equal(msg.topic, `${LOOPBACK}:${port1202()}/analog-input:1/present-value`);
    assert.equal(device1202().whoIsCount, 0, 'no Who-Is for a device named by address');

    assert.equal(await probe.value({ payload: { object: 'device', property: 'object-name' } }), 'Fake device 1202');
    assert.equal(device1202().server.requests.at(-1)!.object, 'device:4194303');
    assert.equal((probe.out[1]!.bacnet as Bacnet).object, 'device:4194303', 'msg.bacnet.object is what was sent');

    // Once an I-Am put 1202 in the table, the address is known: device:1202, and the instance in msg.bacnet.
    assert.equal(await probe.value({ payload: { device: 1202, object: 'device', property: 'object-name' } }), 'Fake device 1202');
    assert.equal(await probe.value({ payload: { object: 'device', property: 'vendor-identifier' } }), 260);
    assert.equal(device1202().server.requests.at(-1)!.object, 'device:1202');
    const bacnet = probe.out[3]!.bacnet as Bacnet;
    assert.deepEqual(bacnet.device, { instance: 1202, address: LOOPBACK, port: port1202() });
    assert.equal(bacnet.object, 'device:1202');
  });

  it("the routed device by fd-receive's msg.source shape { address, port, network, mac }", async () => {
    await deploy({ device: '', object: 'analog-input:1' });
    const router = site.devices[0]!.address!;
    const source = { address: LOOPBACK, port: router.port, network: 5, mac: '0a' };
    assert.equal(await probe.value({ payload: { device: source } }), 21.5);
    assert.deepEqual((probe.out[0]!.bacnet as Bacnet).device, { instance: null, ...source });
    assert.equal(await probe.value({ payload: { device: source, object: 'device', property: 'object-name' } }), 'Fake device 1201');
    assert.equal(site.devices[0]!.server.requests.at(-1)!.object, 'device:4194303');
  });

  it('msg.payload overrides the fields; msg.topic only when absent; other properties pass through', async () => {
    await deploy({ device: '1202', object: 'analog-input:1', property: 'present-value', index: '' });
    const plain = await probe.ask({ payload: 1700000000000, _msgid: 'm1', extra: { keep: [1, 2] }, topic: '' });
    assert.equal(plain.msg.payload, 21.5);
    assert.equal(plain.msg.topic, '1202/analog-input:1/present-value', 'an empty topic is replaced');
    assert.deepEqual(plain.msg.extra, { keep: [1, 2] });
    assert.equal(plain.msg._msgid, 'm1');

    const over = await probe.ask({ payload: { object: 'binary-value:1', property: 'object-name' }, topic: 'mine', room: 12 });
    assert.equal(over.msg.payload, 'Fan command');
    assert.equal(over.msg.topic, 'mine');
    assert.equal(over.msg.room, 12);
    assert.deepEqual(over.msg.bacnet, { device: { instance: 1202, address: LOOPBACK, port: port1202() }, object: 'binary-value:1', property: 'object-name', index: null });

    const indexed = await probe.ask({ payload: { object: 'analog-value:1', property: 'priority-array', index: 3 } });
    assert.equal(indexed.msg.topic, '1202/analog-value:1/priority-array[3]');
    assert.equal((indexed.msg.bacnet as Bacnet).index, 3);
    assert.equal(await probe.value({ payload: { device: '1201' } }), 21.5, 'the device overridden, the rest from the fields');
    assert.deepEqual(probe.errors, []);
  });

  it('refusals: the sentences of CLIENT.md, a red ring with class/code, Catch keeps msg.bacnet and the message', async () => {
    await deploy({ device: '1202', object: 'analog-input:1' });
    const sentence = await probe.failure({ payload: { object: 'analog-input:9' }, topic: 't', keep: 'me' });
    assert.equal(sentence, 'fd-read.errors.failed: device 1202 refused ReadProperty of analog-input:9 present-value: object / unknown-object');
    assert.deepEqual(statusOf('point'), { fill: 'red', shape: 'ring', text: 'object/unknown-object' });
    const caught = probe.errors[0]! as Msg & { bacnet: Bacnet };
    assert.equal(caught.keep, 'me');
    assert.equal(caught.topic, 't');
    assert.deepEqual(caught.bacnet, { device: { instance: 1202, address: LOOPBACK, port: port1202() }, object: 'analog-input:9', property: 'present-value', index: null });
    assert.ok(caught.error, 'msg.error set by Catch');

    const property = await probe.failure({ payload: { property: 'priority-array' } });
    assert.equal(property, 'fd-read.errors.failed: device 1202 refused ReadProperty of analog-input:1 priority-array: property / unknown-property');
    assert.equal(statusOf('point')?.text, 'property/unknown-property', 'the class/code whole (20 characters is the value\'s limit)');
    const notArray = await probe.failure({ payload: { property: 'units', index: 1 } });
    assert.equal(notArray, 'fd-read.errors.failed: device 1202 refused ReadProperty of analog-input:1 units[1]: property / property-is-not-an-array');
  });

  it('silence: the "did not answer ... after 2 tries" sentence, "no answer", and the entry dropped so the next read looks again', async () => {
    await deploy({ device: '1202', object: 'analog-input:1', timeout: 300, retries: 1 });
    assert.equal(await probe.value({ payload: 1 }), 21.5);
    const whoIs = device1202().whoIsCount;
    assert.equal(whoIs, 1);
    device1202().silent = true;
    const started = Date.now();
    const sentence = await probe.failure({ payload: 2 });
    assert.equal(sentence, `fd-read.errors.failed: device 1202 (${LOOPBACK}:${port1202()}) did not answer ReadProperty of analog-input:1 present-value after 2 tries`);
    assert.ok(Date.now() - started >= 550, 'two tries of 300 ms');
    assert.deepEqual(statusOf('point'), { fill: 'red', shape: 'ring', text: 'no answer' });
    device1202().silent = false;
    assert.equal(await probe.value({ payload: 3 }), 21.5);
    assert.equal(device1202().whoIsCount, whoIs + 1, 'a Who-Is again after the entry was dropped');
    assert.equal(await probe.value({ payload: 4 }), 21.5);
    assert.equal(device1202().whoIsCount, whoIs + 1, 'known again: no more Who-Is');
  });

  it('a silent device named by address: the sentence names the address once', async () => {
    await deploy((demo) => ({ device: `${LOOPBACK}:${demo.devices[1]!.address!.port}`, object: 'analog-input:1', timeout: 200, retries: 0 }));
    device1202().silent = true;
    const sentence = await probe.failure({ payload: 1 });
    assert.equal(sentence, `fd-read.errors.failed: device ${LOOPBACK}:${port1202()} did not answer ReadProperty of analog-input:1 present-value after 1 try`);
    await until(() => reported().length === 1, 100, 'one report');
  });
});
