/**
 * Drops the same NPDU from the same origin seen again within a window (some
 * BBMDs forward every broadcast twice). Pure, clock injected. Any host can send
 * NPDUs that reach it, so its memory is bounded in entries and in key octets,
 * whatever arrives (the oldest go first: an evicted NPDU is no longer known as
 * a duplicate), and given back once the traffic is far below what it grew for.
 *
 * It runs once per received NPDU, so it is built to allocate nothing per call
 * and to touch little memory: the keys (origin and NPDU octets) are copied into
 * one byte ring instead of being joined into a string per message; entries live
 * in a typed array in arrival order, so expiry only moves the ring's start (a Map
 * iterated from its front, as before, slowed down as it churned: it keeps deleted
 * entries as holes until it rehashes); and a hash of the key picks a bucket of a
 * chained hash table held in a typed array too (a Map of 50,000 churning entries
 * costs a few hundred ns per operation).
 *
 * Every entry gets the next sequence number, so the live ones are the last `count`
 * numbers. A bucket holds the number and hash of its newest entry, and each entry
 * the number of the next older one in its bucket: a chain runs newest to
 * oldest and ends at the first expired number, since everything older in the bucket
 * has expired too. Expiring an entry is therefore only moving the ring's start, with
 * no random access to unlink it, and a lookup reads one bucket. A hash only finds
 * candidates: every hit is confirmed octet by octet (the origin is part of the key's
 * octets), so two different keys are never taken for each other. The key is
 * written and hashed by src/receive/duplicate-key.ts.
 */
import { canonicalIPv4, maxKeyLength, writeKey, writtenKeyLength } from './duplicate-key';
import type { ReceivedNpdu } from '../protocol/received-npdu';

export const DEFAULT_DUPLICATE_WINDOW_MS = 1000;
/** Entries kept at most: a flood of distinct NPDUs cannot grow the table without bound. */
export const MAX_DUPLICATE_ENTRIES = 50_000;

/**
 * Key octets (origin and NPDU) kept at most. MAX_DUPLICATE_ENTRIES alone lets 1497-octet
 * NPDUs from anyone take 75 MB; 2 MiB still holds all 50,000 entries of keys up to 41
 * octets (NPDUs up to 34: Who-Is, I-Am), and of 1497-octet NPDUs the last 1,394, far
 * more than the copies a BBMD forwards within milliseconds of each other. The byte ring
 * is at most twice this: with at most half of it live there is always room for the next key.
 */
export const MAX_DUPLICATE_KEY_OCTETS = 2 * 1024 * 1024;

/**
 * How long the table stays far below its size (a quarter or less, in entries and in key
 * octets) before prune() gives its memory back: bursts come in runs (a global Who-Is
 * every few seconds, say), and growing the table again for each one costs fresh pages
 * and rebuilt buckets on every burst.
 */
export const DEFAULT_SHRINK_AFTER_MS = 30_000;

/** Entries and key octets the table starts with (and the least it shrinks to). */
const INITIAL_ENTRIES = 64;
const INITIAL_BYTES = 4096;
/** What fewEntries and fewBytes hold at the initial size: no count is that high, and there is nothing to give back. */
const NEVER_FEW = 0x7fffffff;

/**
 * An entry's fields, six 32-bit words per entry in `entries`: words 0 and 1 are its time,
 * a double, read through `times` (index 3 * slot) over the same memory. One record per
 * entry, so adding or expiring an entry touches one place, not an array per field.
 */
const HASH = 2;
const START = 3;
const LENGTH = 4;
/** The sequence number of the next older entry in the same bucket when this one came (it may have expired since). */
const OLDER = 5;
const STRIDE = 6;
const TIME_STRIDE = 3;
/**
 * A bucket's fields in `buckets`: the sequence number and hash of its newest entry.
 * A lookup reads the one bucket and touches no entry unless that entry is live and
 * its hash matches or it links to an older live one: on a flood of distinct NPDUs
 * the table is megabytes, and each random read of it is a cache (and TLB) miss that
 * costs more than the rest of the check. (Keeping the second newest in the bucket
 * too spared a few of those reads but doubled the buckets, for no gain measured.)
 */
const NEWEST = 0;
const NEWEST_HASH = 1;
const BUCKET_STRIDE = 2;

export class DuplicateFilter {
  // The entries, a ring in arrival (= time) order: `count` of them from slot `head`.
  private capacity = INITIAL_ENTRIES;
  private head = 0;
  private count = 0;
  /**
   * Entries ever added, plus one (mod 2^32): an entry's sequence number is the value
   * this had when it came, so the live ones are the last `count` numbers, and 0, what
   * a new bucket holds, names no entry until the count wraps. Links name entries by
   * sequence number, not slot: a slot is taken again by a newer entry, a number never
   * (short of 2^32 more), so a link to an expired entry reads as expired at once,
   * instead of leading into whatever entry took its slot.
   */
  private added = 1;
  /** Per slot, STRIDE words: see HASH. */
  private entries = new Int32Array(STRIDE * INITIAL_ENTRIES);
  /** The entries' times, over the same memory as `entries`. */
  private times = new Float64Array(this.entries.buffer);
  /** Per bucket (hash & mask), BUCKET_STRIDE words: see NEWEST. Twice as many buckets as entries. */
  private buckets = new Int32Array(BUCKET_STRIDE * 2 * INITIAL_ENTRIES);
  private mask = 2 * INITIAL_ENTRIES - 1;
  // The keys' octets, a ring in the same order: live octets from byteHead to byteTail (wrapping).
  private bytes = new Uint8Array(INITIAL_BYTES);
  private byteHead = 0;
  private byteTail = 0;
  /** The live keys' octets (the ring's span less the gap a wrap leaves at its end). */
  private liveBytes = 0;
  /** The last origin address and its canonicalIPv4(): the same devices come again and again. */
  private lastAddress = '';
  private lastIp = -1;
  /** When prune() first found the table far below its size (null: not since, or already as small as it gets). */
  private smallSince: number | null = null;
  /** Live entries and key octets at most that many are far below the size (set with the size; none at the least). */
  private fewEntries = NEVER_FEW;
  private fewBytes = NEVER_FEW;

  constructor(
    private readonly now: () => number,
    private readonly windowMs = DEFAULT_DUPLICATE_WINDOW_MS,
    private readonly maxEntries = MAX_DUPLICATE_ENTRIES,
    private readonly shrinkAfterMs = DEFAULT_SHRINK_AFTER_MS,
    private readonly maxKeyOctets = MAX_DUPLICATE_KEY_OCTETS,
  ) {}

  /** True when the same NPDU from the same origin was seen less than the window ago. */
  isDuplicate(received: ReceivedNpdu): boolean {
    const now = this.now();
    this.expire(now);
    // The NPDU carries SNET/SADR, so devices behind a router are told apart by it.
    const { address, port } = received.source;
    const npdu = received.npdu;
    if (address !== this.lastAddress) {
      this.lastAddress = address;
      this.lastIp = canonicalIPv4(address);
    }
    // Written where it would go, then compared in place: nothing is allocated.
    const at = this.reserve(maxKeyLength(address, npdu));
    const hash = writeKey(this.bytes, at, this.lastIp, port, address, npdu);
    const length = writtenKeyLength();
    if (this.find(hash, at, length)) return true;
    if (this.maxEntries <= 0 || length > this.maxKeyOctets) return false;
    // The oldest go first until the entries and the key octets both have room for this one.
    while (this.count >= this.maxEntries || this.liveBytes + length > this.maxKeyOctets) this.dropOldest();
    if (this.count === this.capacity) this.grow();
    const slot = this.slotOf(this.count);
    const seq = this.added;
    this.added = (seq + 1) | 0;
    this.count++;
    this.liveBytes += length;
    if (this.count > this.fewEntries || this.liveBytes > this.fewBytes) this.smallSince = null;
    this.times[TIME_STRIDE * slot] = now;
    const e = STRIDE * slot;
    this.entries[e + HASH] = hash;
    this.entries[e + START] = at;
    this.entries[e + LENGTH] = length;
    this.link(slot, seq, hash);
    this.byteTail = at + length;
    // The only key (the table was empty, or its one entry just made room): the live octets start here.
    if (this.count === 1) this.byteHead = at;
    return false;
  }

  get size(): number {
    return this.count;
  }

  /** The octets the table holds (its typed arrays): at most 6.2 MiB with the defaults, whatever arrives. */
  get retainedBytes(): number {
    return this.entries.byteLength + this.buckets.byteLength + this.bytes.byteLength;
  }

  /** True while prune() has something to do: entries to expire, or a burst's memory to give back. */
  get needsPruning(): boolean {
    return this.count > 0 || this.capacity > INITIAL_ENTRIES || this.bytes.length > INITIAL_BYTES;
  }

  /**
   * Forgets what the window has passed without waiting for the next NPDU, and gives
   * the memory of a burst back once the live entries and their octets have both been
   * at most a quarter of the room for them for shrinkAfterMs: the table then takes twice
   * what is live, which it keeps. For a timer every window while needsPruning: nothing
   * else expires entries when no more NPDUs come.
   */
  prune(): void {
    const now = this.now();
    this.expire(now);
    const least = this.capacity === INITIAL_ENTRIES && this.bytes.length === INITIAL_BYTES;
    if (least || this.count > this.fewEntries || this.liveBytes > this.fewBytes) {
      this.smallSince = null;
      return;
    }
    this.smallSince ??= now;
    if (now - this.smallSince < this.shrinkAfterMs) return;
    this.smallSince = null;
    let capacity = INITIAL_ENTRIES;
    while (capacity < 2 * this.count) capacity *= 2;
    if (capacity < this.capacity) this.resize(capacity);
    let size = INITIAL_BYTES;
    while (size < 2 * this.liveBytes) size *= 2;
    if (size < this.bytes.length) this.resizeBytes(size);
  }

  /**
   * Whether the key written at `at` is in the table. A bucket's chain runs newest to
   * oldest, the first from the bucket itself, the rest through OLDER, and ends
   * at the first expired entry (all older ones in the bucket have expired too).
   * A hash only names a candidate: the entry's own length and octets confirm it.
   */
  private find(hash: number, at: number, length: number): boolean {
    const b = BUCKET_STRIDE * (hash & this.mask);
    const buckets = this.buckets;
    let age = this.ageOf(buckets[b + NEWEST]);
    if (age >= this.count) return false;
    if (buckets[b + NEWEST_HASH] === hash && this.holds(this.slotOf(age), hash, at, length)) return true;
    // Every link leads to an older entry: one that does not (a number that wrapped) ends the chain too.
    let older: number;
    const entries = this.entries;
    for (;;) {
      older = this.ageOf(entries[STRIDE * this.slotOf(age) + OLDER]);
      if (older >= age) return false;
      age = older;
      const slot = this.slotOf(age);
      if (entries[STRIDE * slot + HASH] === hash && this.holds(slot, hash, at, length)) return true;
    }
  }

  /** Whether the entry in `slot` has this key. */
  private holds(slot: number, hash: number, at: number, length: number): boolean {
    const e = STRIDE * slot;
    return this.entries[e + HASH] === hash && this.entries[e + LENGTH] === length && this.sameOctets(this.entries[e + START], at, length);
  }

  /**
   * How many live entries came before the one numbered `seq` (0 for the oldest); `count`
   * or more for one that has expired (a number taken for a live one after the count
   * wrapped does no harm: holds() confirms every candidate).
   */
  private ageOf(seq: number): number {
    return (seq - this.added + this.count) >>> 0;
  }

  /** The slot of the live entry of this age. */
  private slotOf(age: number): number {
    const slot = this.head + age;
    return slot >= this.capacity ? slot - this.capacity : slot;
  }

  /** Makes the entry numbered `seq`, in `slot`, the newest of its bucket. */
  private link(slot: number, seq: number, hash: number): void {
    const b = BUCKET_STRIDE * (hash & this.mask);
    const buckets = this.buckets;
    this.entries[STRIDE * slot + OLDER] = buckets[b + NEWEST];
    buckets[b + NEWEST] = seq;
    buckets[b + NEWEST_HASH] = hash;
  }

  private expire(now: number): void {
    while (this.count > 0 && now - this.times[TIME_STRIDE * this.head] >= this.windowMs) this.dropOldest();
  }

  /** Expires the oldest entry: moving the ring's start is enough, since links to it now read as expired. */
  private dropOldest(): void {
    this.liveBytes -= this.entries[STRIDE * this.head + LENGTH];
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    this.count--;
    if (this.count === 0) {
      this.byteHead = 0;
      this.byteTail = 0;
    } else {
      this.byteHead = this.entries[STRIDE * this.head + START];
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

  /**
   * A ring at least twice the live octets plus `length`, but no more than twice
   * maxKeyOctets (with at most half of that live, a key shorter than a quarter of it always
   * finds room: a longer one gets what it needs); returns where the new key goes.
   */
  private growBytes(length: number): number {
    let size = this.bytes.length * 2;
    while (size < 2 * (this.liveBytes + length)) size *= 2;
    this.resizeBytes(Math.max(Math.min(size, 2 * this.maxKeyOctets), this.liveBytes + 2 * length));
    return this.byteTail;
  }

  /** A ring of `size` octets with the live keys copied to its front, in order. */
  private resizeBytes(size: number): void {
    const entries = this.entries;
    const bytes = new Uint8Array(size);
    let p = 0;
    for (let k = 0; k < this.count; k++) {
      const e = STRIDE * this.slotOf(k);
      bytes.set(this.bytes.subarray(entries[e + START], entries[e + START] + entries[e + LENGTH]), p);
      entries[e + START] = p;
      p += entries[e + LENGTH];
    }
    this.bytes = bytes;
    this.byteHead = 0;
    this.byteTail = p;
    this.fewBytes = size > INITIAL_BYTES ? size >> 2 : NEVER_FEW;
  }

  /** Doubles the entries (up to maxEntries). */
  private grow(): void {
    this.resize(Math.min(this.maxEntries, this.capacity * 2));
  }

  /** Room for `capacity` entries, the live ones moved there oldest first to slot 0, and the buckets built again. */
  private resize(capacity: number): void {
    const old = { head: this.head, capacity: this.capacity, times: this.times, entries: this.entries };
    this.allocate(capacity);
    // Oldest first, so that each bucket's chain runs newest to oldest again.
    const first = (this.added - this.count) | 0;
    for (let k = 0; k < this.count; k++) {
      let from = old.head + k;
      if (from >= old.capacity) from -= old.capacity;
      this.times[TIME_STRIDE * k] = old.times[TIME_STRIDE * from];
      const hash = old.entries[STRIDE * from + HASH];
      this.entries[STRIDE * k + HASH] = hash;
      this.entries[STRIDE * k + START] = old.entries[STRIDE * from + START];
      this.entries[STRIDE * k + LENGTH] = old.entries[STRIDE * from + LENGTH];
      this.link(k, (first + k) | 0, hash);
    }
    this.head = 0;
  }

  private allocate(capacity: number): void {
    this.capacity = capacity;
    this.entries = new Int32Array(STRIDE * capacity);
    this.times = new Float64Array(this.entries.buffer);
    let buckets = 2;
    while (buckets < 2 * capacity) buckets *= 2;
    this.buckets = new Int32Array(BUCKET_STRIDE * buckets);
    this.mask = buckets - 1;
    this.fewEntries = capacity > INITIAL_ENTRIES ? capacity >> 2 : NEVER_FEW;
  }
}
