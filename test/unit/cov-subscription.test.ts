/**
 * CovSubscription on a fake clock (CLIENT.md "fd-cov"): the subscribe
 * request's fields, renewal at half the lifetime (25 s behind NAT), backoff
 * 1 s doubling to min(60 s, lifetime/2) ±20 %, one Catch per failure
 * episode, resubscription on registration recovery and on the device's
 * I-Am, the message built from a notification, and close: one cancellation,
 * resolved within a second even against silence, no timer left behind.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SERVICE } from '../../dist/protocol/confirmed-apdu';
import { covProcessId } from '../../dist/client/cov-notifications';
import { BACKOFF_MAX_MS, CovState, backoffMs, renewalMs } from '../../dist/client/cov-subscription';
import type { RegistrationLease } from '../../dist/registration/registration-table';
import { BacnetClient } from '../../dist/client/bacnet-client';
import { DIRECT, from } from '../support/tsm-rig';
import { AI1, CovRig, covRig, iAm, notification, unconfirmed } from '../support/cov-rig';

const NODE_ID = 'a1b2c3d4.e5f607';
const PID = covProcessId(NODE_ID, () => false);

function failures(states: CovState[]): Extract<CovState, { kind: 'failed' }>[] {
  return states.filter((s): s is Extract<CovState, { kind: 'failed' }> => s.kind === 'failed');
}

/** Ends every subscription of `r` and checks nothing is left on the clock or in the manager. */
async function assertIdleAfter(r: CovRig): Promise<void> {
  await r.clock.advance(5000);
  assert.equal(r.manager.pending, 0, 'requests still pending');
  assert.equal(r.clock.pending, 0, 'timers still set');
}

describe('CovSubscription', () => {
  it('subscribes at start with the stable process ID, the object, confirmed and the lifetime; subscribed on the Simple-ACK', async () => {
    const r = covRig();
    const { subscription, heard } = r.follow({ confirmed: true });
    subscription.start();
    await r.clock.advance(0);
    const [sent] = r.subscribes();
    assert.equal(sent.apdu.type === 'confirmed-request' && sent.apdu.service, SERVICE.subscribeCov);
    assert.deepEqual(sent.request, { processId: PID, object: AI1, confirmed: true, lifetime: 300 });
    assert.equal(subscription.processId, PID);
    assert.deepEqual(heard.states, [{ kind: 'subscribing' }]);
    r.ackLast();
    await r.clock.advance(0);
    assert.deepEqual(heard.states, [{ kind: 'subscribing' }, { kind: 'subscribed', lifetime: 300 }]);
    await r.close(subscription);
  });

  it('SubscribeCOVProperty on present-value with a covIncrement, or on the property given', async () => {
    const r = covRig();
    const a = r.follow({ covIncrement: 0.5 });
    a.subscription.start();
    const b = r.follow({ nodeId: 'other', property: 103, lifetime: 60 });
    b.subscription.start();
    await r.clock.advance(0);
    const [first, second] = r.subscribes();
    assert.deepEqual(first.request, { processId: PID, object: AI1, confirmed: false, lifetime: 300, property: 85, index: null, covIncrement: 0.5 });
    assert.deepEqual(second.request, { processId: covProcessId('other', () => false), object: AI1, confirmed: false, lifetime: 60, property: 103, index: null, covIncrement: null });
    await r.close(a.subscription, b.subscription);
    await assertIdleAfter(r);
  });

  it('renews at half the lifetime: 300 s → every 150 s', async () => {
    const r = covRig();
    const { subscription, heard } = await r.subscribed();
    await r.clock.advance(149_999);
    assert.equal(r.subscribes().length, 1);
    await r.clock.advance(1);
    assert.equal(r.subscribes().length, 2);
    assert.deepEqual(r.subscribes()[1].request, r.subscribes()[0].request);
    r.ackLast();
    await r.clock.advance(150_000);
    assert.equal(r.subscribes().length, 3);
    // A renewal that succeeds is not shown as "subscribing" again.
    assert.deepEqual(
      heard.states.map((s) => s.kind),
      ['subscribing', 'subscribed', 'subscribed'],
    );
    await r.close(subscription);
    await assertIdleAfter(r);
  });

  it('renews every 25 s when the config node has a publicAddress', async () => {
    const r = covRig(true);
    const { subscription } = await r.subscribed({ lifetime: 3600 });
    await r.clock.advance(24_999);
    assert.equal(r.subscribes().length, 1);
    await r.clock.advance(1);
    assert.equal(r.subscribes().length, 2);
    assert.equal(renewalMs(60, true), 25_000);
    assert.equal(renewalMs(40, true), 20_000, 'half the lifetime when that is shorter');
    assert.equal(renewalMs(86_400, false), 43_200_000);
    await r.close(subscription);
  });

  it('backs off 1 s doubling to min(60 s, lifetime/2) after each failure, retrying when each wait ends', async () => {
    const r = covRig();
    r.findError = new Error('device 1201 did not answer Who-Is');
    const { subscription, heard } = r.follow({ lifetime: 60 });
    subscription.start();
    const expected = [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000];
    for (let i = 1; i < expected.length; i++) {
      await r.clock.advance(expected[i - 1] - 1);
      assert.equal(failures(heard.states).length, i, `no retry before ${expected[i - 1]} ms`);
      await r.clock.advance(1);
    }
    assert.deepEqual(
      failures(heard.states).map((s) => s.retryInMs),
      expected,
    );
    assert.equal(failures(heard.states)[0].error.message, 'device 1201 did not answer Who-Is');
    await r.close(subscription);
    assert.equal(r.clock.pending, 0);
  });

  it('the backoff stays within ±20 % of its base, capped at 60 s (property)', () => {
    fc.assert(
      fc.property(fc.nat(64), fc.integer({ min: 60, max: 86_400 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (n, lifetime, random) => {
        const base = Math.min(1000 * 2 ** Math.min(n, 30), BACKOFF_MAX_MS, lifetime * 500);
        const delay = backoffMs(n, lifetime, () => random);
        return delay >= Math.floor(base * 0.8) && delay <= Math.ceil(base * 1.2);
      }),
    );
    assert.equal(backoffMs(0, 300, () => 0), 800);
    assert.equal(backoffMs(0, 300, () => 0.999_999), 1200);
    assert.equal(backoffMs(10, 86_400, () => 0.5), 60_000);
  });

  it('reports firstOfEpisode only for the first failure since the last success', async () => {
    const r = covRig();
    r.findError = new Error('no I-Am');
    const { subscription, heard } = r.follow();
    subscription.start();
    await r.clock.advance(0);
    await r.clock.advance(1000);
    r.findError = null;
    await r.clock.advance(2000);
    r.ackLast();
    await r.clock.advance(0);
    // The renewal goes unanswered: a new episode.
    await r.clock.advance(150_000 + 1000);
    await r.clock.advance(1000);
    await r.clock.advance(2000);
    const seen = failures(heard.states).map((s) => s.firstOfEpisode);
    assert.deepEqual(seen.slice(0, 3), [true, false, true]);
    assert.ok(seen.length >= 4 && seen.slice(3).every((first) => !first), JSON.stringify(seen));
    assert.match(failures(heard.states)[2].error.message, /did not answer SubscribeCOV of analog-input:1/);
    await r.close(subscription);
    await assertIdleAfter(r);
  });

  it('a failed renewal resubscribes after the backoff, not at the next half lifetime', async () => {
    const r = covRig();
    const { subscription, heard } = await r.subscribed();
    await r.clock.advance(150_000);
    r.manager.handle(from(DIRECT, { type: 'error', invokeId: r.socket.last.apdu.invokeId, service: SERVICE.subscribeCov, errorClass: 5, errorCode: 29 }));
    await r.clock.advance(0);
    const [failed] = failures(heard.states);
    assert.equal(failed.retryInMs, 1000);
    assert.match(failed.error.message, /refused SubscribeCOV of analog-input:1/);
    await r.clock.advance(1000);
    assert.equal(r.subscribes().length, 3);
    r.ackLast();
    await r.clock.advance(0);
    assert.equal(heard.states[heard.states.length - 1].kind, 'subscribed');
    await r.close(subscription);
  });

  it('subscribes again at once when the registration recovers, even while waiting out a backoff', async () => {
    const r = covRig();
    r.findError = new Error('no I-Am');
    const { subscription } = r.follow({ lifetime: 600 });
    subscription.start();
    await r.clock.advance(1000);
    await r.clock.advance(2000);
    r.findError = null;
    subscription.registrationRecovered();
    await r.clock.advance(0);
    assert.equal(r.subscribes().length, 1, 'sent before the 4 s wait ended');
    r.ackLast();
    await r.clock.advance(0);
    subscription.registrationRecovered();
    await r.clock.advance(0);
    assert.equal(r.subscribes().length, 2, 'and while subscribed');
    // While a request is under way, another one is not started.
    subscription.registrationRecovered();
    await r.clock.advance(0);
    assert.equal(r.subscribes().length, 2);
    await r.close(subscription);
    await assertIdleAfter(r);
  });

  it("subscribes again when the device's I-Am arrives, not another device's", async () => {
    const r = covRig();
    const { subscription } = await r.subscribed();
    await r.clock.advance(10_000);
    subscription.deviceAnnounced(iAm(1202));
    await r.clock.advance(0);
    assert.equal(r.subscribes().length, 1);
    subscription.deviceAnnounced(iAm(1201));
    await r.clock.advance(0);
    assert.equal(r.subscribes().length, 2);
    r.ackLast();
    await r.clock.advance(0);
    // The renewal was rescheduled from the new subscription: 150 s after it, not after the first.
    await r.clock.advance(149_999);
    assert.equal(r.subscribes().length, 2);
    await r.clock.advance(1);
    assert.equal(r.subscribes().length, 3);
    await r.close(subscription);
  });

  it('turns a notification into the message: payload, statusFlags, topic, bacnet', async () => {
    const r = covRig();
    const { subscription, heard } = await r.subscribed();
    assert.equal(r.router.handleUnconfirmed(unconfirmed(notification(PID))), true);
    assert.deepEqual(heard.messages, [
      {
        payload: 21.5,
        statusFlags: { 'in-alarm': false, fault: false, overridden: false, 'out-of-service': false },
        topic: '1201/analog-input:1/present-value',
        bacnet: {
          device: { instance: 1201, address: '10.0.4.7', port: 47808 },
          object: 'analog-input:1',
          property: 'present-value',
          timeRemaining: 290,
          values: { 'present-value': 21.5, 'status-flags': { 'in-alarm': false, fault: false, overridden: false, 'out-of-service': false } },
        },
      },
    ]);
    await r.close(subscription);
  });

  it('close sends one cancellation (same process ID and object, no lifetime, no confirmed) and resolves in 1 s against silence', async () => {
    const r = covRig();
    const { subscription, heard } = await r.subscribed({ covIncrement: 1 });
    let done = false;
    void subscription.close().then(() => (done = true));
    await r.clock.advance(999);
    assert.equal(done, false);
    const cancel = r.subscribes()[1];
    assert.deepEqual(cancel.request, { processId: PID, object: AI1, confirmed: null, lifetime: null, property: 85, index: null, covIncrement: null });
    await r.clock.advance(1);
    assert.equal(done, true);
    assert.equal(r.subscribes().length, 2, 'one try');
    assert.deepEqual(heard.states[heard.states.length - 1], { kind: 'closed' });
    assert.equal(r.router.owns(PID), false, 'the process ID is free again');
    assert.equal(r.clock.pending, 0);
    assert.equal(r.manager.pending, 0);
  });

  it('close resolves at the Simple-ACK; with nothing sent it sends nothing', async () => {
    const r = covRig();
    const a = r.follow();
    a.subscription.start();
    await r.clock.advance(0);
    r.ackLast();
    await r.clock.advance(0);
    let done = false;
    void a.subscription.close().then(() => (done = true));
    await r.clock.advance(0);
    r.ackLast();
    await r.clock.advance(0);
    assert.equal(done, true);
    assert.equal(r.clock.pending, 0);

    r.findError = new Error('no I-Am');
    const b = r.follow({ nodeId: 'b' });
    b.subscription.start();
    await r.clock.advance(0);
    await r.close(b.subscription);
    assert.equal(r.subscribes().length, 2, 'no cancellation for a subscription never sent');
    assert.equal(r.clock.pending, 0);
  });

  it('refuses a lifetime outside 60..86400 s', () => {
    const r = covRig();
    for (const lifetime of [59, 86_401, 0, 300.5]) assert.throws(() => r.follow({ lifetime }), RangeError);
    assert.throws(() => r.follow({ covIncrement: Number.NaN }), RangeError);
  });

  it('BacnetClient.follow: I-Ams seen by observe() and registration recovery resubscribe; publicAddress renews at 25 s', async () => {
    const r = covRig();
    const lease = { endpoint: { transactions: r.manager, covNotifications: r.router } } as unknown as RegistrationLease;
    const client = new BacnetClient({ lease: async () => lease, label: 'bbmd', warn: (text) => r.warnings.push(text), publicAddress: true }, r.clock, () => 0.5);
    const heard: CovState[] = [];
    const subscription = client.follow(
      { nodeId: NODE_ID, device: { kind: 'address', host: '10.0.4.7', port: 47808, network: null, mac: null }, object: AI1, property: null, covIncrement: null, lifetime: 300, confirmed: false },
      { notification: () => undefined, state: (s) => heard.push(s) },
    );
    subscription.start();
    await r.clock.advance(0);
    r.ackLast();
    await r.clock.advance(0);
    assert.equal(r.subscribes().length, 1);
    client.registrationChanged(true);
    await r.clock.advance(0);
    assert.equal(r.subscribes().length, 2, 'registered after not registered: again');
    r.ackLast();
    client.registrationChanged(true);
    await r.clock.advance(0);
    assert.equal(r.subscribes().length, 2, 'still registered: nothing');
    client.observe(iAm(1201));
    await r.clock.advance(0);
    assert.equal(r.subscribes().length, 3, "the device's I-Am, from its address");
    r.ackLast();
    await r.clock.advance(25_000);
    assert.equal(r.subscribes().length, 4, 'renewed 25 s later');
    r.ackLast();
    await r.close(subscription);
    client.registrationChanged(false);
    client.registrationChanged(true);
    await r.clock.advance(0);
    assert.equal(r.subscribes().length, 5, 'a closed subscription is forgotten (only its cancellation went out)');
    assert.deepEqual(heard[heard.length - 1], { kind: 'closed' });
    client.close();
    assert.equal(r.clock.pending, 0);
  });
});
