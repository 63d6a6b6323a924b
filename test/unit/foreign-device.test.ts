/**
 * The ForeignDeviceManager's behaviour contract (DESIGN.md), point by point,
 * on a fake clock: hours of protocol time run in milliseconds.
 */
import assert from 'node:assert/strict';
import { BvlcFunction } from '../../dist/protocol/bvll';
import { MAX_QUEUED_BROADCASTS } from '../../dist/registration/broadcast-queue';
import { ForeignDeviceManager } from '../../dist/registration/foreign-device';
import { NAT_RENEWAL_MAX_MS } from '../../dist/registration/timing';
import { FdSnapshot, ForeignDeviceError, ForeignDeviceOptions, STOP_BOUND_MS, validateTtl } from '../../dist/registration/types';
import type { BipAddress } from '../../dist/protocol/address';
import { FakeClock } from '../support/fake-clock';
import { ScriptedBbmd } from '../support/fake-bbmd-transport';

const WHO_IS = Buffer.from('0120ffff00ff1008', 'hex');
const HOUR = 3600_000;

interface Rig {
  clock: FakeClock;
  bbmd: ScriptedBbmd;
  manager: ForeignDeviceManager;
  events: FdSnapshot[];
  warnings: string[];
}

function rig(options: Partial<ForeignDeviceOptions> & { random?: () => number } = {}): Rig {
  const clock = new FakeClock();
  const bbmd = new ScriptedBbmd(clock);
  const warnings: string[] = [];
  const manager = new ForeignDeviceManager({
    bbmd: { host: '192.168.1.10', port: 47808 },
    ttl: 60,
    clock,
    transport: bbmd,
    resolver: async () => '192.168.1.10',
    random: () => 0.5,
    log: { info: () => undefined, warn: (m) => warnings.push(m) },
    ...options,
  });
  bbmd.attach(manager);
  const events: FdSnapshot[] = [];
  manager.on('change', (s) => events.push(s));
  return { clock, bbmd, manager, events, warnings };
}

async function registered(r: Rig): Promise<void> {
  r.manager.start();
  await r.clock.advance(10);
  assert.equal(r.manager.currentState, 'registered');
}

describe('ForeignDeviceManager', () => {
  describe('TTL and options', () => {
    for (const [ttl, pattern] of [
      [0, /integer 1\.\.65535 seconds, got 0/],
      [1.5, /integer 1\.\.65535 seconds, got 1\.5/],
      [65536, /integer 1\.\.65535 seconds, got 65536/],
      [-5, /got -5/],
      [NaN, /must be a number of seconds/],
      ['60', /must be a number of seconds .* got "60"/],
      [null, /got null/],
      [undefined, /got undefined/],
    ] as const) {
      it(`refuses TTL ${JSON.stringify(ttl) ?? String(ttl)} with a clear error`, () => {
        assert.throws(() => validateTtl(ttl), pattern);
        assert.throws(() => rig({ ttl: ttl as unknown as number }), pattern);
      });
    }

    it('accepts TTL 1 and 65535', () => {
      assert.equal(validateTtl(1), 1);
      assert.equal(validateTtl(65535), 65535);
    });

    it('refuses a missing host and a bad port', () => {
      assert.throws(() => rig({ bbmd: { host: '', port: 47808 } }), /BBMD host is required/);
      assert.throws(() => rig({ bbmd: { host: 'bbmd', port: 0 } }), /port must be an integer 1\.\.65535, got 0/);
      assert.throws(() => rig({ bbmd: { host: 'bbmd', port: 70000 } }), /got 70000/);
    });
  });

  describe('registration', () => {
    it('sends Register-Foreign-Device 81 05 00 06 TT TT at once on start()', async () => {
      const r = rig({ ttl: 60 });
      r.bbmd.register = 'silent';
      r.manager.start();
      await r.clock.advance(0);
      assert.equal(r.bbmd.sent.length, 1);
      assert.equal(r.bbmd.sent[0].raw.toString('hex'), '81050006003c');
      assert.deepEqual(r.bbmd.sent[0].to, { address: '192.168.1.10', port: 47808 });
      assert.equal(r.bbmd.sent[0].at, 0);
      const big = rig({ ttl: 65535 });
      big.manager.start();
      await big.clock.advance(0);
      assert.equal(big.bbmd.sent[0].raw.toString('hex'), '81050006ffff');
    });

    it('start() twice is harmless: one Register, one schedule', async () => {
      const r = rig({ random: () => 0 });
      r.manager.start();
      r.manager.start();
      await r.clock.advance(10);
      r.manager.start();
      await r.clock.advance(29_000);
      assert.equal(r.bbmd.registers.length, 1);
      await r.clock.advance(1_000);
      assert.equal(r.bbmd.registers.length, 2);
    });

    it('an ACK marks it registered, with a full snapshot and one event per change', async () => {
      const r = rig();
      r.manager.start();
      assert.equal(r.events.length, 1);
      assert.equal(r.events[0].state, 'registering');
      assert.equal(r.events[0].registered, false);
      await r.clock.advance(10);
      assert.equal(r.manager.registered, true);
      const s = r.events[r.events.length - 1];
      assert.equal(r.events.length, 2);
      assert.deepEqual(Object.keys(s).sort(), [
        'attempts', 'bbmd', 'counters', 'error', 'grantedTtl', 'lastAck', 'lastResult', 'local',
        'nextAttempt', 'registered', 'rtt', 'since', 'state', 'ttl',
      ]);
      assert.equal(s.state, 'registered');
      assert.equal(s.registered, true);
      assert.deepEqual(s.bbmd, { host: '192.168.1.10', address: '192.168.1.10', port: 47808 });
      assert.deepEqual(s.lastResult, { code: 0, name: 'Successful-Completion' });
      assert.equal(s.rtt, 3);
      assert.equal(s.ttl, 60);
      assert.equal(s.grantedTtl, null);
      assert.equal(s.error, null);
      assert.equal(s.attempts, 0);
      const wallStart = Date.UTC(2026, 0, 1);
      assert.equal(s.since, wallStart + 3);
      assert.equal(s.lastAck, wallStart + 3);
      assert.equal(s.nextAttempt, wallStart + 30_000 - 1_500, 'due at TTL/2 less the jitter (random 0.5 of 10 %)');
      assert.deepEqual(Object.keys(s.counters).sort(), [
        'broadcastsFailed', 'broadcastsSent', 'malformed', 'naks', 'received', 'registrations', 'spoofed', 'timeouts',
      ]);
      assert.equal(s.counters.registrations, 1);
      // Renewal ACKs change neither state, registered nor error: no event.
      await r.clock.advance(HOUR);
      assert.equal(r.events.length, 2);
      assert.ok(r.manager.snapshot().counters.registrations > 100);
    });

    it('renews every TTL/2 for 24 h with no drift and never two Registers for one slot', async () => {
      const r = rig({ ttl: 60, random: () => 0 });
      r.manager.start();
      let maxPending = 0;
      for (let t = 0; t < 24 * HOUR; t += 10_000) {
        await r.clock.advance(10_000);
        maxPending = Math.max(maxPending, r.clock.pending);
      }
      const times = r.bbmd.registers.map((s) => s.at);
      assert.equal(times.length, (24 * HOUR) / 30_000 + 1);
      times.forEach((at, k) => assert.equal(at, k * 30_000, `Register ${k} at ${at}`));
      // Attempt, expiry and at most one answer or FDT timer: never a second renewal timer.
      assert.ok(maxPending <= 3, `pending timers peaked at ${maxPending}`);
      assert.equal(r.manager.currentState, 'registered');
    });

    it('jitter only makes renewals earlier, by at most 10 % of TTL/2, and never accumulates', async () => {
      let flip = 0;
      const r = rig({ ttl: 60, random: () => ((flip = (flip + 0.37) % 1), flip) });
      r.manager.start();
      await r.clock.advance(6 * HOUR);
      const times = r.bbmd.registers.map((s) => s.at);
      assert.equal(times.length, (6 * HOUR) / 30_000 + 1);
      times.forEach((at, k) => {
        assert.ok(at <= k * 30_000 && at >= k * 30_000 - 3_000, `Register ${k} at ${at}, due ${k * 30_000}`);
      });
    });

    it('keeps its schedule when the wall clock is stepped (gateway without a real-time clock)', async () => {
      const r = rig({ random: () => 0 });
      r.manager.start();
      await r.clock.advance(45_000);
      r.clock.jumpWallClock(3 * 365 * 24 * HOUR);
      await r.clock.advance(45_000);
      assert.deepEqual(r.bbmd.registers.map((s) => s.at), [0, 30_000, 60_000, 90_000]);
      const s = r.manager.snapshot();
      assert.equal(s.lastAck, r.clock.now() - (90_000 - 60_003), 'timestamps follow the stepped wall clock');
    });

    it('a Register NAK makes it rejected, logs a warning, and retries after a backoff', async () => {
      const r = rig();
      r.bbmd.register = 0x0030;
      r.manager.start();
      await r.clock.advance(10);
      const s = r.manager.snapshot();
      assert.equal(s.state, 'rejected');
      assert.equal(s.registered, false);
      assert.deepEqual(s.lastResult, { code: 0x30, name: 'Register-Foreign-Device-NAK' });
      assert.match(s.error ?? '', /refused the registration/);
      assert.equal(s.counters.naks, 1);
      assert.ok(r.warnings.some((w) => /Register-Foreign-Device-NAK/.test(w)));
      r.bbmd.register = 0;
      await r.clock.advance(1_300);
      assert.equal(r.manager.currentState, 'registered');
      assert.equal(r.bbmd.registers.length, 2);
    });

    it('a NAK of a renewal clears the registration', async () => {
      const r = rig({ random: () => 0 });
      await registered(r);
      r.bbmd.register = 0x0030;
      await r.clock.advance(30_000);
      assert.equal(r.manager.currentState, 'rejected');
      assert.equal(r.manager.registered, false);
    });

    it('records an unknown result code without throwing or changing the state', async () => {
      const r = rig();
      await registered(r);
      assert.doesNotThrow(() => r.bbmd.result(0x0099));
      const s = r.manager.snapshot();
      assert.deepEqual(s.lastResult, { code: 0x99, name: 'Unknown-0x0099' });
      assert.equal(s.state, 'registered');
      const fresh = rig();
      fresh.bbmd.register = 0x0099;
      fresh.manager.start();
      await fresh.clock.advance(10);
      assert.equal(fresh.manager.currentState, 'registering');
      assert.equal(fresh.manager.snapshot().lastResult?.name, 'Unknown-0x0099');
    });

    it('only a result for a Register changes the registration: NAKs of other requests are recorded, nothing more', async () => {
      const r = rig();
      await registered(r);
      for (const [code, name] of [
        [0x10, 'Write-Broadcast-Distribution-Table-NAK'],
        [0x20, 'Read-Broadcast-Distribution-Table-NAK'],
        [0x40, 'Read-Foreign-Device-Table-NAK'],
        [0x50, 'Delete-Foreign-Device-Table-Entry-NAK'],
      ] as const) {
        r.bbmd.result(code);
        assert.deepEqual(r.manager.snapshot().lastResult, { code, name });
        assert.equal(r.manager.currentState, 'registered', name);
      }
      // A Register NAK with no Register outstanding (late, duplicated) changes nothing either.
      r.bbmd.result(0x30);
      assert.equal(r.manager.currentState, 'registered');
      assert.equal(r.events.length, 2, 'no event for any of them');
      // And a stray 0000 while unreachable (nothing outstanding after a send error) does not register us.
      const u = rig();
      u.bbmd.sendError = Object.assign(new Error('send ENETUNREACH'), { code: 'ENETUNREACH' });
      u.manager.start();
      await u.clock.advance(0);
      assert.equal(u.manager.currentState, 'unreachable');
      u.bbmd.result(0);
      assert.equal(u.manager.currentState, 'unreachable');
    });

    it('ignores and counts results from any other address or port', async () => {
      const r = rig();
      r.bbmd.register = 'silent';
      r.manager.start();
      await r.clock.advance(1);
      r.bbmd.result(0, { address: '192.168.1.11', port: 47808 });
      r.bbmd.result(0, { address: '192.168.1.10', port: 47809 });
      r.bbmd.result(0x30, { address: '10.0.0.1', port: 47808 });
      r.bbmd.deliver({ function: BvlcFunction.ReadFdtAck, entries: [] }, { address: '10.0.0.1', port: 1 });
      const s = r.manager.snapshot();
      assert.equal(s.state, 'registering');
      assert.equal(s.counters.spoofed, 4);
      assert.equal(s.lastResult, null);
      r.bbmd.result(0);
      assert.equal(r.manager.currentState, 'registered');
      // And once registered, a NAK from elsewhere changes nothing either.
      r.bbmd.result(0x30, { address: '192.168.1.10', port: 47810 });
      assert.equal(r.manager.currentState, 'registered');
    });

    it('takes a late ACK (after the response timeout, before the retry) as the answer', async () => {
      const r = rig();
      r.bbmd.register = 'silent';
      r.manager.start();
      await r.clock.advance(2_100);
      assert.equal(r.manager.currentState, 'unreachable');
      r.bbmd.result(0);
      assert.equal(r.manager.currentState, 'registered');
      await r.clock.advance(5_000);
      assert.equal(r.bbmd.registers.length, 1, 'the retry was cancelled');
    });
  });

  describe('timeouts and backoff', () => {
    it('the response timeout is min(2 s, TTL/2) and the first one makes it unreachable', async () => {
      const r = rig({ ttl: 60 });
      r.bbmd.register = 'silent';
      r.manager.start();
      await r.clock.advance(1_999);
      assert.equal(r.manager.currentState, 'registering');
      await r.clock.advance(1);
      assert.equal(r.manager.currentState, 'unreachable');
      assert.match(r.manager.snapshot().error ?? '', /no answer from BBMD 192\.168\.1\.10:47808 within 2000 ms/);
      assert.equal(r.manager.snapshot().counters.timeouts, 1);
      const short = rig({ ttl: 1 });
      short.bbmd.register = 'silent';
      short.manager.start();
      await short.clock.advance(499);
      assert.equal(short.manager.currentState, 'registering');
      await short.clock.advance(1);
      assert.equal(short.manager.currentState, 'unreachable');
    });

    for (const [ttl, cap] of [[60, 30_000], [3600, 30_000], [10, 5_000], [1, 1_000]] as const) {
      it(`retries wait 1 s doubling up to ${cap} ms (TTL ${ttl}), each within ±20 %, counted from the timeout`, async () => {
        for (const random of [() => 0, () => 0.999999, Math.random]) {
          const r = rig({ ttl, random });
          r.bbmd.register = 'silent';
          r.manager.start();
          await r.clock.advance(10 * 60_000);
          const times = r.bbmd.registers.map((s) => s.at);
          assert.ok(times.length >= 10, `only ${times.length} attempts`);
          const timeout = Math.min(2_000, (ttl * 1000) / 2);
          for (let n = 1; n < times.length; n++) {
            const delay = times[n] - times[n - 1] - timeout;
            const base = Math.min(cap, 1_000 * 2 ** (n - 1));
            assert.ok(delay >= base * 0.8 - 1e-6 && delay <= base * 1.2 + 1e-6, `retry ${n}: ${delay} ms, base ${base}`);
          }
          const attempts = r.manager.snapshot().attempts;
          assert.ok(attempts === times.length || attempts === times.length - 1, `attempts ${attempts} for ${times.length} Registers`);
          assert.equal(r.manager.currentState, 'unreachable');
        }
      });
    }

    it('leaves registered exactly at lastAck + TTL when the BBMD goes silent, and retries on', async () => {
      const r = rig({ ttl: 60, random: () => 0 });
      await registered(r); // ACK at t = 3
      r.bbmd.register = 'silent';
      await r.clock.advance(60_003 - 10 - 1);
      assert.equal(r.manager.currentState, 'registered', 'renewals are failing, but the TTL has not passed');
      await r.clock.advance(1);
      assert.equal(r.manager.currentState, 'unreachable');
      assert.match(r.manager.snapshot().error ?? '', /within the TTL of 60 s/);
      const before = r.bbmd.registers.length;
      r.bbmd.register = 0;
      await r.clock.advance(40_000);
      assert.equal(r.manager.currentState, 'registered');
      assert.ok(r.bbmd.registers.length > before);
    });

    it('a send error while not registered makes it unreachable with the error, and it retries', async () => {
      const r = rig();
      const err: NodeJS.ErrnoException = Object.assign(new Error('send ENETUNREACH 192.168.1.10:47808'), { code: 'ENETUNREACH' });
      r.bbmd.sendError = err;
      r.manager.start();
      await r.clock.advance(0);
      const s = r.manager.snapshot();
      assert.equal(s.state, 'unreachable');
      assert.match(s.error ?? '', /cannot send to BBMD 192\.168\.1\.10:47808: send ENETUNREACH/);
      r.bbmd.sendError = null;
      await r.clock.advance(1_300);
      assert.equal(r.manager.currentState, 'registered');
    });

    it('a send error while registered retries without leaving registered', async () => {
      const r = rig({ random: () => 0 });
      await registered(r);
      r.bbmd.sendError = Object.assign(new Error('send ENOBUFS'), { code: 'ENOBUFS' });
      await r.clock.advance(30_000);
      assert.equal(r.manager.currentState, 'registered');
      assert.ok(r.warnings.some((w) => /renewal .* failed .*ENOBUFS/.test(w)));
      r.bbmd.sendError = null;
      await r.clock.advance(1_300);
      assert.equal(r.manager.currentState, 'registered');
      assert.equal(r.manager.snapshot().attempts, 0);
      assert.equal(r.events.filter((e) => e.state !== 'registered').length, 1, 'only the first registering event');
    });

    it('resolves a host name before every attempt; a failure is unreachable, then it recovers', async () => {
      let fail = true;
      let lookups = 0;
      const r = rig({
        bbmd: { host: 'bbmd.site.local', port: 47808 },
        resolver: async (host) => {
          lookups++;
          assert.equal(host, 'bbmd.site.local');
          if (fail) throw Object.assign(new Error('getaddrinfo ENOTFOUND bbmd.site.local'), { code: 'ENOTFOUND' });
          return '192.168.1.10';
        },
      });
      r.manager.start();
      await r.clock.advance(0);
      assert.equal(r.manager.currentState, 'unreachable');
      assert.match(r.manager.snapshot().error ?? '', /cannot resolve BBMD host "bbmd\.site\.local": getaddrinfo ENOTFOUND/);
      assert.equal(r.bbmd.sent.length, 0);
      fail = false;
      await r.clock.advance(1_300);
      assert.equal(r.manager.currentState, 'registered');
      assert.deepEqual(r.manager.snapshot().bbmd, { host: 'bbmd.site.local', address: '192.168.1.10', port: 47808 });
      const before = lookups;
      await r.clock.advance(HOUR);
      assert.equal(lookups - before, r.bbmd.registers.length - 1, 'one lookup per Register');
      fail = true;
      await r.clock.advance(HOUR);
      assert.equal(r.manager.currentState, 'unreachable');
    });

    it('a resolver that never answers is bounded', async () => {
      const r = rig({ bbmd: { host: 'slow.example', port: 47808 }, resolver: () => new Promise<string>(() => undefined) });
      r.manager.start();
      await r.clock.advance(5_000);
      assert.equal(r.manager.currentState, 'unreachable');
      assert.match(r.manager.snapshot().error ?? '', /no answer within 5 s/);
    });
  });

  describe('granted TTL', () => {
    it('reads the FDT once after the first ACK and renews at half a clamped TTL', async () => {
      const r = rig({ ttl: 7200, random: () => 0 });
      r.bbmd.fdt = 3600;
      r.manager.start();
      await r.clock.advance(10);
      assert.equal(r.bbmd.framesOf(BvlcFunction.ReadFdt).length, 1);
      assert.equal(r.manager.snapshot().grantedTtl, 3600);
      assert.ok(r.warnings.some((w) => /granted a TTL of 3600 s instead of 7200 s/.test(w)));
      await r.clock.advance(4 * HOUR);
      const times = r.bbmd.registers.map((s) => s.at);
      assert.deepEqual(times, [0, 1_800_000, 3_600_000, 5_400_000, 7_200_000, 9_000_000, 10_800_000, 12_600_000, 14_400_000]);
      assert.equal(r.bbmd.framesOf(BvlcFunction.ReadFdt).length, 1);
      assert.equal(r.manager.currentState, 'registered');
    });

    it('looks for its entry under the route address when bound to 0.0.0.0, never 0.0.0.0', async () => {
      const r = rig({ ttl: 7200 });
      r.bbmd.fdt = 3600;
      r.bbmd.route = { address: '10.8.0.5', port: 47808 };
      await registered(r);
      assert.equal(r.manager.snapshot().grantedTtl, 3600);
      assert.deepEqual(r.manager.snapshot().local, { address: '10.8.0.5', port: 47808 });
    });

    for (const fdt of ['nak', 'silent', null, 7200] as const) {
      it(`changes nothing when the FDT read gives ${String(fdt)}`, async () => {
        const r = rig({ ttl: 7200, random: () => 0 });
        r.bbmd.fdt = fdt;
        await registered(r);
        await r.clock.advance(2 * HOUR);
        assert.equal(r.manager.snapshot().grantedTtl, null);
        assert.deepEqual(r.bbmd.registers.map((s) => s.at), [0, 3_600_000, 7_200_000]);
        assert.equal(r.manager.currentState, 'registered');
      });
    }
  });

  describe('broadcasts', () => {
    it('sends DBTN 81 09 LL LL + NPDU when registered, and counts it', async () => {
      const r = rig();
      await registered(r);
      await r.manager.broadcast(WHO_IS);
      const dbtn = r.bbmd.framesOf(BvlcFunction.DistributeBroadcastToNetwork);
      assert.equal(dbtn.length, 1);
      assert.equal(dbtn[0].raw.toString('hex'), '8109000c0120ffff00ff1008');
      assert.equal(r.manager.snapshot().counters.broadcastsSent, 1);
    });

    for (const state of ['stopped', 'unreachable', 'rejected'] as const) {
      it(`refuses a broadcast while ${state}, naming the BBMD, state and last result, and sends nothing`, async () => {
        const r = rig();
        if (state === 'unreachable') {
          r.bbmd.register = 'silent';
          r.manager.start();
          await r.clock.advance(2_000);
        } else if (state === 'rejected') {
          r.bbmd.register = 0x30;
          r.manager.start();
          await r.clock.advance(10);
        }
        assert.equal(r.manager.currentState, state);
        const sentBefore = r.bbmd.sent.length;
        await assert.rejects(r.manager.broadcast(WHO_IS), (err: ForeignDeviceError) => {
          assert.equal(err.code, 'ENOTREGISTERED');
          assert.match(err.message, new RegExp(`not registered with BBMD 192\\.168\\.1\\.10:47808 \\(state ${state}, last result `));
          return true;
        });
        assert.equal(r.bbmd.sent.length, sentBefore);
        assert.equal(r.manager.snapshot().counters.broadcastsFailed, 1);
      });
    }

    it('refuses an empty or oversized NPDU', async () => {
      const r = rig();
      await registered(r);
      await assert.rejects(r.manager.broadcast(Buffer.alloc(0)), /NPDU is empty/);
      await assert.rejects(r.manager.broadcast(Buffer.alloc(1498, 1)), /1498 octets is over the B\/IPv4 limit of 1497/);
    });

    it('queues broadcasts during the first registration and sends them, in order, on the ACK', async () => {
      const r = rig();
      r.bbmd.rttMs = 500;
      r.manager.start();
      const sent = [1, 2, 3].map((n) => r.manager.broadcast(Buffer.from([1, 0, n])));
      await r.clock.advance(499);
      assert.equal(r.bbmd.framesOf(BvlcFunction.DistributeBroadcastToNetwork).length, 0);
      await r.clock.advance(1);
      await Promise.all(sent);
      const dbtn = r.bbmd.framesOf(BvlcFunction.DistributeBroadcastToNetwork).map((s) => s.raw.toString('hex'));
      assert.deepEqual(dbtn, ['81090007010001', '81090007010002', '81090007010003']);
    });

    it(`holds at most ${MAX_QUEUED_BROADCASTS} and refuses the next with a clear error`, async () => {
      const r = rig();
      r.bbmd.rttMs = 1_000;
      r.manager.start();
      const queued = Array.from({ length: MAX_QUEUED_BROADCASTS }, () => r.manager.broadcast(WHO_IS));
      await assert.rejects(r.manager.broadcast(WHO_IS), (err: ForeignDeviceError) => err.code === 'EQUEUEFULL' && /100 broadcasts already wait/.test(err.message));
      await r.clock.advance(1_000);
      await Promise.all(queued);
      assert.equal(r.bbmd.framesOf(BvlcFunction.DistributeBroadcastToNetwork).length, MAX_QUEUED_BROADCASTS);
    });

    for (const [what, setup] of [
      ['a NAK', (r: Rig) => (r.bbmd.register = 0x30)],
      ['a timeout', (r: Rig) => (r.bbmd.register = 'silent')],
    ] as const) {
      it(`fails queued broadcasts with a clear error on ${what}`, async () => {
        const r = rig();
        setup(r);
        r.manager.start();
        const waiting = r.manager.broadcast(WHO_IS);
        const outcome = waiting.then(() => null, (e: ForeignDeviceError) => e);
        await r.clock.advance(2_000);
        const err = await outcome;
        assert.ok(err instanceof ForeignDeviceError);
        assert.equal(err.code, 'ENOTREGISTERED');
        assert.match(err.message, /broadcast dropped: (BBMD .* refused the registration|no answer from BBMD)/);
        assert.equal(r.bbmd.framesOf(BvlcFunction.DistributeBroadcastToNetwork).length, 0);
      });
    }

    it('a broadcast waits at most 5 s, and queued broadcasts fail on stop', async () => {
      // A slow resolver (4 s) and a silent BBMD keep the first registration in flight for 6 s.
      let clock: FakeClock | null = null;
      const r = rig({
        bbmd: { host: 'slow.example', port: 47808 },
        resolver: () => new Promise<string>((resolve) => clock?.setTimeout(() => resolve('192.168.1.10'), 4_000)),
      });
      clock = r.clock;
      r.bbmd.register = 'silent';
      r.manager.start();
      const early = r.manager.broadcast(WHO_IS).then(() => null, (e: Error) => e);
      await r.clock.advance(5_000);
      assert.equal(r.manager.currentState, 'registering');
      assert.match(String(await early), /still not registered with BBMD slow\.example:47808 \(192\.168\.1\.10\) after 5 s/);
      await r.clock.advance(500);
      const late = r.manager.broadcast(WHO_IS).then(() => null, (e: Error) => e);
      await r.clock.advance(100);
      // The Register sent at 4 s still waits for its answer: stop() waits for it (bounded) before its Delete.
      const stopping = r.manager.stop();
      await r.clock.advance(STOP_BOUND_MS);
      await stopping;
      assert.match(String(await late), /is stopping/);
      assert.equal(r.bbmd.framesOf(BvlcFunction.DistributeBroadcastToNetwork).length, 0);
      assert.equal(r.manager.snapshot().counters.broadcastsFailed, 2);
    });

    it('a DBTN NAK re-registers at once, at most one Register per response timeout, and reports the loss', async () => {
      const r = rig({ random: () => 0 });
      await registered(r);
      await r.clock.advance(10_000);
      r.bbmd.register = 'silent';
      const before = r.bbmd.registers.length;
      await r.manager.broadcast(WHO_IS);
      r.bbmd.result(0x0060);
      const s = r.manager.snapshot();
      assert.equal(s.state, 'registering');
      assert.match(s.error ?? '', /refused a broadcast \(Distribute-Broadcast-To-Network-NAK\)/);
      assert.equal(r.events[r.events.length - 1].error, s.error);
      assert.ok(r.warnings.some((w) => /Distribute-Broadcast-To-Network-NAK/.test(w)));
      assert.equal(s.counters.broadcastsFailed, 1);
      await r.clock.advance(0);
      assert.equal(r.bbmd.registers.length, before + 1, 'one Register at once');
      // A BBMD that NAKs every DBTN: more NAKs within the response timeout send nothing more.
      for (let i = 0; i < 20; i++) {
        r.bbmd.result(0x0060);
        await r.clock.advance(50);
      }
      assert.equal(r.bbmd.registers.length, before + 1);
      r.bbmd.result(0);
      assert.equal(r.manager.currentState, 'registered');
    });

    it('never sends more than one Register per response timeout however many DBTN NAKs come', async () => {
      const r = rig({ random: () => 0 });
      await registered(r);
      const start = r.clock.monotonic();
      const before = r.bbmd.registers.length;
      for (let i = 0; i < 200; i++) {
        r.bbmd.result(0x0060);
        await r.clock.advance(100);
      }
      const elapsed = r.clock.monotonic() - start;
      const extra = r.bbmd.registers.length - before;
      assert.ok(extra <= Math.ceil(elapsed / 2_000) + 1, `${extra} Registers in ${elapsed} ms`);
      assert.ok(extra >= 5);
    });
  });

  describe('Read-FDT and Read-BDT', () => {
    it('reads and decodes both tables, one frame for concurrent callers', async () => {
      const r = rig();
      r.bbmd.fdt = 45;
      r.bbmd.bdt = [
        { address: '192.168.1.10', port: 47808, mask: '255.255.255.255' },
        { address: '192.168.2.10', port: 47809, mask: '255.255.255.0' },
      ];
      await registered(r);
      const before = r.bbmd.framesOf(BvlcFunction.ReadFdt).length;
      const [a, b, bdt] = [r.manager.readFdt(), r.manager.readFdt(), r.manager.readBdt()];
      await r.clock.advance(10);
      assert.equal(r.bbmd.framesOf(BvlcFunction.ReadFdt).length, before + 1, 'one Read-FDT for two callers');
      assert.equal(r.bbmd.framesOf(BvlcFunction.ReadBdt)[0].raw.toString('hex'), '81020004');
      assert.deepEqual(await a, [
        { address: '10.9.9.9', port: 47808, ttl: 60, remaining: 70 },
        { address: '10.8.0.5', port: 47808, ttl: 45, remaining: 75 },
      ]);
      assert.equal(await b, await a);
      assert.deepEqual(await bdt, [
        { address: '192.168.1.10', port: 47808, mask: '255.255.255.255' },
        { address: '192.168.2.10', port: 47809, mask: '255.255.255.0' },
      ]);
      assert.equal(r.clock.pending, 1 + 1, 'renewal and expiry timers only: the reads left nothing');
    });

    for (const [kind, code, name] of [
      ['readFdt', 0x40, 'Read-Foreign-Device-Table-NAK'],
      ['readBdt', 0x20, 'Read-Broadcast-Distribution-Table-NAK'],
    ] as const) {
      it(`${kind}: a NAK is a clear ENAK error, and the registration is untouched`, async () => {
        const r = rig();
        await registered(r);
        r.bbmd.fdt = 'nak';
        r.bbmd.bdt = 'nak';
        const read = r.manager[kind]().then(() => null, (e: ForeignDeviceError) => e);
        await r.clock.advance(10);
        const err = await read;
        assert.ok(err instanceof ForeignDeviceError);
        assert.equal(err.code, 'ENAK');
        assert.match(err.message, new RegExp(`BBMD 192\\.168\\.1\\.10:47808 refused .*\\(${name}\\)`));
        assert.deepEqual(r.manager.snapshot().lastResult, { code, name });
        assert.equal(r.manager.currentState, 'registered');
      });

      it(`${kind}: silence is ETIMEOUT after the response timeout`, async () => {
        const r = rig();
        await registered(r);
        r.bbmd.fdt = 'silent';
        r.bbmd.bdt = 'silent';
        let err: ForeignDeviceError | null = null;
        void r.manager[kind]().catch((e: ForeignDeviceError) => (err = e));
        await r.clock.advance(1_999);
        assert.equal(err, null);
        await r.clock.advance(1);
        assert.equal((err as ForeignDeviceError | null)?.code, 'ETIMEOUT');
        assert.match(String((err as ForeignDeviceError | null)?.message), /no answer from BBMD 192\.168\.1\.10:47808 to Read-.*-Table within 2000 ms/);
      });
    }

    it('stop() fails a read in flight with ESTOPPED', async () => {
      const r = rig();
      await registered(r);
      r.bbmd.fdt = 'silent';
      const read = r.manager.readFdt().then(() => null, (e: ForeignDeviceError) => e);
      const stopping = r.manager.stop();
      await r.clock.advance(10);
      await stopping;
      assert.equal((await read)?.code, 'ESTOPPED');
      assert.equal(r.clock.pending, 0);
    });
  });

  describe('stop()', () => {
    it('sends exactly one Delete-FDT-Entry with the route address when bound to 0.0.0.0', async () => {
      const r = rig();
      r.bbmd.route = { address: '10.8.0.5', port: 47808 };
      await registered(r);
      const first = r.manager.stop();
      const second = r.manager.stop();
      await r.clock.advance(10);
      await Promise.all([first, second]);
      await r.manager.stop();
      const deletes = r.bbmd.framesOf(BvlcFunction.DeleteFdtEntry);
      assert.equal(deletes.length, 1);
      assert.equal(deletes[0].raw.toString('hex'), '8108000a0a080005bac0');
      assert.equal(r.manager.currentState, 'stopped');
      assert.equal(r.clock.pending, 0, 'no timer left');
      const sentAfter = r.bbmd.sent.length;
      await r.clock.advance(HOUR);
      assert.equal(r.bbmd.sent.length, sentAfter, 'nothing sent after stop');
    });

    it('uses the bound address when bound to one, and the public address behind NAT', async () => {
      const bound = rig();
      bound.bbmd.bound = { address: '10.1.1.7', port: 50000 };
      await registered(bound);
      const stopping = bound.manager.stop();
      await bound.clock.advance(10);
      await stopping;
      assert.equal(bound.bbmd.framesOf(BvlcFunction.DeleteFdtEntry)[0].raw.toString('hex'), '8108000a0a010107c350');
      const nat = rig({ publicAddress: { address: '203.0.113.9', port: 47900 } });
      await registered(nat);
      const natStop = nat.manager.stop();
      await nat.clock.advance(10);
      await natStop;
      assert.equal(nat.bbmd.framesOf(BvlcFunction.DeleteFdtEntry)[0].raw.toString('hex'), '8108000acb007109bb1c');
    });

    it('sends no Delete when not registered, or when deregistering is off', async () => {
      const r = rig();
      r.bbmd.register = 'silent';
      r.manager.start();
      await r.clock.advance(2_500);
      await r.manager.stop();
      assert.equal(r.bbmd.framesOf(BvlcFunction.DeleteFdtEntry).length, 0);
      const off = rig({ deregister: false });
      await registered(off);
      await off.manager.stop();
      assert.equal(off.bbmd.framesOf(BvlcFunction.DeleteFdtEntry).length, 0);
      assert.equal(off.manager.currentState, 'stopped');
    });

    it('finishes within 2 s when the BBMD does not answer the Delete', async () => {
      const r = rig({ ttl: 65535 });
      await registered(r);
      r.bbmd.deleteAnswer = 'silent';
      let done = false;
      void r.manager.stop().then(() => (done = true));
      await r.clock.advance(1_999);
      assert.equal(done, false, 'waits for the answer up to the response timeout');
      await r.clock.advance(1);
      assert.equal(done, true);
      assert.equal(r.manager.currentState, 'stopped');
      assert.equal(r.clock.pending, 0);
    });

    it('finishes at once when the Delete cannot be sent, and an ACK ends the wait early', async () => {
      const r = rig();
      await registered(r);
      r.bbmd.sendError = Object.assign(new Error('send EBADF'), { code: 'EBADF' });
      await r.manager.stop();
      assert.equal(r.manager.currentState, 'stopped');
      assert.ok(r.warnings.some((w) => /cannot send Delete-FDT-Entry/.test(w)));
      const quick = rig();
      await registered(quick);
      quick.bbmd.rttMs = 7;
      let done = false;
      void quick.manager.stop().then(() => (done = true));
      await quick.clock.advance(7);
      assert.equal(done, true);
    });

    it('can start again after stop', async () => {
      const r = rig();
      await registered(r);
      const stopping = r.manager.stop();
      await r.clock.advance(10);
      await stopping;
      r.manager.start();
      await r.clock.advance(10);
      assert.equal(r.manager.currentState, 'registered');
      assert.equal(r.bbmd.registers.length, 2);
    });
  });

  describe('start() and stop() overlapping: one of Register or Delete outstanding at a time', () => {
    it("start() while stop() waits for the Delete's answer registers once the stop has finished", async () => {
      const r = rig({ random: () => 0 });
      await registered(r);
      r.bbmd.rttMs = 50;
      const stopping = r.manager.stop();
      r.manager.start();
      await r.clock.advance(49);
      assert.equal(r.bbmd.registers.length, 1, 'no Register while the Delete waits for its answer');
      await r.clock.advance(1);
      await stopping;
      await r.clock.advance(100);
      const deleteAt = r.bbmd.framesOf(BvlcFunction.DeleteFdtEntry)[0].at;
      assert.equal(r.bbmd.registers.length, 2);
      assert.ok(r.bbmd.registers[1].at >= deleteAt + 50, 'the Register follows the answer to the Delete');
      assert.equal(r.manager.currentState, 'registered');
      await r.clock.advance(HOUR);
      assert.equal(r.manager.currentState, 'registered', 'renewals go on: no state without a timer');
      assert.ok(r.bbmd.registers.length > 100);
    });

    it('stop() during that deferred start stops for good: nothing more is sent and no timer is left', async () => {
      const r = rig();
      await registered(r);
      const first = r.manager.stop();
      r.manager.start();
      const second = r.manager.stop();
      await r.clock.advance(10);
      await Promise.all([first, second]);
      await r.clock.advance(HOUR);
      assert.equal(r.manager.currentState, 'stopped');
      assert.equal(r.bbmd.registers.length, 1);
      assert.equal(r.bbmd.framesOf(BvlcFunction.DeleteFdtEntry).length, 1);
      assert.equal(r.clock.pending, 0);
    });

    it("stop() while a Register waits for its answer sends the Delete after that answer; 0000 answers the Register, then the Delete", async () => {
      const r = rig();
      r.bbmd.rttMs = 500;
      r.manager.start();
      await r.clock.advance(100);
      let done = false;
      void r.manager.stop().then(() => (done = true));
      await r.clock.advance(399);
      assert.equal(r.bbmd.framesOf(BvlcFunction.DeleteFdtEntry).length, 0, 'no Delete while the Register waits for its answer');
      await r.clock.advance(1);
      const deletes = r.bbmd.framesOf(BvlcFunction.DeleteFdtEntry);
      assert.deepEqual(deletes.map((s) => s.at), [500], 'the Delete follows the ACK at once');
      assert.equal(done, false, "the Register's ACK did not end the wait for the Delete's answer");
      await r.clock.advance(500);
      assert.equal(done, true);
      assert.equal(r.manager.currentState, 'stopped');
      assert.equal(r.bbmd.registers.length, 1);
      assert.equal(r.clock.pending, 0);
    });

    it('with a silent BBMD the Delete goes when that Register times out, and stop() keeps its bound', async () => {
      const r = rig();
      r.bbmd.register = 'silent';
      r.bbmd.deleteAnswer = 'silent';
      r.manager.start();
      await r.clock.advance(100);
      let doneAt: number | null = null;
      void r.manager.stop().then(() => (doneAt = r.clock.monotonic()));
      await r.clock.advance(1_899);
      assert.equal(r.bbmd.framesOf(BvlcFunction.DeleteFdtEntry).length, 0);
      await r.clock.advance(1);
      // Unanswered, the Register may have been accepted unseen: the Delete is sent, not waited for.
      assert.deepEqual(r.bbmd.framesOf(BvlcFunction.DeleteFdtEntry).map((s) => s.at), [2_000]);
      await r.clock.advance(STOP_BOUND_MS);
      assert.ok(doneAt !== null && doneAt - 100 <= STOP_BOUND_MS, `stop() took ${String(doneAt)} - 100 ms`);
      assert.equal(r.manager.currentState, 'stopped');
      assert.equal(r.clock.pending, 0);
    });

    it('stop({ deregister: false }) sends no Delete; stop({ deregister: true }) sends one where deregistering is off', async () => {
      const r = rig();
      await registered(r);
      const stopping = r.manager.stop({ deregister: false });
      await r.clock.advance(10);
      await stopping;
      assert.equal(r.bbmd.framesOf(BvlcFunction.DeleteFdtEntry).length, 0);
      assert.equal(r.manager.currentState, 'stopped');
      assert.equal(r.clock.pending, 0);
      // Nor does it wait for a Register in flight: no Delete could follow it.
      const inFlight = rig();
      inFlight.bbmd.register = 'silent';
      inFlight.manager.start();
      await inFlight.clock.advance(100);
      await inFlight.manager.stop({ deregister: false });
      assert.equal(inFlight.bbmd.framesOf(BvlcFunction.DeleteFdtEntry).length, 0);
      assert.equal(inFlight.clock.pending, 0);
      const off = rig({ deregister: false });
      await registered(off);
      const offStopping = off.manager.stop({ deregister: true });
      await off.clock.advance(10);
      await offStopping;
      assert.equal(off.bbmd.framesOf(BvlcFunction.DeleteFdtEntry).length, 1);
      // The override holds for that stop only.
      off.manager.start();
      await off.clock.advance(10);
      await off.manager.stop();
      assert.equal(off.bbmd.framesOf(BvlcFunction.DeleteFdtEntry).length, 1);
    });

    it('stop() abandons a name resolution that never answers: no timer is left', async () => {
      const r = rig({ bbmd: { host: 'slow.example', port: 47808 }, resolver: () => new Promise<string>(() => undefined) });
      r.manager.start();
      const read = r.manager.readFdt().then(() => null, (e: ForeignDeviceError) => e);
      await r.clock.advance(100);
      await r.manager.stop();
      assert.equal((await read)?.code, 'ESTOPPED');
      assert.equal(r.clock.pending, 0);
      await r.clock.advance(HOUR);
      assert.equal(r.manager.currentState, 'stopped');
      assert.equal(r.bbmd.sent.length, 0);
    });
  });

  describe("the 'resolved' event", () => {
    it('announces the BBMD address before the first frame to it, and again when it changes', async () => {
      let answer = '192.168.1.10';
      const r = rig({ bbmd: { host: 'bbmd.site.local', port: 47808 }, resolver: async () => answer, random: () => 0 });
      const seen: { bbmd: BipAddress; sentBefore: number }[] = [];
      r.manager.on('resolved', (bbmd) => seen.push({ bbmd, sentBefore: r.bbmd.sent.length }));
      r.manager.start();
      await r.clock.advance(10);
      assert.deepEqual(seen, [{ bbmd: { address: '192.168.1.10', port: 47808 }, sentBefore: 0 }]);
      await r.clock.advance(HOUR);
      assert.equal(seen.length, 1, 'renewals to the same address announce nothing');
      answer = '192.168.1.20';
      r.bbmd.from = { address: '192.168.1.20', port: 47808 };
      const before = r.bbmd.sent.length;
      await r.clock.advance(30_000);
      assert.deepEqual(seen[1], { bbmd: { address: '192.168.1.20', port: 47808 }, sentBefore: before });
      assert.ok(r.bbmd.sent.length > before);
      assert.ok(r.bbmd.sent.slice(before).every((s) => s.to.address === '192.168.1.20'));
      assert.equal(r.manager.currentState, 'registered');
    });

    it('announces an IPv4 host too, once, before the first Register', async () => {
      const r = rig();
      const seen: { bbmd: BipAddress; sentBefore: number }[] = [];
      r.manager.on('resolved', (bbmd) => seen.push({ bbmd, sentBefore: r.bbmd.sent.length }));
      await registered(r);
      await r.clock.advance(HOUR);
      assert.deepEqual(seen, [{ bbmd: { address: '192.168.1.10', port: 47808 }, sentBefore: 0 }]);
    });

    it('a listener that stops the manager during the event: nothing is sent to that address', async () => {
      const r = rig({ deregister: 'always' });
      r.manager.on('resolved', () => void r.manager.stop());
      r.manager.start();
      await r.clock.advance(HOUR);
      assert.equal(r.bbmd.sent.length, 0);
      assert.equal(r.manager.currentState, 'stopped');
      assert.equal(r.clock.pending, 0);
      // An address that changes while registered: the Delete goes to the old one (our entry), nothing to the new.
      let answer = '192.168.1.10';
      const moved = rig({ bbmd: { host: 'bbmd.site.local', port: 47808 }, resolver: async () => answer, random: () => 0 });
      moved.manager.on('resolved', (bbmd) => {
        if (bbmd.address === '192.168.1.20') void moved.manager.stop();
      });
      await registered(moved);
      answer = '192.168.1.20';
      await moved.clock.advance(HOUR);
      assert.equal(moved.manager.currentState, 'stopped');
      assert.ok(moved.bbmd.sent.every((s) => s.to.address === '192.168.1.10'));
      assert.deepEqual(moved.bbmd.framesOf(BvlcFunction.DeleteFdtEntry).map((s) => s.to.address), ['192.168.1.10']);
      assert.equal(moved.clock.pending, 0);
    });
  });

  describe('NAT: publicAddress', () => {
    it('without a port means the bound port: addressSeenByBbmd, the granted-TTL check and the Delete use it', async () => {
      const r = rig({ ttl: 7200, publicAddress: { address: '203.0.113.9', port: null } });
      r.bbmd.bound = { address: '0.0.0.0', port: 50000 };
      // The scripted BBMD lists our entry under `route`: here, the NAT's public side.
      r.bbmd.route = { address: '203.0.113.9', port: 50000 };
      r.bbmd.fdt = 3600;
      await registered(r);
      assert.deepEqual(r.manager.addressSeenByBbmd, { address: '203.0.113.9', port: 50000 });
      assert.equal(r.manager.snapshot().grantedTtl, 3600);
      const stopping = r.manager.stop();
      await r.clock.advance(10);
      await stopping;
      assert.equal(r.bbmd.framesOf(BvlcFunction.DeleteFdtEntry)[0].raw.toString('hex'), '8108000acb007109c350');
    });

    it(`renews at least every ${NAT_RENEWAL_MAX_MS} ms so that the NAT's UDP mapping stays open; expiry stays lastAck + TTL`, async () => {
      const r = rig({ ttl: 3600, random: () => 0, publicAddress: { address: '203.0.113.9', port: 47900 } });
      r.manager.start();
      await r.clock.advance(100_010);
      assert.deepEqual(r.bbmd.registers.map((s) => s.at), [0, 25_000, 50_000, 75_000, 100_000]);
      r.bbmd.register = 'silent';
      await r.clock.advance(100_003 + 3_600_000 - 100_010 - 1);
      assert.equal(r.manager.currentState, 'registered', 'the last ACK still holds for its TTL');
      await r.clock.advance(1);
      assert.equal(r.manager.currentState, 'unreachable');
      // A TTL whose half is shorter keeps TTL/2; without publicAddress, TTL/2 whatever the TTL.
      const short = rig({ ttl: 20, random: () => 0, publicAddress: { address: '203.0.113.9', port: null } });
      short.manager.start();
      await short.clock.advance(30_010);
      assert.deepEqual(short.bbmd.registers.map((s) => s.at), [0, 10_000, 20_000, 30_000]);
      const plain = rig({ ttl: 3600, random: () => 0 });
      plain.manager.start();
      await plain.clock.advance(1_800_010);
      assert.deepEqual(plain.bbmd.registers.map((s) => s.at), [0, 1_800_000]);
    });
  });
});
