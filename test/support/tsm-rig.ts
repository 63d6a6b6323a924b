/**
 * A TransactionManager on a fake clock and a socket that records every frame
 * it is given (decoded back with the real codec, so tests assert on fields),
 * and answers built with the real encoders and decodeReceived, as the
 * endpoint hands them over.
 */
import assert from 'node:assert/strict';
import type { BipAddress } from '../../dist/protocol/address';
import { BvlcFunction, decodeBvll } from '../../dist/protocol/bvll';
import { ConfirmedApdu, SERVICE, decodeConfirmedApdu, encodeConfirmedApdu } from '../../dist/protocol/confirmed-apdu';
import { NpduHeader, NpduOptions, decodeNpdu, encodeNpdu } from '../../dist/protocol/npdu';
import { ReceivedNpdu, decodeReceived } from '../../dist/protocol/received-npdu';
import type { Destination } from '../../dist/client/destination';
import { ConfirmedRequest, TransactionManager, TransactionSocket } from '../../dist/client/transaction-manager';
import { TransactionError, TransactionFailure } from '../../dist/client/transaction-error';
import { FakeClock, flush } from './fake-clock';

export const DEVICE: BipAddress = { address: '10.0.4.7', port: 47808 };
export const DIRECT: Destination = { address: DEVICE, network: null, mac: null };
export const ROUTED: Destination = { address: { address: '10.0.4.1', port: 47808 }, network: 5, mac: '0a' };
/** A ReadProperty request's data: analog-input:3 present-value. */
export const READ_AI3 = Buffer.from('0c0000000319' + '55', 'hex');

/** One datagram handed to the socket, decoded. */
export interface SentFrame {
  readonly to: BipAddress;
  readonly frame: Buffer;
  readonly header: NpduHeader;
  readonly apdu: ConfirmedApdu;
}

export class RecordingSocket implements TransactionSocket {
  readonly sent: SentFrame[] = [];
  /** When set, every send rejects with it (after recording the frame). */
  failWith: Error | null = null;

  async send(frame: Uint8Array, to: BipAddress): Promise<void> {
    const copy = Buffer.from(frame);
    const bvll = decodeBvll(copy);
    assert.equal(bvll.function, BvlcFunction.OriginalUnicastNpdu, 'every frame is an Original-Unicast-NPDU');
    const npdu = (bvll as { npdu: Buffer }).npdu;
    const header = decodeNpdu(npdu);
    this.sent.push({ to: { ...to }, frame: copy, header, apdu: decodeConfirmedApdu(npdu, header.apduOffset) });
    if (this.failWith) throw this.failWith;
  }

  /** The frames whose APDU is of `type`. */
  of<T extends ConfirmedApdu['type']>(type: T): (SentFrame & { apdu: Extract<ConfirmedApdu, { type: T }> })[] {
    return this.sent.filter((s) => s.apdu.type === type) as (SentFrame & { apdu: Extract<ConfirmedApdu, { type: T }> })[];
  }

  get last(): SentFrame {
    const last = this.sent[this.sent.length - 1];
    assert.ok(last, 'nothing was sent');
    return last;
  }
}

/** An answer as the endpoint hands it over: the NPDU decoded by decodeReceived. */
export function received(
  apdu: ConfirmedApdu,
  from: BipAddress = DEVICE,
  npdu: NpduOptions = {},
  bvlcFunction = 'Original-Unicast-NPDU',
  via: BipAddress | null = null,
): ReceivedNpdu {
  return decodeReceived(encodeNpdu(npdu, encodeConfirmedApdu(apdu)), { ...from }, via, bvlcFunction);
}

/** An answer from `destination`: its address, with SNET/SADR when it is routed. */
export function from(destination: Destination, apdu: ConfirmedApdu): ReceivedNpdu {
  const npdu: NpduOptions = destination.network === null ? {} : { snet: destination.network, sadr: destination.mac ?? '' };
  return received(apdu, destination.address, npdu);
}

export function simpleAck(invokeId: number, service: number = SERVICE.readProperty): ConfirmedApdu {
  return { type: 'simple-ack', invokeId, service };
}

export function complexAck(invokeId: number, data: Buffer, service: number = SERVICE.readProperty): ConfirmedApdu {
  return { type: 'complex-ack', segmented: false, moreFollows: false, invokeId, sequenceNumber: null, windowSize: null, service, data };
}

export function segment(invokeId: number, sequenceNumber: number, moreFollows: boolean, windowSize = 2, service: number = SERVICE.readProperty): ConfirmedApdu {
  const data = Buffer.from([sequenceNumber]);
  return { type: 'complex-ack', segmented: true, moreFollows, invokeId, sequenceNumber, windowSize, service, data };
}

/** What a settled request gave: its data, or its failure. */
export type Outcome = { ok: Buffer | null } | { failure: TransactionFailure } | 'pending';

/** Follows a promise so tests can look at it without awaiting it. */
export function watch(promise: Promise<Buffer | null>): { readonly outcome: Outcome } {
  const box: { outcome: Outcome } = { outcome: 'pending' };
  promise.then(
    (ok) => (box.outcome = { ok }),
    (err: unknown) => {
      assert.ok(err instanceof TransactionError, `expected a TransactionError, got ${String(err)}`);
      box.outcome = { failure: err.failure };
    },
  );
  return box;
}

export interface Rig {
  clock: FakeClock;
  socket: RecordingSocket;
  manager: TransactionManager;
  /** Sends a request (ReadProperty to DIRECT, 1000 ms, 3 retries unless overridden) and watches it. */
  ask(overrides?: Partial<ConfirmedRequest>): { readonly outcome: Outcome };
}

export function rig(): Rig {
  const clock = new FakeClock();
  const socket = new RecordingSocket();
  const manager = new TransactionManager({ clock, socket });
  const ask = (overrides: Partial<ConfirmedRequest> = {}): { readonly outcome: Outcome } =>
    watch(
      manager.request({
        destination: DIRECT,
        deviceKey: '1201',
        service: SERVICE.readProperty,
        data: READ_AI3,
        timeoutMs: 1000,
        retries: 3,
        ...overrides,
      }),
    );
  return { clock, socket, manager, ask };
}

/** Everything ended: nothing pending in the manager, no timer left on the clock. */
export async function assertIdle(r: Rig): Promise<void> {
  await flush();
  assert.equal(r.manager.pending, 0, 'requests still pending');
  assert.equal(r.clock.pending, 0, 'timers still set');
}

export function failureOf(outcome: Outcome): TransactionFailure {
  assert.ok(typeof outcome === 'object' && 'failure' in outcome, `expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome.failure;
}

export function dataOf(outcome: Outcome): Buffer | null {
  assert.ok(typeof outcome === 'object' && 'ok' in outcome, `expected a result, got ${JSON.stringify(outcome)}`);
  return outcome.ok;
}

export { flush };
