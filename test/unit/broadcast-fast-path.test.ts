/**
 * ForeignDeviceManager.broadcastFrameNow(), the promise-free broadcast path
 * fd-broadcast takes while registered: it sends only when registered, counts
 * like broadcast(), reports a send failure with the same error, and never
 * calls back synchronously, over a transport with or without sendNow().
 */
import assert from 'node:assert/strict';
import type { BipAddress } from '../../dist/protocol/address';
import { BvlcFunction, encodeNpduFrame } from '../../dist/protocol/bvll';
import { ForeignDeviceManager } from '../../dist/registration/foreign-device';
import { ForeignDeviceError, STOP_BOUND_MS } from '../../dist/registration/types';
import { ScriptedBbmd } from '../support/fake-bbmd-transport';
import { FakeClock, flush } from '../support/fake-clock';

const WHO_IS = Buffer.from('0120ffff00ff1008', 'hex');
const FRAME = encodeNpduFrame(BvlcFunction.DistributeBroadcastToNetwork, WHO_IS);

/** The scripted BBMD, plus the callback form of send() that the UDP endpoint has. */
class CallbackBbmd extends ScriptedBbmd {
  sendNowCalls = 0;
  sendNow(frame: Uint8Array, to: BipAddress, callback: (err: Error | null) => void): void {
    this.sendNowCalls++;
    this.send(frame, to).then(
      () => callback(null),
      (err: Error) => callback(err),
    );
  }
}

async function registeredManager(transport: 'promise' | 'callback'): Promise<{ manager: ForeignDeviceManager; bbmd: ScriptedBbmd; clock: FakeClock }> {
  const clock = new FakeClock();
  const bbmd = transport === 'callback' ? new CallbackBbmd(clock) : new ScriptedBbmd(clock);
  const manager = new ForeignDeviceManager({
    bbmd: { host: '192.168.1.10', port: 47808 },
    ttl: 60,
    clock,
    transport: bbmd,
    resolver: async () => '192.168.1.10',
    random: () => 0.5,
  });
  bbmd.attach(manager);
  manager.start();
  await clock.advance(10);
  assert.equal(manager.currentState, 'registered');
  return { manager, bbmd, clock };
}

function sendNow(manager: ForeignDeviceManager, frame: Buffer): { sent: boolean; result: Promise<ForeignDeviceError | null>; synchronous: boolean } {
  let called = false;
  let resolve!: (err: ForeignDeviceError | null) => void;
  const result = new Promise<ForeignDeviceError | null>((r) => (resolve = r));
  const sent = manager.broadcastFrameNow(frame, (err) => {
    called = true;
    resolve(err);
  });
  return { sent, result, synchronous: called };
}

describe('ForeignDeviceManager.broadcastFrameNow', () => {
  for (const transport of ['promise', 'callback'] as const) {
    describe(`over a transport with ${transport === 'callback' ? 'sendNow()' : 'only send()'}`, () => {
      it('sends the frame as it is to the BBMD when registered, counts it, and calls back later', async () => {
        const { manager, bbmd } = await registeredManager(transport);
        const { sent, result, synchronous } = sendNow(manager, FRAME);
        assert.equal(sent, true);
        assert.equal(synchronous, false, 'never called back synchronously');
        assert.equal(await result, null);
        const dbtn = bbmd.framesOf(BvlcFunction.DistributeBroadcastToNetwork);
        assert.equal(dbtn.length, 1);
        assert.equal(dbtn[0].raw.toString('hex'), '8109000c0120ffff00ff1008');
        assert.deepEqual(dbtn[0].to, { address: '192.168.1.10', port: 47808 });
        assert.equal(manager.snapshot().counters.broadcastsSent, 1);
        if (bbmd instanceof CallbackBbmd) assert.equal(bbmd.sendNowCalls, 1);
      });

      it('a failed send calls back with the error broadcast() gives, and counts it', async () => {
        const { manager, bbmd } = await registeredManager(transport);
        bbmd.sendError = Object.assign(new Error('send EPERM'), { code: 'EPERM' });
        const { sent, result, synchronous } = sendNow(manager, FRAME);
        assert.equal(sent, true);
        assert.equal(synchronous, false);
        const err = await result;
        assert.ok(err instanceof ForeignDeviceError);
        assert.equal(err.code, 'ESEND');
        assert.equal(err.message, 'cannot send the broadcast to BBMD 192.168.1.10:47808: send EPERM');
        await assert.rejects(manager.broadcast(WHO_IS), { code: 'ESEND', message: err.message });
        assert.equal(manager.snapshot().counters.broadcastsFailed, 2);
        assert.equal(manager.snapshot().counters.broadcastsSent, 0);
      });
    });
  }

  for (const state of ['stopped', 'registering', 'rejected'] as const) {
    it(`does nothing and returns false while ${state} (the caller uses broadcast())`, async () => {
      const clock = new FakeClock();
      const bbmd = new ScriptedBbmd(clock);
      const manager = new ForeignDeviceManager({ bbmd: { host: '192.168.1.10', port: 47808 }, ttl: 60, clock, transport: bbmd, resolver: async () => '192.168.1.10' });
      bbmd.attach(manager);
      if (state === 'registering') {
        bbmd.register = 'silent';
        manager.start();
        await flush();
      } else if (state === 'rejected') {
        bbmd.register = 0x30;
        manager.start();
        await clock.advance(10);
      }
      assert.equal(manager.currentState, state);
      let called = false;
      assert.equal(manager.broadcastFrameNow(FRAME, () => (called = true)), false);
      await clock.advance(10);
      assert.equal(called, false);
      assert.equal(bbmd.framesOf(BvlcFunction.DistributeBroadcastToNetwork).length, 0);
      assert.deepEqual(
        [manager.snapshot().counters.broadcastsSent, manager.snapshot().counters.broadcastsFailed],
        [0, 0],
        'nothing counted: broadcast() counts what it refuses',
      );
      // While registering, stop() first waits (bounded) for the Register's answer.
      const stopping = manager.stop();
      await clock.advance(STOP_BOUND_MS);
      await stopping;
    });
  }

  it('refuses anything but a whole DBTN frame', async () => {
    const { manager } = await registeredManager('promise');
    for (const bad of [WHO_IS, Buffer.from('810a000c0120ffff00ff1008', 'hex'), Buffer.from('8109000d0120ffff00ff1008', 'hex'), Buffer.from('81090004', 'hex')]) {
      assert.throws(() => manager.broadcastFrameNow(bad, () => undefined), TypeError);
    }
  });
});
