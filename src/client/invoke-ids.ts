/**
 * Invoke IDs per destination, in sequence modulo 256, skipping those still
 * outstanding: never the lowest free one, so a late answer to a request that
 * timed out cannot be taken as the answer to the next (CLIENT.md).
 */

/** Destinations whose next invoke ID is remembered; the oldest idle ones are forgotten beyond this. */
export const REMEMBERED_DESTINATIONS = 10_000;

export class InvokeIds {
  private readonly nextByDestination = new Map<string, number>();

  /**
   * The next invoke ID for `key` that `outstanding` does not hold.
   * @throws RangeError when all 256 are outstanding (the per-device limits keep this far away)
   */
  next(key: string, outstanding: ReadonlyMap<number, unknown>): number {
    let id = this.nextByDestination.get(key) ?? 0;
    for (let i = 0; i < 256 && outstanding.has(id); i++) id = (id + 1) & 0xff;
    if (outstanding.has(id)) throw new RangeError(`all 256 invoke IDs are outstanding for ${key}`);
    // Re-inserted so that the map's order is least recently used first.
    this.nextByDestination.delete(key);
    this.nextByDestination.set(key, (id + 1) & 0xff);
    if (this.nextByDestination.size > REMEMBERED_DESTINATIONS) {
      const oldest = this.nextByDestination.keys().next().value;
      if (oldest !== undefined) this.nextByDestination.delete(oldest);
    }
    return id;
  }
}
