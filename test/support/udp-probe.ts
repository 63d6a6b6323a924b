/**
 * A raw client on 127.0.0.1 for driving the fake device with the package
 * codec, as the client under test will: sends confirmed requests in
 * Original-Unicast-NPDUs and queues what comes back. Every wait is bounded.
 */
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import type { BipAddress } from '../../dist/protocol/address';
import { BvlcFunction, decodeBvll, encodeNpduFrame } from '../../dist/protocol/bvll';
import { ConfirmedApdu, decodeConfirmedApdu, encodeConfirmedApdu } from '../../dist/protocol/confirmed-apdu';
import { NpduHeader, NpduOptions, decodeNpdu, encodeNpdu } from '../../dist/protocol/npdu';
import { FakeDevice } from './fake-device';
import { FakeDeviceOptions, LOOPBACK } from './fake-device-types';

/** A received answer: its NPDU header and the decoded confirmed-service APDU (null for an I-Am). */
export interface Answer {
  npdu: NpduHeader;
  apdu: ConfirmedApdu | null;
  /** The APDU's octets (for unconfirmed ones: an I-Am, a COV notification). */
  raw: Buffer;
}

/** A raw client socket: sends frames, queues what comes back. */
export class Probe {
  private readonly queue: Answer[] = [];
  private waiting: (() => void) | null = null;
  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (raw) => {
      const frame = decodeBvll(raw) as { npdu: Buffer };
      const npdu = decodeNpdu(frame.npdu);
      const apdu = frame.npdu.subarray(npdu.apduOffset);
      this.queue.push({ npdu, apdu: apdu[0] >> 4 === 1 ? null : decodeConfirmedApdu(apdu), raw: Buffer.from(apdu) });
      this.waiting?.();
    });
  }

  static async open(): Promise<Probe> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
    return new Probe(socket);
  }

  send(to: BipAddress, apdu: Buffer, npdu: NpduOptions = {}): void {
    const raw = encodeNpduFrame(BvlcFunction.OriginalUnicastNpdu, encodeNpdu({ expectingReply: true, ...npdu }, apdu));
    this.socket.send(raw, to.port, to.address);
  }

  /** The next answer within `ms`, else a failure. */
  async next(ms = 1000): Promise<Answer> {
    const end = Date.now() + ms;
    while (this.queue.length === 0) {
      const left = end - Date.now();
      if (left <= 0) throw new Error(`no answer within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiting = null;
    }
    return this.queue.shift() as Answer;
  }

  /** Asserts nothing arrives within `ms`. */
  async none(ms = 200): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    assert.deepEqual(this.queue.map((a) => a.apdu), []);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

export type Request = Extract<ConfirmedApdu, { type: 'confirmed-request' }>;

export function request(service: number, data: Buffer, invokeId: number, limits: Partial<Request> = {}): Buffer {
  return encodeConfirmedApdu({
    type: 'confirmed-request', segmented: false, moreFollows: false, segmentedResponseAccepted: true, maxSegments: 64, maxApdu: 1476,
    invokeId, sequenceNumber: null, windowSize: null, service, data, ...limits,
  });
}

/** A Probe and the fake devices of one describe block: call inside `describe`, it adds the hooks. */
export interface ProbeRig {
  /** This test's probe (a new one each test). */
  readonly probe: Probe;
  /** Starts a fake device, stopped after the test. */
  device(options?: Partial<FakeDeviceOptions>): Promise<FakeDevice>;
  /** Sends `apdu` to `d` and returns the first answer's APDU. */
  ask(d: FakeDevice, apdu: Buffer, npdu?: NpduOptions): Promise<ConfirmedApdu | null>;
}

export function probeRig(deviceInstance: number): ProbeRig {
  const started: FakeDevice[] = [];
  let current: Probe | null = null;
  const rig: ProbeRig = {
    get probe(): Probe {
      if (!current) throw new Error('the probe exists only during a test');
      return current;
    },
    async device(options = {}) {
      const d = new FakeDevice({ deviceInstance, ...options });
      started.push(d);
      await d.start();
      return d;
    },
    async ask(d, apdu, npdu = {}) {
      rig.probe.send(d.address as BipAddress, apdu, npdu);
      return (await rig.probe.next()).apdu;
    },
  };
  beforeEach(async () => {
    current = await Probe.open();
  });
  afterEach(async () => {
    await current?.close();
    current = null;
    await Promise.all(started.splice(0).map((s) => s.stop()));
  });
  return rig;
}
