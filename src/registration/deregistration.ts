/**
 * stop()'s Delete-Foreign-Device-Table-Entry for the entry the BBMD keeps
 * under our address, and the wait for its answer. An unanswered Delete holds
 * up nothing: its wait just ends.
 */
import type { BipAddress } from '../protocol/address';
import { encodeDeleteFdtEntry } from '../protocol/bvll';
import { Clock } from '../util/clock';
import { errorMessage } from '../util/errors';
import { BbmdPeer } from './bbmd-peer';
import { OutstandingRequest } from './outstanding-request';
import { OwnAddress } from './own-address';
import { FdLogger, FdTransport } from './types';

export class Deregistration {
  /** The Delete waiting for its answer (the entry it names). */
  private readonly request: OutstandingRequest<BipAddress>;

  constructor(
    private readonly clock: Clock,
    private readonly transport: FdTransport,
    private readonly peer: BbmdPeer,
    private readonly own: OwnAddress,
    private readonly log: FdLogger | undefined,
  ) {
    this.request = new OutstandingRequest<BipAddress>(clock, () => undefined);
  }

  /** Ends the wait (a 0000 or a 0050 for it, or stop() gives up): true when a Delete waited. */
  end(): boolean {
    return this.request.end() !== null;
  }

  /**
   * Sends the Delete and, when `waitForAnswer`, waits for its answer up to the response
   * timeout or `deadline` (monotonic), whichever comes first. Sends nothing once
   * `current()` is false (the stop it belongs to is over).
   */
  async send(current: () => boolean, deadline: number, responseTimeoutMs: number, waitForAnswer: boolean): Promise<void> {
    let own: BipAddress;
    try {
      own = await this.own.find(this.peer.resolved);
    } catch (err) {
      this.log?.warn(`cannot deregister from BBMD ${this.peer.describe()}: ${errorMessage(err)}`);
      return;
    }
    const address = this.peer.address;
    if (!current() || address === null) return;
    const wait = Math.min(responseTimeoutMs, deadline - this.clock.monotonic());
    if (waitForAnswer && wait > 0) this.request.begin(own, wait);
    try {
      await this.transport.send(encodeDeleteFdtEntry(own), { address, port: this.peer.port });
    } catch (err) {
      this.log?.warn(`cannot send Delete-FDT-Entry to BBMD ${this.peer.describe()}: ${errorMessage(err)}`);
      this.request.end();
      return;
    }
    await this.request.idle();
  }
}
