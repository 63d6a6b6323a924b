/**
 * Diagnostics: fd-status's read-fdt / read-bdt topics and the config editor's
 * Test endpoint, in node-red-node-test-helper against the BBMD emulator.
 * (The helper runs no admin authentication; the permission check is tested in
 * an embedded runtime: test/admin/.)
 */
import assert from 'node:assert/strict';
import helper from 'node-red-node-test-helper';
import type { BbmdTestReport } from '../../dist/registration/bbmd-probe';
import { BvlcFunction } from '../../dist/protocol/bvll';
import { openEndpoints } from '../../dist/transport/endpoint-registry';
import { BbmdEmulator } from '../support/bbmd-emulator';
import { Msg, catchNode, collect, lastError, packageNodes } from '../support/red-helper';
import { LOOPBACK, until } from '../support/wait';

const NODES = [...packageNodes('bacnet-bbmd', 'fd-status'), catchNode()];

helper.init(require.resolve('node-red'));





/** POST to the Test endpoint through the helper's admin app (supertest). */
async function postTest(id: string, body: unknown): Promise<{ status: number; body: BbmdTestReport & { error?: string } }> {
  const request = (helper as unknown as { request(): { post(url: string): { send(b: unknown): Promise<{ status: number; body: BbmdTestReport & { error?: string } }> } } }).request();
  return request.post(`/bacnet-bbmd/${id}/test`).send(body as object);
}

describe('diagnostics (test helper, emulator on 127.0.0.1)', function () {
  this.timeout(20_000);
  let emulator: BbmdEmulator;
  let port: number;

  before(() => helper.startServer());
  after(() => helper.stopServer());
  beforeEach(async () => {
    emulator = new BbmdEmulator({
      bdt: [
        { address: LOOPBACK, port: 47808, mask: '255.255.255.255' },
        { address: '10.1.2.3', port: 47808, mask: '255.255.255.0' },
      ],
    });
    port = (await emulator.start()).port;
  });
  afterEach(async () => {
    await helper.unload();
    await emulator.stop();
    assert.deepEqual(openEndpoints(), []);
  });

  function form(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { host: LOOPBACK, port: String(port), ttl: '60', localAddress: LOOPBACK, localPort: '0', ...extra };
  }

  async function loadStatusFlow(): Promise<{ out: Msg[]; errors: Msg[] }> {
    await helper.load(NODES, [
      { id: 'tab', type: 'tab', label: 'test' },
      { id: 'cfg', type: 'bacnet-bbmd', ...form() },
      { id: 'status', type: 'fd-status', z: 'tab', bbmd: 'cfg', wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab' },
      { id: 'catcher', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['errors']] },
      { id: 'errors', type: 'helper', z: 'tab' },
    ]);
    const out = collect('out');
    const errors = collect('errors');
    await until(() => out.some((m) => m.topic === 'registered'));
    out.length = 0;
    return { out, errors };
  }

  describe('fd-status read-fdt / read-bdt', () => {
    it('emits the decoded FDT, with our own entry', async () => {
      const { out } = await loadStatusFlow();
      helper.getNode('status')?.receive({ topic: 'read-fdt', keep: 1 } as never);
      await until(() => out.length === 1);
      const entries = out[0].payload as { address: string; port: number; ttl: number; remaining: number }[];
      const ours = emulator.fdt();
      assert.equal(out[0].topic, 'read-fdt');
      assert.equal(out[0].keep, 1);
      assert.deepEqual(entries, ours.map((e) => ({ address: e.address, port: e.port, ttl: e.ttl, remaining: e.remaining })));
      assert.equal(entries.length, 1);
      assert.equal(entries[0].ttl, 60);
      assert.ok(entries[0].remaining > 60 && entries[0].remaining <= 90);
    });

    it('emits the decoded BDT', async () => {
      const { out } = await loadStatusFlow();
      helper.getNode('status')?.receive({ topic: 'read-bdt' } as never);
      await until(() => out.length === 1);
      assert.deepEqual(out[0].payload, [
        { address: LOOPBACK, port: 47808, mask: '255.255.255.255' },
        { address: '10.1.2.3', port: 47808, mask: '255.255.255.0' },
      ]);
    });

    /**
     * After the first ACK the manager reads the FDT once by itself (the granted-TTL check), and a
     * read asked for meanwhile joins that one. A test that changes how the emulator answers reads
     * first lets that read finish: it waits for it to reach the emulator, then reads once itself.
     */
    async function settleAutomaticRead(out: Msg[]): Promise<void> {
      await until(() => emulator.log.some((d) => 'frame' in d && d.frame.function === BvlcFunction.ReadFdt));
      helper.getNode('status')?.receive({ topic: 'read-fdt' } as never);
      await until(() => out.length === 1);
      out.length = 0;
    }

    for (const [topic, quirk, name] of [
      ['read-fdt', 'nakReadFdt', 'Read-Foreign-Device-Table-NAK'],
      ['read-bdt', 'nakReadBdt', 'Read-Broadcast-Distribution-Table-NAK'],
    ] as const) {
      it(`${topic}: a NAK is a clear done(err) naming the NAK`, async () => {
        const { out, errors } = await loadStatusFlow();
        await settleAutomaticRead(out);
        emulator.setQuirks({ [quirk]: true });
        helper.getNode('status')?.receive({ topic } as never);
        await until(() => errors.length === 1);
        assert.equal(out.length, 0);
        const err = lastError('status');
        assert.equal(err.key, `fd-status.errors.${topic}`);
        assert.match(String(err.detail), new RegExp(`refused to read its .*\\(${name}\\)`));
      });

      it(`${topic}: silence is a clear done(err) after the response timeout`, async () => {
        const { out, errors } = await loadStatusFlow();
        await settleAutomaticRead(out);
        emulator.setQuirks({ silent: true });
        helper.getNode('status')?.receive({ topic } as never);
        await until(() => errors.length === 1, 4000);
        assert.match(String(lastError('status').detail), /no answer from BBMD 127\.0\.0\.1:\d+ to Read-.*-Table within 2000 ms/);
      });
    }
  });

  describe('the Test endpoint', () => {
    it('without a deployed node: registers from a temporary socket, reads both tables, deletes the entry, closes the socket', async () => {
      await helper.load(NODES, [{ id: 'tab', type: 'tab', label: 'test' }]);
      const res = await postTest('new-config-1', form({ ttl: '300' }));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const r = res.body;
      assert.equal(r.live, false);
      assert.equal(r.reachable, true);
      assert.equal(typeof r.rttMs, 'number');
      assert.equal(r.registration.accepted, true);
      assert.deepEqual(r.registration.result, { code: 0, name: 'Successful-Completion' });
      assert.equal(r.own?.address, LOOPBACK);
      assert.deepEqual(r.fdt.ownEntry && { address: r.fdt.ownEntry.address, port: r.fdt.ownEntry.port, ttl: r.fdt.ownEntry.ttl }, {
        address: LOOPBACK,
        port: r.own?.port,
        ttl: 60, // the test asks at most 60 s
      });
      assert.ok((r.fdt.ownEntry?.remaining ?? 0) > 60);
      assert.equal(r.bdt.entries?.length, 2);
      assert.deepEqual(r.deleteResult, { code: 0, name: 'Successful-Completion' });
      // Exactly one Register and one Delete for our address, and nothing left in the FDT.
      const registers = emulator.log.filter((d) => 'frame' in d && d.frame.function === BvlcFunction.RegisterForeignDevice);
      const deletes = emulator.log.filter((d) => 'frame' in d && d.frame.function === BvlcFunction.DeleteFdtEntry);
      assert.equal(registers.length, 1);
      assert.equal(deletes.length, 1);
      assert.deepEqual(emulator.fdt(), []);
      assert.deepEqual(openEndpoints(), []);
    });

    it('a deployed, registered config node: uses its live registration and deletes nothing', async () => {
      await loadStatusFlow();
      const res = await postTest('cfg', form());
      assert.equal(res.status, 200);
      assert.equal(res.body.live, true);
      assert.equal(res.body.registration.accepted, true);
      assert.ok(res.body.fdt.ownEntry, 'our live entry is in the FDT');
      assert.equal(res.body.deleteResult, null);
      assert.equal(emulator.counters.deletes, 0);
      assert.equal(emulator.fdt().length, 1);
      assert.equal(emulator.counters.registrations, 1, 'no extra Register');
    });

    it('a NAK: reachable, not accepted, the NAK named; and the Delete still goes out', async () => {
      await helper.load(NODES, [{ id: 'tab', type: 'tab', label: 'test' }]);
      emulator.setQuirks({ nakAllRegistrations: true });
      const res = await postTest('nak-config', form());
      assert.equal(res.status, 200);
      assert.equal(res.body.reachable, true);
      assert.equal(res.body.registration.accepted, false);
      assert.equal(res.body.registration.state, 'rejected');
      assert.deepEqual(res.body.registration.result, { code: 0x30, name: 'Register-Foreign-Device-NAK' });
      assert.equal(emulator.counters.deletes, 1);
    });

    it('silence: not reachable, with the words of the timeout, within bounded time', async () => {
      await helper.load(NODES, [{ id: 'tab', type: 'tab', label: 'test' }]);
      emulator.setQuirks({ silent: true });
      const res = await postTest('silent-config', form());
      assert.equal(res.status, 200);
      assert.equal(res.body.reachable, false);
      assert.equal(res.body.registration.accepted, false);
      assert.equal(res.body.registration.state, 'unreachable');
      assert.match(String(res.body.registration.error), /no answer from BBMD 127\.0\.0\.1:\d+ within 2000 ms/);
      assert.match(String(res.body.fdt.error), /no answer/);
      assert.match(String(res.body.bdt.error), /no answer/);
      assert.deepEqual(openEndpoints(), []);
    });

    const BAD: [string, unknown, RegExp][] = [
      ['no host', { port: '47808' }, /BBMD host is required/],
      ['a bad host', { host: 'bad_host' }, /neither an IPv4 address nor a host name/],
      ['a bad port', { host: LOOPBACK, port: '70000' }, /BBMD port must be a whole number 1\.\.65535/],
      ['TTL 0', { host: LOOPBACK, ttl: 0 }, /TTL \(seconds\) must be a whole number 1\.\.65535, got 0/],
      ['a bad local address', { host: LOOPBACK, localAddress: 'eth0' }, /local address "eth0" is not an IPv4 address/],
      ['an array body', [1, 2], /expected a JSON object/],
    ];
    for (const [what, body, message] of BAD) {
      it(`refuses ${what} with 400 and sends nothing`, async () => {
        await helper.load(NODES, [{ id: 'tab', type: 'tab', label: 'test' }]);
        const res = await postTest('bad-config', body);
        assert.equal(res.status, 400);
        assert.match(String(res.body.error), message);
        assert.equal(emulator.counters.received, 0);
      });
    }

    // ${ENV_VAR} in the form: test/admin/test-route.test.ts.

    it('refuses a bad node id', async () => {
      await helper.load(NODES, [{ id: 'tab', type: 'tab', label: 'test' }]);
      const res = await postTest('bad%20id', form());
      assert.equal(res.status, 400);
    });

    it('allows one test at a time per config node', async () => {
      await helper.load(NODES, [{ id: 'tab', type: 'tab', label: 'test' }]);
      emulator.setQuirks({ silent: true });
      const first = postTest('busy-config', form());
      await new Promise((r) => setTimeout(r, 100));
      const second = await postTest('busy-config', form());
      assert.equal(second.status, 409);
      assert.match(String(second.body.error), /already running/);
      const other = postTest('another-config', form());
      assert.equal((await first).status, 200);
      assert.equal((await other).status, 200, 'another config node may test at the same time');
    });
  });
});
