/**
 * "Modified nodes" deploys in a real Node-RED runtime (node-red-node-test-helper's
 * setFlows(flow, 'nodes')): a flow node that is only restarted (its close with
 * removed = false) leaves the registration in place (no Delete, the same automatic
 * port, no gap); a removed last user, or the config node's own restart, releases it.
 */
import assert from 'node:assert/strict';
import helper from 'node-red-node-test-helper';
import type { FdSnapshot } from '../../dist/registration/types';
import { openEndpoints } from '../../dist/transport/endpoint-registry';
import { emulatorPerTest } from '../support/emulator-per-test';
import { FlowNode, packageNodes } from '../support/red-helper';
import { LOOPBACK, until } from '../support/wait';

const NODES = packageNodes('bacnet-bbmd', 'fd-broadcast', 'fd-status', 'fd-receive');

helper.init(require.resolve('node-red'));

type ConfigRuntime = { bbmd: { snapshot(): FdSnapshot } };

describe('partial deploys keep the registration', function () {
  this.timeout(15_000);
  const site = emulatorPerTest();

  const config = (ttl = '60'): FlowNode => ({
    id: 'cfg',
    type: 'bacnet-bbmd',
    host: LOOPBACK,
    port: String(site.port),
    ttl,
    localAddress: LOOPBACK,
    localPort: '0',
    deregister: true,
  });
  const tab: FlowNode = { id: 'tab', type: 'tab', label: 'partial' };
  const snapshot = (): FdSnapshot | undefined => (helper.getNode('cfg') as unknown as ConfigRuntime | null)?.bbmd.snapshot();

  /** Registered once, on an automatic port: the port, and the Register count so far. */
  async function registered(): Promise<number> {
    await until(() => snapshot()?.state === 'registered' && site.emulator.fdt().length === 1, 3000, 'registered');
    return snapshot()!.local.port;
  }

  it('one of two users modified: no Delete, the same port, no new Register', async () => {
    const flow = (maxRate: string): FlowNode[] => [
      tab,
      config(),
      { id: 'bc', type: 'fd-broadcast', z: 'tab', bbmd: 'cfg', mode: 'who-is', maxRate },
      { id: 'st', type: 'fd-status', z: 'tab', bbmd: 'cfg', emitOnDeploy: false },
    ];
    await helper.load(NODES, flow('20'));
    const port = await registered();
    const registrations = site.emulator.counters.registrations;
    await helper.setFlows(flow('5'), 'nodes');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(site.emulator.counters.deletes, 0, 'no Delete');
    assert.equal(site.emulator.counters.registrations, registrations, 'no new Register');
    assert.equal(snapshot()?.local.port, port, 'the same port');
    assert.equal(snapshot()?.state, 'registered');
  });

  it('the only user modified: no Delete, the same port, and it works at once', async () => {
    const flow = (maxRate: string): FlowNode[] => [tab, config(), { id: 'bc', type: 'fd-broadcast', z: 'tab', bbmd: 'cfg', mode: 'who-is', maxRate }];
    await helper.load(NODES, flow('20'));
    const port = await registered();
    const registrations = site.emulator.counters.registrations;
    await helper.setFlows(flow('5'), 'nodes');
    // The restarted node broadcasts at once through the registration it found in place.
    const dbtn = site.emulator.counters.dbtn;
    helper.getNode('bc')?.receive({} as never);
    await until(() => site.emulator.counters.dbtn === dbtn + 1, 2000, 'a broadcast right after the deploy');
    assert.equal(site.emulator.counters.deletes, 0, 'no Delete');
    assert.equal(site.emulator.counters.registrations, registrations, 'no new Register');
    assert.equal(snapshot()?.local.port, port, 'the same port');
  });

  it('the only user removed: the registration is released (one Delete naming its port)', async () => {
    await helper.load(NODES, [tab, config(), { id: 'bc', type: 'fd-broadcast', z: 'tab', bbmd: 'cfg', mode: 'who-is', maxRate: '20' }]);
    const port = await registered();
    await helper.setFlows([tab, config()], 'nodes');
    await until(() => site.emulator.counters.deletes === 1, 3000, 'the Delete');
    assert.deepEqual(site.emulator.fdt(), [], 'the entry is gone');
    assert.equal(snapshot()?.state, 'stopped');
    assert.ok(!openEndpoints().includes(`${LOOPBACK}:${port}`), 'the socket is closed');
  });

  it('the config node modified: its users restart with it, and the old registration is deleted', async () => {
    const flow = (ttl: string): FlowNode[] => [tab, config(ttl), { id: 'bc', type: 'fd-broadcast', z: 'tab', bbmd: 'cfg', mode: 'who-is', maxRate: '20' }];
    await helper.load(NODES, flow('60'));
    await registered();
    await helper.setFlows(flow('120'), 'nodes');
    await until(() => site.emulator.counters.deletes === 1, 3000, 'the old registration deleted');
    await until(() => snapshot()?.state === 'registered' && snapshot()?.ttl === 120, 3000, 'registered again with the new TTL');
  });
});
