/**
 * CovSubscriptions on a fake clock: the real TransactionManager over a
 * recording socket (tsm-rig.ts), the real notification router, a device
 * target found at once (or a lookup that fails), and the states and
 * messages each subscription reports. Notifications are built with the
 * package codec, as a device would send them.
 */
import assert from 'node:assert/strict';
import type { BipAddress } from '../../dist/protocol/address';
import { encodeIAmApdu } from '../../dist/protocol/apdu';
import { SERVICE } from '../../dist/protocol/confirmed-apdu';
import { encodeNpdu } from '../../dist/protocol/npdu';
import { ReceivedNpdu, decodeReceived } from '../../dist/protocol/received-npdu';
import { CovNotification, encodeCovNotification, encodeUnconfirmedCovNotificationApdu } from '../../dist/protocol/services/cov-notification';
import { SubscribeCovRequest, decodeSubscribeCovRequest } from '../../dist/protocol/services/subscribe-cov';
import { SubscribeCovPropertyRequest, decodeSubscribeCovPropertyRequest } from '../../dist/protocol/services/subscribe-cov-property';
import { CovNotifications } from '../../dist/client/cov-notifications';
import { CovContext, CovFollowOptions, CovMessage, CovState, CovSubscription } from '../../dist/client/cov-subscription';
import type { DeviceTarget } from '../../dist/client/device-target';
import { DEVICE, DIRECT, Rig, SentFrame, from, received, rig, simpleAck } from './tsm-rig';

export const AI1 = { type: 0, instance: 1 };
/** REAL 21.5 and status-flags all false, as application-tagged octets. */
export const PV_21_5 = Buffer.from('4441ac0000', 'hex');
export const FLAGS_CLEAR = Buffer.from('820400', 'hex');

export const TARGET: DeviceTarget = {
  instance: 1201,
  destination: DIRECT,
  maxApdu: 1476,
  key: 'device:1201',
  segmentsAnswers: false,
  readPropertyMultiple: true,
  markNoReadPropertyMultiple: () => undefined,
  objectToSend: (object) => object,
  forget: () => undefined,
};

/** What one subscription told its listener. */
export interface Heard {
  states: CovState[];
  messages: CovMessage[];
}

export interface CovRig extends Rig {
  router: CovNotifications;
  warnings: string[];
  /** The lookup's failure while set. */
  findError: Error | null;
  /** The jitter's random value. */
  random: number;
  follow(options?: Partial<CovFollowOptions>): { subscription: CovSubscription; heard: Heard };
  /** The SubscribeCOV / SubscribeCOVProperty requests sent (cancellations too), decoded. */
  subscribes(): (SentFrame & { request: SubscribeCovRequest | SubscribeCovPropertyRequest })[];
  /** follow() and start(), the subscribe request acknowledged at once. */
  subscribed(options?: Partial<CovFollowOptions>): Promise<{ subscription: CovSubscription; heard: Heard }>;
  /** A Simple-ACK to the last Confirmed-Request sent. */
  ackLast(): void;
  /** Closes each, letting the fake clock run the second a cancellation may wait. */
  close(...subscriptions: CovSubscription[]): Promise<void>;
}

export function covRig(publicAddress = false): CovRig {
  const base = rig();
  const router = new CovNotifications(base.clock, base.manager);
  const r: CovRig = {
    ...base,
    router,
    warnings: [],
    findError: null,
    random: 0.5,
    follow(options = {}) {
      const heard: Heard = { states: [], messages: [] };
      const context: CovContext = {
        clock: base.clock,
        random: () => r.random,
        targets: {
          find: async () => {
            if (r.findError) throw r.findError;
            return TARGET;
          },
        },
        socket: async () => ({ transactions: base.manager, covNotifications: router }),
        publicAddress,
        warn: (text) => r.warnings.push(text),
        closed: () => undefined,
      };
      const full: CovFollowOptions = {
        nodeId: 'a1b2c3d4.e5f607',
        device: { kind: 'instance', instance: 1201 },
        object: AI1,
        property: null,
        covIncrement: null,
        lifetime: 300,
        confirmed: false,
        timeoutMs: 1000,
        retries: 0,
        ...options,
      };
      const listener = { notification: (m: CovMessage) => heard.messages.push(m), state: (s: CovState) => heard.states.push(s) };
      return { subscription: new CovSubscription(full, listener, context), heard };
    },
    async subscribed(options) {
      const followed = r.follow(options);
      followed.subscription.start();
      await base.clock.advance(0);
      r.ackLast();
      await base.clock.advance(0);
      return followed;
    },
    subscribes() {
      return base.socket.of('confirmed-request').map((frame) => {
        const { service, data } = frame.apdu;
        assert.ok(service === SERVICE.subscribeCov || service === SERVICE.subscribeCovProperty, `unexpected service ${service}`);
        const request = service === SERVICE.subscribeCov ? decodeSubscribeCovRequest(data) : decodeSubscribeCovPropertyRequest(data);
        return { ...frame, request };
      });
    },
    ackLast() {
      const apdu = base.socket.last.apdu;
      assert.equal(apdu.type, 'confirmed-request');
      base.manager.handle(from(DIRECT, simpleAck(apdu.invokeId, apdu.service)));
    },
    async close(...subscriptions) {
      const closing = Promise.all(subscriptions.map((s) => s.close()));
      await base.clock.advance(1000);
      await closing;
    },
  };
  return r;
}

/** A notification for `processId` from device 1201 about `object`. */
export function notification(processId: number, object = AI1, timeRemaining = 290): CovNotification {
  return {
    processId,
    initiatingDevice: { type: 8, instance: 1201 },
    object,
    timeRemaining,
    values: [
      { property: 85, index: null, value: PV_21_5, priority: null },
      { property: 111, index: null, value: FLAGS_CLEAR, priority: null },
    ],
  };
}

/** An UnconfirmedCOVNotification as the endpoint decodes it. */
export function unconfirmed(n: CovNotification, source: BipAddress = DEVICE): ReceivedNpdu {
  return decodeReceived(encodeNpdu({}, encodeUnconfirmedCovNotificationApdu(n)), { ...source }, null, 'Original-Unicast-NPDU');
}

/** A ConfirmedCOVNotification as ServerDuty.notifications hands it over. */
export function confirmed(n: CovNotification, source: BipAddress = DEVICE, invokeId = 7): { received: ReceivedNpdu; data: Buffer } {
  const data = encodeCovNotification(n);
  const apdu = {
    type: 'confirmed-request' as const,
    segmented: false,
    moreFollows: false,
    segmentedResponseAccepted: false,
    maxSegments: null,
    maxApdu: 1476,
    invokeId,
    sequenceNumber: null,
    windowSize: null,
    service: SERVICE.confirmedCovNotification,
    data,
  };
  return { received: received(apdu, source), data };
}

/** An I-Am of `instance` from `source`, as the registration hands it over. */
export function iAm(instance: number, source: BipAddress = DEVICE): ReceivedNpdu {
  const apdu = encodeIAmApdu({ deviceInstance: instance, maxApdu: 1476, segmentation: 3, vendorId: 260 });
  return decodeReceived(encodeNpdu({}, apdu), { ...source }, null, 'Original-Broadcast-NPDU');
}
