/**
 * The point browser's admin routes (CLIENT.md "The point browser") in a real
 * Node-RED runtime (node-red-node-test-helper, no admin authentication: the
 * permissions are tested in permission.test.ts), against the demo site: a BBMD
 * emulator and fake devices on 127.0.0.1 (1201 behind a router, 1202, and 1203
 * with 400 more objects).
 */
import assert from 'node:assert/strict';
import helper from 'node-red-node-test-helper';
import { openEndpoints } from '../../dist/transport/endpoint-registry';
import { DEMO_EXTRA_OBJECTS, DemoSite, startDemoSite } from '../support/bbmd-emulator';
import { catchNode, packageNodes } from '../support/red-helper';
import { LOOPBACK, pause, until, untilAnswered } from '../support/wait';
import type { FlowNode } from '../support/red-helper';
import { MB, activeResources, heapAfterGc } from '../support/leak-probes';

const NODES = [...packageNodes('bacnet-bbmd', 'fd-read', 'fd-status'), catchNode()];

helper.init(require.resolve('node-red'));

type Answer = { status: number; body: Record<string, unknown> & { error?: string } };
interface Agent {
  get(url: string): PromiseLike<Answer>;
  post(url: string): { send(body: object): PromiseLike<Answer> };
}

/** The helper's admin app (supertest): sent now, not when awaited. */
function admin(): Agent {
  return (helper as unknown as { request(): Agent }).request();
}
const get = (url: string): Promise<Answer> => Promise.resolve(admin().get(url));
const post = (url: string): Promise<Answer> => Promise.resolve(admin().post(url).send({}));

interface Device {
  instance: number;
  name: string | null;
  network?: number;
}
interface Row {
  object: string;
  name: string | null;
  presentValue?: unknown;
  units?: unknown;
}

describe('point browser routes (test helper, demo site on 127.0.0.1)', function () {
  this.timeout(30_000);
  let site: DemoSite;

  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(async () => {
    await helper.unload();
    await site.stop();
    assert.deepEqual(openEndpoints(), [], 'no socket left open');
  });

  /** cfg used by an fd-read (its socket bound and registered), unless `used` is false. */
  async function deploy(used = true, options: Parameters<typeof startDemoSite>[0] = { devices: 3 }): Promise<void> {
    site = await startDemoSite(options);
    const flow: FlowNode[] = [
      { id: 'tab', type: 'tab', label: 'test' },
      { id: 'cfg', type: 'bacnet-bbmd', host: LOOPBACK, port: String(site.address.port), ttl: '60', localAddress: LOOPBACK, localPort: '0' },
      { id: 'status', type: 'fd-status', z: 'tab', bbmd: 'cfg', wires: [[]] },
    ];
    if (used) flow.push({ id: 'read', type: 'fd-read', z: 'tab', bbmd: 'cfg', device: '1202', object: 'analog-input:1', wires: [[]] });
    await helper.load(NODES, used ? flow : [flow[0]!, flow[1]!]);
    if (used) await until(() => site.emulator.fdt().length === 1, 5000, 'the registration');
  }

  async function devices(): Promise<Device[]> {
    const res = await get('/bacnet-bbmd/cfg/devices');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.devices as Device[];
  }

  it('lists nothing before a Who-Is; the Who-Is (202) brings every device, and their names are read in the background', async () => {
    await deploy();
    assert.deepEqual(await devices(), []);
    const whoIs = await post('/bacnet-bbmd/cfg/who-is');
    assert.equal(whoIs.status, 202);
    let seen: Device[] = [];
    await untilAnswered(async () => (seen = await devices()).length === 3, 5000, 'three I-Ams');
    assert.deepEqual(
      seen.map((d) => d.instance),
      [1201, 1202, 1203],
    );
    const routed = seen[0] as unknown as Record<string, unknown>;
    assert.equal(routed.network, 5);
    assert.equal(routed.mac, '0a');
    assert.equal(routed.address, LOOPBACK);
    assert.deepEqual(Object.keys(seen[1]!).sort(), ['address', 'instance', 'lastSeen', 'maxApdu', 'name', 'port', 'segmentation', 'vendorId']);
    await untilAnswered(async () => (seen = await devices()).every((d) => d.name !== null), 5000, 'the names');
    assert.deepEqual(
      seen.map((d) => d.name),
      ['Fake device 1201', 'Fake device 1202', 'Fake device 1203'],
    );
  });

  it('sends at most one Who-Is per 5 s (429 with a sentence), and nothing for the refused one', async () => {
    await deploy();
    assert.equal((await post('/bacnet-bbmd/cfg/who-is')).status, 202);
    await until(() => site.devices.every((d) => d.whoIsCount === 1), 5000, 'the Who-Is at every device');
    const again = await post('/bacnet-bbmd/cfg/who-is');
    assert.equal(again.status, 429);
    assert.match(again.body.error!, /^a Who-Is went out through 127\.0\.0\.1:\d+ \d\.\d s ago: at most one every 5 s$/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(
      site.devices.map((d) => d.whoIsCount),
      [1, 1, 1],
    );
  });

  it('lists a device never seen (looked up by Who-Is) with object-name, present-value and units', async () => {
    await deploy();
    const res = await get('/bacnet-bbmd/cfg/devices/1202/objects');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.total, 5);
    assert.deepEqual(res.body.objects as Row[], [
      { object: 'device:1202', name: 'Fake device 1202' },
      { object: 'analog-input:1', name: 'Room temperature', presentValue: 21.5, units: 'degrees-celsius' },
      { object: 'analog-value:1', name: 'Setpoint', presentValue: 20, units: 'degrees-celsius' },
      { object: 'binary-value:1', name: 'Fan command', presentValue: 'inactive' },
      { object: 'multi-state-value:1', name: 'Mode', presentValue: 1 },
    ]);
    // The listing learnt the device's name.
    assert.equal((await devices()).find((d) => d.instance === 1202)?.name, 'Fake device 1202');
  });

  it('pages a long object-list (at most 100), reads nothing twice within the minute, and reads a routed device', async () => {
    await deploy();
    const large = site.devices[2]!;
    const page = await get('/bacnet-bbmd/cfg/devices/1203/objects?offset=100&limit=100');
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.equal(page.body.total, 5 + DEMO_EXTRA_OBJECTS);
    const rows = page.body.objects as Row[];
    assert.equal(rows.length, 100);
    assert.deepEqual(rows[0], { object: 'analog-input:97', name: 'Sensor 97', presentValue: 95.5, units: 'degrees-celsius' });
    const requests = { ...large.server.counters };
    const again = await get('/bacnet-bbmd/cfg/devices/1203/objects?offset=150&limit=20');
    assert.deepEqual(again.body.objects, rows.slice(50, 70), 'a page inside the one read comes from the cache');
    assert.equal(large.server.counters.readProperty, requests.readProperty, 'no ReadProperty');
    assert.equal(large.server.counters.readPropertyMultiple, requests.readPropertyMultiple, 'no ReadPropertyMultiple');
    const routed = await get('/bacnet-bbmd/cfg/devices/1201/objects?limit=2');
    assert.equal(routed.status, 200, JSON.stringify(routed.body));
    assert.deepEqual((routed.body.objects as Row[]).map((r) => r.object), ['device:1201', 'analog-input:1']);
  });

  it('answers 400 for a bad instance, offset or limit, and contacts nobody', async () => {
    await deploy();
    const received = site.emulator.counters.received;
    for (const [url, words] of [
      ['/bacnet-bbmd/cfg/devices/abc/objects', /device instance must be a whole number, got "abc"/],
      ['/bacnet-bbmd/cfg/devices/4194303/objects', /device instance must be a whole number 0\.\.4194302, got 4194303/],
      ['/bacnet-bbmd/cfg/devices/1202/objects?limit=101', /limit must be a whole number 1\.\.100, got 101/],
      ['/bacnet-bbmd/cfg/devices/1202/objects?limit=0', /limit must be a whole number 1\.\.100, got 0/],
      ['/bacnet-bbmd/cfg/devices/1202/objects?offset=-1', /offset must be a whole number, got "-1"/],
      ['/bacnet-bbmd/cfg/devices/1202/objects?offset=1&offset=2', /offset must be a whole number, got \["1","2"\]/],
    ] as const) {
      const res = await get(url);
      assert.equal(res.status, 400, url);
      assert.match(res.body.error!, words, url);
    }
    assert.equal(site.emulator.counters.received, received, 'no Who-Is went out');
  });

  it('answers 504 with the sentence when no I-Am comes', async () => {
    await deploy();
    const res = await get('/bacnet-bbmd/cfg/devices/99999/objects');
    assert.equal(res.status, 504);
    assert.match(res.body.error!, /^device 99999 not found \(no I-Am through 127\.0\.0\.1:\d+ within 3000 ms\)$/);
  });

  it('answers 502 with the sentence when the device refuses', async () => {
    await deploy();
    // A device whose object-list is no array refuses its element 0.
    site.devices[1]!.objects.set('device:1202', 'object-list', 'broken');
    const res = await get('/bacnet-bbmd/cfg/devices/1202/objects');
    assert.equal(res.status, 502);
    assert.match(res.body.error!, /^device 1202 refused ReadProperty of device:1202 object-list\[0\]: property \/ property-is-not-an-array$/);
  });

  it('answers 429 to a third listing while one runs and one waits', async () => {
    await deploy(true, { devices: 3, deviceOptions: () => ({ answerDelayMs: 150 }) });
    const answers = await Promise.all([
      get('/bacnet-bbmd/cfg/devices/1202/objects?limit=3'),
      get('/bacnet-bbmd/cfg/devices/1201/objects?limit=3'),
      get('/bacnet-bbmd/cfg/devices/1203/objects?limit=3'),
    ]);
    assert.deepEqual(
      answers.map((a) => a.status).sort(),
      [200, 200, 429],
    );
    assert.match(answers.find((a) => a.status === 429)!.body.error!, /another object listing is running through this config node/);
  });

  it('answers 404 for an id that is not a deployed bacnet-bbmd, 400 for one no node can have', async () => {
    await deploy();
    for (const url of ['/bacnet-bbmd/nope/devices', '/bacnet-bbmd/read/devices', '/bacnet-bbmd/read/devices/1202/objects']) {
      const res = await get(url);
      assert.equal(res.status, 404, url);
      assert.match(res.body.error!, /no deployed bacnet-bbmd config node has id (nope|read): deploy it first/);
    }
    const who = await post('/bacnet-bbmd/status/who-is');
    assert.equal(who.status, 404);
    const bad = await get(`/bacnet-bbmd/${'x'.repeat(65)}/devices`);
    assert.equal(bad.status, 400);
  });

  it('answers 503 for a config node no flow node uses (it binds no socket for the browser)', async () => {
    await deploy(false);
    assert.deepEqual(await devices(), []);
    for (const res of [await post('/bacnet-bbmd/cfg/who-is'), await get('/bacnet-bbmd/cfg/devices/1202/objects')]) {
      assert.equal(res.status, 503);
      assert.match(res.body.error!, /has no registration: no deployed fd-read, fd-write, fd-cov or other node uses it yet/);
    }
    assert.deepEqual(openEndpoints(), [], 'no socket bound');
    assert.equal(site.emulator.counters.received, 0, 'nothing sent');
  });

  it('listings and device lists leave heap and handles where they were; close leaves no timer or socket', async () => {
    // The baseline: what a clean deploy and close leaves (the runtime's and mocha's own timers).
    await deploy();
    await helper.unload();
    await site.stop();
    await pause(100);
    const timersAtStart = activeResources().Timeout ?? 0;
    await deploy();
    assert.equal((await post('/bacnet-bbmd/cfg/who-is')).status, 202);
    await untilAnswered(async () => (await devices()).length === 3, 5000, 'three I-Ams');
    // Every page of the large device once: what the cache legitimately holds for the minute.
    const pages = [0, 100, 200, 300, 400];
    for (const offset of pages) assert.equal((await get(`/bacnet-bbmd/cfg/devices/1203/objects?offset=${offset}&limit=100`)).status, 200);
    await untilAnswered(async () => (await devices()).every((d) => d.name !== null), 5000, 'the names');
    const heapBefore = await heapAfterGc();
    const resourcesBefore = activeResources();
    for (let i = 0; i < 200; i++) {
      const res = await get(`/bacnet-bbmd/cfg/devices/1203/objects?offset=${pages[i % pages.length]}&limit=100`);
      assert.equal(res.status, 200);
      if (i % 2 === 0) await devices();
    }
    await until(
      () => (activeResources().Timeout ?? 0) <= (resourcesBefore.Timeout ?? 0),
      2000,
      `timers back to ${JSON.stringify(resourcesBefore)}, now ${JSON.stringify(activeResources())}`,
    );
    const growth = (await heapAfterGc()) - heapBefore;
    assert.ok(growth < 1 * MB, `heap grew by ${(growth / MB).toFixed(2)} MB over 300 requests`);
    await helper.unload();
    assert.deepEqual(openEndpoints(), [], 'our socket closed');
    await site.stop();
    await until(() => (activeResources().UDPWrap ?? 0) === 0 && (activeResources().Timeout ?? 0) <= timersAtStart, 3000, `no socket and timers back to ${timersAtStart}`);
  });
});
