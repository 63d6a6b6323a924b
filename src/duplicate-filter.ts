/**
 * Drops the same NPDU from the same origin seen again within a window (some
 * BBMDs forward every broadcast twice). Pure, clock injected; memory bounded.
 */
import type { ReceivedNpdu } from './received';

export const DEFAULT_DUPLICATE_WINDOW_MS = 1000;
/** Entries kept at most: a flood of distinct NPDUs cannot grow the table without bound. */
export const MAX_DUPLICATE_ENTRIES = 50_000;

export class DuplicateFilter {
  /** key -> first time seen; insertion order is time order, so the oldest are at the front. */
  private readonly seen = new Map<string, number>();

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
    const key = `${received.source.address}:${received.source.port}|${received.npdu.toString('latin1')}`;
    if (this.seen.has(key)) return true;
    this.seen.set(key, now);
    if (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
    return false;
  }

  get size(): number {
    return this.seen.size;
  }

  private expire(now: number): void {
    for (const [key, at] of this.seen) {
      if (now - at < this.windowMs) break;
      this.seen.delete(key);
    }
  }
}
