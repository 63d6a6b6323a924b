/**
 * The device locator (CLIENT.md "Device references"): a known instance at
 * once, an unknown one by one shared Who-Is and one timeout's wait from its
 * sending, 30 s of remembered absence, and nothing left behind after close().
 */
import assert from 'node:assert/strict';
import { ABSENT_MS, DeviceLocator, DeviceNotFoundError } from '../../dist/client/device-locator';
import { DeviceTable } from '../../dist/client/device-table';
import type { DeviceEntry } from '../../dist/client/device-table';
import { FakeClock, flush } from '../support/fake-clock';
import { receivedIAm, receivedWhoIs } from '../support/received-i-am';

const NOT_FOUND_99999 = 'device 99999 not found (no I-Am through 192.168.1.10:47808 within 3000 ms)';

interface Deferred {
  instance: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Rig {
  clock: FakeClock;
  devices: DeviceTable;
  locator: DeviceLocator;
  /** Every sendWhoIs call, settled by the test. */
  whoIs: Deferred[];
}

function rig(): Rig {
  const clock = new FakeClock();
  const devices = new DeviceTable({ clock });
  const whoIs: Deferred[] = [];
  const locator = new DeviceLocator({
    table: devices,
    clock,
    sendWhoIs: (instance) => new Promise<void>((resolve, reject) => whoIs.push({ instance, resolve, reject })),
    bbmdText: () => '192.168.1.10:47808',
  });
  return { clock, devices, locator, whoIs };
}

type Outcome = { state: 'pending' } | { state: 'resolved'; value: DeviceEntry } | { state: 'rejected'; error: Error };

/** Follows a promise so a test can look at how it stands after the clock moved. */
function track(promise: Promise<DeviceEntry>): { now: () => Outcome } {
  let outcome: Outcome = { state: 'pending' };
  promise.then(
    (value) => (outcome = { state: 'resolved', value }),
    (error: Error) => (outcome = { state: 'rejected', error }),
  );
  return { now: () => outcome };
}

function rejection(outcome: Outcome): Error {
  assert.equal(outcome.state, 'rejected');
  return (outcome as { error: Error }).error;
}

/** A lookup of 99999 that times out: Who-Is sent, 3000 ms without an I-Am. */
async function timedOut(r: Rig): Promise<Error> {
  const lookup = track(r.locator.locate(99999, 3000));
  await flush();
  r.whoIs[r.whoIs.length - 1].resolve();
  await r.clock.advance(3000);
  return rejection(lookup.now());
}

describe('DeviceLocator', () => {
  it('resolves a known instance at once, without a Who-Is', async () => {
    const r = rig();
    r.locator.observe(receivedIAm(1201, { address: '10.0.4.7' }));
    const entry = await r.locator.locate(1201, 3000);
    assert.equal(entry.address, '10.0.4.7');
    assert.equal(r.whoIs.length, 0);
    assert.equal(r.clock.pending, 0);
  });

  it('sends one Who-Is for concurrent lookups of one unknown instance, and the I-Am settles them all', async () => {
    const r = rig();
    const a = track(r.locator.locate(2001, 3000));
    const b = track(r.locator.locate(2001, 3000));
    const other = track(r.locator.locate(2002, 3000));
    await flush();
    assert.deepEqual(r.whoIs.map((w) => w.instance), [2001, 2002]);
    r.whoIs[0].resolve();
    await r.clock.advance(1000);
    const c = track(r.locator.locate(2001, 3000)); // joins while the wait runs
    await flush();
    assert.equal(r.whoIs.length, 2);
    r.locator.observe(receivedWhoIs(2001)); // not an I-Am: changes nothing
    r.locator.observe(receivedIAm(2001, { address: '10.0.9.1', snet: 5, sadr: '0a' }));
    await flush();
    for (const lookup of [a, b, c]) {
      const outcome = lookup.now();
      assert.equal(outcome.state, 'resolved');
      const entry = (outcome as { value: DeviceEntry }).value;
      assert.equal(entry.network, 5);
      assert.equal(entry.mac, '0a');
    }
    assert.equal(other.now().state, 'pending');
    assert.equal(r.clock.pending, 0, 'the settled wait left no timer');
    assert.equal(r.locator.waiting, 1);
    r.locator.close();
  });

  it('starts the wait when the Who-Is was handed over, and fails after one timeout with the sentence', async () => {
    const r = rig();
    const lookup = track(r.locator.locate(99999, 3000));
    await r.clock.advance(4000); // the Who-Is waits for the registration: no timer yet
    assert.equal(lookup.now().state, 'pending');
    assert.equal(r.clock.pending, 0);
    r.whoIs[0].resolve();
    await r.clock.advance(2999);
    assert.equal(lookup.now().state, 'pending');
    await r.clock.advance(1);
    const error = rejection(lookup.now());
    assert.ok(error instanceof DeviceNotFoundError);
    assert.equal(error.message, NOT_FOUND_99999);
    assert.equal((error as DeviceNotFoundError).instance, 99999);
    assert.equal(r.clock.pending, 0);
  });

  it('keeps the first lookup\'s timeout for the shared wait, whoever joins later', async () => {
    const r = rig();
    const first = track(r.locator.locate(99999, 3000));
    await flush();
    r.whoIs[0].resolve();
    await r.clock.advance(1000);
    const later = track(r.locator.locate(99999, 10_000));
    await r.clock.advance(2000);
    assert.equal(rejection(first.now()).message, NOT_FOUND_99999);
    assert.equal(rejection(later.now()).message, NOT_FOUND_99999);
    assert.equal(r.whoIs.length, 1);
  });

  it('remembers an instance that sent no I-Am for 30 s: lookups fail at once with the same sentence, no Who-Is', async () => {
    const r = rig();
    await timedOut(r);
    await r.clock.advance(ABSENT_MS - 1);
    const again = track(r.locator.locate(99999, 5000));
    await flush();
    const error = rejection(again.now());
    assert.ok(error instanceof DeviceNotFoundError);
    assert.equal(error.message, NOT_FOUND_99999);
    assert.equal(r.whoIs.length, 1);
    assert.equal(r.clock.pending, 0, 'the absence needs no timer');
    await r.clock.advance(1);
    const after = track(r.locator.locate(99999, 3000));
    await flush();
    assert.equal(after.now().state, 'pending');
    assert.equal(r.whoIs.length, 2, 'after 30 s the device is asked again');
    r.locator.close();
  });

  it('ends the absence early when an I-Am for the instance arrives', async () => {
    const r = rig();
    await timedOut(r);
    await r.clock.advance(1000);
    r.locator.observe(receivedIAm(99999, { address: '10.0.4.50' }));
    assert.equal((await r.locator.locate(99999, 3000)).address, '10.0.4.50');
    // Dropped later (no answer after all retries): it is looked for again, not taken as absent.
    r.devices.drop(99999);
    const lookup = track(r.locator.locate(99999, 3000));
    await flush();
    assert.equal(lookup.now().state, 'pending');
    assert.equal(r.whoIs.length, 2);
    r.locator.close();
  });

  it('rejects every waiter with the message of a failed Who-Is, and remembers no absence', async () => {
    const r = rig();
    const a = track(r.locator.locate(4000, 3000));
    const b = track(r.locator.locate(4000, 3000));
    await flush();
    r.whoIs[0].reject(new Error('broadcast not sent: the BBMD refused the registration'));
    await flush();
    for (const lookup of [a, b]) {
      const error = rejection(lookup.now());
      assert.equal(error.message, 'broadcast not sent: the BBMD refused the registration');
      assert.ok(!(error instanceof DeviceNotFoundError));
    }
    assert.equal(r.clock.pending, 0);
    const next = track(r.locator.locate(4000, 3000));
    await flush();
    assert.equal(next.now().state, 'pending');
    assert.equal(r.whoIs.length, 2);
    r.locator.close();
  });

  it('treats a sendWhoIs that throws as one that rejects', async () => {
    const clock = new FakeClock();
    const locator = new DeviceLocator({
      table: new DeviceTable({ clock }),
      clock,
      sendWhoIs: () => {
        throw new Error('socket closed');
      },
      bbmdText: () => '192.168.1.10:47808',
    });
    await assert.rejects(locator.locate(5, 3000), { message: 'socket closed' });
  });

  it('close() rejects every waiting lookup, clears every timer, and refuses later lookups; twice is fine', async () => {
    const r = rig();
    const waiting = track(r.locator.locate(10, 3000)); // its wait is running
    const queued = track(r.locator.locate(11, 3000)); // its Who-Is not handed over yet
    await flush();
    r.whoIs[0].resolve();
    await flush();
    assert.equal(r.clock.pending, 1);
    r.locator.close();
    r.locator.close();
    await flush();
    assert.match(rejection(waiting.now()).message, /^device 10 lookup cancelled: the config node is closed$/);
    assert.match(rejection(queued.now()).message, /^device 11 lookup cancelled/);
    assert.equal(r.clock.pending, 0);
    assert.equal(r.locator.waiting, 0);
    r.whoIs[1].resolve(); // handed over after close(): starts no wait
    await flush();
    assert.equal(r.clock.pending, 0);
    await assert.rejects(r.locator.locate(12, 3000), /device 12 lookup cancelled/);
    assert.equal(r.whoIs.length, 2);
  });

  it('refuses an instance or a timeout out of range without a Who-Is', async () => {
    const r = rig();
    for (const bad of [-1, 1.5, 4194303, NaN]) {
      await assert.rejects(r.locator.locate(bad, 3000), /device instance is an integer 0\.\.4194302/);
    }
    for (const bad of [0, -5, Infinity, NaN]) {
      await assert.rejects(r.locator.locate(1, bad), /timeout is a positive number of ms/);
    }
    assert.equal(r.whoIs.length, 0);
  });
});
