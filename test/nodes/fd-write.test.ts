/**
 * fd-write in a real Node-RED runtime against the demo site (CLIENT.md
 * "fd-write", "Values"): commands at a priority read back from the
 * priority-array, relinquish, binary values, the device's refusals, bad
 * values found before anything is sent, the request-object form of
 * msg.payload, valueType, and the message after the Simple-ACK.
 */
import assert from 'node:assert/strict';
import helper from 'node-red-node-test-helper';
import type { DemoSite } from '../support/bbmd-emulator';
import { Fields, PointProbe, pointSuite } from '../support/point-flow';
import { FlowNode, catchNode, packageNodes, statusOf } from '../support/red-helper';
import { LOOPBACK } from '../support/wait';

const NODES = [...packageNodes('bacnet-bbmd', 'fd-write', 'fd-read'), catchNode()];

helper.init(require.resolve('node-red'));

describe('fd-write (test helper, demo site)', function () {
  this.timeout(20_000);
  const suite = pointSuite(NODES, 'fd-write');
  let site: DemoSite;
  let probe: PointProbe;
  async function deploy(fields: Fields, more: FlowNode[] = []): Promise<void> {
    await suite.deploy(fields, undefined, more);
    ({ site, probe } = suite);
  }
  const device = (): DemoSite['devices'][number] => site.devices[1]!;
  const stored = (object: string, property: string): unknown => device().objects.get(object, property);
  const slot = (n: number): unknown => (stored('analog-value:1', 'priority-array') as unknown[])[n - 1];

  it('22.5 at priority 8: the Simple-ACK, the slot and present-value; the message goes on unchanged with msg.bacnet and priority', async () => {
    await deploy({ device: '1202', object: 'analog-value:1', priority: '8' });
    const answer = await probe.ask({ payload: 22.5, topic: 'setpoint', keep: { a: 1 } });
    assert.ok(answer.ok, String(answer.msg.error?.message));
    assert.equal(answer.msg.payload, 22.5);
    assert.equal(answer.msg.topic, 'setpoint');
    assert.deepEqual(answer.msg.keep, { a: 1 });
    assert.deepEqual(answer.msg.bacnet, {
      device: { instance: 1202, address: LOOPBACK, port: device().address!.port },
      object: 'analog-value:1',
      property: 'present-value',
      index: null,
      priority: 8,
    });
    // The helper has no message catalogs: the status shows the key of "written".
    assert.deepEqual(statusOf('point'), { fill: 'green', shape: 'dot', text: 'fd-write.status.written' });
    const seen = device().server.requests.at(-1)!;
    assert.deepEqual([seen.service, seen.object, seen.property, seen.priority], ['WriteProperty', 'analog-value:1', 'present-value', 8]);
    assert.equal(slot(8), 22.5);
    assert.equal(stored('analog-value:1', 'present-value'), 22.5);
    // Unchanged means unchanged: a message without a topic gets none (fd-read adds one, fd-write does not).
    const untitled = await probe.ask({ payload: 23 });
    assert.ok(untitled.ok, String(untitled.msg.error?.message));
    assert.equal('topic' in untitled.msg, false);
  });

  it('null relinquishes at the priority; no priority writes at 16; the write reads back through fd-read', async () => {
    await deploy({ device: '1202', object: 'analog-value:1', priority: '' }, [
      { id: 'reader', type: 'fd-read', z: 'tab', bbmd: 'cfg', device: '1202', object: 'analog-value:1', property: 'priority-array', index: '8', timeout: 500, retries: 1, wires: [['readOut']] },
      { id: 'readOut', type: 'helper', z: 'tab' },
    ]);
    const readBack = async (): Promise<unknown> => {
      const got = new Promise<unknown>((resolve) => helper.getNode('readOut')!.once('input', (msg: { payload: unknown }) => resolve(msg.payload)));
      helper.getNode('reader')!.receive({ payload: true } as never);
      return got;
    };
    assert.ok((await probe.ask({ payload: { value: 22.5, priority: 8 } })).ok);
    assert.equal(await readBack(), 22.5, 'priority-array[8] read back');
    assert.ok((await probe.ask({ payload: 19 })).ok);
    assert.equal(device().server.requests.at(-1)!.priority, null, 'no priority sent');
    assert.equal(slot(16), 19, 'the device takes no priority as 16');
    assert.equal(stored('analog-value:1', 'present-value'), 22.5, '8 wins over 16');
    const relinquish = await probe.ask({ payload: { value: null, priority: 8 } });
    assert.ok(relinquish.ok);
    assert.equal((relinquish.msg.bacnet as { priority: number }).priority, 8);
    assert.equal(await readBack(), null, 'slot 8 empty again');
    assert.equal(stored('analog-value:1', 'present-value'), 19);
    assert.ok((await probe.ask({ payload: null })).ok);
    assert.equal(stored('analog-value:1', 'present-value'), 20, 'relinquish-default once every slot is empty');
  });

  it('binary-value takes "active", true and 1 (and back)', async () => {
    await deploy({ device: '1202', object: 'binary-value:1' });
    for (const [value, expected] of [['active', 'active'], [false, 'inactive'], [true, 'active'], [0, 'inactive'], [1, 'active'], ['INACTIVE', 'inactive']] as const) {
      const answer = await probe.ask({ payload: value });
      assert.ok(answer.ok, `${String(value)}: ${String(answer.msg.error?.message)}`);
      assert.equal(stored('binary-value:1', 'present-value'), expected, String(value));
    }
  });

  it("the device's refusals: write-access-denied, invalid-data-type with a valueType override", async () => {
    await deploy({ device: '1202', object: 'analog-input:1' });
    const denied = await probe.failure({ payload: 30 });
    assert.equal(denied, 'fd-write.errors.failed: device 1202 refused WriteProperty of analog-input:1 present-value: property / write-access-denied');
    assert.deepEqual(statusOf('point'), { fill: 'red', shape: 'ring', text: 'property/write-access-denied' });
    const caught = probe.errors[0]!;
    assert.deepEqual(caught.bacnet, {
      device: { instance: 1202, address: LOOPBACK, port: device().address!.port },
      object: 'analog-input:1', property: 'present-value', index: null, priority: null,
    });
    assert.equal(caught.payload, 30);
    const typed = await probe.failure({ payload: { value: 3, object: 'analog-value:1', valueType: 'unsigned' } });
    assert.equal(typed, 'fd-write.errors.failed: device 1202 refused WriteProperty of analog-value:1 present-value: property / invalid-data-type');
    const octets = device().server.requests.at(-1)!;
    assert.equal(octets.object, 'analog-value:1', 'sent with the unsigned tag the caller chose');
    assert.ok((await probe.ask({ payload: { value: 'Hall', object: 'analog-value:1', property: 'description', valueType: 'character-string' } })).ok);
    assert.equal(stored('analog-value:1', 'description'), 'Hall');
  });

  it('a value that does not fit the property is bad input, and nothing is sent: no request, no Who-Is', async () => {
    await deploy({ device: '1202', object: 'analog-value:1', priority: '8' });
    const requests = device().server.requests.length;
    for (const payload of ['hot', [1, 2], { value: 'warm' }, { value: 1, colour: 'red' }, { value: 1, priority: 17 }, { value: 1, valueType: 'float' }, Buffer.from([1])]) {
      const sentence = await probe.failure({ payload });
      assert.match(sentence, /^fd-write\.errors\.bad-input: /, `${JSON.stringify(payload)}: ${sentence}`);
    }
    assert.equal(device().server.requests.length, requests, 'no request reached the device');
    assert.equal(site.devices.reduce((n, d) => n + d.whoIsCount, 0), 0, 'no Who-Is');
    assert.equal(site.emulator.counters.dbtn, 0, 'no broadcast through the BBMD');
    assert.equal(stored('analog-value:1', 'present-value'), 20);
  });

  it('the request-object form needs only known keys and value; any other plain object is the value', async () => {
    await deploy({ device: '1202', object: 'analog-value:1', property: 'present-value' });
    const request = await probe.ask({ payload: { value: 21, priority: '5', object: 'analog-value:1', property: 'present-value', device: '1202' } });
    assert.ok(request.ok, String(request.msg.error?.message));
    assert.equal(slot(5), 21);
    assert.deepEqual(request.msg.payload, { value: 21, priority: '5', object: 'analog-value:1', property: 'present-value', device: '1202' }, 'unchanged');
    const plain = await probe.failure({ payload: { value: 21, note: 'x' } });
    assert.match(plain, /^fd-write\.errors\.bad-input: /, 'a plain object with another key is a value, and no real');
    const noValue = await probe.failure({ payload: { priority: 5 } });
    assert.match(noValue, /^fd-write\.errors\.bad-input: /, 'without value it is a value too');
    const located = await probe.ask({ payload: { value: 'Room 12', object: 'device', property: 'location' } });
    assert.ok(located.ok, String(located.msg.error?.message));
    assert.equal(stored('device:1202', 'location'), 'Room 12');
    assert.equal(device().server.requests.at(-1)!.object, 'device:1202', '"device" sent as device:<instance>');
  });

  it('"device" on a device named by address whose instance is unknown is bad input, not sent', async () => {
    await deploy((demo) => ({ device: `${LOOPBACK}:${demo.devices[1]!.address!.port}`, object: 'device', property: 'location' }));
    const requests = device().server.requests.length;
    const sentence = await probe.failure({ payload: 'Hall' });
    assert.match(sentence, /^fd-write\.errors\.bad-input: .*instance/);
    assert.equal(device().server.requests.length, requests);
    const wildcard = await probe.failure({ payload: { value: 'Hall', object: 'device:4194303' } });
    assert.match(wildcard, /^fd-write\.errors\.bad-input: .*4194303/);
    assert.equal(device().server.requests.length, requests);
  });

  it("a write longer than the device's maxApdu (480, the routed device) is bad input, not sent", async () => {
    await deploy({ device: '1201', object: 'analog-value:1', property: 'description' });
    const routed = site.devices[0]!;
    const sentence = await probe.failure({ payload: 'x'.repeat(600) });
    assert.match(sentence, /^fd-write\.errors\.bad-input: WriteProperty of analog-value:1 description is \d+ octets, more than device 1201 accepts \(480\)$/);
    assert.equal(routed.server.requests.length, 0);
    assert.ok((await probe.ask({ payload: 'x'.repeat(400) })).ok, 'one that fits goes');
    assert.equal(routed.objects.get('analog-value:1', 'description'), 'x'.repeat(400));
  });
});
