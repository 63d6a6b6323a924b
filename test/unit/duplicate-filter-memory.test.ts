/**
 * The duplicate filter's memory stays bounded whatever arrives (any host can send
 * NPDUs that reach every fd-receive, up to 1497 octets each) and goes back once
 * the traffic is far below what the table was grown for, even if it never stops.
 */
import assert from 'node:assert/strict';
import { DuplicateFilter, MAX_DUPLICATE_KEY_OCTETS } from '../../dist/receive/duplicate-filter';
import type { ReceivedNpdu } from '../../dist/protocol/received-npdu';

const MiB = 1024 * 1024;
/** The per-filter figure README.md states. */
const STATED_BOUND = 6.2 * MiB;
/** An IPv4 origin takes 7 octets of the key (src/receive/duplicate-key.ts), the NPDU the rest. */
const KEY_OCTETS = 7 + 1497;

/**
 * Distinct 1497-octet NPDUs from one origin, told apart by their number: one Buffer
 * rewritten for each (the filter copies what it keeps), so that the test itself
 * holds no memory that would blur the heap check.
 */
function flood(): (n: number) => ReceivedNpdu {
  const npdu = Buffer.alloc(1497, 0x5a);
  npdu[0] = 0x01;
  npdu[1] = 0x00;
  const received = { npdu, source: { address: '10.0.0.1', port: 47808 } } as ReceivedNpdu;
  return (n) => {
    npdu.writeUInt32BE(n, 2);
    return received;
  };
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  assert.ok(collect, 'mocha runs with --expose-gc (.mocharc.json)');
  collect();
}

describe('DuplicateFilter memory', () => {
  it('keeps under 6.2 MiB with 50,000 distinct 1497-octet NPDUs in one window, and the heap agrees', () => {
    let t = 0;
    const npdu = flood();
    gc();
    const before = process.memoryUsage().arrayBuffers;
    const filter = new DuplicateFilter(() => t);
    let peak = 0;
    for (let n = 0; n < 50_000; n++) {
      t = n * 0.01;
      assert.equal(filter.isDuplicate(npdu(n)), false);
      peak = Math.max(peak, filter.retainedBytes);
    }
    assert.ok(peak <= STATED_BOUND, `the table held ${(peak / MiB).toFixed(2)} MiB at its most`);
    // Nothing outside the typed arrays counted above: what the process holds after a GC says so too.
    gc();
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown <= STATED_BOUND + 1 * MiB, `array buffers grew by ${(grown / MiB).toFixed(2)} MiB`);
    assert.equal(filter.isDuplicate(npdu(49_999)), true, 'the newest is still known');
  });

  it('gives a burst\'s memory back under trickle traffic that never leaves the table empty', () => {
    let t = 0;
    const npdu = flood();
    const filter = new DuplicateFilter(() => t);
    const initial = filter.retainedBytes;
    for (let n = 0; n < 50_000; n++) {
      t = n * 0.01;
      filter.isDuplicate(npdu(n));
    }
    assert.ok(filter.retainedBytes > 1 * MiB, 'the burst grew the table');
    // Four NPDUs a second, each sent twice (a BBMD that forwards twice), for 40 s, with
    // prune() every second as fd-receive's timer calls it.
    for (let step = 0; step < 160; step++) {
      t = 1000 + 250 * step;
      const n = 100_000 + step;
      assert.equal(filter.isDuplicate(npdu(n)), false, `step ${step}`);
      assert.equal(filter.isDuplicate(npdu(n)), true, `step ${step}: the copy`);
      if (step % 4 === 3) filter.prune();
      // Live entries are kept when the table shrinks: the one before is still known.
      if (step > 0) assert.equal(filter.isDuplicate(npdu(n - 1)), true, `step ${step}: the one before`);
      assert.ok(filter.size > 0);
    }
    // README.md: 6.5 KiB when new, under 20 KiB with four 1497-octet NPDUs a second.
    assert.equal(initial, 6656);
    assert.ok(filter.retainedBytes < 20 * 1024, `${filter.retainedBytes} octets kept, ${initial} at the start`);
  });

  it('evicts the oldest first once the key octets are full: an early NPDU is forgotten, a recent one still dropped', () => {
    const npdu = flood();
    const filter = new DuplicateFilter(() => 0);
    const kept = Math.floor(MAX_DUPLICATE_KEY_OCTETS / KEY_OCTETS);
    const sent = kept + 100;
    for (let n = 0; n < sent; n++) assert.equal(filter.isDuplicate(npdu(n)), false);
    assert.equal(filter.size, kept, 'the entries the octets allow, not the entries allowed');
    assert.equal(filter.isDuplicate(npdu(sent - 1)), true, 'the newest');
    assert.equal(filter.isDuplicate(npdu(sent - kept)), true, 'the oldest kept');
    assert.equal(filter.isDuplicate(npdu(sent - kept - 1)), false, 'the newest evicted is no longer known');
    assert.equal(filter.isDuplicate(npdu(0)), false, 'nor the first');
    assert.equal(filter.size, kept);
  });

  it('never keeps a key longer than its octet budget, and evicts nothing for one', () => {
    const filter = new DuplicateFilter(() => 0, 1000, 100, 30_000, 20);
    const short = { npdu: Buffer.from([1, 0, 8]), source: { address: '10.0.0.1', port: 47808 } } as ReceivedNpdu;
    const long = { npdu: Buffer.alloc(14, 1), source: { address: '10.0.0.1', port: 47808 } } as ReceivedNpdu;
    assert.equal(filter.isDuplicate(short), false);
    assert.equal(filter.isDuplicate(long), false);
    assert.equal(filter.isDuplicate(long), false, '7 + 14 octets is more than 20: never kept');
    assert.equal(filter.isDuplicate(short), true, 'and the short one stayed');
    assert.equal(filter.size, 1);
  });
});
