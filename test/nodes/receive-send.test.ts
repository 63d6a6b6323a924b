/**
 * fd-receive and fd-send in a real Node-RED runtime (node-red-node-test-helper)
 * against the emulated site: a BBMD emulator and fake devices on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import helper from 'node-red-node-test-helper';
import type { BipAddress } from '../../dist/protocol/address';
import { encodeIAmApdu } from '../../dist/protocol/apdu';
import { BvlcFunction, encodeBvll, encodeNpduFrame } from '../../dist/protocol/bvll';
import type { FdSnapshot } from '../../dist/registration/types';
import { encodeNpdu } from '../../dist/protocol/npdu';
import { openEndpoints } from '../../dist/transport/endpoint-registry';
import { BbmdEmulator, DemoSite, startDemoSite } from '../support/bbmd-emulator';
import { FlowNode, Msg, catchNode, collect, lastError, packageNodes } from '../support/red-helper';
import { sharedObjects } from '../support/shared-objects';
import { LOOPBACK, pause, until } from '../support/wait';

const NODES = [...packageNodes('bacnet-bbmd', 'fd-broadcast', 'fd-status', 'fd-receive', 'fd-send'), catchNode()];

helper.init(require.resolve('node-red'));

type LookupFn = (host: string, options: unknown, callback: (err: Error | null, address?: string, family?: number) => void) => void;






/** A plain UDP socket on 127.0.0.1, for a second foreign device or a misbehaving sender. */
async function rawSocket(): Promise<dgram.Socket & { port: number }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
  return Object.assign(socket, { port: socket.address().port });
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}

/** ReadProperty(device, Object_Name) with invoke ID `invokeId`, as a confirmed-request NPDU (to `route` when behind a router). */
function readObjectName(deviceInstance: number, invokeId: number, route?: { dnet: number; dadr: string }): Buffer {
  const objectId = ((8 << 22) | deviceInstance) >>> 0;
  return encodeNpdu(
    { expectingReply: true, ...route },
    Buffer.from([0x00, 0x05, invokeId, 0x0c, 0x0c, objectId >>> 24, (objectId >>> 16) & 0xff, (objectId >>> 8) & 0xff, objectId & 0xff, 0x19, 77]),
  );
}

describe('fd-receive and fd-send (test helper, emulated site on 127.0.0.1)', function () {
  this.timeout(20_000);
  let site: DemoSite;
  const sockets: dgram.Socket[] = [];
  const extraEmulators: BbmdEmulator[] = [];

  before(() => helper.startServer());
  after(() => helper.stopServer());

  beforeEach(async () => {
    site = await startDemoSite({ devices: 3 });
  });

  afterEach(async () => {
    await helper.unload();
    for (const s of sockets.splice(0)) await closeSocket(s);
    for (const e of extraEmulators.splice(0)) await e.stop();
    await site.stop();
    assert.deepEqual(openEndpoints(), [], 'unload released every socket');
  });

  function flow(receive: Record<string, unknown> = {}, extra: FlowNode[] = [], bbmd: BipAddress = site.address): FlowNode[] {
    return [
      { id: 'tab', type: 'tab', label: 'test' },
      { id: 'cfg', type: 'bacnet-bbmd', host: bbmd.address, port: String(bbmd.port), ttl: '60', localAddress: LOOPBACK, localPort: '0' },
      { id: 'status', type: 'fd-status', z: 'tab', bbmd: 'cfg', wires: [['states']] },
      { id: 'states', type: 'helper', z: 'tab' },
      { id: 'whois', type: 'fd-broadcast', z: 'tab', bbmd: 'cfg', mode: 'who-is', maxRate: '0' },
      { id: 'rx', type: 'fd-receive', z: 'tab', bbmd: 'cfg', filter: 'all', dedup: true, ...receive, wires: [['got']] },
      { id: 'got', type: 'helper', z: 'tab' },
      { id: 'tx', type: 'fd-send', z: 'tab', bbmd: 'cfg' },
      { id: 'catcher', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['errors']] },
      { id: 'errors', type: 'helper', z: 'tab' },
      ...extra,
    ];
  }

  async function load(receive: Record<string, unknown> = {}): Promise<{ got: Msg[]; states: Msg[]; errors: Msg[]; local: BipAddress }> {
    await helper.load(NODES, flow(receive));
    const got = collect('got');
    const states = collect('states');
    const errors = collect('errors');
    await until(() => states.some((m) => m.topic === 'registered'), 3000, 'registered');
    const s = states.find((m) => m.topic === 'registered')?.payload as FdSnapshot;
    return { got, states, errors, local: s.local };
  }

  it('a Who-Is through fd-broadcast yields one msg.iAm per fake device, with msg.source', async () => {
    const { got } = await load({ filter: 'i-am' });
    helper.getNode('whois')?.receive({} as never);
    await until(() => got.length === 3, 2000, 'three I-Am');
    await pause(100);
    assert.equal(got.length, 3);
    const byInstance = new Map(got.map((m) => [(m.iAm as { deviceInstance: number }).deviceInstance, m]));
    assert.deepEqual([...byInstance.keys()].sort(), [1201, 1202, 1203]);
    // The demo site: 1201 behind a router accepts 480 octets, 1203 has a long object-list it sends in segments.
    const announced: Record<number, [number, string]> = { 1201: [480, 'no-segmentation'], 1202: [1476, 'no-segmentation'], 1203: [1476, 'segmented-transmit'] };
    for (const device of site.devices) {
      const m = byInstance.get(device.deviceInstance) as Msg;
      const [maxApdu, segmentation] = announced[device.deviceInstance];
      assert.deepEqual(m.iAm, { deviceInstance: device.deviceInstance, maxApdu, segmentation, vendorId: 260 });
      const expectedSource: Record<string, unknown> = { address: LOOPBACK, port: device.address?.port };
      if (device.network !== null) Object.assign(expectedSource, { network: 5, mac: '0a' });
      assert.deepEqual(m.source, expectedSource);
      assert.deepEqual(m.bvlc, { function: 'Original-Unicast-NPDU', via: null });
      assert.deepEqual(m.apdu, { type: 'Unconfirmed-Request', service: 'I-Am' });
      assert.ok(Buffer.isBuffer(m.payload));
      const npdu = m.npdu as { version: number; apduOffset: number; snet: number | null };
      assert.equal(npdu.version, 1);
      assert.equal((m.payload as Buffer)[npdu.apduOffset], 0x10);
    }
    // fd-receive gives each message its id (message-id.ts), which Node-RED keeps: one per message.
    const ids = got.map((m) => m._msgid);
    for (const id of ids) assert.match(String(id), /^[0-9a-f]{16}$/);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('two fd-receive nodes on one config node get messages that share no object: changing one leaves the other', async () => {
    site.emulator.setQuirks({ replyMode: 'forwarded' });
    await helper.load(NODES, [
      ...flow({ filter: 'i-am' }),
      { id: 'rx2', type: 'fd-receive', z: 'tab', bbmd: 'cfg', filter: 'i-am', dedup: true, wires: [['got2']] },
      { id: 'got2', type: 'helper', z: 'tab' },
    ]);
    const got = collect('got');
    const got2 = collect('got2');
    const states = collect('states');
    await until(() => states.some((m) => m.topic === 'registered'), 3000, 'registered');
    helper.getNode('whois')?.receive({} as never);
    await until(() => got.length === 3 && got2.length === 3, 2000, 'three I-Am at each node');
    const instance = (m: Msg): number => (m.iAm as { deviceInstance: number }).deviceInstance;
    for (const m of got) {
      const twin = got2.find((other) => instance(other) === instance(m)) as Msg;
      assert.deepEqual({ ...twin, _msgid: m._msgid }, m, 'the same content');
      assert.deepEqual(sharedObjects(m, twin), [], 'no object or octet in common');
      (m.payload as Buffer)[0] = 0xee;
      (m.iAm as { vendorId: number }).vendorId = 1;
      assert.equal((twin.payload as Buffer)[0], 0x01);
      assert.equal((twin.iAm as { vendorId: number }).vendorId, 260);
    }
  });

  it('replies relayed by the BBMD come as Forwarded-NPDU with the device as source and the BBMD as via', async () => {
    site.emulator.setQuirks({ replyMode: 'forwarded' });
    const { got } = await load({ filter: 'i-am' });
    helper.getNode('whois')?.receive({} as never);
    await until(() => got.length === 3, 2000, 'three I-Am');
    for (const m of got) {
      assert.deepEqual(m.bvlc, { function: 'Forwarded-NPDU', via: site.address });
      const port = (m.source as BipAddress).port;
      assert.ok(site.devices.some((d) => d.address?.port === port));
      const npdu = m.npdu as { dnet: number | null; hopCount: number | null };
      assert.equal(npdu.dnet, 65535);
    }
  });

  for (const dedup of [true, false]) {
    it(`a BBMD that forwards twice: ${dedup ? 'duplicates dropped with dedup on' : 'both copies kept with dedup off'}`, async () => {
      site.emulator.setQuirks({ replyMode: 'forwarded', duplicateForwarding: true });
      const { got } = await load({ filter: 'i-am', dedup });
      helper.getNode('whois')?.receive({} as never);
      await until(() => got.length >= 3, 2000, 'I-Ams');
      await pause(300);
      assert.equal(got.length, dedup ? 3 : 6);
      assert.equal(new Set(got.map((m) => (m.iAm as { deviceInstance: number }).deviceInstance)).size, 3);
    });
  }

  it('filter "broadcasts" drops unicast replies and keeps relayed ones', async () => {
    const { got } = await load({ filter: 'broadcasts' });
    helper.getNode('whois')?.receive({} as never);
    await pause(300);
    assert.equal(got.length, 0, 'unicast I-Ams are not broadcasts');
    site.emulator.setQuirks({ replyMode: 'forwarded' });
    helper.getNode('whois')?.receive({} as never);
    await until(() => got.length === 3, 2000, 'relayed I-Ams');
  });

  it('a unicast round trip: ReadProperty through fd-send, the Complex-ACK through fd-receive', async () => {
    const { got, errors } = await load({ filter: 'all' });
    const device = site.devices[1];
    helper.getNode('tx')?.receive({ payload: readObjectName(device.deviceInstance, 7), destination: { address: LOOPBACK, port: device.address?.port } } as never);
    await until(() => got.length === 1, 2000, 'the answer');
    const m = got[0];
    assert.deepEqual(m.apdu, { type: 'Complex-ACK', service: 'Read-Property', invokeId: 7 });
    assert.deepEqual(m.source, { address: LOOPBACK, port: device.address?.port });
    const payload = m.payload as Buffer;
    assert.ok(payload.includes(Buffer.from('Fake device 1202')), payload.toString('hex'));
    assert.equal(errors.length, 0);
    // The string form of the destination, and a host name, work too.
    helper.getNode('tx')?.receive({ payload: readObjectName(device.deviceInstance, 8), destination: `localhost:${device.address?.port}` } as never);
    await until(() => got.length === 2, 2000, 'the second answer');
    assert.equal((got[1].apdu as { invokeId: number }).invokeId, 8);
  });

  it('fd-send to a host name: two sends within 30 s cost one lookup', async () => {
    const { got, errors } = await load({ filter: 'all' });
    const device = site.devices.find((d) => d.network === null);
    assert.ok(device);
    // A name only this test answers (.test is reserved, RFC 6761), counted where dns.lookup is.
    const name = `fd-send-${process.pid}-${Date.now()}.bacnet-fd.test`;
    const dnsModule = require('node:dns') as { lookup: LookupFn };
    const realLookup = dnsModule.lookup;
    const asked: string[] = [];
    dnsModule.lookup = (host: string, options: unknown, callback: (err: Error | null, address?: string, family?: number) => void): void => {
      if (host !== name) return realLookup(host, options, callback);
      asked.push(host);
      process.nextTick(callback, null, LOOPBACK, 4);
    };
    try {
      helper.getNode('tx')?.receive({ payload: readObjectName(device.deviceInstance, 31), destination: `${name}:${device.address?.port}` } as never);
      await until(() => got.length === 1, 2000, 'the first answer');
      helper.getNode('tx')?.receive({ payload: readObjectName(device.deviceInstance, 32), destination: { address: name, port: device.address?.port } } as never);
      await until(() => got.length === 2, 2000, 'the second answer');
    } finally {
      dnsModule.lookup = realLookup;
    }
    assert.deepEqual(got.map((m) => (m.apdu as { invokeId: number }).invokeId), [31, 32]);
    assert.equal(errors.length, 0);
    assert.deepEqual(asked, [name], 'one lookup for both sends');
  });

  it('a device behind a router answers a request addressed to its network and MAC, with SNET/SADR in the answer', async () => {
    const { got } = await load({ filter: 'all' });
    const routed = site.devices.find((d) => d.network !== null);
    assert.ok(routed);
    const to = `${LOOPBACK}:${routed.address?.port}`;
    // Without DNET/DADR the request is not for it: no answer.
    helper.getNode('tx')?.receive({ payload: readObjectName(routed.deviceInstance, 20), destination: to } as never);
    await pause(200);
    assert.equal(got.length, 0);
    helper.getNode('tx')?.receive({ payload: readObjectName(routed.deviceInstance, 21, { dnet: 5, dadr: '0a' }), destination: to } as never);
    await until(() => got.length === 1, 2000, 'the answer');
    assert.deepEqual(got[0].source, { address: LOOPBACK, port: routed.address?.port, network: 5, mac: '0a' });
    assert.deepEqual(got[0].apdu, { type: 'Complex-ACK', service: 'Read-Property', invokeId: 21 });
    assert.ok((got[0].payload as Buffer).includes(Buffer.from(`Fake device ${routed.deviceInstance}`)));
  });

  it('fd-receive without a config node reports it at deploy', async () => {
    await helper.load(NODES, [
      { id: 'tab', type: 'tab', label: 'test' },
      { id: 'rx', type: 'fd-receive', z: 'tab', bbmd: '', wires: [[]] },
    ]);
    assert.match(String(lastError('rx')), /fd-receive\.errors\.no-config/);
  });

  it('fd-send works while the registration is down (unicast needs no BBMD)', async () => {
    site.emulator.setQuirks({ nakAllRegistrations: true });
    await helper.load(NODES, flow({ filter: 'all' }));
    const got = collect('got');
    const states = collect('states');
    await until(() => states.some((m) => m.topic === 'rejected'));
    const device = site.devices[2];
    helper.getNode('tx')?.receive({ payload: readObjectName(device.deviceInstance, 9), destination: `${LOOPBACK}:${device.address?.port}` } as never);
    await until(() => got.length === 1, 2000, 'the answer');
    assert.equal((got[0].apdu as { type: string }).type, 'Complex-ACK');
  });

  const BAD_DESTINATIONS: [string, unknown, RegExp][] = [
    ['missing', undefined, /msg\.destination is missing/],
    ['a number', 47808, /msg\.destination is a number/],
    ['null', null, /msg\.destination is a null/],
    ['port 0 in a string', '127.0.0.1:0', /bad port/],
    ['port 65536 in a string', '127.0.0.1:65536', /bad port/],
    ['a bad host in a string', 'bad_host:47808', /bad host/],
    ['an empty string', '', /empty address/],
    ['a numeric address', { address: 1270001, port: 47808 }, /address must be an IPv4 address or a host name/],
    ['a bad port in an object', { address: LOOPBACK, port: 70000 }, /port must be 1\.\.65535, got 70000/],
    ['a non-numeric port', { address: LOOPBACK, port: 'x' }, /port must be 1\.\.65535, got "x"/],
    ['a bad host in an object', { address: '010.0.0.1', port: 47808 }, /bad msg\.destination\.address/],
  ];
  for (const [what, destination, detail] of BAD_DESTINATIONS) {
    it(`fd-send refuses msg.destination ${what} through done(err) and sends nothing`, async () => {
      const { errors } = await load();
      const before = site.devices.reduce((n, d) => n + d.readPropertyCount, 0);
      helper.getNode('tx')?.receive({ payload: readObjectName(1201, 1), destination } as never);
      await until(() => errors.length === 1);
      assert.match(String(errors[0].error?.message), /fd-send\.errors\.bad-destination/);
      const err = lastError('tx');
      assert.equal(err.key, 'fd-send.errors.bad-destination');
      assert.match(String(err.detail), detail);
      await pause(50);
      assert.equal(site.devices.reduce((n, d) => n + d.readPropertyCount, 0), before);
    });
  }

  it('fd-send refuses a bad NPDU like fd-broadcast does', async () => {
    const { errors } = await load();
    helper.getNode('tx')?.receive({ payload: '81 0a 00 08', destination: `${LOOPBACK}:47808` } as never);
    await until(() => errors.length === 1);
    const err = lastError('tx');
    assert.equal(err.key, 'fd-send.errors.bad-payload');
    assert.match(String(err.detail), /starts with 0x81/);
  });

  it('malformed or truncated NPDUs and APDUs are dropped and counted; the next good message arrives', async () => {
    const { got, local } = await load({ filter: 'all' });
    const sender = await rawSocket();
    sockets.push(sender);
    // (An I-Am whose fields do not decode is no junk: see the next test.)
    const junk = ['0200', '01', '0120ff', '01081234', '0100', '01000000', '0100f0'];
    for (const npdu of junk) sender.send(encodeNpduFrame(BvlcFunction.OriginalUnicastNpdu, Buffer.from(npdu, 'hex')), local.port, LOOPBACK);
    sender.send(Buffer.from('810a00', 'hex'), local.port, LOOPBACK); // a broken BVLL frame too
    const good = encodeNpdu({}, encodeIAmApdu({ deviceInstance: 77, maxApdu: 480, segmentation: 3, vendorId: 5 }));
    sender.send(encodeNpduFrame(BvlcFunction.OriginalUnicastNpdu, good), local.port, LOOPBACK);
    await until(() => got.length === 1, 2000, 'the good message');
    assert.equal((got[0].iAm as { deviceInstance: number }).deviceInstance, 77);
    helper.getNode('status')?.receive({} as never);
    const states = collect('states');
    await until(() => states.length === 1);
    assert.equal((states[0].payload as FdSnapshot).counters.malformed, junk.length + 1);
  });

  it('an I-Am that is not a Device I-Am reaches filter "all" with msg.iAm null, not filter "i-am", and is not counted malformed', async () => {
    await helper.load(NODES, [
      ...flow({ filter: 'all', dedup: false }),
      { id: 'rxIAm', type: 'fd-receive', z: 'tab', bbmd: 'cfg', filter: 'i-am', dedup: false, wires: [['gotIAm']] },
      { id: 'gotIAm', type: 'helper', z: 'tab' },
    ]);
    const got = collect('got');
    const gotIAm = collect('gotIAm');
    const states = collect('states');
    await until(() => states.some((m) => m.topic === 'registered'), 3000, 'registered');
    const local = (states.find((m) => m.topic === 'registered')?.payload as FdSnapshot).local;
    const sender = await rawSocket();
    sockets.push(sender);
    const undecodable = [
      '01001000c4000000012205c49103220104', // object type 0 (analog-input), not a Device
      '01001000c40200', // truncated inside the object identifier
      '01001000c4020004b12205c4910323010000', // vendor identifier 65536
    ];
    for (const hex of undecodable) sender.send(encodeNpduFrame(BvlcFunction.OriginalUnicastNpdu, Buffer.from(hex, 'hex')), local.port, LOOPBACK);
    const good = encodeNpdu({}, encodeIAmApdu({ deviceInstance: 77, maxApdu: 480, segmentation: 3, vendorId: 5 }));
    sender.send(encodeNpduFrame(BvlcFunction.OriginalUnicastNpdu, good), local.port, LOOPBACK);
    await until(() => got.length === undecodable.length + 1 && gotIAm.length === 1, 2000, 'every I-Am at "all", the good one at "i-am"');
    assert.deepEqual(
      got.map((m) => (m.payload as Buffer).toString('hex')),
      [...undecodable, good.toString('hex')],
    );
    for (const m of got.slice(0, undecodable.length)) {
      assert.ok('iAm' in m, 'msg.iAm is there');
      assert.equal(m.iAm, null);
      assert.deepEqual(m.apdu, { type: 'Unconfirmed-Request', service: 'I-Am' });
    }
    assert.equal((got[undecodable.length].iAm as { deviceInstance: number }).deviceInstance, 77);
    assert.equal((gotIAm[0].iAm as { deviceInstance: number }).deviceInstance, 77);
    states.length = 0;
    helper.getNode('status')?.receive({} as never);
    await until(() => states.length === 1);
    assert.equal((states[0].payload as FdSnapshot).counters.malformed, 0);
  });

  it('BVLC-Results never reach fd-receive', async () => {
    const { got, local } = await load({ filter: 'all' });
    const sender = await rawSocket();
    sockets.push(sender);
    sender.send(encodeBvll({ function: BvlcFunction.Result, code: 0 }), local.port, LOOPBACK);
    sender.send(encodeBvll({ function: BvlcFunction.Result, code: 0x60 }), local.port, LOOPBACK);
    sender.send(encodeBvll({ function: BvlcFunction.ReadFdtAck, entries: [] }), local.port, LOOPBACK);
    sender.send(encodeNpduFrame(BvlcFunction.OriginalUnicastNpdu, Buffer.from('01001008', 'hex')), local.port, LOOPBACK);
    await until(() => got.length === 1, 2000, 'the NPDU after the results');
    await pause(50);
    assert.equal(got.length, 1);
    assert.deepEqual(got[0].apdu, { type: 'Unconfirmed-Request', service: 'Who-Is' });
  });

  it('Forwarded-NPDUs reach only the config nodes registered with the forwarding BBMD; unicasts reach every config node on the endpoint; nothing crosses endpoints', async () => {
    const other = new BbmdEmulator();
    extraEmulators.push(other);
    const otherAddress = await other.start();
    const sharedPort = (await rawSocket().then(async (s) => {
      const p = s.port;
      await closeSocket(s);
      return p;
    })) as number;
    await helper.load(NODES, [
      { id: 'tab', type: 'tab', label: 'test' },
      { id: 'cfgA', type: 'bacnet-bbmd', host: LOOPBACK, port: String(site.address.port), ttl: '60', localAddress: LOOPBACK, localPort: String(sharedPort) },
      { id: 'cfgB', type: 'bacnet-bbmd', host: LOOPBACK, port: String(otherAddress.port), ttl: '60', localAddress: LOOPBACK, localPort: String(sharedPort) },
      { id: 'cfgC', type: 'bacnet-bbmd', host: LOOPBACK, port: String(site.address.port), ttl: '60', localAddress: LOOPBACK, localPort: '0' },
      { id: 'rxA', type: 'fd-receive', z: 'tab', bbmd: 'cfgA', filter: 'all', dedup: false, wires: [['gotA']] },
      { id: 'rxB', type: 'fd-receive', z: 'tab', bbmd: 'cfgB', filter: 'all', dedup: false, wires: [['gotB']] },
      { id: 'rxC', type: 'fd-receive', z: 'tab', bbmd: 'cfgC', filter: 'all', dedup: false, wires: [['gotC']] },
      { id: 'gotA', type: 'helper', z: 'tab' },
      { id: 'gotB', type: 'helper', z: 'tab' },
      { id: 'gotC', type: 'helper', z: 'tab' },
    ]);
    const gotA = collect('gotA');
    const gotB = collect('gotB');
    const gotC = collect('gotC');
    await until(() => site.emulator.fdt().length === 2 && other.fdt().length === 1, 3000, 'three registrations');
    // A second foreign device on BBMD A broadcasts: A forwards it to our shared endpoint and to C's.
    const peer = await rawSocket();
    sockets.push(peer);
    peer.send(Buffer.from('81050006003c', 'hex'), site.address.port, LOOPBACK);
    await until(() => site.emulator.fdt().length === 3, 2000, 'peer registered');
    peer.send(encodeNpduFrame(BvlcFunction.DistributeBroadcastToNetwork, Buffer.from('01001008', 'hex')), site.address.port, LOOPBACK);
    await until(() => gotA.length === 1 && gotC.length === 1, 2000, 'forwarded to A and C');
    await pause(100);
    assert.equal(gotB.length, 0, 'B is registered with another BBMD');
    assert.deepEqual((gotA[0].bvlc as { via: BipAddress }).via, site.address);
    assert.deepEqual(gotA[0].source, { address: LOOPBACK, port: peer.port });
    // A unicast to the shared endpoint reaches A and B, not C (another endpoint).
    peer.send(encodeNpduFrame(BvlcFunction.OriginalUnicastNpdu, Buffer.from('01001008', 'hex')), sharedPort, LOOPBACK);
    await until(() => gotA.length === 2 && gotB.length === 1, 2000, 'unicast to A and B');
    await pause(100);
    assert.equal(gotC.length, 1);
  });

  it('a burst of 5,000 I-Am replies in one second is delivered without loss', async () => {
    const { got, local } = await load({ filter: 'i-am' });
    const sender = await rawSocket();
    sockets.push(sender);
    const total = 5000;
    const perBatch = 50;
    for (let sent = 0; sent < total; sent += perBatch) {
      for (let i = sent; i < sent + perBatch; i++) {
        const npdu = encodeNpdu({}, encodeIAmApdu({ deviceInstance: 10_000 + i, maxApdu: 1476, segmentation: 3, vendorId: 260 }));
        sender.send(encodeNpduFrame(BvlcFunction.OriginalUnicastNpdu, npdu), local.port, LOOPBACK);
      }
      await pause(10); // 50 every 10 ms: 5,000 in about a second
    }
    await until(() => got.length === total, 5000, `${total} messages (got ${got.length})`);
    const instances = new Set(got.map((m) => (m.iAm as { deviceInstance: number }).deviceInstance));
    assert.equal(instances.size, total);
  });
});
