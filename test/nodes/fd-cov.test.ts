/**
 * fd-cov in a real Node-RED runtime (node-red-node-test-helper) against the
 * demo site, whose fake devices serve COV subscriptions (test/support/fake-cov.ts).
 * CLIENT.md "fd-cov".
 */
import assert from 'node:assert/strict';
import helper from 'node-red-node-test-helper';
import { openEndpoints } from '../../dist/transport/endpoint-registry';
import { DemoSite, startDemoSite } from '../support/bbmd-emulator';
import { Msg, callsOf, catchNode, collect, errorsOf, packageNodes, statusOf } from '../support/red-helper';
import { LOOPBACK, until } from '../support/wait';

const NODES = [...packageNodes('bacnet-bbmd', 'fd-cov'), catchNode()];

helper.init(require.resolve('node-red'));

/** What fd-cov reported through node.error: "<i18n key>: <detail>" (the helper has no catalogs). */
function reported(): string[] {
  return errorsOf('cov').map((e) => {
    const err = e as { key?: string; detail?: string; message?: string };
    return typeof e === 'string' ? e : `${err.key}: ${err.detail}`;
  });
}

describe('fd-cov (test helper, demo site on 127.0.0.1)', function () {
  this.timeout(20_000);
  let site: DemoSite;

  before(() => helper.startServer());
  after(() => helper.stopServer());
  beforeEach(async () => {
    site = await startDemoSite({ devices: 2, routed: null, large: null });
  });
  afterEach(async () => {
    await helper.unload();
    await site.stop();
    assert.deepEqual(openEndpoints(), []);
  });

  const device = (): DemoSite['devices'][number] => site.devices[1]!;

  async function deploy(fields: Record<string, unknown>): Promise<{ out: Msg[]; errors: Msg[] }> {
    await helper.load(NODES, [
      { id: 'tab', type: 'tab', label: 'test' },
      { id: 'cfg', type: 'bacnet-bbmd', host: LOOPBACK, port: String(site.address.port), ttl: '60', localAddress: LOOPBACK, localPort: '0' },
      { id: 'cov', type: 'fd-cov', z: 'tab', bbmd: 'cfg', device: '1202', object: 'analog-input:1', property: '', covIncrement: '', lifetime: '300', confirmed: false, wires: [['out']], ...fields },
      { id: 'out', type: 'helper', z: 'tab' },
      { id: 'catcher', type: 'catch', z: 'tab', scope: ['cov'], uncaught: false, wires: [['errors']] },
      { id: 'errors', type: 'helper', z: 'tab' },
    ]);
    return { out: collect('out'), errors: collect('errors') };
  }

  it('subscribes on deploy; the first notification and each change become messages with payload, statusFlags, topic and bacnet', async () => {
    const { out } = await deploy({});
    await until(() => out.length === 1, 5000, 'the first notification');
    const first = out[0] as Msg & { statusFlags: unknown; bacnet: Record<string, unknown> };
    assert.equal(first.payload, 21.5);
    assert.deepEqual(first.statusFlags, { 'in-alarm': false, fault: false, overridden: false, 'out-of-service': false });
    assert.equal(first.topic, '1202/analog-input:1/present-value');
    assert.equal(first.bacnet.object, 'analog-input:1');
    assert.equal(first.bacnet.property, 'present-value');
    assert.deepEqual(first.bacnet.device, { instance: 1202, address: LOOPBACK, port: device().address!.port });
    assert.equal(typeof first.bacnet.timeRemaining, 'number');
    assert.equal((first.bacnet.values as Record<string, unknown>)['present-value'], 21.5);
    assert.equal(device().cov.subscriptions().length, 1);
    assert.equal(statusOf('cov')?.fill, 'green');
    device().objects.set('analog-input:1', 'present-value', 25);
    await until(() => out.length === 2, 5000, 'the change');
    assert.equal(out[1]!.payload, 25);
  });

  it('confirmed notifications through SubscribeCOVProperty with a COV increment: each is acknowledged by the socket', async () => {
    const { out } = await deploy({ covIncrement: '0.5', confirmed: true });
    await until(() => out.length === 1, 5000, 'the first notification');
    const seen = device().cov.subscriptions()[0]!;
    assert.equal(seen.confirmed, true);
    device().objects.set('analog-input:1', 'present-value', 21.6);
    device().objects.set('analog-input:1', 'present-value', 22.5);
    await until(() => out.length === 2, 5000, 'the change beyond the increment');
    assert.equal(out[1]!.payload, 22.5);
    await until(() => device().cov.counters.acks >= 2, 3000, 'our Simple-ACKs');
  });

  it('a device restart (its I-Am) brings a new subscription; close cancels it', async () => {
    const { out } = await deploy({});
    await until(() => out.length === 1, 5000, 'the first notification');
    device().cov.restart();
    assert.equal(device().cov.subscriptions().length, 0, 'the device forgot us');
    await until(() => device().cov.subscriptions().length === 1, 5000, 'a new subscription after the I-Am');
    await helper.unload();
    await until(() => device().cov.cancellations.length >= 1, 3000, 'the cancellation');
    assert.equal(device().cov.subscriptions().length, 0);
  });

  it('a refused subscription: red ring, Catch once for the episode, and retries', async () => {
    const { errors } = await deploy({ object: 'analog-input:9' });
    await until(() => errors.length === 1, 5000, 'the error');
    assert.deepEqual(reported(), ['fd-cov.errors.failed: device 1202 refused SubscribeCOV of analog-input:9: object / unknown-object']);
    await until(() => device().cov.counters.refused >= 2, 5000, 'a retry after the backoff');
    assert.equal(errors.length, 1, 'one Catch per episode');
    // Each try shows yellow while it runs and red with the class/code when refused.
    const shown = callsOf('cov', 'status').map((args) => args[0] as { fill?: string; text?: string });
    assert.ok(shown.some((status) => status.fill === 'red' && status.text === 'object/unknown-object'), JSON.stringify(shown));
  });

  it('bad settings: an error naming the field, nothing sent', async () => {
    // (the lifetime is bad too: the first bad field is named)
    await deploy({ device: '', lifetime: '30' });
    assert.deepEqual(reported(), ['fd-cov.errors.settings: Device field: fd-cov has no input, so the device must be set']);
    assert.equal(statusOf('cov')?.text, 'fd-cov.status.bad-settings');
    assert.equal(device().cov.counters.subscribeRequests, 0);
  });
});
