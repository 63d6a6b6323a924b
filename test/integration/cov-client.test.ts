/**
 * BacnetClient.follow over a real UDP endpoint on 127.0.0.1 against the fake
 * device's COV server: the endpoint hands unconfirmed notifications and
 * acknowledged confirmed ones to the subscription, and close cancels it.
 * Every wait is bounded.
 */
import assert from 'node:assert/strict';
import type { BipAddress } from '../../dist/protocol/address';
import type { RegistrationLease } from '../../dist/registration/registration-table';
import { acquireEndpoint, releaseEndpoint } from '../../dist/transport/endpoint-registry';
import type { UdpEndpoint } from '../../dist/transport/udp-endpoint';
import { BacnetClient } from '../../dist/client/bacnet-client';
import type { CovMessage, CovState } from '../../dist/client/cov-subscription';
import { FakeDevice } from '../support/fake-device';

const OK_FLAGS = { 'in-alarm': false, fault: false, overridden: false, 'out-of-service': false };

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('fd-cov client over UDP', function () {
  this.timeout(10000);
  let endpoint: UdpEndpoint | null = null;
  let device: FakeDevice | null = null;

  afterEach(async () => {
    await device?.stop();
    device = null;
    if (endpoint) await releaseEndpoint(endpoint);
    endpoint = null;
  });

  for (const confirmed of [false, true]) {
    it(`${confirmed ? 'confirmed' : 'unconfirmed'} notifications become messages; close cancels`, async () => {
      device = new FakeDevice({ deviceInstance: 4310 });
      await device.start();
      const at = device.address as BipAddress;
      const ep = (endpoint = await acquireEndpoint({ address: '127.0.0.1', port: 0 }));
      // Only the endpoint is used by the client's COV path and requests to a device named by address.
      const lease = { endpoint: ep } as unknown as RegistrationLease;
      const warnings: string[] = [];
      const client = new BacnetClient({ lease: async () => lease, label: 'test', warn: (text) => warnings.push(text) });
      const messages: CovMessage[] = [];
      const states: CovState[] = [];
      const subscription = client.follow(
        {
          nodeId: `cov-${confirmed}`,
          device: { kind: 'address', host: '127.0.0.1', port: at.port, network: null, mac: null },
          object: { type: 0, instance: 1 },
          property: null,
          covIncrement: null,
          lifetime: 300,
          confirmed,
        },
        { notification: (m) => messages.push(m), state: (s) => states.push(s) },
      );
      subscription.start();
      await until(() => messages.length === 1, 2000, 'first notification');
      assert.deepEqual(
        states.map((s) => s.kind),
        ['subscribing', 'subscribed'],
      );
      assert.equal(messages[0].payload, 21.5);
      assert.deepEqual(messages[0].statusFlags, OK_FLAGS);
      assert.equal(messages[0].topic, '4310/analog-input:1/present-value');
      assert.deepEqual(messages[0].bacnet.device, { instance: 4310, address: '127.0.0.1', port: at.port });
      device.objects.set('analog-input:1', 'present-value', 25);
      await until(() => messages.length === 2, 2000, 'notification of the change');
      assert.equal(messages[1].payload, 25);
      const [seen] = device.cov.subscriptions();
      assert.deepEqual([seen.processId, seen.confirmed, seen.lifetime], [subscription.processId, confirmed, 300]);
      if (confirmed) await until(() => device?.cov.counters.acks === 2, 2000, 'both notifications acknowledged');

      const started = Date.now();
      await subscription.close();
      assert.ok(Date.now() - started < 1100);
      assert.deepEqual(
        device.cov.cancellations.map((c) => [c.processId, c.object, c.matched]),
        [[subscription.processId, 'analog-input:1', true]],
      );
      assert.equal(device.cov.subscriptions().length, 0);
      assert.equal(ep.covNotifications.owns(subscription.processId), false);
      assert.deepEqual(ep.covNotifications.counters, { delivered: 2, unowned: 0, cancellations: 0, malformed: 0 });
      assert.deepEqual(warnings, []);
      client.close();
    });
  }
});
