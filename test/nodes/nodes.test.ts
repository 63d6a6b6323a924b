/**
 * The three nodes in a real Node-RED runtime (node-red-node-test-helper),
 * against the BBMD emulator on 127.0.0.1. The helper's RED._ returns the key,
 * so texts are checked by key (the detail travels on the error).
 */
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import helper from 'node-red-node-test-helper';
import type { Node } from 'node-red';
import { BvlcFunction } from '../../dist/protocol/bvll';
import type { FdSnapshot } from '../../dist/registration/types';
import { openEndpoints } from '../../dist/transport/endpoint-registry';
import { BbmdEmulator } from '../support/bbmd-emulator';
import { emulatorPerTest } from '../support/emulator-per-test';
import { FlowNode, Msg, callsOf, catchNode, collect, lastError, lastStatus, packageNodes } from '../support/red-helper';
import { LOOPBACK, freePort, until } from '../support/wait';

const NODES = [...packageNodes('bacnet-bbmd', 'fd-broadcast', 'fd-status'), catchNode()];

helper.init(require.resolve('node-red'));

const WHO_IS_FRAME = '8109000c0120ffff00ff1008';




/** Collects what a helper node receives. */


function configNode(id: string, emulatorPort: number, extra: Record<string, unknown> = {}): FlowNode {
  return { id, type: 'bacnet-bbmd', host: LOOPBACK, port: String(emulatorPort), ttl: '60', localAddress: LOOPBACK, localPort: '0', deregister: true, ...extra };
}

describe('Node-RED nodes (test helper, emulator on 127.0.0.1)', function () {
  this.timeout(15_000);
  const site = emulatorPerTest();

  function flow(extraNodes: FlowNode[], config: Record<string, unknown> = {}): FlowNode[] {
    return [
      { id: 'tab', type: 'tab', label: 'test' },
      configNode('cfg', site.port, config),
      { id: 'status', type: 'fd-status', z: 'tab', bbmd: 'cfg', emitOnDeploy: true, wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab' },
      ...extraNodes,
    ];
  }

  it('fd-status emits the full snapshot when registered, with a green dot', async () => {
    await helper.load(NODES, flow([]));
    const out = collect('out');
    await until(() => out.some((m) => m.topic === 'registered'), 3000, 'registered message');
    const msg = out.find((m) => m.topic === 'registered') as Msg;
    const s = msg.payload as FdSnapshot;
    assert.deepEqual(Object.keys(s).sort(), [
      'attempts', 'bbmd', 'counters', 'error', 'grantedTtl', 'lastAck', 'lastResult', 'local',
      'nextAttempt', 'registered', 'rtt', 'since', 'state', 'ttl',
    ]);
    assert.equal(s.state, 'registered');
    assert.equal(s.registered, true);
    assert.deepEqual(s.bbmd, { host: LOOPBACK, address: LOOPBACK, port: site.port });
    assert.equal(s.local.address, LOOPBACK);
    assert.ok(s.local.port > 0);
    assert.equal(s.ttl, 60);
    assert.equal(s.grantedTtl, null);
    assert.deepEqual(s.lastResult, { code: 0, name: 'Successful-Completion' });
    assert.equal(typeof s.since, 'number');
    assert.equal(typeof s.lastAck, 'number');
    assert.ok((s.nextAttempt as number) > Date.now() + 25_000);
    assert.equal(s.error, null);
    assert.equal(s.counters.registrations, 1);
    assert.deepEqual(site.emulator.fdt().map((e) => e.port), [s.local.port]);
    assert.deepEqual(lastStatus('status'), { fill: 'green', shape: 'dot', text: 'bacnet-bbmd.status.registered' });
    // The first message was the deploy snapshot (registering), then the change.
    assert.deepEqual(out.map((m) => m.topic), ['registering', 'registered']);
  });

  it('fd-status answers any input with the snapshot, keeping the message\'s other properties', async () => {
    await helper.load(NODES, flow([]));
    const out = collect('out');
    await until(() => out.some((m) => m.topic === 'registered'));
    helper.getNode('status')?.receive({ payload: 'ask', topic: 'x', _custom: 42 } as never);
    await until(() => out.length === 3);
    assert.equal(out[2].topic, 'registered');
    assert.equal(out[2]._custom, 42);
    assert.equal((out[2].payload as FdSnapshot).state, 'registered');
  });

  it('emitOnDeploy false skips the deploy snapshot but still reports changes', async () => {
    const f = flow([]);
    (f[2] as Record<string, unknown>).emitOnDeploy = false;
    await helper.load(NODES, f);
    const out = collect('out');
    await until(() => out.some((m) => m.topic === 'registered'));
    assert.deepEqual(out.map((m) => m.topic), ['registered']);
  });

  describe('fd-broadcast', () => {
    function broadcastFlow(props: Record<string, unknown>): FlowNode[] {
      return flow([
        { id: 'bc', type: 'fd-broadcast', z: 'tab', bbmd: 'cfg', mode: 'npdu', maxRate: '0', ...props },
        { id: 'catcher', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['errors']] },
        { id: 'errors', type: 'helper', z: 'tab' },
      ]);
    }

    async function registeredFlow(props: Record<string, unknown>): Promise<{ out: Msg[]; errors: Msg[] }> {
      await helper.load(NODES, broadcastFlow(props));
      const out = collect('out');
      const errors = collect('errors');
      await until(() => out.some((m) => m.topic === 'registered'));
      return { out, errors };
    }

    function dbtns(): string[] {
      return site.emulator.log.flatMap((d) => ('frame' in d && d.frame.function === BvlcFunction.DistributeBroadcastToNetwork ? [d.raw.toString('hex')] : []));
    }

    it('who-is mode sends exactly 81 09 00 0C 01 20 FF FF 00 FF 10 08 for any message', async () => {
      await registeredFlow({ mode: 'who-is' });
      helper.getNode('bc')?.receive({ payload: 'anything' } as never);
      await until(() => dbtns().length === 1);
      assert.deepEqual(dbtns(), [WHO_IS_FRAME]);
    });

    it('who-is mode with a range puts the limits in the Who-Is', async () => {
      await registeredFlow({ mode: 'who-is', whoIsLow: '1201', whoIsHigh: 1203 });
      helper.getNode('bc')?.receive({ payload: null } as never);
      await until(() => dbtns().length === 1);
      assert.deepEqual(dbtns(), ['81090012' + '0120ffff00ff1008' + '0a04b1' + '1a04b3']);
    });

    for (const [form, payload] of [
      ['a Buffer', Buffer.from('0120ffff00ff1008', 'hex')],
      ['a Uint8Array', new Uint8Array([1, 0x20, 0xff, 0xff, 0, 0xff, 0x10, 8])],
      ['a byte array', [1, 0x20, 0xff, 0xff, 0, 0xff, 0x10, 8]],
      ['a hex string with spaces', '01 20 FF FF 00 FF 10 08'],
      ['a hex string with colons', '01:20:ff:ff:00:ff:10:08'],
    ] as const) {
      it(`sends msg.payload given as ${form} as a DBTN`, async () => {
        const { errors } = await registeredFlow({});
        helper.getNode('bc')?.receive({ payload } as never);
        await until(() => dbtns().length === 1);
        assert.deepEqual(dbtns(), [WHO_IS_FRAME]);
        assert.equal(errors.length, 0);
      });
    }

    const BAD: [string, unknown, RegExp][] = [
      ['an empty Buffer', Buffer.alloc(0), /the NPDU is empty/],
      ['an empty string', '', /the NPDU is empty/],
      ['1498 octets', Buffer.alloc(1498, 1), /1498 octets, over the B\/IPv4 limit of 1497/],
      ['a BVLL frame instead of an NPDU', Buffer.from(WHO_IS_FRAME, 'hex'), /starts with 0x81, not the BACnet NPDU version 0x01/],
      ['a byte over 255', [1, 0, 256], /element 2 of the byte array is 256, not a byte/],
      ['a negative byte', [1, -1], /element 1 of the byte array is -1/],
      ['a fractional byte', [1, 0.5], /element 1 of the byte array is 0\.5/],
      ['a string in the array', [1, '0'], /element 1 of the byte array is "0"/],
      ['an odd number of hex digits', '01 2', /odd number of digits/],
      ['a non-hex character', '01 zz', /"z", which is not a hex digit/],
      ['a number', 42, /msg\.payload is a number/],
      ['a boolean', true, /msg\.payload is a boolean/],
      ['an object', { a: 1 }, /msg\.payload is an object/],
      ['null', null, /msg\.payload is a null/],
      ['undefined', undefined, /msg\.payload is a undefined/],
    ];
    for (const [what, payload, detail] of BAD) {
      it(`refuses ${what} through done(err) and sends nothing`, async () => {
        const { errors } = await registeredFlow({});
        helper.getNode('bc')?.receive({ payload, _id: what } as never);
        await until(() => errors.length === 1);
        assert.match(String(errors[0].error?.message), /fd-broadcast\.errors\.bad-payload/);
        const err = lastError('bc');
        assert.equal(err.key, 'fd-broadcast.errors.bad-payload');
        assert.match(String(err.detail), detail);
        await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual(dbtns(), []);
        // The node goes on working.
        helper.getNode('bc')?.receive({ payload: '0120ffff00ff1008' } as never);
        await until(() => dbtns().length === 1);
      });
    }

    it('over maxRate, done(err) says so and nothing more is sent', async () => {
      const { errors } = await registeredFlow({ maxRate: '3' });
      for (let i = 0; i < 5; i++) helper.getNode('bc')?.receive({ payload: [1, 0, i] } as never);
      await until(() => errors.length === 2 && dbtns().length === 3);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(dbtns().length, 3);
      assert.match(String(errors[0].error?.message), /fd-broadcast\.errors\.rate/);
    });

    it('refuses bad settings at deploy with a red status and an error on every message', async () => {
      await helper.load(NODES, broadcastFlow({ mode: 'who-is', whoIsLow: '10', whoIsHigh: '' }));
      const errors = collect('errors');
      await until(() => lastStatus('bc')?.text === 'fd-broadcast.status.bad-settings' || lastStatus('bc')?.fill === 'green');
      helper.getNode('bc')?.receive({ payload: 1 } as never);
      await until(() => errors.length === 1);
      assert.match(String(errors[0].error?.message), /fd-broadcast\.errors\.settings/);
      const err = callsOf('bc', 'error')[0][0];
      assert.match(String(err), /fd-broadcast\.errors\.settings/);
    });

    it('when not registered, done(err) names the BBMD, the state and the last result', async () => {
      site.emulator.setQuirks({ nakAllRegistrations: true });
      await helper.load(NODES, broadcastFlow({}));
      const out = collect('out');
      const errors = collect('errors');
      await until(() => out.some((m) => m.topic === 'rejected'));
      helper.getNode('bc')?.receive({ payload: '0120ffff00ff1008' } as never);
      await until(() => errors.length === 1);
      const err = lastError('bc');
      assert.equal(err.key, 'fd-broadcast.errors.not-sent');
      assert.match(String(err.detail), new RegExp(`not registered with BBMD 127\\.0\\.0\\.1:${site.port} \\(state rejected, last result Register-Foreign-Device-NAK\\)`));
      assert.deepEqual(dbtns(), []);
      assert.deepEqual(lastStatus('bc'), { fill: 'red', shape: 'dot', text: 'bacnet-bbmd.status.rejected' });
    });

    it('a message sent during the first registration waits and goes out on the ACK', async () => {
      await helper.load(NODES, broadcastFlow({ mode: 'who-is' }));
      helper.getNode('bc')?.receive({ payload: 1 } as never);
      await until(() => dbtns().length === 1);
      assert.deepEqual(dbtns(), [WHO_IS_FRAME]);
    });

    it('an site.emulator reboot (FDT forgotten, DBTN NAKed) comes back to registered with no redeploy', async () => {
      const { out, errors } = await registeredFlow({ mode: 'who-is' });
      site.emulator.setQuirks({ nakUnknownDbtn: true });
      site.emulator.reboot();
      assert.deepEqual(site.emulator.fdt(), []);
      helper.getNode('bc')?.receive({ payload: 1 } as never);
      await until(() => out.filter((m) => m.topic === 'registered').length === 2, 3000, 'registered again');
      assert.deepEqual(out.map((m) => m.topic), ['registering', 'registered', 'registering', 'registered']);
      assert.match(String((out[2].payload as FdSnapshot).error), /Distribute-Broadcast-To-Network-NAK/);
      assert.equal(site.emulator.fdt().length, 1);
      assert.equal(errors.length, 0, 'the broadcast itself left; its loss is reported in the snapshot');
      // And broadcasts work again.
      helper.getNode('bc')?.receive({ payload: 1 } as never);
      await until(() => site.emulator.counters.dbtn === 2);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(site.emulator.counters.results['0x0060'], 1, 'only the broadcast before the re-registration was refused');
      assert.equal(errors.length, 0);
    });
  });

  it('a config node that no flow node uses sends nothing', async () => {
    await helper.load(NODES, [{ id: 'tab', type: 'tab', label: 'test' }, configNode('cfg', site.port)]);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(site.emulator.counters.received, 0);
    assert.deepEqual(openEndpoints(), []);
  });

  it('unload sends Delete-FDT-Entry and frees the port: loading again on it works at once', async () => {
    const port = await freePort();
    const f = flow([], { localPort: String(port) });
    for (let round = 0; round < 3; round++) {
      await helper.load(NODES, f);
      const out = collect('out');
      await until(() => out.some((m) => m.topic === 'registered'));
      const deleted = site.emulator.waitForFunction(BvlcFunction.DeleteFdtEntry, 3000);
      await helper.unload();
      const d = await deleted;
      assert.deepEqual(d.frame.address, { address: LOOPBACK, port });
      assert.deepEqual(openEndpoints(), []);
      assert.deepEqual(site.emulator.fdt(), []);
    }
  });

  it('two config nodes on one local port share one socket', async () => {
    const other = new BbmdEmulator();
    const otherPort = (await other.start()).port;
    try {
      const port = await freePort();
      await helper.load(NODES, [
        { id: 'tab', type: 'tab', label: 'test' },
        configNode('cfgA', site.port, { localPort: String(port) }),
        configNode('cfgB', otherPort, { localPort: String(port) }),
        { id: 'sa', type: 'fd-status', z: 'tab', bbmd: 'cfgA', wires: [['out']] },
        { id: 'sb', type: 'fd-status', z: 'tab', bbmd: 'cfgB', wires: [['out']] },
        { id: 'out', type: 'helper', z: 'tab' },
      ]);
      const out = collect('out');
      await until(() => out.filter((m) => m.topic === 'registered').length === 2);
      assert.deepEqual(openEndpoints(), [`${LOOPBACK}:${port}`]);
      assert.deepEqual(site.emulator.fdt().map((e) => e.port), [port]);
      assert.deepEqual(other.fdt().map((e) => e.port), [port]);
      await helper.unload();
      assert.equal(site.emulator.counters.deletes + other.counters.deletes, 2);
    } finally {
      await other.stop();
    }
  });

  it('two config nodes naming the same endpoint and BBMD share one registration; only the last to close deregisters', async () => {
    const port = await freePort();
    const both: FlowNode[] = [
      { id: 'tab', type: 'tab', label: 'test' },
      configNode('cfgA', site.port, { localPort: String(port) }),
      configNode('cfgB', site.port, { localPort: String(port) }),
      { id: 'sa', type: 'fd-status', z: 'tab', bbmd: 'cfgA', wires: [['out']] },
      { id: 'sb', type: 'fd-status', z: 'tab', bbmd: 'cfgB', wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab' },
    ];
    await helper.load(NODES, both);
    const out = collect('out');
    await until(() => out.filter((m) => m.topic === 'registered').length === 2);
    assert.equal(site.emulator.counters.registrations, 1, 'one Register for both');
    assert.equal(site.emulator.fdt().length, 1);
    // Remove config B and its user only.
    await helper.setFlows(both.filter((n) => n.id !== 'cfgB' && n.id !== 'sb'), 'nodes');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(site.emulator.counters.deletes, 0, 'A still uses the registration');
    assert.equal(site.emulator.fdt().length, 1);
    await helper.unload();
    assert.equal(site.emulator.counters.deletes, 1);
  });

  it('two flow nodes on one config node share one registration', async () => {
    await helper.load(NODES, flow([{ id: 'bc', type: 'fd-broadcast', z: 'tab', bbmd: 'cfg', mode: 'who-is' }]));
    const out = collect('out');
    await until(() => out.some((m) => m.topic === 'registered'));
    await until(() => lastStatus('bc')?.fill === 'green');
    assert.equal(site.emulator.counters.registrations, 1);
    assert.equal(openEndpoints().length, 1);
  });

  it('a NAK gives a red status and state rejected', async () => {
    site.emulator.setQuirks({ nakAllRegistrations: true });
    await helper.load(NODES, flow([]));
    const out = collect('out');
    await until(() => out.some((m) => m.topic === 'rejected'));
    const s = out.find((m) => m.topic === 'rejected')?.payload as FdSnapshot;
    assert.equal(s.registered, false);
    assert.deepEqual(s.lastResult, { code: 0x30, name: 'Register-Foreign-Device-NAK' });
    assert.deepEqual(lastStatus('status'), { fill: 'red', shape: 'dot', text: 'bacnet-bbmd.status.rejected' });
  });

  it('a silent site.emulator gives unreachable once lastAck + TTL has passed', async () => {
    await helper.load(NODES, flow([], { ttl: '2' }));
    const out = collect('out');
    await until(() => out.some((m) => m.topic === 'registered'));
    const lastAck = (out.find((m) => m.topic === 'registered')?.payload as FdSnapshot).lastAck as number;
    site.emulator.setQuirks({ silent: true });
    await until(() => out.some((m) => m.topic === 'unreachable'), 5000, 'unreachable');
    const s = out.find((m) => m.topic === 'unreachable')?.payload as FdSnapshot;
    assert.ok(Date.now() >= lastAck + 2000 - 5, 'not before lastAck + TTL');
    assert.match(String(s.error), /no renewal accepted .* within the TTL of 2 s/);
    assert.deepEqual(lastStatus('status'), { fill: 'red', shape: 'dot', text: 'bacnet-bbmd.status.unreachable' });
  });

  it('a port taken by another program: red status and an error naming the port and the fix', async () => {
    const squatter = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => squatter.bind(0, LOOPBACK, resolve));
    const port = squatter.address().port;
    try {
      await helper.load(NODES, flow([], { localPort: String(port) }));
      const out = collect('out');
      await until(() => out.some((m) => m.topic === 'unreachable'));
      const s = out[0].payload as FdSnapshot;
      // Translated by the config node (the helper's RED._ gives the key; the sentence is in bacnet-bbmd.json).
      assert.equal(s.error, 'bacnet-bbmd.errors.bind-EADDRINUSE');
      assert.deepEqual(lastStatus('status'), { fill: 'red', shape: 'dot', text: 'bacnet-bbmd.status.unreachable' });
      const errors = callsOf('cfg', 'error').map((a) => String(a[0]));
      assert.deepEqual(errors, ['bacnet-bbmd.errors.bind-EADDRINUSE']);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });

  it('bad config node settings: an error, and users report it', async () => {
    await helper.load(NODES, flow([], { ttl: '0' }));
    const out = collect('out');
    helper.getNode('status')?.receive({} as never);
    await until(() => out.length >= 1);
    const s = out[out.length - 1].payload as FdSnapshot;
    assert.equal(s.state, 'unreachable');
    assert.match(String(s.error), /bacnet-bbmd\.errors\.settings/);
    assert.deepEqual(openEndpoints(), []);
  });

  it('a flow node without a config node says so', async () => {
    await helper.load(NODES, [
      { id: 'tab', type: 'tab', label: 'test' },
      { id: 'bc', type: 'fd-broadcast', z: 'tab', bbmd: '', mode: 'who-is' },
      { id: 'catcher', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['errors']] },
      { id: 'errors', type: 'helper', z: 'tab' },
    ]);
    const errors = collect('errors');
    assert.deepEqual(lastStatus('bc'), { fill: 'red', shape: 'ring', text: 'fd-broadcast.status.no-config' });
    helper.getNode('bc')?.receive({ payload: 1 } as never);
    await until(() => errors.length === 1);
    assert.match(String(errors[0].error?.message), /fd-broadcast\.errors\.no-config/);
  });
});

export type { Node };
