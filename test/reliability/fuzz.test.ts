/**
 * Reliability 1: fuzz. Datagrams of random bytes and of valid frames of every
 * BVLC function, damaged (bits flipped, truncated, wrong and huge length fields,
 * extra octets, random bodies behind a good header, oversized datagrams), sent
 * over loopback UDP at a registered endpoint from a stranger's port. Nothing
 * may throw, the registration must stay `registered` (and keep renewing),
 * and the heap after GC must come back to within 5 MB of where it started.
 *
 * Short form: COUNTS.fuzzDatagrams (60,000); long form: 1,000,000.
 * A fixed seed makes every run send the same datagrams.
 */
import assert from 'node:assert/strict';
import type * as dgram from 'node:dgram';
import { BipAddress } from '../../dist/protocol/address';
import { encodeIAmApdu, encodeWhoIsApdu } from '../../dist/protocol/apdu';
import { BvlcFunction, BvllFrame, encodeBvll } from '../../dist/protocol/bvll';
import { DuplicateFilter } from '../../dist/receive/duplicate-filter';
import type { FdSnapshot } from '../../dist/registration/types';
import { passesFilter, receiveMessage } from '../../dist/nodes/fd-receive';
import { encodeNpdu } from '../../dist/protocol/npdu';
import type { ReceivedNpdu } from '../../dist/protocol/received-npdu';
import type { RegistrationLease } from '../../dist/registration/registration-table';
import { acquireRegistration, openEndpoints } from '../../dist/transport/endpoint-registry';
import { BbmdEmulator } from '../support/bbmd-emulator';
import { COUNTS, LOOPBACK, MB, Random, activeResources, closeSocket, heapAfterGc, pause, rawSocket, record, until } from './support';

const SEED = 0x5eed_f00d;
/** Datagrams sent before the heap baseline is taken (JIT, inline caches, socket buffers warm up). */
const WARM_UP = 5_000;
/** Datagrams in flight at once: well under the socket's receive buffer, so the kernel drops none. */
const BATCH = 200;
/** A batch that makes no progress for this long counts its missing datagrams as lost and goes on. */
const STALL_MS = 500;
/** TTL of the registration under fuzz: renewals every second, so it must keep renewing throughout. */
const TTL = 2;

function address(r: Random): BipAddress {
  return { address: `${r.int(256)}.${r.int(256)}.${r.int(256)}.${r.int(256)}`, port: r.int(65536) };
}

/** An NPDU: often a well-formed one (I-Am, Who-Is, routed, network message), sometimes random. */
function npdu(r: Random): Buffer {
  const hexMac = (): string => r.bytes(r.range(1, 6)).toString('hex');
  switch (r.int(6)) {
    case 0:
      return encodeNpdu({}, encodeIAmApdu({ deviceInstance: r.int(4194304), maxApdu: r.pick([50, 206, 480, 1476]), segmentation: r.int(4), vendorId: r.int(65536) }));
    case 1:
      return encodeNpdu({ dnet: 0xffff, hopCount: 255 }, encodeWhoIsApdu(r.bool() ? undefined : { low: r.int(1000), high: 1000 + r.int(1000) }));
    case 2:
      return encodeNpdu(
        { snet: r.range(1, 0xfffe), sadr: hexMac(), expectingReply: r.bool(), priority: r.int(4) },
        encodeIAmApdu({ deviceInstance: r.int(4194304), maxApdu: 1476, segmentation: 3, vendorId: r.int(65536) }),
      );
    case 3:
      return encodeNpdu({ networkMessage: { type: r.int(0x80), vendorId: null } }, r.bytes(r.int(8)));
    case 4:
      return Buffer.concat([Buffer.from([0x01, r.int(256)]), r.bytes(r.int(60))]);
    default:
      return Buffer.concat([Buffer.from([0x01, 0x00]), r.bytes(r.range(1, r.bool(0.05) ? 1495 : 40))]);
  }
}

/** A valid frame of the given function with random contents. */
function validFrame(r: Random, fn: number): Buffer {
  const entries = (): number => (r.bool(0.05) ? r.int(140) : r.int(5));
  let frame: BvllFrame;
  switch (fn) {
    case BvlcFunction.Result:
      frame = { function: fn, code: r.bool(0.7) ? r.pick([0, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60]) : r.int(65536) };
      break;
    case BvlcFunction.WriteBdt:
    case BvlcFunction.ReadBdtAck:
      frame = {
        function: fn,
        entries: Array.from({ length: entries() }, () => ({ ...address(r), mask: `${r.int(256)}.${r.int(256)}.${r.int(256)}.${r.int(256)}` })),
      };
      break;
    case BvlcFunction.ReadBdt:
    case BvlcFunction.ReadFdt:
      frame = { function: fn };
      break;
    case BvlcFunction.ForwardedNpdu:
      frame = { function: fn, origin: address(r), npdu: npdu(r) };
      break;
    case BvlcFunction.RegisterForeignDevice:
      frame = { function: fn, ttl: r.int(65536) };
      break;
    case BvlcFunction.ReadFdtAck:
      frame = { function: fn, entries: Array.from({ length: entries() }, () => ({ ...address(r), ttl: r.int(65536), remaining: r.int(65536) })) };
      break;
    case BvlcFunction.DeleteFdtEntry:
      frame = { function: fn, address: address(r) };
      break;
    case BvlcFunction.DistributeBroadcastToNetwork:
    case BvlcFunction.OriginalUnicastNpdu:
    case BvlcFunction.OriginalBroadcastNpdu:
      frame = { function: fn, npdu: npdu(r) };
      break;
    default:
      frame = { function: BvlcFunction.SecureBvll, payload: r.bytes(r.int(64)) };
  }
  return encodeBvll(frame);
}

const FUNCTIONS = Object.values(BvlcFunction);

export type Kind =
  | 'random-short'
  | 'random'
  | 'valid'
  | 'bit-flips'
  | 'truncated'
  | 'wrong-length'
  | 'huge-length'
  | 'extra-octets'
  | 'random-body'
  | 'oversized';

/** One fuzz datagram and what kind it is. */
function datagram(r: Random): { kind: Kind; data: Buffer } {
  const roll = r.int(1000);
  if (roll < 100) return { kind: 'random-short', data: r.bytes(r.int(16)) };
  if (roll < 180) return { kind: 'random', data: r.bytes(r.int(1601)) };
  if (roll < 999) {
    const fn = r.pick(FUNCTIONS);
    const valid = validFrame(r, fn);
    const out = Buffer.from(valid);
    const mutation = roll % 7;
    switch (mutation) {
      case 0:
        return { kind: 'valid', data: out };
      case 1: {
        const flips = r.range(1, 8);
        for (let i = 0; i < flips; i++) out[r.int(out.length)] ^= 1 << r.int(8);
        return { kind: 'bit-flips', data: out };
      }
      case 2:
        return { kind: 'truncated', data: out.subarray(0, r.int(out.length)) };
      case 3: {
        let length = r.int(65536);
        if (length === out.length) length = (length + 1) & 0xffff;
        out.writeUInt16BE(length, 2);
        return { kind: 'wrong-length', data: out };
      }
      case 4:
        out.writeUInt16BE(r.bool() ? 0xffff : r.range(Math.min(0xffff, out.length + 1), 0xffff), 2);
        return { kind: 'huge-length', data: out };
      case 5:
        return { kind: 'extra-octets', data: Buffer.concat([out, r.bytes(r.range(1, 32))]) };
      default: {
        const body = r.bytes(r.bool(0.1) ? r.int(1600) : r.int(48));
        const framed = Buffer.alloc(4 + body.length);
        framed[0] = 0x81;
        framed[1] = r.bool(0.9) ? r.int(16) : r.int(256);
        framed.writeUInt16BE(framed.length, 2);
        body.copy(framed, 4);
        return { kind: 'random-body', data: framed };
      }
    }
  }
  // A datagram far over the largest B/IPv4 frame; its length field tells the truth when it can.
  const size = r.range(1600, 65507);
  const out = r.bytes(size);
  out[0] = 0x81;
  out[1] = r.pick([BvlcFunction.ForwardedNpdu, BvlcFunction.OriginalUnicastNpdu, BvlcFunction.ReadFdtAck, BvlcFunction.SecureBvll]);
  out.writeUInt16BE(size, 2);
  return { kind: 'oversized', data: out };
}

describe('reliability: fuzz a registered endpoint', function () {
  // Bounded: the loop below ends after the count or after this much time, whichever comes first.
  const maxMs = Math.max(60_000, COUNTS.fuzzDatagrams * 0.2);
  this.timeout(maxMs + 60_000);

  let emulator: BbmdEmulator;
  let lease: RegistrationLease | null = null;
  let stranger: (dgram.Socket & { port: number }) | null = null;

  before(async () => {
    emulator = new BbmdEmulator({ logLimit: 1000 });
    await emulator.start();
  });

  after(async () => {
    if (stranger) await closeSocket(stranger);
    await lease?.release();
    await emulator.stop();
    assert.deepEqual(openEndpoints(), []);
  });

  it(`${COUNTS.fuzzDatagrams.toLocaleString('en')} fuzzed datagrams: no exception, still registered and renewing, heap back within 5 MB`, async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => {
      uncaught.push(err);
    };
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    const warnings: string[] = [];
    try {
      const bbmd = emulator.address as BipAddress;
      lease = await acquireRegistration({
        local: { address: LOOPBACK, port: 0 },
        bbmd: { host: bbmd.address, port: bbmd.port },
        ttl: TTL,
        log: { info: () => undefined, warn: (m) => warnings.push(m) },
      });
      const manager = lease.manager;
      const endpoint = lease.endpoint;
      await until(() => manager.registered, 3000, 'registered before the fuzz');
      const states: string[] = [];
      manager.on('change', (s: FdSnapshot) => states.push(s.state));

      // What fd-receive does with each delivered NPDU runs too: filter, duplicate drop, the message.
      const duplicates = new DuplicateFilter(() => performance.now());
      let delivered = 0;
      let iAms = 0;
      lease.onNpdu((received: ReceivedNpdu) => {
        delivered++;
        if (received.iAm) iAms++;
        for (const filter of ['all', 'broadcasts', 'i-am'] as const) passesFilter(received, filter);
        if (!duplicates.isDuplicate(received)) receiveMessage(received);
      });

      stranger = await rawSocket();
      const socket = stranger;
      const to = endpoint.boundAddress();
      const r = new Random(SEED);
      const kinds: Record<string, number> = {};
      let sent = 0;
      let lost = 0;
      let largest = 0;
      const started = performance.now();

      /** Sends until the endpoint has received `count` more datagrams, in batches, each drained before the next. */
      const blast = async (count: number): Promise<void> => {
        // The emulator's answers (renewal ACKs) arrive on the same socket: not fuzz.
        const fuzzReceived = (): number => endpoint.received - emulator.counters.sent;
        const goal = fuzzReceived() + count;
        while (fuzzReceived() < goal && performance.now() - started < maxMs) {
          const before = fuzzReceived();
          const n = Math.min(BATCH, goal - before);
          for (let i = 0; i < n; i++) {
            const d = datagram(r);
            kinds[d.kind] = (kinds[d.kind] ?? 0) + 1;
            if (d.data.length > largest) largest = d.data.length;
            socket.send(d.data, to.port, LOOPBACK);
          }
          sent += n;
          const target = before + n;
          let last = fuzzReceived();
          let lastProgress = performance.now();
          while (fuzzReceived() < target) {
            await new Promise((resolve) => setImmediate(resolve));
            if (fuzzReceived() !== last) {
              last = fuzzReceived();
              lastProgress = performance.now();
            } else if (performance.now() - lastProgress > STALL_MS) {
              lost += target - fuzzReceived();
              break;
            }
          }
        }
      };

      // Warm up, then take the baseline.
      const fromEmulator = (): number => emulator.counters.sent;
      const receivedAtStart = endpoint.received;
      const emulatorAtStart = fromEmulator();
      await blast(WARM_UP);
      const registrationsBefore = manager.counters.registrations;
      const heapBefore = await heapAfterGc();
      const resourcesBefore = activeResources();
      const fuzzStart = performance.now();
      const receivedBefore = endpoint.received;
      const emulatorBefore = fromEmulator();

      await blast(COUNTS.fuzzDatagrams);

      const fuzzMs = performance.now() - fuzzStart;
      const fuzzed = endpoint.received - receivedBefore - (fromEmulator() - emulatorBefore);
      // The registration answered by the real emulator throughout: renewals went on under load.
      const renewals = manager.counters.registrations - registrationsBefore;
      // One more renewal after the fuzz: it is alive, not merely not-yet-expired.
      const renewalsNow = manager.counters.registrations;
      await until(() => manager.counters.registrations > renewalsNow, 3000, 'a renewal after the fuzz');
      await pause(50);
      const heapAfter = await heapAfterGc();
      const snapshot = manager.snapshot();

      assert.ok(fuzzed >= COUNTS.fuzzDatagrams, `the endpoint received ${fuzzed} fuzz datagrams, fewer than ${COUNTS.fuzzDatagrams} (time bound ${maxMs} ms hit)`);
      assert.deepEqual(uncaught, [], 'no uncaught exception or unhandled rejection');
      assert.deepEqual(states, [], `the registration never left registered (changes: ${states.join(', ')})`);
      assert.equal(manager.currentState, 'registered');
      assert.ok(renewals >= Math.floor(fuzzMs / 1000 / (TTL / 2)) - 1, `renewed ${renewals} times in ${Math.round(fuzzMs)} ms`);
      assert.equal(emulator.fdt().length, 1, 'one FDT entry at the emulator');
      // Every path was exercised: decode errors, strangers' results, deliveries, I-Ams.
      assert.ok(endpoint.malformed > fuzzed / 2, `malformed ${endpoint.malformed}`);
      assert.ok(snapshot.counters.spoofed > 1000, `spoofed ${snapshot.counters.spoofed}`);
      assert.ok(delivered > 1000 && iAms > 100, `delivered ${delivered}, I-Ams ${iAms}`);
      assert.equal(snapshot.counters.malformed, endpoint.malformed, 'every malformed datagram counted for the registration');
      assert.equal(
        endpoint.received - receivedAtStart - (fromEmulator() - emulatorAtStart) + lost,
        sent,
        'every fuzz datagram sent was received or counted as lost',
      );
      // Nothing the fuzz sent made the endpoint write anything to the stranger, or warn.
      assert.deepEqual(warnings, []);
      assert.equal(emulator.counters.internalErrors, 0);
      // No socket or timer more than before the fuzz (a renewal's response timer comes and goes: bounded wait).
      await until(
        () => ['UDPWrap', 'Timeout'].every((type) => (activeResources()[type] ?? 0) <= (resourcesBefore[type] ?? 0)),
        3000,
        `sockets and timers back to ${JSON.stringify(resourcesBefore)}, now ${JSON.stringify(activeResources())}`,
      );
      const growth = heapAfter - heapBefore;
      assert.ok(growth < 5 * MB, `heap after GC grew by ${(growth / MB).toFixed(2)} MB`);

      record('fuzz', {
        datagrams: fuzzed,
        sentIncludingWarmUp: sent,
        warmUp: WARM_UP,
        lostInKernel: lost,
        seconds: Math.round(fuzzMs / 100) / 10,
        perSecond: Math.round(fuzzed / (fuzzMs / 1000)),
        largestDatagram: largest,
        kinds,
        malformed: endpoint.malformed,
        spoofed: snapshot.counters.spoofed,
        deliveredNpdus: delivered,
        iAms,
        renewalsDuringFuzz: renewals,
        heapBeforeMB: +(heapBefore / MB).toFixed(2),
        heapAfterMB: +(heapAfter / MB).toFixed(2),
        heapGrowthMB: +(growth / MB).toFixed(2),
        rssMB: +(process.memoryUsage().rss / MB).toFixed(1),
      });
    } finally {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUncaught);
    }
  });
});
