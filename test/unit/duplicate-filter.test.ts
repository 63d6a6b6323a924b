/**
 * The duplicate filter keeps its contract (the same NPDU from the same origin
 * within the window is a duplicate; the oldest entries go when the table is
 * full, in entries or in key octets) with its keys in typed arrays behind a hash: checked
 * against a reference model (a Map of string keys, what the filter did before)
 * on random traffic, on keys that share a hash, and at the edges.
 */
import assert from 'node:assert/strict';
import { canonicalIPv4, duplicateKeyHash } from '../../dist/receive/duplicate-key';
import { DEFAULT_SHRINK_AFTER_MS, DuplicateFilter, MAX_DUPLICATE_KEY_OCTETS } from '../../dist/receive/duplicate-filter';
import type { ReceivedNpdu } from '../../dist/protocol/received-npdu';

/**
 * The octets the filter's key takes: 7 for an IPv4 origin as Node.js writes one and a
 * 16-bit port, else a tag, the port (2 octets, or a marker and a double), the address's
 * length (2) and its characters (1 octet each, 3 from 0xFF up); then the NPDU.
 */
function keyOctets(address: string, port: number, npduLength: number): number {
  const plainPort = Number.isInteger(port) && port >= 0 && port <= 0xffff;
  if (canonicalIPv4(address) >= 0 && plainPort) return 7 + npduLength;
  let octets = 1 + (plainPort ? 2 : 9) + 2;
  for (let i = 0; i < address.length; i++) octets += address.charCodeAt(i) < 0xff ? 1 : 3;
  return octets + npduLength;
}

/**
 * The contract, as plainly as it can be written: a Map from "address:port|octets" to the
 * time first seen and the key's octets; the oldest go while the entries or octets are too many.
 */
class ReferenceFilter {
  private readonly seen = new Map<string, { at: number; octets: number }>();
  private octets = 0;
  constructor(
    private readonly now: () => number,
    private readonly windowMs: number,
    private readonly maxEntries: number,
    private readonly maxKeyOctets = MAX_DUPLICATE_KEY_OCTETS,
  ) {}

  isDuplicate(received: ReceivedNpdu): boolean {
    const now = this.now();
    for (const [key, entry] of this.seen) {
      if (now - entry.at < this.windowMs) break;
      this.forget(key);
    }
    const { address, port } = received.source;
    const key = `${address}:${port}|${received.npdu.toString('latin1')}`;
    if (this.seen.has(key)) return true;
    const octets = keyOctets(address, port, received.npdu.length);
    if (octets > this.maxKeyOctets) return false; // could never be kept
    this.seen.set(key, { at: now, octets });
    this.octets += octets;
    while (this.seen.size > this.maxEntries || this.octets > this.maxKeyOctets) this.forget(this.seen.keys().next().value as string);
    return false;
  }

  private forget(key: string): void {
    this.octets -= this.seen.get(key)?.octets ?? 0;
    this.seen.delete(key);
  }

  get size(): number {
    return this.seen.size;
  }
}

/** The table's size, which the tests read to see it grow and shrink. */
function internals(filter: DuplicateFilter): { capacity: number; bytes: Uint8Array } {
  return filter as unknown as { capacity: number; bytes: Uint8Array };
}

function received(address: string, port: number, npdu: Buffer): ReceivedNpdu {
  return { npdu, source: { address, port } } as ReceivedNpdu;
}

/** A small deterministic generator (tests must not depend on Math.random). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return s / 0x80000000;
  };
}

/** Two different keys with the same hash: a birthday search over random 8-octet NPDUs (some 40,000 tries). */
function collidingPair(): [ReceivedNpdu, ReceivedNpdu] {
  const random = lcg(11);
  const byHash = new Map<number, Buffer>();
  for (let n = 0; n < 2_000_000; n++) {
    const npdu = Buffer.alloc(8);
    npdu[0] = 0x01;
    for (let i = 1; i < npdu.length; i++) npdu[i] = Math.floor(random() * 256);
    const hash = duplicateKeyHash('10.0.0.1', 47808, npdu);
    const other = byHash.get(hash);
    if (other && !other.equals(npdu)) return [received('10.0.0.1', 47808, other), received('10.0.0.1', 47808, npdu)];
    byHash.set(hash, npdu);
  }
  throw new Error('no two keys with the same hash in 2,000,000 tries');
}

describe('DuplicateFilter', () => {
  it('agrees with the reference model on random traffic, for every window, table size and octet budget', () => {
    const random = lcg(7);
    let shrinks = 0;
    let liveShrinks = 0;
    // Key octets: the default; room for one long key, for two; for a few short ones only, for one.
    const budgets = [MAX_DUPLICATE_KEY_OCTETS, 1600, 3100, 40, 12];
    let run = 0;
    for (const windowMs of [1, 25, 1000]) {
      for (const maxEntries of [0, 1, 2, 3, 64, 65, 500, 50_000]) {
        let t = 0;
        const now = (): number => t;
        const maxKeyOctets = budgets[run++ % budgets.length];
        // prune() may run at any step, and give the memory back after 3 windows far below its size: never a different answer.
        const filter = new DuplicateFilter(now, windowMs, maxEntries, 3 * windowMs, maxKeyOctets);
        const reference = new ReferenceFilter(now, windowMs, maxEntries, maxKeyOctets);
        let trickle = 0;
        const pool: ReceivedNpdu[] = [];
        for (let i = 0; i < 400; i++) {
          // Mostly short NPDUs of few distinct octets (many real repeats), some long ones
          // (the byte ring grows and wraps), a few odd addresses (the key encoding).
          const npdu = Buffer.alloc(1 + Math.floor(random() * (random() < 0.05 ? 1497 : 5)));
          for (let j = 0; j < npdu.length; j++) npdu[j] = random() < 0.5 ? 0 : Math.floor(random() * 256);
          // Dotted quads as Node.js writes them take the 4-octet form of the key; a few written
          // otherwise (a leading zero) and other text take the general one: never the same key.
          const odd = random();
          const address =
            odd < 0.02 ? 'fe80::1%\u00ffé\u0100' : odd < 0.06 ? `10.0.0.0${Math.floor(random() * 3)}` : `10.0.${Math.floor(random() * 3)}.${Math.floor(random() * 3)}`;
          // Ports are 0..65535 from the decoders; the filter stays exact for any number all the same.
          const port = random() < 0.02 ? [70000, 0.5, -1][Math.floor(random() * 3)] : 47808 + Math.floor(random() * 2);
          pool.push(received(address, port, npdu));
        }
        for (let i = 0; i < 6000; i++) {
          if (random() < 0.003) {
            // A quiet spell long enough for prune() to empty the table and then give its memory back.
            t += 2 * windowMs;
            filter.prune();
            t += 3.5 * windowMs;
            const before = internals(filter);
            const [capacity, bytes] = [before.capacity, before.bytes.length];
            filter.prune();
            if (internals(filter).capacity < capacity || internals(filter).bytes.length < bytes) shrinks++;
          }
          // Now and then a trickle, a few NPDUs a window, long enough for prune() to shrink the table around them.
          if (trickle === 0 && random() < 0.003) trickle = 30;
          if (trickle > 0) trickle--;
          t += trickle > 0 ? 0.3 * windowMs : random() < 0.3 ? 0 : random() * windowMs * 0.1;
          if (trickle > 0 || random() < 0.02) {
            const [capacity, bytes] = [internals(filter).capacity, internals(filter).bytes.length];
            filter.prune();
            if (filter.size > 0 && (internals(filter).capacity < capacity || internals(filter).bytes.length < bytes)) liveShrinks++;
          }
          const r = pool[Math.floor(random() * (random() < 0.5 ? 10 : pool.length))];
          const context = `window ${windowMs}, max ${maxEntries}, octets ${maxKeyOctets}, step ${i}`;
          assert.equal(filter.isDuplicate(r), reference.isDuplicate(r), context);
          assert.equal(filter.size, reference.size);
        }
      }
    }
    assert.ok(shrinks >= 5, `the table gave its memory back ${shrinks} times: the random traffic must make it do so`);
    assert.ok(liveShrinks >= 5, `the table shrank ${liveShrinks} times with live entries in it: the random traffic must make it do so`);
  });

  it('agrees with the reference model across the wrap of its entry numbers (after 2^31 and 2^32 entries)', () => {
    const random = lcg(3);
    // The count of entries ever added is a 32-bit number: start it just before each wrap.
    for (const start of [0x7ffffff0 | 0, -16, -1]) {
      let t = 0;
      const now = (): number => t;
      const filter = new DuplicateFilter(now, 100, 64);
      (filter as unknown as { added: number }).added = start;
      const reference = new ReferenceFilter(now, 100, 64);
      const pool = Array.from({ length: 50 }, (_, n) => received('10.0.0.1', 47808, Buffer.from([1, 0, n])));
      for (let i = 0; i < 3000; i++) {
        t += random() * 3;
        const r = pool[Math.floor(random() * pool.length)];
        assert.equal(filter.isDuplicate(r), reference.isDuplicate(r), `start ${start}, step ${i}`);
        assert.equal(filter.size, reference.size);
      }
      assert.notEqual((filter as unknown as { added: number }).added, start, 'entries were added across the wrap');
    }
  });

  it('tells apart two different NPDUs that share a hash, and still finds each one again', () => {
    const [a, b] = collidingPair();
    assert.notDeepEqual(a.npdu, b.npdu);
    let t = 0;
    const filter = new DuplicateFilter(() => t);
    assert.equal(filter.isDuplicate(a), false);
    assert.equal(filter.isDuplicate(b), false);
    assert.equal(filter.isDuplicate(a), true);
    assert.equal(filter.isDuplicate(b), true);
    // The older of the two expires first; the newer stays findable.
    t = 1000;
    assert.equal(filter.isDuplicate(b), false, 'the window has passed for both');
    assert.equal(filter.isDuplicate(a), false);
    assert.equal(filter.size, 2);
  });

  it('reads the 4-octet form only from a dotted quad as Node.js writes one', () => {
    assert.equal(canonicalIPv4('10.0.0.1'), 0x0a000001);
    assert.equal(canonicalIPv4('0.0.0.0'), 0);
    assert.equal(canonicalIPv4('255.255.255.255'), 0xffffffff);
    assert.equal(canonicalIPv4('192.168.100.200'), 0xc0a864c8);
    for (const text of ['010.0.0.1', '10.0.0.01', '10.00.0.1', '1.2.3', '1.2.3.4.5', '256.0.0.1', '1.2.3.256', '1..2.3', '.1.2.3', '1.2.3.', 'a.b.c.d', ' 1.2.3.4', '1.2.3.4 ', '', '::1', '1.2.3.4:5', '1000.2.3.4']) {
      assert.equal(canonicalIPv4(text), -1, JSON.stringify(text));
    }
  });

  it('keeps the origin in the key: the same NPDU from another address or port is not a duplicate', () => {
    const npdu = Buffer.from('01001000c40200000522', 'hex');
    const filter = new DuplicateFilter(() => 0);
    assert.equal(filter.isDuplicate(received('10.0.0.5', 47808, npdu)), false);
    assert.equal(filter.isDuplicate(received('10.0.1.5', 47808, npdu)), false);
    assert.equal(filter.isDuplicate(received('10.0.0.5', 47809, npdu)), false);
    assert.equal(filter.isDuplicate(received('10.0.0.5', 47808, Buffer.from(npdu))), true);
  });

  it('drops the oldest entry when full, and finds the newer ones', () => {
    const filter = new DuplicateFilter(() => 0, 1000, 3);
    const r = [1, 2, 3, 4].map((n) => received('10.0.0.1', 47808, Buffer.from([1, 0, n])));
    for (const x of r) assert.equal(filter.isDuplicate(x), false);
    assert.equal(filter.size, 3);
    assert.equal(filter.isDuplicate(r[3]), true);
    assert.equal(filter.isDuplicate(r[1]), true);
    assert.equal(filter.isDuplicate(r[0]), false, 'the oldest was dropped');
  });

  it('prune() forgets what the window has passed, and gives a burst\'s memory back after 30 s empty', () => {
    let t = 0;
    const filter = new DuplicateFilter(() => t);
    assert.equal(filter.needsPruning, false, 'a new table has nothing to prune');
    for (let n = 0; n < 20_000; n++) filter.isDuplicate(received('10.0.0.1', 47808, Buffer.from([1, 0, n >> 8, n & 0xff])));
    assert.equal(filter.size, 20_000);
    assert.equal(filter.needsPruning, true);
    t = 999;
    filter.prune();
    assert.equal(filter.size, 20_000, 'still within the window');
    t = 1000;
    filter.prune();
    assert.equal(filter.size, 0);
    // Kept for the next burst a while: growing again costs fresh pages and rebuilt buckets.
    assert.ok(internals(filter).capacity > 64);
    t = 1000 + DEFAULT_SHRINK_AFTER_MS - 1;
    filter.prune();
    assert.ok(internals(filter).capacity > 64, 'not yet: empty for less than 30 s');
    assert.equal(filter.needsPruning, true);
    t = 1000 + DEFAULT_SHRINK_AFTER_MS;
    filter.prune();
    assert.equal(internals(filter).capacity, 64);
    assert.equal(internals(filter).bytes.length, 4096);
    assert.equal(filter.needsPruning, false, 'nothing left to do: the timer stops');
    // And it works as before afterwards.
    const x = received('10.0.0.1', 47808, Buffer.from([1, 0]));
    assert.equal(filter.isDuplicate(x), false);
    assert.equal(filter.isDuplicate(x), true);
  });

  it('a burst within 30 s of the last one finds the table as it was, and the quiet time starts again', () => {
    let t = 0;
    const filter = new DuplicateFilter(() => t);
    const burst = (from: number): void => {
      for (let n = from; n < from + 5000; n++) assert.equal(filter.isDuplicate(received('10.0.0.1', 47808, Buffer.from([1, 0, n >> 8, n & 0xff]))), false);
    };
    burst(0);
    const grown = internals(filter).capacity;
    t = 1000;
    filter.prune();
    assert.equal(filter.size, 0);
    t = 20_000;
    filter.prune();
    burst(5000);
    assert.equal(internals(filter).capacity, grown, 'the same table, not grown again');
    assert.equal(filter.isDuplicate(received('10.0.0.1', 47808, Buffer.from([1, 0, 5000 >> 8, 5000 & 0xff]))), true);
    t = 21_000;
    filter.prune();
    t = 21_000 + DEFAULT_SHRINK_AFTER_MS - 1;
    filter.prune();
    assert.equal(internals(filter).capacity, grown, '30 s from when it was empty again, not from the first time');
    t = 21_000 + DEFAULT_SHRINK_AFTER_MS;
    filter.prune();
    assert.equal(internals(filter).capacity, 64);
  });
});
