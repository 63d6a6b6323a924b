/**
 * Small helpers every integration and node test uses: bounded waits, a free
 * UDP port on 127.0.0.1, and the helper-node plumbing.
 */
import * as dgram from 'node:dgram';

export const LOOPBACK = '127.0.0.1';

/** Waits until `check` holds, polling every 5 ms, at most `ms` (then throws naming `what`). */
export async function until(check: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await pause(5);
  }
}

/** until() for a check that must ask something (an HTTP route): polls every 50 ms, at most `ms`. */
export async function untilAnswered(check: () => Promise<boolean>, ms = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await pause(50);
  }
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A UDP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const probe = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, LOOPBACK, resolve));
  const { port } = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
