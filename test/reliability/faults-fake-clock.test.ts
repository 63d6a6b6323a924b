/**
 * Reliability 3, long spans: the same faults on the fake clock, with
 * realistic TTLs (60 s, 3600 s) and a short one (2 s), over days of protocol
 * time. First every fault for three TTLs, then random faults of random length
 * (a seeded sequence). After each fault the registration must recover within
 * the README's bound, exactly (no scheduling slack: time is simulated), and
 * throughout:
 * - `registered` never outlives lastAck + TTL;
 * - no two Registers come closer than the README allows (no flooding);
 * - results from another address or another port change nothing.
 */
import assert from 'node:assert/strict';
import { BipAddress } from '../../dist/protocol/address';
import { ForeignDeviceManager } from '../../dist/registration/foreign-device';
import { FdSnapshot } from '../../dist/registration/types';
import { FakeClock } from '../support/fake-clock';
import { ScriptedBbmd } from '../support/fake-bbmd-transport';
import { LONG, Random, record, responseTimeoutMs, retryCapMs } from './support';

const HOST = 'bbmd.site.test';
const BBMD_ADDRESS = '192.168.1.10';
const BBMD: BipAddress = { address: BBMD_ADDRESS, port: 47808 };
const STRANGERS: BipAddress[] = [
  { address: '192.168.1.11', port: 47808 }, // another address, the BBMD's port
  { address: BBMD_ADDRESS, port: 47809 }, // the BBMD's address, another port
];
const HOUR = 3600_000;

type FaultKind = 'silent' | 'nak' | 'send-error' | 'resolve-error' | 'reboot' | 'spoof';
const KINDS: FaultKind[] = ['silent', 'nak', 'send-error', 'resolve-error', 'reboot', 'spoof'];

interface Chaos {
  ttl: number;
  /** Simulated time the random phase runs for. */
  spanMs: number;
  seed: number;
}

const CASES: Chaos[] = [
  { ttl: 2, spanMs: (LONG ? 24 : 2) * HOUR, seed: 2 },
  { ttl: 60, spanMs: (LONG ? 30 * 24 : 3 * 24) * HOUR, seed: 60 },
  { ttl: 3600, spanMs: (LONG ? 365 * 24 : 30 * 24) * HOUR, seed: 3600 },
];

/** The README's bound on recovery after a fault of this kind ends (rtt: the scripted BBMD's answer time). */
function boundMs(kind: FaultKind, ttl: number, rtt: number): number {
  const R = responseTimeoutMs(ttl);
  const C = retryCapMs(ttl);
  switch (kind) {
    case 'silent':
      // A Register lost just before the end times out (R), then the retry waits at most 1.2·C.
      return R + 1.2 * C + rtt;
    case 'nak':
    case 'send-error':
    case 'resolve-error':
      // The failure is known at once (NAK after one round trip); the retry waits at most 1.2·C.
      return 1.2 * C + rtt;
    case 'reboot':
      // A DBTN NAK: one Register at most one response timeout after the last one.
      return R + rtt;
    case 'spoof':
      // Nothing to recover from: strangers' results change nothing.
      return 0;
  }
}

describe('reliability: faults on the fake clock, days of protocol time', function () {
  this.timeout(120_000);

  for (const c of CASES) {
    it(`TTL ${c.ttl} s: each fault for 3 TTLs, then random faults over ${Math.round(c.spanMs / HOUR)} h; recovery within the README bound every time`, async () => {
      const clock = new FakeClock();
      const bbmd = new ScriptedBbmd(clock);
      const random = new Random(c.seed);
      let resolveFails = false;
      const manager = new ForeignDeviceManager({
        bbmd: { host: HOST, port: BBMD.port },
        ttl: c.ttl,
        clock,
        transport: bbmd,
        resolver: async (host) => {
          if (resolveFails) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
          return BBMD_ADDRESS;
        },
        random: () => random.float(),
        log: { info: () => undefined, warn: () => undefined },
      });
      bbmd.attach(manager);
      const changes: FdSnapshot[] = [];
      manager.on('change', (s: FdSnapshot) => changes.push(s));
      const ttlMs = c.ttl * 1000;
      const half = ttlMs / 2;
      const R = responseTimeoutMs(c.ttl);
      const rtt = bbmd.rttMs;

      const recovered = (): boolean => manager.registered && manager.snapshot().attempts === 0;
      const checkInvariants = (): void => {
        const s = manager.snapshot();
        if (s.registered) {
          // The snapshot gives lastAck in whole milliseconds (rounded): half a millisecond of leeway.
          assert.ok(s.lastAck !== null && clock.now() < s.lastAck + ttlMs + 0.5, `registered ${clock.now() - (s.lastAck ?? 0)} ms after the last ACK (TTL ${c.ttl} s)`);
        }
      };
      /** Advances to `until` (absolute monotonic ms) timer by timer, checking the invariants at each step. */
      const runTo = async (until: number): Promise<void> => {
        for (let steps = 0; clock.monotonic() < until; steps++) {
          assert.ok(steps < 1_000_000, 'bounded loop');
          const next = clock.nextDue();
          await clock.advance(next === null || next > until ? until - clock.monotonic() : Math.max(0, next - clock.monotonic()));
          checkInvariants();
        }
      };
      /**
       * From now (the fault's end), steps timer by timer until recovered; returns the time it took.
       * A Register the silent BBMD dropped is a failure only once its response timeout has passed:
       * until then the registration has not recovered, whatever its state says.
       */
      const recovery = async (kind: FaultKind, faultStart: number): Promise<number> => {
        const end = clock.monotonic();
        const bound = boundMs(kind, c.ttl, rtt);
        const dropped = kind === 'silent' ? bbmd.registers.filter((r) => r.at >= faultStart).map((r) => r.at) : [];
        const unknownUntil = dropped.length > 0 ? Math.max(...dropped) + R : -Infinity;
        for (let steps = 0; !recovered() || clock.monotonic() < unknownUntil; steps++) {
          assert.ok(steps < 100_000, 'bounded loop');
          const next = clock.nextDue();
          assert.ok(next !== null, `${kind}: nothing scheduled and not recovered`);
          assert.ok(next - end <= bound, `${kind} (TTL ${c.ttl}): not recovered within ${bound} ms of the fault's end; state ${manager.currentState}, attempts ${manager.snapshot().attempts}`);
          await clock.advance(Math.max(0, next - clock.monotonic()));
          checkInvariants();
        }
        const took = clock.monotonic() - end;
        assert.ok(took <= bound, `${kind} (TTL ${c.ttl}): recovered after ${took} ms, bound ${bound} ms`);
        return took;
      };
      const spoof = (): void => {
        const from = random.pick(STRANGERS);
        const before = manager.snapshot();
        bbmd.result(random.pick([0x0000, 0x0030, 0x0050, 0x0060]), from);
        const after = manager.snapshot();
        assert.equal(after.state, before.state, `a result from ${from.address}:${from.port} changed the state`);
        assert.equal(after.attempts, before.attempts);
        assert.equal(after.counters.spoofed, before.counters.spoofed + 1);
      };
      /** Runs one fault of `kind` for `durationMs`, then measures the recovery. */
      const fault = async (kind: FaultKind, durationMs: number): Promise<number> => {
        const start = clock.monotonic();
        switch (kind) {
          case 'silent':
            bbmd.register = 'silent';
            break;
          case 'nak':
            bbmd.register = 0x30;
            break;
          case 'send-error':
            bbmd.sendError = Object.assign(new Error('send ENETUNREACH 192.168.1.10:47808'), { code: 'ENETUNREACH' });
            break;
          case 'resolve-error':
            resolveFails = true;
            break;
          case 'reboot':
            // The BBMD forgot us; the next broadcast is refused.
            if (manager.registered) bbmd.result(0x0060);
            durationMs = 0;
            break;
          case 'spoof':
            break;
        }
        const end = clock.monotonic() + durationMs;
        if (kind === 'spoof') {
          for (let i = 0; i < 20 && clock.monotonic() < end; i++) {
            await runTo(Math.min(end, clock.monotonic() + random.int(Math.max(1, durationMs / 10))));
            spoof();
          }
        }
        await runTo(end);
        bbmd.register = 0;
        bbmd.sendError = null;
        resolveFails = false;
        return recovery(kind, start);
      };

      manager.start();
      await clock.advance(rtt + 1);
      assert.ok(recovered());
      const worst: Record<string, number> = {};
      const counts: Record<string, number> = {};
      const note = (kind: FaultKind, took: number): void => {
        worst[kind] = Math.max(worst[kind] ?? 0, took);
        counts[kind] = (counts[kind] ?? 0) + 1;
      };

      // Every fault for three TTLs, from a registered state.
      for (const kind of KINDS) {
        note(kind, await fault(kind, 3 * ttlMs));
        await runTo(clock.monotonic() + random.int(ttlMs));
      }
      // Then random faults, random lengths (0..3 TTLs), random healthy gaps (0..2 TTLs).
      const stop = clock.monotonic() + c.spanMs;
      for (let i = 0; clock.monotonic() < stop; i++) {
        assert.ok(i < 100_000, 'bounded loop');
        const kind = random.pick(KINDS);
        note(kind, await fault(kind, random.int(3 * ttlMs)));
        await runTo(clock.monotonic() + random.int(2 * ttlMs));
      }

      // No flooding: Registers never closer than the README allows (renewals 0.9·TTL/2,
      // retries 0.8 s after a NAK or error, R + 0.8 s after a timeout, R after a DBTN NAK).
      const times = bbmd.registers.map((r) => r.at);
      const minGap = Math.min(0.9 * half, 800, R);
      let closest = Infinity;
      for (let i = 1; i < times.length; i++) closest = Math.min(closest, times[i] - times[i - 1]);
      assert.ok(closest >= minGap, `two Registers ${closest} ms apart (TTL ${c.ttl}; at least ${minGap} ms expected)`);
      // Every kind of fault happened, and the machine went through every failure state.
      for (const kind of KINDS) assert.ok((counts[kind] ?? 0) >= 2, `${kind} ran ${counts[kind]} times`);
      const seen = new Set(changes.map((s) => s.state));
      for (const state of ['registered', 'registering', 'rejected', 'unreachable']) assert.ok(seen.has(state as FdSnapshot['state']), `never ${state}`);
      assert.equal(manager.snapshot().counters.spoofed > 0, true);
      // stop() waits for the Delete's answer, which comes through the fake clock.
      const stopped = manager.stop();
      await clock.advance(2000);
      await stopped;
      assert.equal(clock.pending, 0, 'no timer left after stop');

      const faults = Object.values(counts).reduce((a, b) => a + b, 0);
      record('faultsFakeClock', {
        [`ttl${c.ttl}`]: {
          simulatedHours: Math.round(clock.monotonic() / HOUR),
          faults,
          registers: times.length,
          worstRecoveryMs: worst,
          boundMs: Object.fromEntries(KINDS.map((k) => [k, boundMs(k, c.ttl, rtt)])),
          closestRegistersMs: closest,
        },
      });
    });
  }
});
