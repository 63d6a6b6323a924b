/**
 * Shared by the reliability suite (test/reliability): the short/long switch,
 * the timing contract as the README states it (written out here, not
 * imported from the source, so the suite checks the code against the
 * documentation), bounded waits, leak probes and the figures the suite
 * measures (printed at the end and written to dist-test/reliability-figures.json
 * for CONTRIBUTING.md's reliability figures).
 */
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** `npm run test:reliability -- --long` (scripts/reliability.js) sets RELIABILITY_LONG=1. */
export const LONG = process.env.RELIABILITY_LONG === '1' || process.env.RELIABILITY_LONG === 'true';

/** Short form (part of `npm test`) and long form (the counts the issue asks for). */
export const COUNTS = {
  fuzzDatagrams: LONG ? 1_000_000 : 60_000,
  fullDeploys: LONG ? 200 : 25,
  nodeEdits: LONG ? 200 : 25,
  /** Fault scenarios against the emulator: rounds of each. */
  faultRounds: LONG ? 3 : 1,
};

export const LOOPBACK = '127.0.0.1';

// ---- the timing contract, as README.md ("How the registration behaves") states it ----

/** Response timeout: min(2 s, TTL/2). */
export function responseTimeoutMs(ttl: number): number {
  return Math.min(2000, (ttl * 1000) / 2);
}

/** Retry cap: max(1 s, min(30 s, TTL/2)). */
export function retryCapMs(ttl: number): number {
  return Math.max(1000, Math.min(30_000, (ttl * 1000) / 2));
}

/** Retry n (1-based) after a failure: 1 s doubling up to the cap, before jitter. */
export function retryBaseMs(n: number, ttl: number): number {
  return Math.min(retryCapMs(ttl), 1000 * 2 ** (n - 1));
}

/** Retry n's delay with ±20 % jitter: [low, high]. */
export function retryRangeMs(n: number, ttl: number): [number, number] {
  const base = retryBaseMs(n, ttl);
  return [base * 0.8, base * 1.2];
}

/** Renewal k is due at t0 + k·TTL/2, earlier by up to 10 % of TTL/2: [earliest, latest] after t0. */
export function renewalWindowMs(k: number, ttl: number): [number, number] {
  const half = (ttl * 1000) / 2;
  return [k * half - 0.1 * half, k * half];
}

/**
 * Real timers and a real socket (not the fake clock): time the event loop, the
 * loopback round trip and a garbage collection may add to a protocol bound on
 * this 2-core machine under the suite's own load. It is added to bounds, never
 * used as one; the fake-clock tests check the same bounds with no slack.
 */
export const SCHEDULING_SLACK_MS = 300;

/** xorshift32: small, fast, reproducible. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  u32(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return this.u32() % n;
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 0x1_0000_0000;
  }
  bool(pTrue = 0.5): boolean {
    return this.u32() / 0x1_0000_0000 < pTrue;
  }
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

// ---- waits, sockets -----------------------------------------------------------

export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 5 ms until it holds; fails after `ms`. */
export async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await pause(5);
  }
}

/** A UDP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const probe = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, LOOPBACK, resolve));
  const { port } = probe.address();
  await closeSocket(probe);
  return port;
}

export async function rawSocket(port = 0): Promise<dgram.Socket & { port: number }> {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port, address: LOOPBACK, exclusive: true }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return Object.assign(socket, { port: socket.address().port });
}

export function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

/** True when a fresh exclusive bind of `port` on 127.0.0.1 succeeds (and is closed again). */
export async function portIsFree(port: number): Promise<boolean> {
  try {
    await closeSocket(await rawSocket(port));
    return true;
  } catch {
    return false;
  }
}

// ---- leak probes (shared with the node tests, which must not load this file's figures hook) ----

export { MB, activeHandleCount, activeResources, heapAfterGc } from '../support/leak-probes';

// ---- figures ---------------------------------------------------------------------------

export interface Figures {
  form: 'short' | 'long';
  machine: Record<string, string | number>;
  [section: string]: unknown;
}

const figures: Figures = {
  form: LONG ? 'long' : 'short',
  machine: {
    nproc: os.cpus().length,
    cpu: cpuModel(),
    ramGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  },
};

function cpuModel(): string {
  try {
    const line = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line) return line.split(':')[1].trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

/** Records a measured figure under `section` (merged). */
export function record(section: string, values: Record<string, unknown>): void {
  figures[section] = { ...((figures[section] as Record<string, unknown> | undefined) ?? {}), ...values };
}

export const FIGURES_FILE = path.join(__dirname, '..', `reliability-figures${LONG ? '-long' : ''}.json`);

/** Root-level hook: after the whole run, print the figures and write them out. */
after(function () {
  if (Object.keys(figures).length <= 2) return;
  fs.writeFileSync(FIGURES_FILE, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`\n  reliability figures (${figures.form} form), also in ${path.relative(process.cwd(), FIGURES_FILE)}:`);
  console.log(JSON.stringify(figures, null, 2).replace(/^/gm, '    '));
});
