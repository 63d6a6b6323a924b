/**
 * fd-read in a real Node-RED runtime (node-red-node-test-helper) against the
 * demo site: a BBMD emulator and fake devices on 127.0.0.1, one of them
 * behind a simulated router. CLIENT.md "fd-read".
 */
import assert from 'node:assert/strict';
import helper from 'node-red-node-test-helper';
import { openEndpoints } from '../../dist/transport/endpoint-registry';
import { DemoSite, startDemoSite } from '../support/bbmd-emulator';
import { Msg, catchNode, collect, errorsOf, packageNodes, statusOf } from '../support/red-helper';
import { LOOPBACK, until } from '../support/wait';

const NODES = [...packageNodes('bacnet-bbmd', 'fd-read', 'fd-receive', 'fd-broadcast'), catchNode()];

/** What fd-read reported through done(err): "<i18n key>: <detail>" (the helper has no catalogs to translate with). */
function reported(): string[] {
  return errorsOf('read').map((e) => {
    const err = e as { key?: string; detail?: string };
    return `${err.key}: ${err.detail}`;
  });
}

helper.init(require.resolve('node-red'));

describe('fd-read (test helper, demo site on 127.0.0.1)', function () {
  this.timeout(20_000);
  let site: DemoSite;

  before(() => helper.startServer());
  after(() => helper.stopServer());
  beforeEach(async () => {
    site = await startDemoSite({ devices: 3 });
  });
  afterEach(async () => {
    await helper.unload();
    await site.stop();
    assert.deepEqual(openEndpoints(), []);
  });

  function flow(read: Record<string, unknown>): Parameters<typeof helper.load>[1] {
    return [
      { id: 'tab', type: 'tab', label: 'test' },
      { id: 'cfg', type: 'bacnet-bbmd', host: LOOPBACK, port: String(site.address.port), ttl: '60', localAddress: LOOPBACK, localPort: '0' },
      { id: 'read', type: 'fd-read', z: 'tab', bbmd: 'cfg', timeout: 500, retries: 1, wires: [['out']], ...read },
      { id: 'out', type: 'helper', z: 'tab' },
      { id: 'catcher', type: 'catch', z: 'tab', scope: ['read'], uncaught: false, wires: [['errors']] },
      { id: 'errors', type: 'helper', z: 'tab' },
    ];
  }

  it('reads a device object-name by instance: Who-Is through the BBMD, then ReadProperty; msg.bacnet and msg.topic', async () => {
    await helper.load(NODES, flow({ device: '1202', object: 'device', property: 'object-name' }));
    const out = collect('out');
    const errors = collect('errors');
    helper.getNode('read')!.receive({ payload: Date.now() } as never);
    await until(() => out.length + errors.length === 1, 5000, 'an answer');
    assert.deepEqual(errors, []);
    const msg = out[0] as Msg & { bacnet: Record<string, unknown> };
    assert.equal(msg.payload, 'Fake device 1202');
    assert.equal(msg.topic, '1202/device:1202/object-name');
    const device = site.devices[1]!;
    assert.deepEqual(msg.bacnet, {
      device: { instance: 1202, address: LOOPBACK, port: device.address!.port },
      object: 'device:1202',
      property: 'object-name',
      index: null,
    });
    assert.equal(statusOf('read')?.text, 'Fake device 1202');
  });

  it('reads the routed device through its router (DNET/DADR), by instance', async () => {
    await helper.load(NODES, flow({ device: 1201, object: 'device', property: 'object-name' }));
    const out = collect('out');
    const errors = collect('errors');
    helper.getNode('read')!.receive({ payload: true, topic: 'mine' } as never);
    await until(() => out.length + errors.length === 1, 5000, 'an answer');
    assert.deepEqual(errors, []);
    const msg = out[0] as Msg & { bacnet: { device: Record<string, unknown> } };
    assert.equal(msg.payload, 'Fake device 1201');
    assert.equal(msg.topic, 'mine', 'a topic the message had stays');
    assert.equal(msg.bacnet.device.network, 5);
    assert.equal(msg.bacnet.device.mac, '0a');
  });

  it('an unknown instance: the sentence of CLIENT.md after one Who-Is and one timeout, then at once for 30 s', async () => {
    await helper.load(NODES, flow({ device: '99999', object: 'device', property: 'object-name' }));
    const errors = collect('errors');
    helper.getNode('read')!.receive({ payload: 1 } as never);
    await until(() => errors.length === 1, 5000, 'the error');
    const expected = `device 99999 not found (no I-Am through ${LOOPBACK}:${site.address.port} within 500 ms)`;
    assert.deepEqual(reported(), [`fd-read.errors.failed: ${expected}`]);
    const whoIs = site.devices.reduce((n, d) => n + d.whoIsCount, 0);
    helper.getNode('read')!.receive({ payload: 2 } as never);
    await until(() => errors.length === 2, 1000, 'the second error');
    assert.equal(reported()[1], `fd-read.errors.failed: ${expected}`);
    assert.equal(site.devices.reduce((n, d) => n + d.whoIsCount, 0), whoIs, 'no second Who-Is within 30 s');
  });

  it('the device table takes I-Ams only once a node reads, writes or follows (fd-receive alone pays nothing for it)', async () => {
    const table = (): { size: number } => (helper.getNode('cfg') as unknown as { bbmd: { client: { table: { size: number } } } }).bbmd.client.table;
    const config = { id: 'cfg', type: 'bacnet-bbmd', host: LOOPBACK, port: String(site.address.port), ttl: '60', localAddress: LOOPBACK, localPort: '0' };
    const listen = [
      { id: 'tab', type: 'tab', label: 'test' },
      config,
      { id: 'who', type: 'fd-broadcast', z: 'tab', bbmd: 'cfg', mode: 'who-is', whoIsLow: '', whoIsHigh: '', maxRate: '20', wires: [] },
      { id: 'rx', type: 'fd-receive', z: 'tab', bbmd: 'cfg', filter: 'i-am', dedup: true, wires: [['iams']] },
      { id: 'iams', type: 'helper', z: 'tab' },
    ];
    await helper.load(NODES, listen);
    const iams = collect('iams');
    helper.getNode('who')!.receive({ payload: 1 } as never);
    await until(() => iams.length === 3, 5000, 'three I-Ams');
    assert.equal(table().size, 0, 'no client node: the table stays empty');
    await helper.unload();
    await helper.load(NODES, [...listen, { id: 'read', type: 'fd-read', z: 'tab', bbmd: 'cfg', device: '1202', object: 'device', property: 'object-name', wires: [[]] }]);
    const again = collect('iams');
    helper.getNode('who')!.receive({ payload: 2 } as never);
    await until(() => again.length === 3, 5000, 'three I-Ams again');
    assert.equal(table().size, 3, 'with fd-read deployed the table holds every device that answered');
  });

  it('bad input is done(err) with the reason, and nothing is sent', async () => {
    await helper.load(NODES, flow({ device: '', object: '', property: 'present-value' }));
    const errors = collect('errors');
    const read = helper.getNode('read')!;
    for (const payload of [{ device: 1202 }, { device: 1202, object: 'analog-inptu:1' }, { device: 1202, object: 'analog-input:4194303' }, { device: 'x:y:z', object: 'analog-input:1' }, { device: 1202, object: 'analog-input:1', index: 1.5 }, { device: 1202, object: 'analog-input:1', propery: 'units' }, []]) {
      read.receive({ payload } as never);
    }
    await until(() => errors.length === 7, 2000, 'seven errors');
    const texts = reported();
    assert.ok(texts.every((text) => text.startsWith('fd-read.errors.bad-input: ')), texts.join('\n'));
    assert.match(texts[0]!, /: no object: set the node's Object field or give msg.payload.object$/);
    assert.match(texts[1]!, /analog-inptu.*did you mean "analog-input"/);
    assert.match(texts[2]!, /4194303/);
    assert.match(texts[3]!, /device "x:y:z"/);
    assert.match(texts[4]!, /array index 1.5 is not an integer/);
    assert.match(texts[5]!, /msg.payload has "propery"; a read takes device, object, property, index/);
    assert.match(texts[6]!, /empty array/);
    assert.equal(site.devices.reduce((n, d) => n + d.whoIsCount + d.server.requests.length, 0), 0, 'no Who-Is and no request reached a device');
    assert.equal(site.emulator.counters.dbtn, 0, 'no broadcast through the BBMD');
  });
});
