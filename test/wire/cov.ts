/**
 * The wire test's COV phases, through the package's own client
 * (BacnetClient.follow, as fd-cov does) against the direct device's COV
 * server: SubscribeCOV with unconfirmed notifications and the
 * UnconfirmedCOVNotification that follows, its cancellation on close;
 * SubscribeCOVProperty on present-value with a COV increment and confirmed
 * notifications, the ConfirmedCOVNotification after a change with our
 * Simple-ACK to it, its cancellation on close; and the frames each phase must
 * hold as Wireshark decodes them. The subscribe requests' invoke IDs are read
 * from the datagrams the test tapped; the notifications' from the device's log.
 */
import assert from 'node:assert/strict';
import type { BacnetClient } from '../../dist/client/bacnet-client';
import type { CovMessage, CovSubscription } from '../../dist/client/cov-subscription';
import { OBJECT_TYPES, PROPERTY_IDENTIFIERS, numberOf } from '../../dist/protocol/names';
import type { CovNotificationSent } from '../support/fake-cov';
import type { FakeDevice } from '../support/fake-device';
import { until } from '../support/wait';
import type { Expected, Tapped } from './frames';

const CONFIRMED_COV_NOTIFICATION = '1';
const UNCONFIRMED_COV_NOTIFICATION = '2';
const SUBSCRIBE_COV = '5';
const SUBSCRIBE_COV_PROPERTY = '28';
const LIFETIME = 300;
const COV_INCREMENT = 0.5;
/** The followed value before and after the change (more than the COV increment apart). */
const BEFORE = 21.5;
const AFTER = 22.5;
const OBJECT = 'analog-input:1';

const prop = (name: string): number => numberOf(PROPERTY_IDENTIFIERS, name);
const type = (name: string): number => numberOf(OBJECT_TYPES, name);

/** The phases in the order they run. */
export const COV_PHASES = ['subscribe-cov', 'cancel-cov', 'subscribe-cov-property', 'cov-change', 'cancel-cov-property'] as const;

/** What the COV phases left for the expectations: each subscription's process ID and the notifications the device sent per phase. */
export interface CovRun {
  processIds: { cov: number; property: number };
  notifications: Map<string, CovNotificationSent[]>;
  messages: { cov: CovMessage[]; property: CovMessage[] };
}

/** Follows analog-input:1 of `device` twice (SubscribeCOV, then SubscribeCOVProperty), each closed in its own phase. */
export async function runCovPhases(client: BacnetClient, device: FakeDevice, setPhase: (phase: string) => void): Promise<CovRun> {
  const run: CovRun = { processIds: { cov: 0, property: 0 }, notifications: new Map(), messages: { cov: [], property: [] } };
  const cov = device.cov;
  const phase = async (name: string, body: () => Promise<void>): Promise<void> => {
    setPhase(name);
    const before = cov.notifications.length;
    await body();
    run.notifications.set(name, cov.notifications.slice(before));
  };
  assert.equal(device.objects.get(OBJECT, 'present-value'), BEFORE);
  const follow = (nodeId: string, messages: CovMessage[], property: boolean): CovSubscription =>
    client.follow(
      {
        nodeId,
        device: { kind: 'instance', instance: device.deviceInstance },
        object: { type: type('analog-input'), instance: 1 },
        property: property ? prop('present-value') : null,
        covIncrement: property ? COV_INCREMENT : null,
        lifetime: LIFETIME,
        confirmed: property,
        timeoutMs: 2000,
        retries: 0,
      },
      { notification: (m) => messages.push(m), state: () => undefined },
    );

  // SubscribeCOV, unconfirmed: the Simple-ACK, then the device's first notification.
  const whole = follow('wire-cov', run.messages.cov, false);
  await phase('subscribe-cov', async () => {
    whole.start();
    await until(() => run.messages.cov.length === 1, 2000, 'the UnconfirmedCOVNotification');
  });
  run.processIds.cov = whole.processId;
  await phase('cancel-cov', () => whole.close());

  // SubscribeCOVProperty, confirmed: the first notification, then one after the change; we acknowledge each.
  const value = follow('wire-cov-property', run.messages.property, true);
  await phase('subscribe-cov-property', async () => {
    value.start();
    await until(() => run.messages.property.length === 1 && cov.counters.acks === 1, 2000, 'the first ConfirmedCOVNotification and our Simple-ACK');
  });
  run.processIds.property = value.processId;
  await phase('cov-change', async () => {
    device.objects.set(OBJECT, 'present-value', AFTER);
    await until(() => run.messages.property.length === 2 && cov.counters.acks === 2, 2000, 'the ConfirmedCOVNotification of the change and our Simple-ACK');
  });
  await phase('cancel-cov-property', () => value.close());

  assert.deepEqual([...run.messages.cov, ...run.messages.property].map((m) => m.payload), [BEFORE, BEFORE, AFTER]);
  assert.deepEqual(
    cov.cancellations.map((c) => [c.processId, c.object, c.property, c.matched]),
    [[whole.processId, OBJECT, null, true], [value.processId, OBJECT, 'present-value', true]],
  );
  assert.deepEqual(cov.subscriptions(), []);
  assert.deepEqual([cov.counters.resends, cov.counters.negativeAnswers, cov.counters.refused], [0, 0, 0]);
  for (const p of COV_PHASES) assert.equal(run.notifications.get(p)?.length, p.startsWith('cancel') ? 0 : 1, `phase ${p}: notifications sent`);
  return run;
}

/** The invoke ID of the one confirmed request we sent in `phase` (a local one: BVLC 4 octets, NPDU 2, then the APDU's third octet). */
function sentInvokeId(tapped: Tapped[], phase: string): number {
  const sent = tapped.filter((t) => t.phase === phase && t.direction === 'sent' && t.raw[6] >> 4 === 0);
  assert.equal(sent.length, 1, `phase ${phase}: one request sent`);
  const raw = sent[0].raw;
  assert.deepEqual([raw[4], raw[5] & 0x28, raw[6] >> 4], [1, 0, 0], `phase ${phase}: a local NPDU with a Confirmed-Request`);
  return raw[8];
}

/** Wireshark's "(hh.mm.ss)" rendering of a number of seconds: 300 is 0.05.00. */
function hms(seconds: number): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${Math.floor(seconds / 3600)}.${two(Math.floor(seconds / 60) % 60)}.${two(seconds % 60)}`;
}

/** The frames of each COV phase, as Wireshark must decode them (the text items are the ones Wireshark gives no field name). */
export function covExpectations(run: CovRun, device: FakeDevice, peer: number, tapped: Tapped[]): Record<string, Expected[]> {
  const pv = String(prop('present-value'));
  const monitored = { 'bacapp.objectType': [String(type('analog-input'))], 'bacapp.instance_number': ['1'] };
  const frame = (what: string, direction: 'sent' | 'received', fields: Record<string, string[]>, texts: string[] = [], noTexts: string[] = []): Expected => ({
    what, direction, peer, function: 0x0a, length: null, fields, texts, noTexts,
  });
  /** Our SubscribeCOV(Property) in `phase`: a Confirmed-Request expecting a reply, its invoke ID as tapped. */
  const subscribe = (phase: string, what: string, service: string, processId: number, fields: Record<string, string[]>, texts: string[], noTexts: string[] = []): Expected[] => {
    const invokeId = String(sentInvokeId(tapped, phase));
    return [
      frame(`${what} (invoke ID ${invokeId})`, 'sent', {
        'bacnet.control_expect': ['1'],
        'bacapp.type': ['0'],
        'bacapp.invoke_id': [invokeId],
        'bacapp.confirmed_service': [service],
        // The subscriber's process ID is a text item in a request, a field in a notification.
        'bacapp.processId': [],
        ...monitored,
        ...fields,
      }, [`subscriber Process Id: (Unsigned) ${processId}`, ...texts], noTexts),
      frame(`Simple-ACK ${what.split(' ')[0]} (invoke ID ${invokeId})`, 'received', { 'bacapp.type': ['2'], 'bacapp.invoke_id': [invokeId], 'bacapp.confirmed_service': [service] }),
    ];
  };
  /** The device's notification in `phase` (its values: present-value, then status-flags all FALSE), and for a confirmed one our Simple-ACK. */
  const notification = (phase: string, processId: number): Expected[] => {
    const sent = run.notifications.get(phase)?.[0];
    assert.ok(sent, `phase ${phase}: a notification`);
    const value = String(sent.values['present-value']);
    const fields = {
      'bacapp.processId': [String(processId)],
      // The initiating device, then the monitored object.
      'bacapp.objectType': [String(type('device')), String(type('analog-input'))],
      'bacapp.instance_number': [String(device.deviceInstance), '1'],
      'bacapp.property_identifier': [pv, String(prop('status-flags'))],
      'bacapp.present_value.real': [value],
      'bacapp.bit': ['0', '0', '0', '0'],
    };
    const texts = [`Time remaining:  (hh.mm.ss): ${hms(sent.timeRemaining)}`];
    if (sent.invokeId === null) {
      return [frame(`UnconfirmedCOVNotification present-value ${value}`, 'received', { 'bacnet.control_expect': ['0'], 'bacapp.type': ['1'], 'bacapp.unconfirmed_service': [UNCONFIRMED_COV_NOTIFICATION], ...fields }, texts)];
    }
    const invokeId = String(sent.invokeId);
    return [
      frame(`ConfirmedCOVNotification present-value ${value} (invoke ID ${invokeId})`, 'received', {
        'bacnet.control_expect': ['1'], 'bacapp.type': ['0'], 'bacapp.invoke_id': [invokeId], 'bacapp.confirmed_service': [CONFIRMED_COV_NOTIFICATION], ...fields,
      }, texts),
      frame(`our Simple-ACK to the ConfirmedCOVNotification (invoke ID ${invokeId})`, 'sent', {
        'bacnet.control_expect': ['0'], 'bacapp.type': ['2'], 'bacapp.invoke_id': [invokeId], 'bacapp.confirmed_service': [CONFIRMED_COV_NOTIFICATION],
      }),
    ];
  };
  const { cov, property } = run.processIds;
  const subscription = [`life time (hh.mm.ss): ${hms(LIFETIME)}`];
  // A cancellation: neither issue-confirmed-notifications nor lifetime (clause 13.14.1.1.3), nor a COV increment.
  const cancellation = ['issue Confirmed Notifications', 'life time', 'COV Increment'];
  const onPv = { 'bacapp.property_identifier': [pv] };
  return {
    'subscribe-cov': [
      ...subscribe('subscribe-cov', 'SubscribeCOV analog-input:1, unconfirmed, 300 s', SUBSCRIBE_COV, cov, { 'bacapp.property_identifier': [] }, [
        'issue Confirmed Notifications: FALSE', ...subscription,
      ]),
      ...notification('subscribe-cov', cov),
    ],
    'cancel-cov': subscribe('cancel-cov', 'SubscribeCOV analog-input:1 cancellation', SUBSCRIBE_COV, cov, {}, [], cancellation),
    'subscribe-cov-property': [
      ...subscribe('subscribe-cov-property', 'SubscribeCOVProperty analog-input:1 present-value, increment 0.5, confirmed, 300 s', SUBSCRIBE_COV_PROPERTY, property, onPv, [
        'issue Confirmed Notifications: TRUE', ...subscription, `COV Increment: ${COV_INCREMENT.toFixed(6)} (Real)`,
      ]),
      ...notification('subscribe-cov-property', property),
    ],
    'cov-change': notification('cov-change', property),
    'cancel-cov-property': subscribe('cancel-cov-property', 'SubscribeCOVProperty analog-input:1 present-value cancellation', SUBSCRIBE_COV_PROPERTY, property, onPv, [], cancellation),
  };
}
