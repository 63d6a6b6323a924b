/**
 * Drops the same NPDU from the same origin seen again within a window (some
 * BBMDs forward every broadcast twice). Pure, clock injected; memory bounded.
 *
 * It runs once per received NPDU, so it is built to allocate nothing per call
 * and to touch little memory: the keys (origin and NPDU octets) are copied into
 * one byte ring instead of being joined into a string per message; entries live
 * in parallel typed arrays in arrival order, so expiry pops from the front (a Map
 * iterated from its front, as before, slowed down as it churned: it keeps deleted
 * entries as holes until it rehashes); and a hash of the key picks a bucket of a
 * chained hash table held in typed arrays too (a Map of 50,000 churning entries
 * costs a few hundred ns per operation).
 *
 * A bucket holds the slot of its newest entry and each entry the slot of the next
 * older one in its bucket. Entries sit in a ring in arrival order, so a slot's
 * place in the ring (how far from the oldest) says how old its entry is: a chain
 * runs newest to oldest and ends where a link does not lead to an older live
 * entry. Expiring an entry is therefore only moving the ring's start, with no
 * random access to unlink it. A hash only finds candidates: every hit is
 * confirmed octet by octet (the port is part of the key's octets), so two
 * different keys are never taken for each other.
 */
import type { ReceivedNpdu } from './received';

export const DEFAULT_DUPLICATE_WINDOW_MS = 1000;
/** Entries kept at most: a flood of distinct NPDUs cannot grow the table without bound. */
export const MAX_DUPLICATE_ENTRIES = 50_000;

/** Entries and key octets the table starts with (and shrinks back to when prune() empties it). */
const INITIAL_ENTRIES = 64;
const INITIAL_BYTES = 4096;
/** No slot: an empty bucket, the end of a chain. */
const NONE = -1;

/** The most octets a key takes in the byte ring: see writeKey(). */
function maxKeyLength(address: string, npdu: Uint8Array): number {
  return 9 + 2 + 3 * address.length + npdu.length;
}

/**
 * Writes the key at `at` and returns its length and hash (FNV-1a, 30 bits) in one pass:
 * the port (2 octets for 0..65535, else 0xFF and its 8-octet double), the address
 * length in characters (2 octets), each character as one octet (three, 0xFF and its 16
 * bits, for any at or above 0xFF: never in an IP address, but the encoding stays one-
 * to-one), then the NPDU. `out[0]` gets the length, `out[1]` the hash.
 */
function writeKey(bytes: Uint8Array, at: number, port: number, address: string, npdu: Uint8Array, out: Int32Array): void {
  let p = at;
  let h = 0x811c9dc5;
  if (Number.isInteger(port) && port >= 0 && port <= 0xffff) {
    bytes[p++] = port >>> 8;
    bytes[p++] = port & 0xff;
  } else {
    bytes[p++] = 0xff;
    new DataView(bytes.buffer, bytes.byteOffset + p, 8).setFloat64(0, port);
    p += 8;
  }
  bytes[p++] = (address.length >>> 8) & 0xff;
  bytes[p++] = address.length & 0xff;
  for (let i = at; i < p; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c < 0xff) {
      bytes[p++] = c;
      h = Math.imul(h ^ c, 0x01000193);
    } else {
      bytes[p++] = 0xff;
      bytes[p++] = c >>> 8;
      bytes[p++] = c & 0xff;
      h = Math.imul(Math.imul(Math.imul(h ^ 0xff, 0x01000193) ^ (c >>> 8), 0x01000193) ^ (c & 0xff), 0x01000193);
    }
  }
  for (let i = 0; i < npdu.length; i++) {
    const b = npdu[i];
    bytes[p++] = b;
    h = Math.imul(h ^ b, 0x01000193);
  }
  out[0] = p - at;
  out[1] = h & 0x3fffffff;
}

/** The hash a key gets in the table (tests use it to find two keys that share a hash). */
export function duplicateKeyHash(address: string, port: number, npdu: Uint8Array): number {
  const out = new Int32Array(2);
  writeKey(new Uint8Array(maxKeyLength(address, npdu)), 0, port, address, npdu, out);
  return out[1];
}

export class DuplicateFilter {
  // The entries, a ring in arrival (= time) order: `count` of them from slot `head`.
  private capacity = INITIAL_ENTRIES;
  private head = 0;
  private count = 0;
  private at = new Float64Array(INITIAL_ENTRIES);
  private hash = new Int32Array(INITIAL_ENTRIES);
  /** Where the entry's key is in `bytes`, and its length. */
  private start = new Int32Array(INITIAL_ENTRIES);
  private length = new Int32Array(INITIAL_ENTRIES);
  /** The slot of the next older entry in the same bucket when this one came (it may have expired since), or NONE. */
  private older = new Int32Array(INITIAL_ENTRIES);
  /** hash & mask -> the slot of the newest entry in that bucket (it may have expired), or NONE: twice as many buckets as entries. */
  private buckets = new Int32Array(2 * INITIAL_ENTRIES).fill(NONE);
  private mask = 2 * INITIAL_ENTRIES - 1;
  // The keys' octets, a ring in the same order: live octets from byteHead to byteTail (wrapping).
  private bytes = new Uint8Array(INITIAL_BYTES);
  private byteHead = 0;
  private byteTail = 0;
  /** writeKey()'s results, kept to allocate nothing per call. */
  private readonly key = new Int32Array(2);

  constructor(
    private readonly now: () => number,
    private readonly windowMs = DEFAULT_DUPLICATE_WINDOW_MS,
    private readonly maxEntries = MAX_DUPLICATE_ENTRIES,
  ) {}

  /** True when the same NPDU from the same origin was seen less than the window ago. */
  isDuplicate(received: ReceivedNpdu): boolean {
    const now = this.now();
    this.expire(now);
    // The NPDU carries SNET/SADR, so devices behind a router are told apart by it.
    const { address, port } = received.source;
    const npdu = received.npdu;
    // Written where it would go, then compared in place: nothing is allocated.
    const at = this.reserve(maxKeyLength(address, npdu));
    writeKey(this.bytes, at, port, address, npdu, this.key);
    const length = this.key[0];
    const hash = this.key[1];
    // Newest first; a link that does not lead to an older live entry ends the chain.
    let age = this.count;
    for (let slot = this.buckets[hash & this.mask]; slot !== NONE; slot = this.older[slot]) {
      const slotAge = (slot - this.head + this.capacity) % this.capacity;
      if (slotAge >= age) break;
      age = slotAge;
      if (this.hash[slot] === hash && this.length[slot] === length && this.sameOctets(this.start[slot], at, length)) return true;
    }
    if (this.maxEntries <= 0) return false;
    if (this.count >= this.maxEntries) this.dropOldest();
    else if (this.count === this.capacity) this.grow();
    const slot = (this.head + this.count) % this.capacity;
    this.count++;
    this.at[slot] = now;
    this.hash[slot] = hash;
    this.start[slot] = at;
    this.length[slot] = length;
    this.link(slot);
    this.byteTail = at + length;
    // The only key (the table was empty, or its one entry just made room): the live octets start here.
    if (this.count === 1) this.byteHead = at;
    return false;
  }

  get size(): number {
    return this.count;
  }

  /**
   * Forgets what the window has passed without waiting for the next NPDU, and gives
   * the memory of a burst back once the table is empty. For a timer while the table
   * holds entries: nothing else expires them when no more NPDUs come.
   */
  prune(): void {
    this.expire(this.now());
    if (this.count === 0 && (this.capacity > INITIAL_ENTRIES || this.bytes.length > INITIAL_BYTES)) {
      this.allocate(INITIAL_ENTRIES);
      this.bytes = new Uint8Array(INITIAL_BYTES);
      this.head = 0;
      this.byteHead = 0;
      this.byteTail = 0;
    }
  }

  /** Makes the entry in `slot` the newest of its bucket. */
  private link(slot: number): void {
    const bucket = this.hash[slot] & this.mask;
    this.older[slot] = this.buckets[bucket];
    this.buckets[bucket] = slot;
  }

  private expire(now: number): void {
    while (this.count > 0 && now - this.at[this.head] >= this.windowMs) this.dropOldest();
  }

  /** Expires the oldest entry: it drops off the end of its bucket's chain by itself (see isDuplicate). */
  private dropOldest(): void {
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    if (this.count === 0) {
      this.head = 0;
      this.byteHead = 0;
      this.byteTail = 0;
      // Every chain is empty now: start the buckets afresh rather than leave stale slots that a new entry could revive.
      this.buckets.fill(NONE);
    } else {
      this.byteHead = this.start[this.head];
    }
  }

  private sameOctets(a: number, b: number, length: number): boolean {
    const bytes = this.bytes;
    for (let i = 0; i < length; i++) if (bytes[a + i] !== bytes[b + i]) return false;
    return true;
  }

  /**
   * Where a key of `length` octets goes, without taking the room yet (a duplicate
   * leaves it free): after the newest key, else at the front of the ring when the
   * oldest key has moved on far enough, else in a bigger ring. The live octets never
   * touch the new key, and a non-empty ring never has byteTail === byteHead.
   */
  private reserve(length: number): number {
    const size = this.bytes.length;
    if (this.byteTail >= this.byteHead) {
      if (size - this.byteTail >= length) return this.byteTail;
      if (this.byteHead > length) return 0;
    } else if (this.byteHead - this.byteTail > length) {
      return this.byteTail;
    }
    return this.growBytes(length);
  }

  /** A ring at least twice the live octets plus `length`, keys copied to its front in order; returns where the new key goes. */
  private growBytes(length: number): number {
    let live = 0;
    for (let k = 0; k < this.count; k++) live += this.length[(this.head + k) % this.capacity];
    let size = this.bytes.length * 2;
    while (size < 2 * (live + length)) size *= 2;
    const bytes = new Uint8Array(size);
    let p = 0;
    for (let k = 0; k < this.count; k++) {
      const slot = (this.head + k) % this.capacity;
      bytes.set(this.bytes.subarray(this.start[slot], this.start[slot] + this.length[slot]), p);
      this.start[slot] = p;
      p += this.length[slot];
    }
    this.bytes = bytes;
    this.byteHead = 0;
    this.byteTail = p;
    return p;
  }

  /** Doubles the entries (up to maxEntries), the oldest moving to slot 0, and builds the buckets again. */
  private grow(): void {
    const old = { capacity: this.capacity, at: this.at, hash: this.hash, start: this.start, length: this.length };
    this.allocate(Math.min(this.maxEntries, old.capacity * 2));
    // Oldest first, so that each bucket's chain runs newest to oldest again.
    for (let k = 0; k < this.count; k++) {
      const from = (this.head + k) % old.capacity;
      this.at[k] = old.at[from];
      this.hash[k] = old.hash[from];
      this.start[k] = old.start[from];
      this.length[k] = old.length[from];
      this.link(k);
    }
    this.head = 0;
  }

  private allocate(capacity: number): void {
    this.capacity = capacity;
    this.at = new Float64Array(capacity);
    this.hash = new Int32Array(capacity);
    this.start = new Int32Array(capacity);
    this.length = new Int32Array(capacity);
    this.older = new Int32Array(capacity);
    let buckets = 2;
    while (buckets < 2 * capacity) buckets *= 2;
    this.buckets = new Int32Array(buckets).fill(NONE);
    this.mask = buckets - 1;
  }
}
