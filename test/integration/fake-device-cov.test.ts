/**
 * The fake device as a COV server (test/support/fake-cov.ts), driven from a
 * raw UDP socket on 127.0.0.1 with the package codec, as fd-cov will drive
 * it: subscribe, the first notification, a change and its notification,
 * confirmed notifications acknowledged by the test (or not), lifetime
 * expiry, cancellation, refusals, and a restart. Every wait is bounded.
 */
import assert from 'node:assert/strict';
import type { BipAddress } from '../../dist/protocol/address';
import { decodeIAm } from '../../dist/protocol/apdu';
import { ConfirmedApdu, SERVICE, encodeConfirmedApdu } from '../../dist/protocol/confirmed-apdu';
import { ERROR_CLASSES, ERROR_CODES, nameOf, parseObjectReference, PROPERTY_IDENTIFIERS, numberOf } from '../../dist/protocol/names';
import { CovNotification, covValuesByName, decodeCovNotification, decodeUnconfirmedCovNotificationApdu } from '../../dist/protocol/services/cov-notification';
import { encodePropertyValue } from '../../dist/protocol/property-encoding';
import { encodeWritePropertyRequest } from '../../dist/protocol/services/write-property';
import { encodeSubscribeCovRequest } from '../../dist/protocol/services/subscribe-cov';
import { encodeSubscribeCovPropertyRequest } from '../../dist/protocol/services/subscribe-cov-property';
import { FakeDevice } from '../support/fake-device';
import { Answer, probeRig, request } from '../support/udp-probe';

const AI1 = parseObjectReference('analog-input:1');
const OK_FLAGS = { 'in-alarm': false, fault: false, overridden: false, 'out-of-service': false };

function subscribe(object: string, processId: number, confirmed: boolean | null, lifetime: number | null, invokeId = 1): Buffer {
  return request(SERVICE.subscribeCov, encodeSubscribeCovRequest({ processId, object: parseObjectReference(object), confirmed, lifetime }), invokeId);
}

function subscribeProperty(object: string, property: string, processId: number, covIncrement: number | null, invokeId: number, lifetime: number | null = 300): Buffer {
  const data = encodeSubscribeCovPropertyRequest({
    processId, object: parseObjectReference(object), confirmed: lifetime === null ? null : false, lifetime,
    property: numberOf(PROPERTY_IDENTIFIERS, property), index: null, covIncrement,
  });
  return request(SERVICE.subscribeCovProperty, data, invokeId);
}

function simpleAck(apdu: ConfirmedApdu | null, service: number): void {
  assert.ok(apdu && apdu.type === 'simple-ack' && apdu.service === service, `expected a Simple-ACK, got ${JSON.stringify(apdu)}`);
}

function errorOf(apdu: ConfirmedApdu | null): string {
  assert.ok(apdu && apdu.type === 'error', JSON.stringify(apdu));
  return `${nameOf(ERROR_CLASSES, apdu.errorClass)}/${nameOf(ERROR_CODES, apdu.errorCode)}`;
}

/** An unconfirmed notification's parameters and values by name. */
function unconfirmed(answer: Answer): CovNotification & { named: ReturnType<typeof covValuesByName> } {
  const n = decodeUnconfirmedCovNotificationApdu(answer.raw);
  return { ...n, named: covValuesByName(n) };
}

/** A confirmed notification: its Confirmed-Request and parameters. */
function confirmed(answer: Answer): { req: Extract<ConfirmedApdu, { type: 'confirmed-request' }>; n: CovNotification } {
  const req = answer.apdu;
  assert.ok(req && req.type === 'confirmed-request' && req.service === SERVICE.confirmedCovNotification, JSON.stringify(req));
  assert.equal(answer.npdu.expectingReply, true);
  return { req, n: decodeCovNotification(req.data) };
}

describe('FakeDevice serves COV subscriptions', function () {
  this.timeout(10000);
  const rig = probeRig(4300);
  const { device, ask } = rig;

  it('subscribe: Simple-ACK, a first notification, one more on a change beyond cov-increment only', async () => {
    const d = await device();
    simpleAck(await ask(d, subscribe('analog-input:1', 77, false, 300)), SERVICE.subscribeCov);
    const first = unconfirmed(await rig.probe.next());
    assert.deepEqual([first.processId, first.initiatingDevice, first.object], [77, { type: 8, instance: 4300 }, AI1]);
    assert.ok(first.timeRemaining > 298 && first.timeRemaining <= 300, String(first.timeRemaining));
    assert.deepEqual(first.named, { 'present-value': 21.5, 'status-flags': OK_FLAGS });
    d.objects.set('analog-input:1', 'present-value', 21.7); // under cov-increment 0.5
    await rig.probe.none(100);
    d.objects.set('analog-input:1', 'present-value', 22.0); // 0.5 from the last value sent
    assert.deepEqual(unconfirmed(await rig.probe.next()).named, { 'present-value': 22, 'status-flags': OK_FLAGS });
    d.objects.set('analog-input:1', 'status-flags', { ...OK_FLAGS, fault: true });
    assert.deepEqual(unconfirmed(await rig.probe.next()).named['status-flags'], { ...OK_FLAGS, fault: true });
    assert.deepEqual(d.cov.subscriptions().map((s) => [s.processId, s.object, s.property, s.confirmed, s.lifetime]), [[77, 'analog-input:1', null, false, 300]]);
    assert.deepEqual([d.cov.counters.subscribed, d.cov.counters.unconfirmedSent], [1, 3]);
  });

  it('a WriteProperty to a binary-value notifies its subscriber; a renewal notifies again without a second subscription', async () => {
    const d = await device();
    simpleAck(await ask(d, subscribe('binary-value:1', 5, false, 0)), SERVICE.subscribeCov);
    assert.equal(unconfirmed(await rig.probe.next()).timeRemaining, 0);
    const write = encodeWritePropertyRequest({ object: parseObjectReference('binary-value:1'), property: 85, index: null, value: encodePropertyValue('binary-value', 'present-value', 'active'), priority: null });
    simpleAck(await ask(d, request(SERVICE.writeProperty, write, 3)), SERVICE.writeProperty);
    assert.equal(unconfirmed(await rig.probe.next()).named['present-value'], 'active');
    simpleAck(await ask(d, subscribe('binary-value:1', 5, false, 600, 2)), SERVICE.subscribeCov);
    assert.equal(unconfirmed(await rig.probe.next()).named['present-value'], 'active');
    assert.equal(d.cov.subscriptions().length, 1);
  });

  it('SubscribeCOVProperty with its own increment; refusals name the standard error', async () => {
    const d = await device();
    simpleAck(await ask(d, subscribeProperty('analog-value:1', 'present-value', 9, 2, 1)), SERVICE.subscribeCovProperty);
    assert.deepEqual(unconfirmed(await rig.probe.next()).named, { 'present-value': 20, 'status-flags': OK_FLAGS });
    d.objects.set('analog-value:1', 'relinquish-default', 21); // 1.0 < 2
    await rig.probe.none(100);
    d.objects.set('analog-value:1', 'relinquish-default', 22.5);
    assert.equal(unconfirmed(await rig.probe.next()).named['present-value'], 22.5);
    assert.equal(errorOf(await ask(d, subscribeProperty('analog-input:1', 'units', 9, null, 2))), 'property/not-cov-property');
    assert.equal(errorOf(await ask(d, subscribeProperty('analog-input:1', 'priority-array', 9, null, 3))), 'property/unknown-property');
    assert.equal(errorOf(await ask(d, subscribe('analog-input:9', 9, false, 60, 4))), 'object/unknown-object');
    assert.equal(errorOf(await ask(d, subscribe('device:4300', 9, false, 60, 5))), 'object/optional-functionality-not-supported');
    assert.equal(d.cov.counters.refused, 4);
  });

  it('confirmed notifications: the test acks with a Simple-ACK; unanswered ones are sent again, then given up', async () => {
    const d = await device();
    d.cov.timeoutMs = 100;
    d.cov.retries = 2;
    simpleAck(await ask(d, subscribe('analog-input:1', 42, true, 60)), SERVICE.subscribeCov);
    const { req, n } = confirmed(await rig.probe.next());
    assert.equal(n.processId, 42);
    rig.probe.send(d.address as BipAddress, encodeConfirmedApdu({ type: 'simple-ack', invokeId: req.invokeId, service: SERVICE.confirmedCovNotification }), { expectingReply: false });
    await rig.probe.none(250); // acknowledged: no resend
    assert.equal(d.cov.counters.acks, 1);
    d.objects.set('analog-input:1', 'present-value', 30);
    const tries = [confirmed(await rig.probe.next()), confirmed(await rig.probe.next()), confirmed(await rig.probe.next())];
    assert.equal(new Set(tries.map((t) => t.req.invokeId)).size, 1, 'a resend keeps its invoke ID');
    assert.notEqual(tries[0].req.invokeId, req.invokeId);
    await rig.probe.none(250);
    assert.deepEqual([d.cov.counters.confirmedSent, d.cov.counters.resends, d.cov.counters.unanswered, d.cov.counters.acks], [2, 2, 1, 1]);
  });

  it('a subscription lapses after its lifetime; a cancellation is acknowledged and recorded', async () => {
    const d = await device();
    d.cov.secondMs = 50;
    simpleAck(await ask(d, subscribe('analog-input:1', 1, false, 2)), SERVICE.subscribeCov);
    assert.equal(unconfirmed(await rig.probe.next()).timeRemaining, 2);
    simpleAck(await ask(d, subscribe('multi-state-value:1', 2, false, 0, 2)), SERVICE.subscribeCov);
    await rig.probe.next();
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(d.cov.counters.expired, 1);
    d.objects.set('analog-input:1', 'present-value', 99);
    await rig.probe.none(100);
    simpleAck(await ask(d, subscribe('multi-state-value:1', 2, null, null, 3)), SERVICE.subscribeCov);
    simpleAck(await ask(d, subscribeProperty('analog-input:1', 'present-value', 3, null, 4, null)), SERVICE.subscribeCovProperty);
    assert.deepEqual(d.cov.cancellations.map((c) => [c.processId, c.object, c.property, c.matched]), [
      [2, 'multi-state-value:1', null, true],
      [3, 'analog-input:1', 'present-value', false],
    ]);
    d.objects.set('multi-state-value:1', 'present-value', 3);
    await rig.probe.none(100);
    assert.deepEqual(d.cov.subscriptions(), []);
  });

  it('restart() forgets every subscription and announces the device with an I-Am', async () => {
    const d: FakeDevice = await device();
    simpleAck(await ask(d, subscribe('analog-input:1', 1, false, 300)), SERVICE.subscribeCov);
    await rig.probe.next();
    d.cov.restart();
    const iAm = await rig.probe.next();
    assert.equal(iAm.apdu, null);
    assert.equal(decodeIAm(iAm.raw).deviceInstance, 4300);
    d.objects.set('analog-input:1', 'present-value', 50);
    await rig.probe.none(100);
    assert.deepEqual([d.cov.subscriptions().length, d.cov.counters.restarts], [0, 1]);
  });
});
