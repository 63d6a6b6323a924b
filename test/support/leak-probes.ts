/**
 * Leak probes: active resources by type, and the heap after full garbage
 * collections (node --expose-gc, which .mocharc passes).
 */
import assert from 'node:assert/strict';
/** Active resources by type, as process.getActiveResourcesInfo() names them (UDPWrap = sockets, Timeout = timers, ...). */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

export function activeHandleCount(): number {
  return (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
}

/** Heap used after full garbage collections, bytes. Needs node --expose-gc. */
export async function heapAfterGc(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  assert.ok(gc, 'the reliability suite needs node --expose-gc (npm test and npm run test:reliability pass it)');
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  gc();
  return process.memoryUsage().heapUsed;
}

export const MB = 1024 * 1024;
