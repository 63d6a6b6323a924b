/**
 * Reliability 6: the local port is taken by another program. The config node
 * and its users show a red status and an error naming the address, the port
 * and the fix; nothing is sent. Changing the config to a free port (deployed as
 * a modified node) works at once, without a restart; and with the port kept,
 * the registration comes up by itself once the other program lets go (the bind
 * is retried every BIND_RETRY_MS).
 */
import assert from 'node:assert/strict';
import helper from 'node-red-node-test-helper';
import type { FdSnapshot } from '../../dist/registration/types';
import { BIND_RETRY_MS } from '../../dist/nodes/bacnet-bbmd';
import { openEndpoints } from '../../dist/transport/endpoint-registry';
import { BbmdEmulator } from '../support/bbmd-emulator';
import { FlowNode, catchNode, collect, errorTextsOf, errorsOf, packageNodes, statusOf } from '../support/red-helper';
import { LOOPBACK, SCHEDULING_SLACK_MS, closeSocket, freePort, pause, rawSocket, record, until } from './support';

const NODES = [...packageNodes('bacnet-bbmd', 'fd-broadcast', 'fd-status'), catchNode()];

helper.init(require.resolve('node-red'));

type Runtime = { bbmd: { snapshot(): FdSnapshot } };
const snapshot = (): FdSnapshot | undefined => (helper.getNode('cfg') as unknown as Runtime | null)?.bbmd.snapshot();

describe('reliability: the local port taken by another program', function () {
  this.timeout(BIND_RETRY_MS + 30_000);
  let emulator: BbmdEmulator;
  let bbmdPort: number;

  before(async () => {
    await helper.startServer();
    emulator = new BbmdEmulator();
    bbmdPort = (await emulator.start()).port;
  });

  after(async () => {
    await helper.unload();
    await emulator.stop();
    await helper.stopServer();
  });

  const flow = (localPort: number): FlowNode[] => [
    { id: 'tab', type: 'tab', label: 'port taken' },
    { id: 'cfg', type: 'bacnet-bbmd', host: LOOPBACK, port: String(bbmdPort), ttl: '60', localAddress: LOOPBACK, localPort: String(localPort), deregister: true },
    { id: 'status', type: 'fd-status', z: 'tab', bbmd: 'cfg', emitOnDeploy: true, wires: [['out']] },
    { id: 'bc', type: 'fd-broadcast', z: 'tab', bbmd: 'cfg', mode: 'who-is', maxRate: '0' },
    { id: 'catcher', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['errors']] },
    { id: 'out', type: 'helper', z: 'tab' },
    { id: 'errors', type: 'helper', z: 'tab' },
  ];

  it('a clear status and error naming the port and the fix; a free port works without a restart; the taken one once freed', async () => {
    const squatter = await rawSocket();
    const taken = squatter.port;
    const inUse = new RegExp(
      `^cannot bind UDP 127\\.0\\.0\\.1:${taken}: the port is already in use by another program .*Choose another local port in the BBMD config node, or 0 for an automatic one\\.$`,
    );
    const BIND_KEY = 'bacnet-bbmd.errors.bind-EADDRINUSE';
    // The config node says it in the user's language (the helper's RED._ gives the key); the
    // endpoint's own sentence (inUse) is what a program using the endpoint without Node-RED gets.
    const assertBindError = (text: string): void => assert.equal(text, BIND_KEY);
    // ...and the catalog's sentence, filled in as RED._ does, says what the endpoint says.
    const catalog = require('../../nodes/locales/en-US/bacnet-bbmd.json') as { 'bacnet-bbmd': { errors: Record<string, string> } };
    const translated = catalog['bacnet-bbmd'].errors['bind-EADDRINUSE'].replace(/__address__/g, LOOPBACK).replace(/__port__/g, String(taken));
    assert.match(translated, inUse);
    try {
      await helper.load(NODES, flow(taken));
      const out = collect('out');
      const errors = collect('errors');
      await until(() => errorTextsOf('cfg').length > 0, 3000, 'the bind error');
      // The config node's error (translated: the key here, the endpoint's sentence as its detail),
      // the snapshot and every user's status say it.
      assertBindError(errorTextsOf('cfg').at(-1) as string);
      await until(() => out.some((m) => m.topic === 'unreachable'), 2000, 'fd-status reports it');
      const reported = out.find((m) => m.topic === 'unreachable')?.payload as FdSnapshot;
      assert.equal(reported.error, BIND_KEY);
      assert.deepEqual(statusOf('status'), { fill: 'red', shape: 'dot', text: 'bacnet-bbmd.status.unreachable' });
      assert.deepEqual(statusOf('bc'), { fill: 'red', shape: 'dot', text: 'bacnet-bbmd.status.unreachable' });
      // A broadcast is refused with the same explanation, through done(err).
      helper.getNode('bc')?.receive({} as never);
      await until(() => errors.length === 1, 2000, 'done(err)');
      const refused = errorsOf('bc').at(-1) as { key?: string; detail?: string };
      assert.equal(refused.key, 'fd-broadcast.errors.not-sent');
      assert.equal(refused.detail, BIND_KEY);
      // Nothing sent, nothing bound.
      await pause(100);
      assert.equal(emulator.counters.received, 0);
      assert.deepEqual(openEndpoints(), []);

      // The config changed to a free port, deployed as a modified node: registered, no restart.
      const free = await freePort();
      const changedAt = performance.now();
      await helper.setFlows(flow(free), 'nodes');
      await until(() => snapshot()?.state === 'registered', 3000, 'registered on the free port');
      const onFreePortMs = performance.now() - changedAt;
      assert.deepEqual(snapshot()?.local, { address: LOOPBACK, port: free });
      assert.deepEqual(emulator.fdt().map((e) => e.port), [free]);
      assert.deepEqual(statusOf('status'), { fill: 'green', shape: 'dot', text: 'bacnet-bbmd.status.registered' });
      const dbtn = emulator.counters.dbtn;
      helper.getNode('bc')?.receive({} as never);
      await until(() => emulator.counters.dbtn === dbtn + 1, 2000, 'a broadcast');

      // Back to the taken port: the error again, the old registration deleted.
      await helper.setFlows(flow(taken), 'nodes');
      await until(() => errorTextsOf('cfg').length > 0, 3000, 'the bind error again');
      assertBindError(errorTextsOf('cfg').at(-1) as string);
      assert.deepEqual(emulator.fdt(), [], 'the registration on the free port was deleted');

      // The other program lets go: the bind is retried, no redeploy needed.
      const freedAt = performance.now();
      await closeSocket(squatter);
      const bound = BIND_RETRY_MS + SCHEDULING_SLACK_MS + 1000;
      await until(() => snapshot()?.state === 'registered', bound, `registered within ${bound} ms of the port being freed`);
      const afterFreedMs = performance.now() - freedAt;
      assert.deepEqual(snapshot()?.local, { address: LOOPBACK, port: taken });
      assert.deepEqual(statusOf('status'), { fill: 'green', shape: 'dot', text: 'bacnet-bbmd.status.registered' });
      record('portTaken', {
        errorText: translated.replace(String(taken), '<port>'),
        registeredAfterConfigChangeMs: Math.round(onFreePortMs),
        registeredAfterPortFreedMs: Math.round(afterFreedMs),
        bindRetryMs: BIND_RETRY_MS,
      });
    } finally {
      await closeSocket(squatter);
    }
  });
});
