/**
 * CLIENT.md's limits per device on a fake clock: at most 2 outstanding and
 * 100 waiting, the 101st refused at once, a waiting request failing with busy
 * after timeout × (retries + 1), the queue moving on, nothing left behind.
 */
import assert from 'node:assert/strict';
import { DIRECT, ROUTED, assertIdle, failureOf, flush, received, rig, simpleAck } from '../support/tsm-rig';

describe('TransactionManager limits per device', () => {
  it('sends 2 at once, queues 100, refuses the 101st waiting at once with busy', async () => {
    const r = rig();
    const reqs = Array.from({ length: 102 }, () => r.ask());
    const extra = r.ask();
    await flush();
    assert.equal(r.socket.sent.length, 2);
    assert.equal(r.manager.pending, 102);
    assert.deepEqual(failureOf(extra.outcome), { kind: 'busy', waiting: 100 });
    for (const req of reqs) assert.equal(req.outcome, 'pending');
    // Another device has its own slots.
    r.ask({ deviceKey: '9', destination: ROUTED });
    await flush();
    assert.equal(r.socket.sent.length, 3);
    r.manager.close();
    await assertIdle(r);
  });

  it('starts the next waiting request when one ends, with the next invoke ID', async () => {
    const r = rig();
    const reqs = Array.from({ length: 4 }, () => r.ask());
    await flush();
    assert.deepEqual(r.socket.sent.map((s) => s.apdu.invokeId), [0, 1]);
    r.manager.handle(received(simpleAck(1)));
    await flush();
    assert.deepEqual(reqs[1].outcome, { ok: null });
    assert.deepEqual(r.socket.sent.map((s) => s.apdu.invokeId), [0, 1, 2]);
    for (const id of [0, 2]) r.manager.handle(received(simpleAck(id)));
    await flush();
    assert.deepEqual(r.socket.sent.map((s) => s.apdu.invokeId), [0, 1, 2, 3]);
    r.manager.handle(received(simpleAck(3)));
    await flush();
    for (const req of reqs) assert.deepEqual(req.outcome, { ok: null });
    await assertIdle(r);
  });

  it('fails a request that waited timeout × (retries + 1) with busy, without sending it', async () => {
    const r = rig();
    // The two outstanding ones never end before the waiting one's bound: long timeouts.
    r.ask({ timeoutMs: 10_000, retries: 0 });
    r.ask({ timeoutMs: 10_000, retries: 0 });
    const waiting = r.ask({ timeoutMs: 1000, retries: 2 });
    await r.clock.advance(2999);
    assert.equal(waiting.outcome, 'pending');
    await r.clock.advance(1);
    assert.deepEqual(failureOf(waiting.outcome), { kind: 'busy', waiting: 1 });
    assert.equal(r.socket.sent.length, 2);
    assert.equal(r.manager.pending, 2);
    await r.clock.advance(7000);
    await assertIdle(r);
    assert.equal(r.socket.sent.length, 2, 'the one that waited too long is never sent');
  });

  it('a request that starts after waiting gets its whole time bound from its first send', async () => {
    const r = rig();
    r.ask({ retries: 0 });
    r.ask({ retries: 0 });
    const third = r.ask({ timeoutMs: 1000, retries: 1 });
    await r.clock.advance(1000); // the first two time out; the third starts at 1000
    assert.equal(r.socket.sent.length, 3);
    await r.clock.advance(1000);
    assert.equal(r.socket.sent.length, 4, 'its retry');
    assert.equal(third.outcome, 'pending');
    await r.clock.advance(1000);
    assert.deepEqual(failureOf(third.outcome), { kind: 'timeout', tries: 2 });
    await assertIdle(r);
  });

  it('every request ends, and the clock is left with no timer, whatever mix of answers and silence', async () => {
    const r = rig();
    const reqs = Array.from({ length: 30 }, (_, i) => r.ask({ deviceKey: String(i % 3), destination: i % 3 === 0 ? DIRECT : ROUTED, retries: 1 }));
    for (let step = 0; step < 10; step++) {
      await r.clock.advance(700);
      const last = r.socket.last;
      r.manager.handle(received(simpleAck(last.apdu.invokeId), last.to, last.header.dnet === null ? {} : { snet: 5, sadr: '0a' }));
    }
    await r.clock.advance(60_000);
    for (const req of reqs) assert.notEqual(req.outcome, 'pending');
    await assertIdle(r);
  });
});
