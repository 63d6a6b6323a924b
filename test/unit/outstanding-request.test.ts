/**
 * OutstandingRequest: one request waiting for its answer, with its own
 * response timer, on a fake clock.
 */
import assert from 'node:assert/strict';
import { OutstandingRequest } from '../../dist/registration/outstanding-request';
import { FakeClock } from '../support/fake-clock';

describe('OutstandingRequest', () => {
  function rig(): { clock: FakeClock; request: OutstandingRequest<string>; timedOut: string[] } {
    const clock = new FakeClock();
    const timedOut: string[] = [];
    const request = new OutstandingRequest<string>(clock, (r) => {
      // The timed-out request is no longer current when its handler runs: it may begin the next.
      assert.equal(request.current, null);
      timedOut.push(r);
    });
    return { clock, request, timedOut };
  }

  it('holds the request until end(), which returns it once and clears its timer', async () => {
    const { clock, request, timedOut } = rig();
    assert.equal(request.current, null);
    request.begin('register', 2_000);
    assert.equal(request.current, 'register');
    assert.equal(clock.pending, 1);
    await clock.advance(1_999);
    assert.equal(request.end(), 'register');
    assert.equal(request.end(), null);
    assert.equal(request.current, null);
    assert.equal(clock.pending, 0);
    await clock.advance(10_000);
    assert.deepEqual(timedOut, []);
  });

  it('times out after exactly its own wait, calling the handler once with the request', async () => {
    const { clock, request, timedOut } = rig();
    request.begin('delete', 500);
    await clock.advance(499);
    assert.deepEqual(timedOut, []);
    await clock.advance(1);
    assert.deepEqual(timedOut, ['delete']);
    assert.equal(request.current, null);
    assert.equal(clock.pending, 0);
    assert.equal(request.end(), null, 'a late answer finds nothing waiting');
  });

  it('a new request replaces the one waiting, whose timer is cleared without a timeout', async () => {
    const { clock, request, timedOut } = rig();
    request.begin('first', 1_000);
    await clock.advance(500);
    request.begin('second', 1_000);
    assert.equal(clock.pending, 1);
    await clock.advance(999);
    assert.deepEqual(timedOut, []);
    await clock.advance(1);
    assert.deepEqual(timedOut, ['second']);
  });

  it('two instances keep two timers: ending one leaves the other waiting', async () => {
    const clock = new FakeClock();
    const timedOut: string[] = [];
    const a = new OutstandingRequest<string>(clock, (r) => timedOut.push(r));
    const b = new OutstandingRequest<string>(clock, (r) => timedOut.push(r));
    a.begin('a', 1_000);
    b.begin('b', 1_000);
    a.end();
    await clock.advance(1_000);
    assert.deepEqual(timedOut, ['b']);
  });

  it('idle() resolves at once when nothing waits, else when the request ends or times out', async () => {
    const { clock, request } = rig();
    let idle = false;
    await request.idle();
    request.begin('x', 1_000);
    void request.idle().then(() => (idle = true));
    await clock.advance(100);
    assert.equal(idle, false);
    request.end();
    await clock.advance(0);
    assert.equal(idle, true);
    idle = false;
    request.begin('y', 1_000);
    void request.idle().then(() => (idle = true));
    await clock.advance(999);
    assert.equal(idle, false);
    await clock.advance(1);
    assert.equal(idle, true);
  });
});
