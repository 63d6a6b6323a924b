/**
 * The client side of clause 5.4 (CLIENT.md "Confirmed requests") on a fake
 * clock: invoke IDs, matching, timeouts and retries, Error/Reject/Abort, send
 * errors and close(). Limits per device: transaction-limits.test.ts;
 * segmented answers: segment-reassembly.test.ts.
 */
import assert from 'node:assert/strict';
import { SERVICE } from '../../dist/protocol/confirmed-apdu';
import { ABORT_REASONS, ERROR_CLASSES, ERROR_CODES, REJECT_REASONS, numberOf } from '../../dist/protocol/names';
import { MAX_APDU_ACCEPTED } from '../../dist/protocol/confirmed-apdu';
import { decodeReceived } from '../../dist/protocol/received-npdu';
import {
  DEVICE,
  DIRECT,
  READ_AI3,
  ROUTED,
  assertIdle,
  complexAck,
  dataOf,
  failureOf,
  flush,
  from,
  received,
  rig,
  simpleAck,
} from '../support/tsm-rig';

const VALUE = Buffer.from('0c00000003195561c4', 'hex');

describe('TransactionManager (clause 5.4 client)', () => {
  describe('the request frame', () => {
    it('is an Original-Unicast-NPDU to the device with expecting-reply, max-APDU 1476, segmented-response-accepted, 64 segments', async () => {
      const r = rig();
      r.ask();
      await flush();
      assert.equal(r.socket.sent.length, 1);
      const { to, header, apdu } = r.socket.last;
      assert.deepEqual(to, DEVICE);
      assert.equal(header.expectingReply, true);
      assert.equal(header.dnet, null);
      assert.ok(apdu.type === 'confirmed-request');
      assert.equal(apdu.segmented, false);
      assert.equal(apdu.segmentedResponseAccepted, true);
      assert.equal(apdu.maxSegments, 64);
      assert.equal(apdu.maxApdu, MAX_APDU_ACCEPTED);
      assert.equal(apdu.maxApdu, 1476);
      assert.equal(apdu.service, SERVICE.readProperty);
      assert.deepEqual(apdu.data, READ_AI3);
    });

    it('carries DNET/DADR for a routed device and goes to its router', async () => {
      const r = rig();
      r.ask({ destination: ROUTED });
      await flush();
      const { to, header } = r.socket.last;
      assert.deepEqual(to, ROUTED.address);
      assert.equal(header.dnet, 5);
      assert.equal(header.dadr, '0a');
      assert.equal(header.expectingReply, true);
    });
  });

  describe('invoke IDs', () => {
    it('go in sequence per destination, each destination its own', async () => {
      const r = rig();
      for (let i = 0; i < 2; i++) r.ask();
      r.ask({ destination: ROUTED, deviceKey: 'r' });
      await flush();
      assert.deepEqual(r.socket.sent.map((s) => s.apdu.invokeId), [0, 1, 0]);
      for (const id of [0, 1]) r.manager.handle(received(simpleAck(id)));
      r.manager.handle(from(ROUTED, simpleAck(0)));
      r.ask();
      await flush();
      assert.equal(r.socket.last.apdu.invokeId, 2, 'not the lowest free one');
      r.manager.handle(received(simpleAck(2)));
      await assertIdle(r);
    });

    it('wrap modulo 256 and skip one still outstanding', async () => {
      const r = rig();
      const first = r.ask({ deviceKey: 'slow' }); // invoke ID 0 stays outstanding
      for (let i = 1; i <= 255; i++) {
        r.ask();
        await flush();
        assert.equal(r.socket.last.apdu.invokeId, i);
        r.manager.handle(received(simpleAck(i)));
      }
      r.ask();
      await flush();
      assert.equal(r.socket.last.apdu.invokeId, 1, '0 is outstanding: skipped after the wrap');
      r.manager.handle(received(simpleAck(1)));
      r.manager.handle(received(simpleAck(0)));
      await flush();
      assert.deepEqual(dataOf(first.outcome), null);
      await assertIdle(r);
    });

    it('are not reused after a timeout: a late answer does not answer the next request and is counted', async () => {
      const r = rig();
      const late = r.ask({ retries: 0 });
      await r.clock.advance(1000);
      assert.equal(failureOf(late.outcome).kind, 'timeout');
      const next = r.ask();
      await flush();
      assert.equal(r.socket.last.apdu.invokeId, 1);
      assert.equal(r.manager.handle(received(complexAck(0, VALUE))), true);
      await flush();
      assert.equal(next.outcome, 'pending');
      assert.equal(r.manager.counters.unmatched, 1);
      r.manager.handle(received(complexAck(1, VALUE)));
      await flush();
      assert.deepEqual(dataOf(next.outcome), VALUE);
      await assertIdle(r);
    });
  });

  describe('matching answers', () => {
    const cases: [string, Parameters<typeof received>][] = [
      ['another address', [complexAck(0, VALUE), { address: '10.0.4.8', port: 47808 }]],
      ['another port', [complexAck(0, VALUE), { address: '10.0.4.7', port: 47809 }]],
      ['another invoke ID', [complexAck(1, VALUE)]],
      ['another service', [complexAck(0, VALUE, SERVICE.writeProperty)]],
      ['a Simple-ACK for another service', [simpleAck(0, SERVICE.writeProperty)]],
      ['SNET/SADR from a direct device', [complexAck(0, VALUE), DEVICE, { snet: 5, sadr: '0a' }]],
    ];
    for (const [what, args] of cases) {
      it(`drops and counts an answer from ${what}`, async () => {
        const r = rig();
        const req = r.ask();
        await flush();
        assert.equal(r.manager.handle(received(...args)), true);
        await flush();
        assert.equal(req.outcome, 'pending');
        assert.equal(r.manager.counters.unmatched, 1);
        r.manager.handle(received(complexAck(0, VALUE)));
        await flush();
        assert.deepEqual(dataOf(req.outcome), VALUE);
        await assertIdle(r);
      });
    }

    it('takes a routed answer only with its SNET/SADR from the router', async () => {
      const r = rig();
      const req = r.ask({ destination: ROUTED });
      await flush();
      r.manager.handle(received(complexAck(0, VALUE), ROUTED.address));
      r.manager.handle(received(complexAck(0, VALUE), ROUTED.address, { snet: 6, sadr: '0a' }));
      r.manager.handle(received(complexAck(0, VALUE), ROUTED.address, { snet: 5, sadr: '0b' }));
      r.manager.handle(received(complexAck(0, VALUE), DEVICE, { snet: 5, sadr: '0a' }));
      await flush();
      assert.equal(req.outcome, 'pending');
      assert.equal(r.manager.counters.unmatched, 4);
      r.manager.handle(received(complexAck(0, VALUE), ROUTED.address, { snet: 5, sadr: '0A' }));
      await flush();
      assert.deepEqual(dataOf(req.outcome), VALUE);
      await assertIdle(r);
    });

    it('leaves requests and unconfirmed APDUs to others, counts an answer that does not decode', async () => {
      const r = rig();
      r.ask();
      await flush();
      assert.equal(r.manager.handle(received(r.socket.last.apdu)), false, 'a Confirmed-Request is the server duty\'s');
      const whoIs = decodeReceived(Buffer.from('0120ffff00ff1008', 'hex'), DEVICE, null, 'Original-Unicast-NPDU');
      assert.equal(r.manager.handle(whoIs), false);
      // A Simple-ACK with an octet too many: describeApdu takes it, decodeConfirmedApdu does not.
      const bad = received(simpleAck(0));
      const longer = { ...bad, npdu: Buffer.concat([bad.npdu, Buffer.from([0])]) };
      assert.equal(r.manager.handle(longer), true);
      assert.equal(r.manager.counters.malformed, 1);
      r.manager.handle(received(simpleAck(0)));
      await assertIdle(r);
    });
  });

  describe('timeout and retries', () => {
    it('resends the identical frame with the same invoke ID, retries + 1 tries, fails after exactly timeout × (retries + 1)', async () => {
      const r = rig();
      const req = r.ask({ timeoutMs: 1000, retries: 3 });
      await flush();
      for (let t = 1; t <= 3; t++) {
        await r.clock.advance(999);
        assert.equal(r.socket.sent.length, t);
        await r.clock.advance(1);
        assert.equal(r.socket.sent.length, t + 1);
      }
      const frames = r.socket.sent.map((s) => s.frame.toString('hex'));
      assert.equal(new Set(frames).size, 1, 'every try is the same frame');
      assert.equal(r.socket.sent[3].apdu.invokeId, 0);
      await r.clock.advance(999);
      assert.equal(req.outcome, 'pending');
      await r.clock.advance(1);
      assert.equal(r.clock.monotonic(), 4000);
      assert.deepEqual(failureOf(req.outcome), { kind: 'timeout', tries: 4 });
      assert.equal(r.socket.sent.length, 4);
      assert.equal(r.manager.counters.retries, 3);
      await assertIdle(r);
    });

    it('takes an answer to any try', async () => {
      const r = rig();
      const req = r.ask({ retries: 2 });
      await r.clock.advance(1500);
      assert.equal(r.socket.sent.length, 2);
      r.manager.handle(received(simpleAck(0)));
      await flush();
      assert.equal(dataOf(req.outcome), null);
      await assertIdle(r);
    });

    it('with retries 0 tries once', async () => {
      const r = rig();
      const req = r.ask({ retries: 0, timeoutMs: 250 });
      await r.clock.advance(250);
      assert.deepEqual(failureOf(req.outcome), { kind: 'timeout', tries: 1 });
      assert.equal(r.socket.sent.length, 1);
      await assertIdle(r);
    });
  });

  describe('Error, Reject and Abort', () => {
    const writeAccessDenied = { errorClass: numberOf(ERROR_CLASSES, 'property'), errorCode: numberOf(ERROR_CODES, 'write-access-denied') };
    it('an Error-PDU fails with its class and code', async () => {
      const r = rig();
      const req = r.ask({ service: SERVICE.writeProperty });
      await flush();
      r.manager.handle(received({ type: 'error', invokeId: 0, service: SERVICE.writeProperty, ...writeAccessDenied }));
      await flush();
      assert.deepEqual(failureOf(req.outcome), { kind: 'error', ...writeAccessDenied });
      await assertIdle(r);
    });

    it('a Reject-PDU fails with its reason', async () => {
      const r = rig();
      const req = r.ask();
      await flush();
      const reason = numberOf(REJECT_REASONS, 'unrecognized-service');
      r.manager.handle(received({ type: 'reject', invokeId: 0, reason }));
      await flush();
      assert.deepEqual(failureOf(req.outcome), { kind: 'reject', reason });
      await assertIdle(r);
    });

    it('an Abort-PDU from the server fails with its reason; one with fromServer false is not an answer', async () => {
      const r = rig();
      const req = r.ask();
      await flush();
      const reason = numberOf(ABORT_REASONS, 'segmentation-not-supported');
      r.manager.handle(received({ type: 'abort', fromServer: false, invokeId: 0, reason }));
      await flush();
      assert.equal(req.outcome, 'pending');
      assert.equal(r.manager.counters.unmatched, 1);
      r.manager.handle(received({ type: 'abort', fromServer: true, invokeId: 0, reason }));
      await flush();
      assert.deepEqual(failureOf(req.outcome), { kind: 'abort', reason, fromServer: true });
      assert.equal(r.socket.sent.length, 1, 'nothing sent back to an Abort');
      await assertIdle(r);
    });
  });

  describe('send errors and close()', () => {
    it('a send error ends the request with kind send', async () => {
      const r = rig();
      r.socket.failWith = new Error('EHOSTUNREACH');
      const req = r.ask();
      await flush();
      assert.deepEqual(failureOf(req.outcome), { kind: 'send', cause: 'EHOSTUNREACH' });
      await assertIdle(r);
    });

    it('a send error on a retry ends the request too', async () => {
      const r = rig();
      const req = r.ask();
      await flush();
      r.socket.failWith = new Error('ENETDOWN');
      await r.clock.advance(1000);
      assert.deepEqual(failureOf(req.outcome), { kind: 'send', cause: 'ENETDOWN' });
      await assertIdle(r);
    });

    it('a request whose frame cannot be built fails as not sent, and nothing is left behind', async () => {
      const r = rig();
      const req = r.ask({ data: Buffer.alloc(1600) });
      await flush();
      assert.equal(failureOf(req.outcome).kind, 'send');
      assert.equal(r.socket.sent.length, 0);
      await assertIdle(r);
    });

    it('close() fails every waiting and outstanding request with closed, leaves no timer, fails later requests at once', async () => {
      const r = rig();
      const reqs = [r.ask(), r.ask(), r.ask(), r.ask({ deviceKey: 'other', destination: ROUTED })];
      await flush();
      assert.equal(r.manager.pending, 4);
      r.manager.close();
      await flush();
      for (const req of reqs) assert.deepEqual(failureOf(req.outcome), { kind: 'closed' });
      await assertIdle(r);
      const later = r.ask();
      await flush();
      assert.deepEqual(failureOf(later.outcome), { kind: 'closed' });
      assert.equal(r.socket.sent.length, 3, 'the waiting one was never sent, nothing after close');
      r.manager.close();
      await r.clock.advance(60_000);
      assert.equal(r.socket.sent.length, 3);
    });
  });

  it('an answer to a request on a direct destination is not taken for a routed one with the same invoke ID', async () => {
    const r = rig();
    const direct = r.ask();
    const routed = r.ask({ destination: { ...ROUTED, address: DIRECT.address }, deviceKey: 'r' });
    await flush();
    assert.deepEqual(r.socket.sent.map((s) => s.apdu.invokeId), [0, 0]);
    r.manager.handle(received(complexAck(0, VALUE), DEVICE, { snet: 5, sadr: '0a' }));
    await flush();
    assert.equal(direct.outcome, 'pending');
    assert.deepEqual(dataOf(routed.outcome), VALUE);
    r.manager.handle(received(simpleAck(0)));
    await flush();
    assert.equal(dataOf(direct.outcome), null);
    await assertIdle(r);
  });
});
