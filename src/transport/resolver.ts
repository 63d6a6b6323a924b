/**
 * Host name to one IPv4 address, without letting a bad resolver hurt the rest of
 * Node-RED. dns.lookup() runs getaddrinfo() on libuv's thread pool (four threads by
 * default), which Node-RED's file I/O (context store, flow files) shares; a resolver
 * that does not answer holds a thread for as long as the OS retries. So:
 * - one lookup in flight per host: concurrent callers share it;
 * - answers kept for RESOLVE_CACHE_MS, failures for RESOLVE_FAILURE_CACHE_MS;
 * - each caller waits at most RESOLVE_TIMEOUT_MS, while the lookup itself keeps its
 *   single slot until it really ends (a new lookup beside it would take one more thread);
 * - IPv4 literals are answered at once.
 * Clock and lookup are injected. Expiry is checked when an entry is read, never by a
 * timer: a timer per entry would keep the process alive and outlive a redeploy.
 */
import * as dns from 'node:dns';
import { isIPv4 } from '../protocol/address';
import { Clock, TimerHandle, systemClock } from '../util/clock';
import { asError } from '../util/errors';

/** Longest a caller waits for a name (foreign-device.ts uses the same bound for the BBMD's name). */
export const RESOLVE_TIMEOUT_MS = 5000;
/** An answer is reused this long. dns.lookup() gives no TTL; 30 s follows a DNS change soon enough. */
export const RESOLVE_CACHE_MS = 30_000;
/**
 * A failure (no such name, resolver down, timed out) is reused this long: long enough
 * that a flow sending many messages to an unresolvable name, or a dead resolver,
 * costs one lookup per 5 s instead of one per message; short enough that a name
 * added to DNS or /etc/hosts works again within seconds.
 */
export const RESOLVE_FAILURE_CACHE_MS = 5000;
/** At most this many names are kept: msg.destination may name any number of hosts. */
export const RESOLVE_CACHE_ENTRIES = 256;

/** Looks a name up once: the OS resolver by default. */
export type LookupFunction = (host: string) => Promise<string>;

export interface HostResolverOptions {
  clock?: Clock;
  lookup?: LookupFunction;
  timeoutMs?: number;
  cacheMs?: number;
  failureCacheMs?: number;
  maxEntries?: number;
}

type CacheEntry = { expires: number; address: string; error: null } | { expires: number; address: null; error: Error };

/** dns.lookup() for one IPv4 address (what the OS resolver, /etc/hosts included, says). */
export function lookupIPv4(host: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    dns.lookup(host, { family: 4 }, (err, address) => (err ? reject(err) : resolve(address)));
  });
}

export class HostResolver {
  private readonly clock: Clock;
  private readonly lookup: LookupFunction;
  private readonly timeoutMs: number;
  private readonly cacheMs: number;
  private readonly failureCacheMs: number;
  private readonly maxEntries: number;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(options: HostResolverOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.lookup = options.lookup ?? lookupIPv4;
    this.timeoutMs = options.timeoutMs ?? RESOLVE_TIMEOUT_MS;
    this.cacheMs = options.cacheMs ?? RESOLVE_CACHE_MS;
    this.failureCacheMs = options.failureCacheMs ?? RESOLVE_FAILURE_CACHE_MS;
    this.maxEntries = Math.max(1, options.maxEntries ?? RESOLVE_CACHE_ENTRIES);
  }

  /** One IPv4 address for `host`; rejects with the lookup's error, or after the timeout. */
  resolve(host: string): Promise<string> {
    if (isIPv4(host)) return Promise.resolve(host);
    // DNS names are case-insensitive: "BBMD.site" and "bbmd.site" share one entry.
    const key = host.toLowerCase();
    const cached = this.cache.get(key);
    if (cached) {
      if (cached.expires > this.clock.monotonic()) return cached.error ? Promise.reject(cached.error) : Promise.resolve(cached.address);
      this.cache.delete(key);
    }
    return this.bounded(this.inFlight.get(key) ?? this.start(key, host));
  }

  /** Names with a lookup in flight now (for tests and diagnostics). */
  get lookupsInFlight(): number {
    return this.inFlight.size;
  }

  /** Forgets every answer and failure; lookups in flight finish as they would. */
  clear(): void {
    this.cache.clear();
  }

  private start(key: string, host: string): Promise<string> {
    let lookup: Promise<string>;
    try {
      lookup = this.lookup(host);
    } catch (err) {
      lookup = Promise.reject(err);
    }
    const shared = lookup.then((address) => {
      if (!isIPv4(address)) throw new Error(`resolved to ${JSON.stringify(address)}, not an IPv4 address`);
      return address;
    });
    this.inFlight.set(key, shared);
    // The slot is freed and the outcome stored in one step: no moment without either.
    shared.then(
      (address) => this.settle(key, { expires: this.clock.monotonic() + this.cacheMs, address, error: null }),
      (err: unknown) => {
        const error = asError(err);
        this.settle(key, { expires: this.clock.monotonic() + this.failureCacheMs, address: null, error });
      },
    );
    return shared;
  }

  private settle(key: string, entry: CacheEntry): void {
    this.inFlight.delete(key);
    this.cache.delete(key);
    if (this.cache.size >= this.maxEntries) this.evict();
    this.cache.set(key, entry);
  }

  /** Makes room: expired entries first, then the oldest (a Map keeps insertion order). */
  private evict(): void {
    const now = this.clock.monotonic();
    for (const [key, entry] of this.cache) if (entry.expires <= now) this.cache.delete(key);
    while (this.cache.size >= this.maxEntries) {
      const oldest = this.cache.keys().next();
      if (oldest.done) break;
      this.cache.delete(oldest.value);
    }
  }

  /** The shared lookup, as this caller sees it: given up after the timeout (the lookup goes on). */
  private bounded(shared: Promise<string>): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const timer: TimerHandle = this.clock.setTimeout(() => {
        const err = new Error(`no answer from the name resolver within ${this.timeoutMs / 1000} s`) as NodeJS.ErrnoException;
        err.code = dns.TIMEOUT;
        reject(err);
      }, this.timeoutMs);
      shared.then(
        (address) => {
          this.clock.clearTimeout(timer);
          resolve(address);
        },
        (err: unknown) => {
          this.clock.clearTimeout(timer);
          reject(err);
        },
      );
    });
  }
}

/** The process's shared resolver: every fd-send and registration asks through it. */
export const defaultResolver = new HostResolver();

/** `(host) => Promise<address>` through the shared resolver: a drop-in Resolver (foreign-device.ts). */
export function resolveHost(host: string): Promise<string> {
  return defaultResolver.resolve(host);
}
