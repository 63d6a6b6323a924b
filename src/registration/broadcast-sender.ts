/**
 * Distribute-Broadcast-To-Network frames to the BBMD as last resolved, each
 * counted in broadcastsSent or broadcastsFailed.
 */
import { asError } from '../util/errors';
import { BbmdPeer } from './bbmd-peer';
import { FdCounters, FdTransport, ForeignDeviceError } from './types';

export class BroadcastSender {
  constructor(
    private readonly transport: FdTransport,
    private readonly peer: BbmdPeer,
    private readonly counters: FdCounters,
  ) {}

  /** Resolves when the frame has left; rejects with ESEND. */
  send(frame: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => this.sendNow(frame, (err) => (err ? reject(err) : resolve())));
  }

  /** Sends the frame; `callback` gets the error a caller sees, once, never synchronously. */
  sendNow(frame: Buffer, callback: (err: ForeignDeviceError | null) => void): void {
    const onSent = (err: Error | null): void => {
      if (err) {
        this.counters.broadcastsFailed++;
        callback(new ForeignDeviceError('ESEND', `cannot send the broadcast to BBMD ${this.peer.describe()}: ${err.message}`));
      } else {
        this.counters.broadcastsSent++;
        callback(null);
      }
    };
    const to = this.peer.to();
    // The callback form spares the broadcast path a promise (and its microtasks) per message.
    if (this.transport.sendNow) this.transport.sendNow(frame, to, onSent);
    else this.transport.send(frame, to).then(() => onSent(null), (err: unknown) => onSent(asError(err)));
  }
}
