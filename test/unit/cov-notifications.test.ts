/**
 * COV notification routing on one socket (CLIENT.md "fd-cov", "Confirmed
 * requests"): the stable process ID (FNV-1a of the node id, probed when
 * taken), notifications to the subscription that owns the process ID and
 * object, and one cancellation per minute for a confirmed notification that
 * nobody owns, with a bounded memory.
 */
import assert from 'node:assert/strict';
import { SERVICE } from '../../dist/protocol/confirmed-apdu';
import { decodeSubscribeCovRequest } from '../../dist/protocol/services/subscribe-cov';
import { MAX_CANCELLATIONS_REMEMBERED, covProcessId } from '../../dist/client/cov-notifications';
import { DEVICE } from '../support/tsm-rig';
import { AI1, confirmed, covRig, iAm, notification, unconfirmed } from '../support/cov-rig';

const AI2 = { type: 0, instance: 2 };

describe('CovNotifications', () => {
  it('the process ID is FNV-1a of the node id, the next free value when taken', () => {
    // FNV-1a 32-bit reference values: "" → 0x811c9dc5, "a" → 0xe40c292c, "foobar" → 0xbf9cf968.
    assert.equal(covProcessId('', () => false), 0x811c9dc5);
    assert.equal(covProcessId('a', () => false), 0xe40c292c);
    assert.equal(covProcessId('foobar', () => false), 0xbf9cf968);
    const taken = new Set([0xe40c292c, 0xe40c292d]);
    assert.equal(covProcessId('a', (id) => taken.has(id)), 0xe40c292e);
    assert.throws(() => covProcessId('a', () => true), /no free subscriber process identifier/);
  });

  it('two subscriptions on one socket get different process IDs even when their node ids collide', async () => {
    const r = covRig();
    const a = r.follow({ nodeId: 'same' });
    const b = r.follow({ nodeId: 'same', object: AI2 });
    a.subscription.start();
    b.subscription.start();
    await r.clock.advance(0);
    assert.equal(b.subscription.processId, (a.subscription.processId + 1) >>> 0);
    assert.deepEqual(
      r.subscribes().map((s) => s.request.processId),
      [a.subscription.processId, b.subscription.processId],
    );
    await r.close(a.subscription, b.subscription);
  });

  it('routes each notification to the subscription that owns its process ID and object', async () => {
    const r = covRig();
    const a = r.follow({ nodeId: 'a' });
    const b = r.follow({ nodeId: 'b', object: AI2 });
    a.subscription.start();
    b.subscription.start();
    await r.clock.advance(0);
    const pa = a.subscription.processId;
    const pb = b.subscription.processId;
    r.router.handleUnconfirmed(unconfirmed(notification(pa, AI1, 100)));
    r.router.handleConfirmed(confirmed(notification(pb, AI2, 200)));
    r.router.handleUnconfirmed(unconfirmed(notification(pb, AI2, 201)));
    assert.deepEqual(
      a.heard.messages.map((m) => m.bacnet.timeRemaining),
      [100],
    );
    assert.deepEqual(
      b.heard.messages.map((m) => m.bacnet.timeRemaining),
      [200, 201],
    );
    // The right process ID for another object, or another device's notification, is nobody's.
    r.router.handleUnconfirmed(unconfirmed(notification(pa, AI2)));
    r.router.handleUnconfirmed(unconfirmed({ ...notification(pa), initiatingDevice: { type: 8, instance: 99 } }));
    assert.equal(a.heard.messages.length, 1);
    assert.deepEqual(r.router.counters, { delivered: 3, unowned: 2, cancellations: 0, malformed: 0 });
    assert.equal(r.socket.sent.length, 2, 'no cancellation for an unconfirmed notification');
    await r.close(a.subscription, b.subscription);
  });

  it('ignores what is not an UnconfirmedCOVNotification', () => {
    const r = covRig();
    assert.equal(r.router.handleUnconfirmed(iAm(1201)), false);
    assert.equal(r.router.counters.unowned, 0);
  });

  it('a confirmed notification nobody owns gets one SubscribeCOV cancellation, not again within the minute', async () => {
    const r = covRig();
    r.router.handleConfirmed(confirmed(notification(4242)));
    await r.clock.advance(0);
    assert.equal(r.socket.sent.length, 1);
    const [sent] = r.socket.sent;
    assert.deepEqual(sent.to, DEVICE);
    assert.equal(sent.apdu.type === 'confirmed-request' && sent.apdu.service, SERVICE.subscribeCov);
    assert.deepEqual(decodeSubscribeCovRequest(sent.apdu.type === 'confirmed-request' ? sent.apdu.data : Buffer.alloc(0)), {
      processId: 4242,
      object: AI1,
      confirmed: null,
      lifetime: null,
    });
    await r.clock.advance(30_000);
    r.router.handleConfirmed(confirmed(notification(4242)));
    await r.clock.advance(29_999);
    r.router.handleConfirmed(confirmed(notification(4242)));
    assert.equal(r.socket.sent.length, 1, 'once a minute');
    // Another object or process ID is another cancellation.
    r.router.handleConfirmed(confirmed(notification(4242, AI2)));
    r.router.handleConfirmed(confirmed(notification(4243)));
    assert.equal(r.socket.sent.length, 3);
    await r.clock.advance(1);
    r.router.handleConfirmed(confirmed(notification(4242)));
    assert.equal(r.router.counters.cancellations, 4, 'again after the minute');
    await r.clock.advance(2000);
    assert.equal(r.socket.sent.length, 4);
    assert.equal(r.clock.pending, 0);
    assert.equal(r.manager.pending, 0);
  });

  it('remembers a bounded number of cancellations: the oldest is forgotten first', async () => {
    const r = covRig();
    for (let i = 0; i <= MAX_CANCELLATIONS_REMEMBERED; i++) {
      r.router.handleConfirmed(confirmed(notification(i)));
      // One outstanding request per device at a time: let each end before the next (1 s, no answer).
      await r.clock.advance(0);
    }
    const sent = r.router.counters.cancellations;
    assert.equal(sent, MAX_CANCELLATIONS_REMEMBERED + 1);
    r.router.handleConfirmed(confirmed(notification(0)));
    assert.equal(r.router.counters.cancellations, sent + 1, 'process ID 0 was forgotten');
    r.router.handleConfirmed(confirmed(notification(MAX_CANCELLATIONS_REMEMBERED)));
    assert.equal(r.router.counters.cancellations, sent + 1, 'the newest is still remembered');
    await r.clock.advance(5000);
  });

  it('a malformed confirmed notification is counted and gets no cancellation', () => {
    const r = covRig();
    r.router.handleConfirmed({ received: confirmed(notification(1)).received, data: Buffer.from([0x09]) });
    assert.deepEqual(r.router.counters, { delivered: 0, unowned: 0, cancellations: 0, malformed: 1 });
    assert.equal(r.socket.sent.length, 0);
  });
});
