/**
 * The registration's timing rules, as README.md ("How the registration
 * behaves") states them: pure functions of the TTL (seconds) and, for jitter,
 * a random source uniform in [0, 1). Times are monotonic milliseconds.
 */
import { BipAddress, sameBipAddress } from '../protocol/address';
import type { FdtEntry } from '../protocol/bvll';

/**
 * Longest renewal interval behind NAT (publicAddress set), ms: a NAT drops an idle UDP
 * mapping after as little as 30 s, and with it the way the BBMD's forwards reach us.
 */
export const NAT_RENEWAL_MAX_MS = 25_000;

const MAX_RESPONSE_TIMEOUT_MS = 2000;
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30000;
const RETRY_JITTER = 0.2;
const RENEWAL_JITTER = 0.1;

function halfTtlMs(ttl: number): number {
  return (ttl * 1000) / 2;
}

/** How long a request waits for its answer: min(2 s, TTL/2), ms. */
export function responseTimeoutMs(ttl: number): number {
  return Math.min(MAX_RESPONSE_TIMEOUT_MS, halfTtlMs(ttl));
}

/** Delay before retry n (1-based), ms: 1 s doubling up to max(1 s, min(30 s, TTL/2)), each ±20 %. */
export function retryDelayMs(n: number, ttl: number, random: () => number): number {
  const cap = Math.max(FIRST_RETRY_MS, Math.min(MAX_RETRY_MS, halfTtlMs(ttl)));
  const base = Math.min(cap, FIRST_RETRY_MS * 2 ** Math.min(n - 1, 30));
  return base * (1 + RETRY_JITTER * (2 * random() - 1));
}

/** TTL/2, ms; behind NAT at most NAT_RENEWAL_MAX_MS, so that the NAT's UDP mapping never lapses. */
export function renewalIntervalMs(ttl: number, behindNat: boolean): number {
  const half = halfTtlMs(ttl);
  return behindNat ? Math.min(half, NAT_RENEWAL_MAX_MS) : half;
}

/**
 * When renewal k of the schedule anchored at t0 is due: t0 + k·interval, earlier by up
 * to 10 % of the interval. Never later, and from the anchor: jitter does not accumulate.
 */
export function renewalDueAt(t0: number, k: number, intervalMs: number, random: () => number): number {
  const jitter = RENEWAL_JITTER * intervalMs * random();
  return t0 + k * intervalMs - jitter;
}

/** When a registration lapses: its last ACK plus the TTL. */
export function expiresAt(lastAck: number, ttl: number): number {
  return lastAck + ttl * 1000;
}

/** The TTL the BBMD's table shows for our entry (`own`) when it is below the one we asked for; else null. */
export function grantedTtl(entries: readonly FdtEntry[], own: BipAddress, requested: number): number | null {
  const entry = entries.find((e) => sameBipAddress(e, own));
  if (!entry || entry.ttl < 1 || entry.ttl >= requested) return null;
  return entry.ttl;
}
