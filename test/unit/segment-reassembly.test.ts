/**
 * Segmented Complex-ACKs (clause 5.4.4.3, SEGMENTED_CONFIRMATION): the pure
 * SegmentReassembly, then through the TransactionManager on a fake clock with
 * the Segment-ACKs and Aborts it sends decoded from the wire.
 */
import assert from 'node:assert/strict';
import { ABORT_REASONS, numberOf } from '../../dist/protocol/names';
import { MAX_SEGMENTS, MAX_WINDOW, ReassemblyStep, Segment, SegmentReassembly } from '../../dist/client/segment-reassembly';
import { ROUTED, Rig, assertIdle, dataOf, failureOf, flush, from, received, rig, segment } from '../support/tsm-rig';

const seg = (sequenceNumber: number, moreFollows = true, windowSize = 4): Segment => ({
  sequenceNumber,
  windowSize,
  moreFollows,
  data: Buffer.from([sequenceNumber]),
});

describe('SegmentReassembly', () => {
  it('ACKs segment 0, each window end and the last one, and concatenates in order', () => {
    const r = new SegmentReassembly();
    const acks: (number | null)[] = [];
    const first = r.begin(seg(0, true, 2));
    assert.equal(first.kind, 'continue');
    acks.push(first.kind === 'continue' && first.ack ? first.ack.sequenceNumber : null);
    let last: ReassemblyStep = first;
    for (let n = 1; n <= 6; n++) {
      last = r.next(seg(n, n < 6, 2));
      acks.push(last.kind === 'abort' ? -1 : last.ack ? last.ack.sequenceNumber : null);
    }
    assert.deepEqual(acks, [0, null, 2, null, 4, null, 6]);
    assert.equal(last.kind, 'complete');
    assert.deepEqual(last.kind === 'complete' && last.data, Buffer.from([0, 1, 2, 3, 4, 5, 6]));
    assert.equal(last.kind === 'complete' && last.ack.negative, false);
  });

  it('caps the window at 16 and says so in its Segment-ACKs', () => {
    const r = new SegmentReassembly();
    const first = r.begin(seg(0, true, 127));
    assert.equal(MAX_WINDOW, 16);
    assert.deepEqual(first.kind === 'continue' && first.ack, { sequenceNumber: 0, windowSize: 16, negative: false });
    for (let n = 1; n < 16; n++) assert.deepEqual(r.next(seg(n, true, 127)), { kind: 'continue', ack: null });
    assert.deepEqual(r.next(seg(16, true, 127)), { kind: 'continue', ack: { sequenceNumber: 16, windowSize: 16, negative: false } });
  });

  it('drops duplicates, re-ACKing the last one of the window already ACKed', () => {
    const r = new SegmentReassembly();
    r.begin(seg(0, true, 2));
    r.next(seg(1, true, 2));
    r.next(seg(2, true, 2)); // ACK 2: lost, the server sends 1 and 2 again
    assert.deepEqual(r.next(seg(1, true, 2)), { kind: 'continue', ack: null });
    assert.deepEqual(r.next(seg(2, true, 2)), { kind: 'continue', ack: { sequenceNumber: 2, windowSize: 2, negative: false } });
    assert.equal(r.count, 3);
  });

  it('answers a segment out of order with a negative Segment-ACK for the last in order', () => {
    const r = new SegmentReassembly();
    r.begin(seg(0));
    r.next(seg(1));
    assert.deepEqual(r.next(seg(3)), { kind: 'continue', ack: { sequenceNumber: 1, windowSize: 4, negative: true } });
    assert.equal(r.count, 2);
    assert.deepEqual(r.next(seg(2)), { kind: 'continue', ack: null });
    const done = r.next(seg(3, false));
    assert.deepEqual(done.kind === 'complete' && done.data, Buffer.from([0, 1, 2, 3]));
  });

  it('aborts buffer-overflow on a 65th segment', () => {
    const r = new SegmentReassembly();
    r.begin(seg(0, true, 16));
    for (let n = 1; n < MAX_SEGMENTS; n++) assert.notEqual(r.next(seg(n, true, 16)).kind, 'abort');
    assert.deepEqual(r.next(seg(64, false, 16)), { kind: 'abort', reason: numberOf(ABORT_REASONS, 'buffer-overflow') });
  });

  it('takes exactly 64 segments', () => {
    const r = new SegmentReassembly();
    r.begin(seg(0, true, 16));
    let step = r.next(seg(1, true, 16));
    for (let n = 2; n < MAX_SEGMENTS; n++) step = r.next(seg(n, n < MAX_SEGMENTS - 1, 16));
    assert.equal(step.kind, 'complete');
    assert.equal(step.kind === 'complete' && step.data.length, 64);
  });

  for (const windowSize of [0, 128, 255]) {
    it(`aborts window-size-out-of-range for a proposed window of ${windowSize}`, () => {
      assert.deepEqual(new SegmentReassembly().begin(seg(0, true, windowSize)), {
        kind: 'abort',
        reason: numberOf(ABORT_REASONS, 'window-size-out-of-range'),
      });
    });
  }
});

describe('TransactionManager segmented Complex-ACK', () => {
  async function started(): Promise<Rig & { req: ReturnType<Rig['ask']> }> {
    const r = rig();
    const req = r.ask({ timeoutMs: 1000, retries: 3 });
    await flush();
    return { ...r, req };
  }
  const acks = (r: Rig): [number, boolean, number][] =>
    r.socket.of('segment-ack').map((s) => [s.apdu.sequenceNumber, s.apdu.negative, s.apdu.windowSize]);

  it('sends Segment-ACKs for segment 0, each window end and the last, and resolves with the data', async () => {
    const r = await started();
    for (let n = 0; n <= 4; n++) r.manager.handle(received(segment(0, n, n < 4, 2)));
    await flush();
    assert.deepEqual(acks(r), [
      [0, false, 2],
      [2, false, 2],
      [4, false, 2],
    ]);
    for (const ack of r.socket.of('segment-ack')) {
      assert.equal(ack.apdu.fromServer, false);
      assert.equal(ack.apdu.invokeId, 0);
      assert.equal(ack.header.expectingReply, false);
    }
    assert.deepEqual(dataOf(r.req.outcome), Buffer.from([0, 1, 2, 3, 4]));
    await assertIdle(r);
  });

  it('sends its Segment-ACKs through the router to a routed device', async () => {
    const r = rig();
    const req = r.ask({ destination: ROUTED });
    await flush();
    r.manager.handle(from(ROUTED, segment(0, 0, true)));
    r.manager.handle(from(ROUTED, segment(0, 1, false)));
    await flush();
    for (const ack of r.socket.of('segment-ack')) {
      assert.deepEqual(ack.to, ROUTED.address);
      assert.deepEqual([ack.header.dnet, ack.header.dadr], [5, '0a']);
    }
    assert.deepEqual(dataOf(req.outcome), Buffer.from([0, 1]));
    await assertIdle(r);
  });

  it('drops a duplicate segment and re-ACKs the window end; negative ACK for one out of order', async () => {
    const r = await started();
    for (const n of [0, 1, 2, 1, 2, 4, 3]) r.manager.handle(received(segment(0, n, true, 2)));
    r.manager.handle(received(segment(0, 4, false, 2)));
    await flush();
    assert.deepEqual(acks(r), [
      [0, false, 2],
      [2, false, 2],
      [2, false, 2],
      [2, true, 2],
      [4, false, 2],
    ]);
    assert.deepEqual(dataOf(r.req.outcome), Buffer.from([0, 1, 2, 3, 4]));
    await assertIdle(r);
  });

  it('a later segment before segment 0 is not taken', async () => {
    const r = await started();
    r.manager.handle(received(segment(0, 1, true)));
    await flush();
    assert.equal(r.manager.counters.unmatched, 1);
    assert.equal(r.socket.of('segment-ack').length, 0);
    r.manager.close();
    await assertIdle(r);
  });

  it('no segment for timeout ms sends an Abort tsm-timeout and fails the request', async () => {
    const r = await started();
    await r.clock.advance(300);
    r.manager.handle(received(segment(0, 0, true)));
    await r.clock.advance(999);
    assert.equal(r.req.outcome, 'pending');
    assert.equal(r.socket.of('confirmed-request').length, 1, 'no retry while segments come');
    await r.clock.advance(1);
    const tsmTimeout = numberOf(ABORT_REASONS, 'tsm-timeout');
    assert.deepEqual(failureOf(r.req.outcome), { kind: 'abort', reason: tsmTimeout, fromServer: false });
    const [abort] = r.socket.of('abort');
    assert.deepEqual(abort.apdu, { type: 'abort', fromServer: false, invokeId: 0, reason: tsmTimeout });
    assert.equal(abort.header.expectingReply, false);
    await assertIdle(r);
  });

  it('more than 64 segments: Abort buffer-overflow', async () => {
    const r = await started();
    for (let n = 0; n < 64; n++) r.manager.handle(received(segment(0, n, true, 16)));
    await flush();
    assert.equal(r.req.outcome, 'pending');
    r.manager.handle(received(segment(0, 64, false, 16)));
    await flush();
    const overflow = numberOf(ABORT_REASONS, 'buffer-overflow');
    assert.deepEqual(failureOf(r.req.outcome), { kind: 'abort', reason: overflow, fromServer: false });
    assert.equal(r.socket.of('abort')[0].apdu.reason, overflow);
    await assertIdle(r);
  });

  it('an Abort from the server ends a segmented answer', async () => {
    const r = await started();
    r.manager.handle(received(segment(0, 0, true)));
    r.manager.handle(received({ type: 'abort', fromServer: true, invokeId: 0, reason: numberOf(ABORT_REASONS, 'other') }));
    await flush();
    assert.equal(failureOf(r.req.outcome).kind, 'abort');
    await assertIdle(r);
  });

  for (const windowSize of [0, 128]) {
    it(`a segment 0 proposing window ${windowSize} does not decode: counted malformed, the request goes on to time out`, async () => {
      const r = await started();
      const bad = received(segment(0, 0, true, 1));
      const npdu = Buffer.from(bad.npdu);
      npdu[bad.header.apduOffset + 3] = windowSize; // proposed window size octet
      assert.equal(r.manager.handle({ ...bad, npdu }), true);
      assert.equal(r.manager.counters.malformed, 1);
      assert.equal(r.socket.of('segment-ack').length + r.socket.of('abort').length, 0);
      await r.clock.advance(4000);
      assert.deepEqual(failureOf(r.req.outcome), { kind: 'timeout', tries: 4 });
      await assertIdle(r);
    });
  }
});
