/**
 * The config editor's Test route (POST /bacnet-bbmd/:id/test) in a real Node-RED
 * runtime (node-red-node-test-helper, no admin authentication: the permission is
 * tested in permission.test.ts): how many tests run at once, which node ids it
 * accepts, and ${VAR} substituted as the runtime does without ever showing a value.
 */
import assert from 'node:assert/strict';
import helper from 'node-red-node-test-helper';
import type { BbmdTestReport } from '../../dist/registration/bbmd-probe';
import { BvlcFunction } from '../../dist/protocol/bvll';
import { openEndpoints } from '../../dist/transport/endpoint-registry';
import { BbmdEmulator } from '../support/bbmd-emulator';
import { Msg, catchNode, collect, packageNodes } from '../support/red-helper';
import { LOOPBACK, until } from '../support/wait';
// The module object itself (not a namespace copy), so that a test can answer dns.lookup().
import dns = require('node:dns');

const NODES = [...packageNodes('bacnet-bbmd', 'fd-status'), catchNode()];

helper.init(require.resolve('node-red'));

type Answer = { status: number; body: BbmdTestReport & { error?: string } };

/** POST to the Test route through the helper's admin app (supertest: sent now, not when awaited). */
function postTest(id: string, body: unknown): Promise<Answer> {
  const request = (helper as unknown as { request(): { post(url: string): { send(b: unknown): PromiseLike<Answer> } } }).request();
  return Promise.resolve(request.post(`/bacnet-bbmd/${id}/test`).send(body as object));
}

/** Sets environment variables for one test; returns the undo. */
function setEnv(vars: Record<string, string>): () => void {
  for (const [name, value] of Object.entries(vars)) process.env[name] = value;
  return () => {
    for (const name of Object.keys(vars)) delete process.env[name];
  };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address?: string, family?: number) => void;

describe('the Test route (test helper, emulator on 127.0.0.1)', function () {
  this.timeout(30_000);
  let emulator: BbmdEmulator;
  let port: number;
  const undo: (() => void)[] = [];

  before(() => helper.startServer());
  after(() => helper.stopServer());
  beforeEach(async () => {
    emulator = new BbmdEmulator();
    port = (await emulator.start()).port;
  });
  afterEach(async () => {
    for (const u of undo.splice(0)) u();
    await helper.unload();
    await emulator.stop();
    assert.deepEqual(openEndpoints(), []);
  });

  function form(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { host: LOOPBACK, port: String(port), ttl: '60', localAddress: LOOPBACK, localPort: '0', ...extra };
  }

  const loadEmpty = (): Promise<void> => helper.load(NODES, [{ id: 'tab', type: 'tab', label: 'test' }]);

  describe('how many at once', () => {
    it('at most 2 tests across all config nodes: a third gets 429 with a sentence; the per-node 409 stays; a slot frees when a test ends', async () => {
      await loadEmpty();
      // A silent BBMD keeps each test running for its bounded few seconds.
      emulator.setQuirks({ silent: true });
      const first = postTest('cfg-one', form());
      const second = postTest('cfg-two', form());
      // Both are running once both Registers reached the BBMD.
      await until(() => emulator.counters.received >= 2, 3000, 'two Registers');
      const third = await postTest('cfg-three', form());
      assert.equal(third.status, 429);
      assert.match(String(third.body.error), /already running .*try again when one ends/);
      const again = await postTest('cfg-one', form());
      assert.equal(again.status, 409, 'the same node: 409, as before');
      assert.match(String(again.body.error), /already running/);
      // Refused tests contacted nobody: only the two running tests' Registers (and their reads).
      const registers = emulator.log.filter((d) => 'frame' in d && d.frame.function === BvlcFunction.RegisterForeignDevice);
      assert.equal(registers.length, 2);
      assert.equal((await first).status, 200);
      assert.equal((await second).status, 200);
      emulator.setQuirks({ silent: false });
      const after = await postTest('cfg-three', form());
      assert.equal(after.status, 200, 'a slot is free again');
      assert.equal(after.body.registration.accepted, true);
    });
  });

  describe('which node ids', () => {
    it('an id naming a deployed node of another type: 400 with a sentence, and nobody contacted', async () => {
      await helper.load(NODES, [
        { id: 'tab', type: 'tab', label: 'test' },
        { id: 'cfg', type: 'bacnet-bbmd', ...form() },
        { id: 'status', type: 'fd-status', z: 'tab', bbmd: 'cfg', emitOnDeploy: false, wires: [[]] },
      ]);
      await until(() => emulator.counters.registrations === 1, 3000, 'the deployed registration');
      // After the first ACK the manager reads the FDT once by itself: count from after that read.
      await until(() => emulator.log.some((d) => 'frame' in d && d.frame.function === BvlcFunction.ReadFdt), 3000, 'the automatic FDT read');
      const received = emulator.counters.received;
      const res = await postTest('status', form());
      assert.equal(res.status, 400);
      assert.match(String(res.body.error), /node status is a fd-status node, not a bacnet-bbmd config node/);
      assert.equal(emulator.counters.received, received);
    });

    it('an id not deployed: a temporary socket, as before', async () => {
      await loadEmpty();
      const res = await postTest('never-deployed', form());
      assert.equal(res.status, 200);
      assert.equal(res.body.live, false);
      assert.equal(res.body.registration.accepted, true);
      assert.deepEqual(emulator.fdt(), []);
    });
  });

  describe('${VAR} as the runtime substitutes it, values never shown', () => {
    it('a property that is exactly ${VAR} (or the older $(VAR)) is replaced; the report names the reference, not the value', async () => {
      await loadEmpty();
      undo.push(setEnv({ BACNET_FD_TEST_HOST: LOOPBACK, BACNET_FD_TEST_PORT: String(port) }));
      for (const host of ['${BACNET_FD_TEST_HOST}', '$(BACNET_FD_TEST_HOST)']) {
        const res = await postTest('env-config', form({ host, port: '${BACNET_FD_TEST_PORT}' }));
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.registration.accepted, true);
        assert.deepEqual(res.body.bbmd, { host, address: host, port });
      }
    });

    it('${VAR} inside a longer value is not replaced (Node-RED 4.1 replaces whole values only)', async () => {
      await loadEmpty();
      undo.push(setEnv({ BACNET_FD_TEST_SUFFIX: 'site' }));
      const res = await postTest('env-config', form({ host: 'bbmd.${BACNET_FD_TEST_SUFFIX}' }));
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'BBMD host "bbmd.${BACNET_FD_TEST_SUFFIX}" is neither an IPv4 address nor a host name');
      assert.equal(emulator.counters.received, 0);
    });

    it('an unset variable stays as written, as in the runtime, and the error says it is not set', async () => {
      await loadEmpty();
      delete process.env.BACNET_FD_TEST_UNSET;
      const res = await postTest('env-config', form({ host: '${BACNET_FD_TEST_UNSET}' }));
      assert.equal(res.status, 400);
      assert.equal(
        res.body.error,
        'BBMD host "${BACNET_FD_TEST_UNSET}" is neither an IPv4 address nor a host name (no environment variable BACNET_FD_TEST_UNSET is set)',
      );
    });

    it('a bad value from the environment is reported as coming from ${VAR}, never with its value', async () => {
      await loadEmpty();
      const secret = 'sk_live_Very$ecret/Token+42';
      undo.push(setEnv({ BACNET_FD_TEST_SECRET: secret }));
      for (const [field, pattern] of [
        ['host', /^BBMD host \$\{BACNET_FD_TEST_SECRET\} is neither an IPv4 address nor a host name$/],
        ['port', /^BBMD port must be a whole number 1\.\.65535, got \$\{BACNET_FD_TEST_SECRET\}$/],
        ['ttl', /^TTL \(seconds\) must be a whole number 1\.\.65535, got \$\{BACNET_FD_TEST_SECRET\}$/],
        ['localAddress', /^local address \$\{BACNET_FD_TEST_SECRET\} is not an IPv4 address/],
        ['publicAddress', /^public address \$\{BACNET_FD_TEST_SECRET\} must be/],
      ] as const) {
        const res = await postTest('env-config', form({ [field]: '${BACNET_FD_TEST_SECRET}' }));
        assert.equal(res.status, 400, field);
        assert.match(String(res.body.error), pattern);
        assert.ok(!JSON.stringify(res.body).includes('ecret'), `${field}: ${JSON.stringify(res.body)}`);
      }
      // A long value is cut where it is quoted: the cut form is not shown either.
      undo.push(setEnv({ BACNET_FD_TEST_LONG_SECRET: `long_${'x'.repeat(40)}_ecret_${'y'.repeat(60)}` }));
      const long = await postTest('env-config', form({ host: '${BACNET_FD_TEST_LONG_SECRET}' }));
      assert.equal(long.status, 400);
      assert.equal(long.body.error, 'BBMD host ${BACNET_FD_TEST_LONG_SECRET} is neither an IPv4 address nor a host name');
      assert.equal(emulator.counters.received, 0);
    });

    it('a value that is a valid host name but does not resolve: the report names ${VAR}, never the value', async () => {
      await loadEmpty();
      const secret = 'tok3n-a1b2c3d4e5f6.secret.test';
      undo.push(setEnv({ BACNET_FD_TEST_SECRET_HOST: secret }));
      // That name is answered here, at once, with what getaddrinfo says of an unknown name.
      const realLookup = dns.lookup;
      const asked: string[] = [];
      (dns as { lookup: unknown }).lookup = (host: string, options: unknown, callback: LookupCallback): void => {
        if (host !== secret) return (realLookup as unknown as (h: string, o: unknown, c: LookupCallback) => void)(host, options, callback);
        asked.push(host);
        process.nextTick(callback, Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host }));
      };
      undo.push(() => {
        (dns as { lookup: unknown }).lookup = realLookup;
      });
      const res = await postTest('env-config', form({ host: '${BACNET_FD_TEST_SECRET_HOST}' }));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(asked.length > 0, 'the name was looked up');
      assert.equal(res.body.reachable, false);
      assert.equal(res.body.bbmd.host, '${BACNET_FD_TEST_SECRET_HOST}');
      assert.match(String(res.body.registration.error), /\$\{BACNET_FD_TEST_SECRET_HOST\}.*ENOTFOUND/);
      assert.ok(!JSON.stringify(res.body).includes('tok3n'), JSON.stringify(res.body));
    });

    it('a deployed config node: its variables come from the runtime (getSetting on the node); the live registration is used', async () => {
      undo.push(setEnv({ BACNET_FD_TEST_HOST: LOOPBACK }));
      const deployed = form({ host: '${BACNET_FD_TEST_HOST}' });
      await helper.load(NODES, [
        { id: 'tab', type: 'tab', label: 'test' },
        { id: 'cfg', type: 'bacnet-bbmd', ...deployed },
        { id: 'status', type: 'fd-status', z: 'tab', bbmd: 'cfg', wires: [['out']] },
        { id: 'out', type: 'helper', z: 'tab' },
      ]);
      const out: Msg[] = collect('out');
      await until(() => out.some((m) => m.topic === 'registered'), 3000, 'registered');
      const res = await postTest('cfg', deployed);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.live, true, 'the same BBMD as the deployed node: its live registration');
      assert.equal(res.body.bbmd.host, '${BACNET_FD_TEST_HOST}');
      assert.equal(emulator.counters.registrations, 1, 'no extra Register');
    });
  });
});
