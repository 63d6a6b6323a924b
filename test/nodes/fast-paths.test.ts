/**
 * The per-message fast paths keep the nodes' behaviour:
 * - fd-broadcast, while registered, sends without a promise chain: every message
 *   still ends in exactly one done() (a Complete node sees it) or one done(err)
 *   (a Catch node sees it), with the same error texts, and is counted;
 * - the UDP endpoint's receive path: what reaches a receiver is what decodeBvll() +
 *   decodeReceived() make of the datagram, the originating address included, and
 *   whatever they refuse is counted as malformed.
 */
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as path from 'node:path';
import helper from 'node-red-node-test-helper';
import { encodeGlobalWhoIs } from '../../dist/protocol/apdu';
import { BvlcFunction, decodeBvll, encodeBvll, encodeNpduFrame } from '../../dist/protocol/bvll';
import type { FdSnapshot } from '../../dist/registration/types';
import { ReceivedNpdu, decodeReceived } from '../../dist/protocol/received-npdu';
import type { RegistrationLease } from '../../dist/registration/registration-table';
import { acquireRegistration, openEndpoints } from '../../dist/transport/endpoint-registry';
import { BbmdEmulator } from '../support/bbmd-emulator';
import { FlowNode, Msg, NodeModule, catchNode, collect, packageNodes } from '../support/red-helper';
import { LOOPBACK, until } from '../support/wait';

helper.init(require.resolve('node-red'));

/** The core Complete node, found through node-red itself. */
function completeNode(): NodeModule {
  const coreNodes = path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(require.resolve('node-red/package.json'))] }));
  return require(path.join(coreNodes, 'core/common/24-complete.js')) as NodeModule;
}

const NODES = [...packageNodes('bacnet-bbmd', 'fd-broadcast', 'fd-status'), catchNode(), completeNode()];

describe('fast paths keep the behaviour', function () {
  this.timeout(15_000);

  describe('fd-broadcast while registered', () => {
    let emulator: BbmdEmulator;
    let bbmdPort: number;

    before(() => helper.startServer());
    after(() => helper.stopServer());

    beforeEach(async () => {
      emulator = new BbmdEmulator();
      bbmdPort = (await emulator.start()).port;
    });

    afterEach(async () => {
      await helper.unload();
      await emulator.stop();
      assert.deepEqual(openEndpoints(), []);
    });

    async function load(props: Record<string, unknown>): Promise<{ done: Msg[]; errors: Msg[]; status: Msg[] }> {
      const flow: FlowNode[] = [
        { id: 'tab', type: 'tab', label: 'test' },
        { id: 'cfg', type: 'bacnet-bbmd', host: LOOPBACK, port: String(bbmdPort), ttl: '60', localAddress: LOOPBACK, localPort: '0', deregister: true },
        { id: 'status', type: 'fd-status', z: 'tab', bbmd: 'cfg', emitOnDeploy: true, wires: [['statusOut']] },
        { id: 'statusOut', type: 'helper', z: 'tab' },
        { id: 'bc', type: 'fd-broadcast', z: 'tab', bbmd: 'cfg', mode: 'npdu', maxRate: '0', ...props },
        { id: 'completer', type: 'complete', z: 'tab', scope: ['bc'], uncaught: false, wires: [['done']] },
        { id: 'done', type: 'helper', z: 'tab' },
        { id: 'catcher', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['errors']] },
        { id: 'errors', type: 'helper', z: 'tab' },
      ];
      await helper.load(NODES, flow);
      const result = { done: collect('done'), errors: collect('errors'), status: collect('statusOut') };
      await until(() => result.status.some((m) => m.topic === 'registered'), 3000, 'registered');
      return result;
    }

    function dbtns(): string[] {
      return emulator.log.flatMap((d) => ('frame' in d && d.frame.function === BvlcFunction.DistributeBroadcastToNetwork ? [d.raw.toString('hex')] : []));
    }

    function counters(): FdSnapshot['counters'] {
      const cfg = helper.getNode('cfg') as unknown as { bbmd: { snapshot(): FdSnapshot } };
      return cfg.bbmd.snapshot().counters;
    }

    function lease(): RegistrationLease {
      const cfg = helper.getNode('cfg') as unknown as { bbmd: { currentLease(): RegistrationLease | null } };
      const current = cfg.bbmd.currentLease();
      assert.ok(current, 'the config node holds a lease');
      return current;
    }

    it('sends each NPDU as its own DBTN frame, one done() per message, counted', async () => {
      const { done, errors } = await load({});
      const bc = helper.getNode('bc');
      bc?.receive({ payload: Buffer.from('0120ffff00ff1008', 'hex'), topic: 'a' } as never);
      bc?.receive({ payload: [1, 0, 0x10, 0x08], topic: 'b' } as never);
      bc?.receive({ payload: '01 20 ff ff 00 ff 10 08', topic: 'c' } as never);
      await until(() => done.length === 3, 3000, 'three completions');
      assert.deepEqual(done.map((m) => m.topic), ['a', 'b', 'c']);
      assert.deepEqual(dbtns(), ['8109000c0120ffff00ff1008', '810900080100' + '1008', '8109000c0120ffff00ff1008']);
      assert.equal(errors.length, 0);
      assert.equal(counters().broadcastsSent, 3);
    });

    it('who-is mode sends the frame it built at deploy, once per message', async () => {
      const { done } = await load({ mode: 'who-is', whoIsLow: '5', whoIsHigh: '300' });
      for (let i = 0; i < 3; i++) helper.getNode('bc')?.receive({ payload: i } as never);
      await until(() => done.length === 3, 3000, 'three completions');
      const frame = encodeNpduFrame(BvlcFunction.DistributeBroadcastToNetwork, encodeGlobalWhoIs({ low: 5, high: 300 })).toString('hex');
      assert.equal(frame, '810900110120ffff00ff100809051a012c');
      assert.deepEqual(dbtns(), [frame, frame, frame]);
      assert.equal(counters().broadcastsSent, 3);
    });

    it('a send that fails reaches done(err) with the reason, and is counted', async () => {
      const { done, errors } = await load({});
      const endpoint = lease().endpoint;
      const original = endpoint.sendNow.bind(endpoint);
      endpoint.sendNow = (_frame, _to, callback) => process.nextTick(callback, new Error('send ENETUNREACH'));
      try {
        helper.getNode('bc')?.receive({ payload: [1, 0, 0x10, 0x08] } as never);
        await until(() => errors.length === 1, 3000, 'the error');
      } finally {
        endpoint.sendNow = original;
      }
      const calls = (helper.getNode('bc') as unknown as { error: { args: unknown[][] } }).error.args;
      const err = calls[calls.length - 1][0] as Error & { key?: string; detail?: string };
      assert.equal(err.key, 'fd-broadcast.errors.not-sent');
      assert.equal(err.detail, `cannot send the broadcast to BBMD ${LOOPBACK}:${bbmdPort}: send ENETUNREACH`);
      assert.equal(done.length, 0);
      assert.equal(counters().broadcastsFailed, 1);
      assert.equal(counters().broadcastsSent, 0);
      // The next message goes out as usual.
      helper.getNode('bc')?.receive({ payload: [1, 0, 0x10, 0x08] } as never);
      await until(() => done.length === 1, 3000, 'the next completion');
      assert.equal(counters().broadcastsSent, 1);
    });

    it('a socket that throws on send (closed underneath) reaches done(err) too, never synchronously', async () => {
      const { errors } = await load({});
      const socket = (lease().endpoint as unknown as { socket: dgram.Socket }).socket;
      const original = socket.send;
      socket.send = (() => {
        throw new Error('Not running');
      }) as typeof socket.send;
      let returned = false;
      try {
        helper.getNode('bc')?.receive({ payload: [1, 0, 0x10, 0x08] } as never);
        returned = true;
        await until(() => errors.length === 1, 3000, 'the error');
      } finally {
        socket.send = original;
      }
      assert.ok(returned);
      const calls = (helper.getNode('bc') as unknown as { error: { args: unknown[][] } }).error.args;
      const err = calls[calls.length - 1][0] as Error & { key?: string; detail?: string };
      assert.equal(err.key, 'fd-broadcast.errors.not-sent');
      assert.match(String(err.detail), /cannot send the broadcast to BBMD .*: Not running/);
      assert.equal(counters().broadcastsFailed, 1);
    });
  });

  describe('the endpoint\'s Forwarded-NPDU path', () => {
    let bbmd: dgram.Socket;
    let leaseHeld: RegistrationLease;
    let got: ReceivedNpdu[];
    let local: { address: string; port: number };

    beforeEach(async () => {
      // A BBMD that accepts the registration; the test sends the rest from its socket.
      bbmd = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => bbmd.bind(0, LOOPBACK, resolve));
      bbmd.on('message', (m, r) => {
        if (m[1] === BvlcFunction.RegisterForeignDevice || m[1] === BvlcFunction.DeleteFdtEntry) bbmd.send(Buffer.from('810000060000', 'hex'), r.port, r.address);
      });
      leaseHeld = await acquireRegistration({ local: { address: LOOPBACK, port: 0 }, bbmd: { host: LOOPBACK, port: bbmd.address().port }, ttl: 60 });
      await until(() => leaseHeld.manager.registered, 3000, 'registered');
      got = [];
      leaseHeld.onNpdu((r) => got.push(r));
      local = leaseHeld.endpoint.boundAddress();
    });

    afterEach(async () => {
      await leaseHeld.release();
      await new Promise<void>((resolve) => bbmd.close(() => resolve()));
      assert.deepEqual(openEndpoints(), []);
    });

    it('delivers what decodeBvll() and decodeReceived() make of each datagram, the origin text right as it changes', async () => {
      const via = { address: LOOPBACK, port: bbmd.address().port };
      const npdus = ['01001000c40200000522', '0120ffff00ff1008', '01080005010a1000c4020004b12205c4910322 0104', '01001008', '0100f0'];
      const origins = [
        { address: '10.0.0.5', port: 47808 },
        { address: '10.0.1.5', port: 47808 },
        { address: '10.0.1.5', port: 47809 },
        { address: '192.168.200.5', port: 1 },
        { address: '10.0.0.5', port: 47808 },
        { address: '0.0.0.0', port: 0 },
        { address: '255.255.255.255', port: 65535 },
      ];
      const frames = origins.flatMap((origin) =>
        npdus.map((hex) => encodeBvll({ function: BvlcFunction.ForwardedNpdu, origin, npdu: Buffer.from(hex.replace(/ /g, ''), 'hex') })),
      );
      // The largest NPDU a frame may carry, and one octet over (malformed).
      frames.push(encodeBvll({ function: BvlcFunction.ForwardedNpdu, origin: origins[0], npdu: Buffer.concat([Buffer.from('0100', 'hex'), Buffer.alloc(1495, 0x07)]) }));
      const tooLong = Buffer.concat([Buffer.from('8104', 'hex'), Buffer.alloc(2), Buffer.from('0a0000050bac', 'hex'), Buffer.from('0100', 'hex'), Buffer.alloc(1496, 7)]);
      tooLong.writeUInt16BE(tooLong.length, 2);
      // What the general decoders make of each: a ReceivedNpdu, or a DecodeError (the last NPDU
      // has an unknown APDU type; the first, a truncated I-Am, is delivered with iAm null);
      // `tooLong` is one more malformed datagram.
      const expected: ReceivedNpdu[] = [];
      let malformed = 1;
      for (const frame of frames) {
        const decoded = decodeBvll(frame);
        assert.equal(decoded.function, BvlcFunction.ForwardedNpdu);
        if (decoded.function !== BvlcFunction.ForwardedNpdu) continue;
        try {
          expected.push(decodeReceived(decoded.npdu, decoded.origin, via, 'Forwarded-NPDU'));
        } catch {
          malformed++;
        }
      }
      assert.ok(expected.length > 20 && malformed > 1, 'the datagrams cover both cases');
      for (const frame of frames) bbmd.send(frame, local.port, local.address);
      bbmd.send(tooLong, local.port, local.address);
      await until(() => got.length === expected.length && leaseHeld.endpoint.malformed === malformed, 3000, 'every datagram');
      const plain = (r: ReceivedNpdu): unknown => ({ ...r, npdu: r.npdu.toString('hex') });
      assert.deepEqual(got.map(plain), expected.map(plain));
      assert.deepEqual(
        got.map((r) => `${r.source.address}:${r.source.port}`).filter((a, i, all) => all.indexOf(a) === i),
        origins.map((o) => `${o.address}:${o.port}`).filter((a, i, all) => all.indexOf(a) === i),
      );
      assert.equal(leaseHeld.manager.snapshot().counters.malformed, malformed);
    });

    it('what is not exactly a well-formed Forwarded-NPDU is decoded, or refused and counted, as before', async () => {
      const junk = [
        '8104000b0a000005bac0', // length field says 11, 10 octets: refused
        '8104000a0a000005bac0', // no NPDU: refused
        '8204000b0a000005bac001', // B/IPv6 type octet: refused
        '8104000d0a000005bac00100', // length field one over: refused
        '8104000b0a000005bac002', // NPDU version 2: the NPDU is refused
      ];
      for (const hex of junk) bbmd.send(Buffer.from(hex, 'hex'), local.port, local.address);
      // A unicast and a local broadcast take the general path and still arrive.
      bbmd.send(encodeBvll({ function: BvlcFunction.OriginalUnicastNpdu, npdu: Buffer.from('01001008', 'hex') }), local.port, local.address);
      bbmd.send(encodeBvll({ function: BvlcFunction.OriginalBroadcastNpdu, npdu: Buffer.from('0120ffff00ff1008', 'hex') }), local.port, local.address);
      await until(() => got.length === 2 && leaseHeld.endpoint.malformed === junk.length, 3000, 'every datagram');
      assert.deepEqual(got.map((r) => r.bvlcFunction), ['Original-Unicast-NPDU', 'Original-Broadcast-NPDU']);
      assert.deepEqual(got[0].via, null);
      assert.equal(leaseHeld.manager.snapshot().counters.malformed, junk.length);
    });
  });
});
