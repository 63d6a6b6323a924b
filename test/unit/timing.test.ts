/**
 * The registration's timing rules (src/registration/timing.ts), value by
 * value, with the random source injected.
 */
import assert from 'node:assert/strict';
import type { FdtEntry } from '../../dist/protocol/bvll';
import {
  NAT_RENEWAL_MAX_MS,
  expiresAt,
  grantedTtl,
  renewalDueAt,
  renewalIntervalMs,
  responseTimeoutMs,
  retryDelayMs,
} from '../../dist/registration/timing';

const fixed = (value: number) => (): number => value;

describe('registration timing rules', () => {
  it('response timeout: min(2 s, TTL/2)', () => {
    assert.equal(responseTimeoutMs(1), 500);
    assert.equal(responseTimeoutMs(3), 1500);
    assert.equal(responseTimeoutMs(4), 2000);
    assert.equal(responseTimeoutMs(60), 2000);
    assert.equal(responseTimeoutMs(65535), 2000);
  });

  it('retry backoff: 1 s doubling up to 30 s, without jitter at random 0.5', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(n, 60, fixed(0.5))), [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it('retry jitter: ±20 %, linear in the random value', () => {
    assert.deepEqual([1, 2, 6].map((n) => retryDelayMs(n, 60, fixed(0))), [800, 1600, 24000]);
    assert.deepEqual([1, 2, 6].map((n) => retryDelayMs(n, 60, fixed(0.25))), [900, 1800, 27000]);
    assert.deepEqual([1, 2, 6].map((n) => retryDelayMs(n, 60, fixed(0.75))), [1100, 2200, 33000]);
    // Random is below 1: the delay stays below 1.2 times the base.
    assert.ok(retryDelayMs(1, 60, fixed(0.999999)) < 1200);
  });

  it('retry cap: max(1 s, min(30 s, TTL/2)), and no overflow however many retries', () => {
    assert.equal(retryDelayMs(3, 10, fixed(0.5)), 4000);
    assert.equal(retryDelayMs(4, 10, fixed(0.5)), 5000);
    assert.deepEqual([1, 2, 5].map((n) => retryDelayMs(n, 1, fixed(0.5))), [1000, 1000, 1000]);
    assert.equal(retryDelayMs(5, 3600, fixed(0.5)), 16000);
    assert.equal(retryDelayMs(6, 3600, fixed(0.5)), 30000);
    assert.equal(retryDelayMs(1e6, 60, fixed(0.5)), 30000);
  });

  it(`renewal interval: TTL/2, behind NAT at most ${NAT_RENEWAL_MAX_MS} ms`, () => {
    assert.equal(NAT_RENEWAL_MAX_MS, 25_000);
    assert.equal(renewalIntervalMs(60, false), 30_000);
    assert.equal(renewalIntervalMs(60, true), 25_000);
    assert.equal(renewalIntervalMs(50, true), 25_000);
    assert.equal(renewalIntervalMs(20, true), 10_000);
    assert.equal(renewalIntervalMs(3600, false), 1_800_000);
    assert.equal(renewalIntervalMs(3600, true), 25_000);
    assert.equal(renewalIntervalMs(1, false), 500);
  });

  it('renewal k is due at t0 + k·interval, earlier by up to 10 % of the interval, never later', () => {
    assert.equal(renewalDueAt(0, 1, 30_000, fixed(0)), 30_000);
    assert.equal(renewalDueAt(0, 1, 30_000, fixed(0.5)), 28_500);
    assert.equal(renewalDueAt(0, 1, 30_000, fixed(0.25)), 29_250);
    assert.equal(renewalDueAt(1000, 3, 25_000, fixed(0.2)), 75_500);
    assert.ok(renewalDueAt(0, 1, 30_000, fixed(0.999999)) > 27_000);
    // From the anchor: renewal 100 is as early as renewal 1, no more.
    assert.equal(renewalDueAt(3, 100, 30_000, fixed(0.5)), 3 + 3_000_000 - 1_500);
  });

  it('expiry: the last ACK plus the TTL', () => {
    assert.equal(expiresAt(3, 60), 60_003);
    assert.equal(expiresAt(100_003, 3600), 3_700_003);
  });

  describe('granted TTL', () => {
    const own = { address: '10.8.0.5', port: 47808 };
    const table: FdtEntry[] = [
      { address: '10.9.9.9', port: 47808, ttl: 60, remaining: 70 },
      { address: '10.8.0.5', port: 47808, ttl: 45, remaining: 75 },
    ];

    it('is our entry\'s TTL when it is below the one asked for', () => {
      assert.equal(grantedTtl(table, own, 60), 45);
      assert.equal(grantedTtl(table, own, 7200), 45);
    });

    it('is null when our entry has the TTL asked for or more, a TTL of 0, or is missing', () => {
      assert.equal(grantedTtl(table, own, 45), null);
      assert.equal(grantedTtl(table, own, 30), null);
      assert.equal(grantedTtl([{ ...table[1], ttl: 0 }], own, 60), null);
      assert.equal(grantedTtl(table, { address: '10.8.0.5', port: 47809 }, 60), null);
      assert.equal(grantedTtl([], own, 60), null);
    });
  });
});
