/**
 * Reliability 3: faults against the BBMD emulator on 127.0.0.1, each recovering
 * to `registered` with no redeploy, within the bounds the README states:
 * response timeout R = min(2 s, TTL/2); retries 1 s doubling to
 * C = max(1 s, min(30 s, TTL/2)), each ±20 %, counted from the failure.
 *
 * "Recovered" means registered with no failed attempt outstanding
 * (snapshot.attempts === 0): the last Register was accepted. Each bound is
 * the worst case the README allows from the moment the fault ends, plus
 * SCHEDULING_SLACK_MS for real timers on a loaded machine; the fake-clock
 * tests (faults-fake-clock.test.ts) check the same bounds with no slack.
 *
 * Small TTLs (2 s, 4 s) make each fault sequence fit in seconds.
 */
import assert from 'node:assert/strict';
import type * as dgram from 'node:dgram';
import { BipAddress } from '../../dist/protocol/address';
import { encodeGlobalWhoIs } from '../../dist/protocol/apdu';
import { BvlcFunction, encodeBvll } from '../../dist/protocol/bvll';
import type { ForeignDeviceManager } from '../../dist/registration/foreign-device';
import type { FdSnapshot } from '../../dist/registration/types';
import type { ReceivedNpdu } from '../../dist/protocol/received-npdu';
import type { RegistrationConfig, RegistrationLease } from '../../dist/registration/registration-table';
import { acquireRegistration, openEndpoints } from '../../dist/transport/endpoint-registry';
import { BbmdEmulator, ReceivedFrame } from '../support/bbmd-emulator';
import {
  COUNTS,
  LOOPBACK,
  SCHEDULING_SLACK_MS,
  activeResources,
  closeSocket,
  pause,
  rawSocket,
  record,
  responseTimeoutMs,
  retryBaseMs,
  retryCapMs,
  retryRangeMs,
  until,
} from './support';

interface Change {
  /** performance.now() when the event came (the emulator's clock too). */
  t: number;
  snapshot: FdSnapshot;
}

interface Rig {
  lease: RegistrationLease;
  manager: ForeignDeviceManager;
  changes: Change[];
  warnings: string[];
  ttl: number;
}

const recoveries: Record<string, { recoveredMs: number[]; boundMs: number }> = {};

function noteRecovery(name: string, ms: number, bound: number): void {
  const entry = (recoveries[name] ??= { recoveredMs: [], boundMs: Math.round(bound) });
  entry.recoveredMs.push(Math.round(ms));
  record('faults', { [name]: entry });
}

/** The states the registration went through (an event also comes when only the error text changes). */
function states(changes: Change[]): string[] {
  const out: string[] = [];
  for (const c of changes) if (out.at(-1) !== c.snapshot.state) out.push(c.snapshot.state);
  return out;
}

function recovered(manager: ForeignDeviceManager): boolean {
  return manager.registered && manager.snapshot().attempts === 0;
}

/**
 * Waits for recovery; returns the time it took from `since` (performance.now()).
 * Fails if it took longer than `boundMs` (it waits a little past the bound, to say by how much).
 */
async function recoveryWithin(manager: ForeignDeviceManager, since: number, boundMs: number, what: string): Promise<number> {
  await until(() => recovered(manager), boundMs + 2000, `${what}: recovery`).catch(() => undefined);
  const took = performance.now() - since;
  assert.ok(recovered(manager), `${what}: not recovered ${Math.round(took)} ms after the fault ended (bound ${Math.round(boundMs)} ms); state ${manager.currentState}, attempts ${manager.snapshot().attempts}`);
  assert.ok(took <= boundMs, `${what}: recovered after ${Math.round(took)} ms, over the bound of ${Math.round(boundMs)} ms`);
  return took;
}

/** Register-Foreign-Device frames the emulator received at or after `from`. */
function registersSince(emulator: BbmdEmulator, from: number): ReceivedFrame[] {
  return emulator.log.filter(
    (d): d is ReceivedFrame => 'frame' in d && d.frame.function === BvlcFunction.RegisterForeignDevice && d.at >= from,
  );
}

/** Checks that the gap before retry i (1-based) lies in `offset` + [0.8, 1.2]·base(i) (+ slack). */
function assertRetryGaps(times: number[], ttl: number, offsetMs: number, what: string, firstRetry = 1): void {
  for (let i = 1; i < times.length; i++) {
    const n = firstRetry + i - 1;
    const [low, high] = retryRangeMs(n, ttl);
    const gap = times[i] - times[i - 1];
    // Real timers never fire early by more than the clock's rounding (1 ms).
    assert.ok(gap >= offsetMs + low - 2, `${what}: retry ${n} came ${Math.round(gap)} ms after the previous Register, before ${Math.round(offsetMs + low)} ms`);
    assert.ok(
      gap <= offsetMs + high + SCHEDULING_SLACK_MS,
      `${what}: retry ${n} came ${Math.round(gap)} ms after the previous Register, after ${Math.round(offsetMs + high)} ms (+ slack)`,
    );
  }
}

describe('reliability: faults against the emulator, recovery within the README bounds', function () {
  this.timeout(60_000);
  let emulator: BbmdEmulator;
  let bbmd: BipAddress;
  const cleanups: (() => Promise<void>)[] = [];
  let resourcesBefore: Record<string, number>;

  beforeEach(async () => {
    resourcesBefore = activeResources();
    emulator = new BbmdEmulator();
    bbmd = await emulator.start();
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await emulator.stop();
    assert.deepEqual(openEndpoints(), [], 'every endpoint closed');
    await until(
      () => (activeResources().UDPWrap ?? 0) <= (resourcesBefore.UDPWrap ?? 0),
      2000,
      'no socket left open',
    );
  });

  async function registered(ttl: number, extra: Partial<RegistrationConfig> = {}): Promise<Rig> {
    const warnings: string[] = [];
    const lease = await acquireRegistration({
      local: { address: LOOPBACK, port: 0 },
      bbmd: { host: bbmd.address, port: bbmd.port },
      ttl,
      log: { info: () => undefined, warn: (m) => warnings.push(m) },
      ...extra,
    });
    cleanups.push(() => lease.release());
    const changes: Change[] = [];
    lease.manager.on('change', (snapshot: FdSnapshot) => changes.push({ t: performance.now(), snapshot }));
    await until(() => recovered(lease.manager), 3000, 'first registration');
    // Only what happens from here on.
    changes.length = 0;
    return { lease, manager: lease.manager, changes, warnings, ttl };
  }

  async function stranger(): Promise<dgram.Socket & { port: number }> {
    const socket = await rawSocket();
    cleanups.push(() => closeSocket(socket));
    return socket;
  }

  for (let round = 1; round <= COUNTS.faultRounds; round++) {
    const suffix = COUNTS.faultRounds > 1 ? ` (round ${round})` : '';

    it(`BBMD silent for three TTLs, then back${suffix}`, async () => {
      const ttl = 2;
      const R = responseTimeoutMs(ttl);
      const C = retryCapMs(ttl);
      const rig = await registered(ttl);
      const lastAck = rig.manager.snapshot().lastAck as number;
      const silentAt = performance.now();
      emulator.setQuirks({ silent: true });
      await pause(3 * ttl * 1000);
      const backAt = performance.now();
      emulator.setQuirks({ silent: false });
      // Worst case: a Register dropped just before the BBMD came back times out (R), then the retry waits at most 1.2·C.
      const bound = R + 1.2 * C + SCHEDULING_SLACK_MS;
      const took = await recoveryWithin(rig.manager, backAt, bound, 'silent BBMD');
      noteRecovery('silentThreeTtls', took, bound);

      // It left registered exactly when lastAck + TTL passed, and not before.
      assert.deepEqual(states(rig.changes), ['unreachable', 'registered']);
      const down = rig.changes[0].snapshot;
      assert.ok(down.since >= lastAck + ttl * 1000 - 2, `unreachable ${down.since - lastAck} ms after the last ACK, before the TTL`);
      assert.ok(down.since <= lastAck + ttl * 1000 + SCHEDULING_SLACK_MS, `unreachable ${down.since - lastAck} ms after the last ACK`);
      assert.match(String(down.error), new RegExp(`no renewal accepted by BBMD 127\\.0\\.0\\.1:${bbmd.port} within the TTL of ${ttl} s`));
      // Every Register during the silence timed out (R) and was retried after the backoff, counted from the timeout.
      const times = registersSince(emulator, silentAt).map((d) => d.at);
      const dropped = times.filter((t) => t < backAt);
      assert.ok(dropped.length >= 3, `${dropped.length} Registers during ${3 * ttl} s of silence`);
      assertRetryGaps(dropped, ttl, R, 'silent BBMD');
      assert.equal(rig.manager.snapshot().counters.timeouts, dropped.length);
      assert.equal(emulator.fdt().length, 1);
    });

    it(`BBMD reboot that forgets the FDT: the next renewal restores the entry; a DBTN NAK re-registers at once${suffix}`, async () => {
      const ttl = 2;
      const R = responseTimeoutMs(ttl);
      const rig = await registered(ttl);
      // (a) Nothing sent in between: the entry is back with the next renewal, due within 1.1·TTL/2 of the previous Register.
      const lastRegister = registersSince(emulator, 0).at(-1)?.at as number;
      emulator.reboot();
      assert.deepEqual(emulator.fdt(), []);
      const renewalBound = lastRegister + 1.1 * ((ttl * 1000) / 2) + SCHEDULING_SLACK_MS;
      await until(() => emulator.fdt().length === 1, renewalBound - performance.now() + 1000, 'FDT entry back');
      assert.ok(performance.now() <= renewalBound, 'the FDT entry came back with the next renewal');
      assert.equal(rig.changes.length, 0, 'still registered throughout');

      // (b) The BBMD NAKs broadcasts from devices it does not know: 20 broadcasts after a reboot.
      emulator.setQuirks({ nakUnknownDbtn: true });
      await pause(50);
      emulator.reboot();
      const rebootAt = performance.now();
      const sends = Array.from({ length: 20 }, () => rig.manager.broadcast(encodeGlobalWhoIs()));
      await Promise.all(sends);
      // The broadcasts left while registered; their NAKs come back.
      await until(() => rig.manager.snapshot().counters.naks === 20, 2000, '20 DBTN NAKs');
      const bound = R + SCHEDULING_SLACK_MS;
      const took = await recoveryWithin(rig.manager, rebootAt, bound, 'reboot + DBTN NAK');
      noteRecovery('rebootWithDbtnNak', took, bound);
      assert.deepEqual(
        states(rig.changes),
        ['registering', 'registered'],
      );
      assert.match(String(rig.changes[0].snapshot.error), /Distribute-Broadcast-To-Network-NAK.*restarted and forgotten this device; registering again/);
      assert.equal(registersSince(emulator, rebootAt).length, 1, 'one Register for 20 NAKs');
      assert.equal(emulator.fdt().length, 1);
      // Broadcasts work again.
      const dbtn = emulator.counters.dbtn;
      await rig.manager.broadcast(encodeGlobalWhoIs());
      await until(() => emulator.counters.dbtn === dbtn + 1, 1000, 'DBTN');
      await pause(50);
      assert.equal(emulator.counters.results['0x0060'], 20);
    });

    it(`a run of NAKs, then ACKs again${suffix}`, async () => {
      const ttl = 4;
      const C = retryCapMs(ttl);
      const rig = await registered(ttl);
      const nakFrom = performance.now();
      emulator.setQuirks({ nakAllRegistrations: true });
      await until(() => emulator.counters.registrationNaks >= 3, 10_000, 'three NAKs');
      const offAt = performance.now();
      emulator.setQuirks({ nakAllRegistrations: false });
      // A NAK answers at once; the retry waits at most 1.2·C from it.
      const bound = 1.2 * C + SCHEDULING_SLACK_MS;
      const took = await recoveryWithin(rig.manager, offAt, bound, 'NAK run');
      noteRecovery('nakRun', took, bound);
      assert.deepEqual(
        states(rig.changes),
        ['rejected', 'registered'],
      );
      assert.deepEqual(rig.changes[0].snapshot.lastResult, { code: 0x30, name: 'Register-Foreign-Device-NAK' });
      assert.ok(rig.warnings.some((w) => /refused the registration \(Register-Foreign-Device-NAK\)/.test(w)));
      // NAKed Registers, then the accepted one: each retry waits 1 s, 2 s, ... (±20 %), counted from the NAK.
      const times = registersSince(emulator, nakFrom).map((d) => d.at);
      assert.equal(times.length, 4, '3 NAKed Registers and the accepted one');
      assertRetryGaps(times, ttl, 0, 'NAK run');
      assert.deepEqual([1, 2, 3].map((n) => retryBaseMs(n, ttl)), [1000, 2000, 2000], 'TTL 4: doubling, capped at TTL/2');
      assert.equal(rig.manager.snapshot().counters.naks, 3);
    });

    it(`ACKs and NAKs from another port are ignored, registered or not${suffix}`, async () => {
      const ttl = 2;
      const R = responseTimeoutMs(ttl);
      const C = retryCapMs(ttl);
      const rig = await registered(ttl);
      const local = rig.lease.endpoint.boundAddress();
      const other = await stranger();
      const spoofs = [0x0000, 0x0030, 0x0050, 0x0060, 0x0040].map((code) => encodeBvll({ function: BvlcFunction.Result, code }));
      spoofs.push(encodeBvll({ function: BvlcFunction.ReadFdtAck, entries: [{ address: LOOPBACK, port: local.port, ttl: 1, remaining: 1 }] }));
      const before = rig.manager.snapshot().counters.spoofed;
      // While registered: 50 rounds over about a TTL, across renewals.
      for (let i = 0; i < 50; i++) {
        for (const frame of spoofs) other.send(frame, local.port, LOOPBACK);
        await pause(ttl * 20);
      }
      await until(() => rig.manager.snapshot().counters.spoofed === before + 50 * spoofs.length, 2000, 'spoofed counted');
      assert.equal(rig.changes.length, 0, 'no change while registered');
      assert.equal(rig.manager.snapshot().grantedTtl, null, "a stranger's FDT does not clamp the TTL");
      assert.equal(rig.manager.snapshot().counters.naks, 0);

      // While the BBMD is silent: a stranger's ACKs must not make it registered.
      emulator.setQuirks({ silent: true });
      await until(() => rig.manager.currentState === 'unreachable', ttl * 1000 + R + 2000, 'unreachable');
      const ack = encodeBvll({ function: BvlcFunction.Result, code: 0 });
      for (let i = 0; i < 40; i++) {
        other.send(ack, local.port, LOOPBACK);
        await pause(25);
        assert.notEqual(rig.manager.currentState, 'registered', "a stranger's ACK made it registered");
      }
      const backAt = performance.now();
      emulator.setQuirks({ silent: false });
      const bound = R + 1.2 * C + SCHEDULING_SLACK_MS;
      const took = await recoveryWithin(rig.manager, backAt, bound, 'spoofed ACKs during silence');
      noteRecovery('spoofedDuringSilence', took, bound);
      assert.deepEqual(
        states(rig.changes),
        ['unreachable', 'registered'],
      );
    });

    it(`a BBMD host name that fails to resolve, then resolves${suffix}`, async () => {
      const ttl = 2;
      const C = retryCapMs(ttl);
      let failing = false;
      const lookups: number[] = [];
      const host = 'bbmd.reliability.test';
      const rig = await registered(ttl, {
        bbmd: { host, port: bbmd.port },
        resolver: async (name: string) => {
          lookups.push(performance.now());
          assert.equal(name, host);
          if (failing) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
          return LOOPBACK;
        },
      });
      const registersBefore = emulator.counters.registrations;
      // Every Register was preceded by a resolution (FDT reads resolve too).
      assert.ok(lookups.length >= registersBefore, `${lookups.length} lookups for ${registersBefore} Registers`);
      const failFrom = performance.now();
      failing = true;
      await pause(ttl * 1000 + 1000);
      const fixedAt = performance.now();
      failing = false;
      // A failed resolution fails the attempt at once; the retry waits at most 1.2·C.
      const bound = 1.2 * C + SCHEDULING_SLACK_MS;
      const took = await recoveryWithin(rig.manager, fixedAt, bound, 'resolution');
      noteRecovery('hostNameUnresolvable', took, bound);
      assert.deepEqual(
        states(rig.changes),
        ['unreachable', 'registered'],
      );
      assert.equal(emulator.counters.registrations, registersBefore + 1, 'nothing sent while the name did not resolve');
      assert.ok(rig.warnings.some((w) => w.includes(`cannot resolve BBMD host "${host}": getaddrinfo ENOTFOUND ${host}`)), rig.warnings.join('\n'));
      // The name is resolved again before every attempt; failed ones back off 1 s, doubling (no response timeout).
      const failed = lookups.filter((t) => t >= failFrom && t < fixedAt);
      assert.ok(failed.length >= 2, `${failed.length} failed lookups`);
      assertRetryGaps(failed, ttl, 0, 'resolution retries');
      assert.equal(rig.manager.snapshot().bbmd.address, LOOPBACK);
    });

    it(`send errors (ENETUNREACH through the transport), then sends work again${suffix}`, async () => {
      const ttl = 2;
      const C = retryCapMs(ttl);
      const rig = await registered(ttl);
      // The manager's transport is the endpoint: its send fails the way dgram reports an unreachable network.
      // Both ways it sends (the promise one, and the callback one of the broadcast path, when it has it).
      const endpoint = rig.lease.endpoint as typeof rig.lease.endpoint & {
        sendNow?: (frame: Uint8Array, to: BipAddress, callback: (err: Error | null) => void) => void;
      };
      const realSend = endpoint.send.bind(endpoint);
      const realSendNow = endpoint.sendNow?.bind(endpoint);
      let failing = false;
      const failedAt: number[] = [];
      const unreachable = (to: BipAddress): Error =>
        Object.assign(new Error(`send ENETUNREACH ${to.address}:${to.port}`), { code: 'ENETUNREACH', errno: -101, syscall: 'send' });
      endpoint.send = (frame: Uint8Array, to: BipAddress): Promise<void> => {
        if (!failing) return realSend(frame, to);
        failedAt.push(performance.now());
        return Promise.reject(unreachable(to));
      };
      if (realSendNow) {
        endpoint.sendNow = (frame, to, callback): void => {
          if (!failing) return realSendNow(frame, to, callback);
          setImmediate(() => callback(unreachable(to)));
        };
      }
      cleanups.push(async () => {
        endpoint.send = realSend;
        if (realSendNow) endpoint.sendNow = realSendNow;
      });
      const registersBefore = emulator.counters.registrations;
      const lastAck = rig.manager.snapshot().lastAck as number;
      failing = true;
      await pause(ttl * 1000 + 1000);
      const fixedAt = performance.now();
      failing = false;
      const bound = 1.2 * C + SCHEDULING_SLACK_MS;
      const took = await recoveryWithin(rig.manager, fixedAt, bound, 'send errors');
      noteRecovery('sendErrors', took, bound);
      assert.deepEqual(
        states(rig.changes),
        ['unreachable', 'registered'],
      );
      // While registered, failed renewals did not change the state: only lastAck + TTL passing did.
      assert.ok(rig.changes[0].snapshot.since >= lastAck + ttl * 1000 - 2);
      assert.ok(failedAt.length >= 2);
      assertRetryGaps(failedAt, ttl, 0, 'send error retries');
      assert.equal(emulator.counters.registrations, registersBefore + 1, 'nothing reached the BBMD while sends failed');
      assert.ok(rig.warnings.some((w) => /renewal with BBMD .* failed \(cannot send to BBMD .*ENETUNREACH/.test(w)), rig.warnings.join('\n'));
      // A broadcast during an outage fails with the error; after it, broadcasts go out.
      failing = true;
      await assert.rejects(rig.manager.broadcast(encodeGlobalWhoIs()), /cannot send the broadcast to BBMD 127\.0\.0\.1:\d+: send ENETUNREACH/);
      failing = false;
      await rig.manager.broadcast(encodeGlobalWhoIs());
    });

    it(`the socket closed underneath the manager: rebound on the same port, registration and receiving resume${suffix}`, async () => {
      const ttl = 2;
      const C = retryCapMs(ttl);
      const rig = await registered(ttl);
      const endpoint = rig.lease.endpoint;
      const port = endpoint.boundAddress().port;
      const got: ReceivedNpdu[] = [];
      rig.lease.onNpdu((r) => got.push(r));
      const registrationsBefore = rig.manager.counters.registrations;
      const closedAt = performance.now();
      (endpoint as unknown as { socket: dgram.Socket }).socket.close();
      await until(() => rig.warnings.some((w) => /closed unexpectedly/.test(w)), 1000, 'the close noticed');
      const rebindMs = Number(/binding again in (\d+) ms/.exec(rig.warnings.join('\n'))?.[1]);
      assert.ok(rebindMs > 0, rig.warnings.join('\n'));
      // After the rebind, the next attempt (a renewal, due within 1.1·TTL/2, or a retry, within 1.2·C) is accepted.
      const bound = rebindMs + Math.max(1.1 * ((ttl * 1000) / 2), 1.2 * C) + SCHEDULING_SLACK_MS;
      await until(() => endpoint.isOpen && rig.manager.counters.registrations > registrationsBefore && recovered(rig.manager), bound + 2000, 'registered after the rebind').catch(
        () => undefined,
      );
      const took = performance.now() - closedAt;
      assert.ok(endpoint.isOpen && rig.manager.counters.registrations > registrationsBefore && recovered(rig.manager), 'recovered after the rebind');
      assert.ok(took <= bound, `recovered ${Math.round(took)} ms after the close, bound ${Math.round(bound)} ms`);
      noteRecovery('socketClosedUnderneath', took, bound);
      assert.equal(endpoint.boundAddress().port, port, 'the same port (the FDT entry names it)');
      assert.deepEqual(emulator.fdt().map((e) => e.port), [port]);
      // Receiving works on the new socket.
      const device = await stranger();
      device.send(encodeBvll({ function: BvlcFunction.OriginalUnicastNpdu, npdu: Buffer.from('01001008', 'hex') }), port, LOOPBACK);
      await until(() => got.length === 1, 1000, 'a unicast after the rebind');
    });

    it(`the socket closed underneath and the port taken before the rebind: recovers once the port is free${suffix}`, async () => {
      const ttl = 2;
      const C = retryCapMs(ttl);
      const rig = await registered(ttl);
      const endpoint = rig.lease.endpoint;
      const port = endpoint.boundAddress().port;
      (endpoint as unknown as { socket: dgram.Socket }).socket.close();
      // Another program takes the port at once.
      const squatter = await rawSocket(port);
      await pause(ttl * 1000 + 1500);
      assert.equal(endpoint.isOpen, false);
      assert.equal(rig.manager.currentState, 'unreachable');
      assert.ok(rig.warnings.some((w) => w.includes(`cannot bind UDP 127.0.0.1:${port}: the port is already in use`)), rig.warnings.join('\n'));
      const rebindMs = Number(/binding again in (\d+) ms/.exec(rig.warnings.join('\n'))?.[1]);
      const freedAt = performance.now();
      await closeSocket(squatter);
      // The rebind is tried every rebindMs; once bound, the next retry (within 1.2·C) is accepted.
      const bound = rebindMs + 1.2 * C + SCHEDULING_SLACK_MS;
      const took = await recoveryWithin(rig.manager, freedAt, bound, 'port freed');
      noteRecovery('portTakenDuringRebind', took, bound);
      assert.equal(endpoint.boundAddress().port, port);
      assert.deepEqual(states(rig.changes), ['unreachable', 'registered']);
      assert.match(String(rig.changes[0].snapshot.error), /not open|not running|ENOTOPEN|within the TTL/i);
    });
  }
});
