/**
 * Read-Foreign-Device-Table and Read-Broadcast-Distribution-Table: one read of
 * each kind in flight at a time, shared by every caller, waiting for its answer
 * on its own timer. Rejections are ForeignDeviceErrors: ENAK, ETIMEOUT, ESEND,
 * ERESOLVE, or the code the owner fails them with (ESTOPPED).
 */
import { BdtEntry, BvlcFunction, FdtEntry, encodeBvll } from '../protocol/bvll';
import { Clock } from '../util/clock';
import { BbmdPeer } from './bbmd-peer';
import { OutstandingRequest } from './outstanding-request';
import { FdTransport, ForeignDeviceError } from './types';

export type TableKind = 'fdt' | 'bdt';

interface Tables {
  fdt: FdtEntry[];
  bdt: BdtEntry[];
}

const READ_FRAMES = {
  fdt: encodeBvll({ function: BvlcFunction.ReadFdt }),
  bdt: encodeBvll({ function: BvlcFunction.ReadBdt }),
} as const;
const TABLE_NAMES = { fdt: 'Foreign Device Table', bdt: 'Broadcast Distribution Table' } as const;
const REQUEST_NAMES = { fdt: 'Read-Foreign-Device-Table', bdt: 'Read-Broadcast-Distribution-Table' } as const;

interface PendingRead {
  promise: Promise<unknown>;
  resolve: (entries: unknown) => void;
  reject: (error: Error) => void;
  waitMs: number;
}

export class TableReads {
  private readonly reads: Record<TableKind, OutstandingRequest<PendingRead>>;

  /** `responseTimeoutMs` is read at each new read: the TTL it follows may change. */
  constructor(
    private readonly clock: Clock,
    private readonly transport: FdTransport,
    private readonly peer: BbmdPeer,
    private readonly responseTimeoutMs: () => number,
  ) {
    this.reads = { fdt: this.waitFor('fdt'), bdt: this.waitFor('bdt') };
  }

  /** Reads the table, or joins the read in flight. */
  read<K extends TableKind>(kind: K): Promise<Tables[K]> {
    const waiting = this.reads[kind].current;
    if (waiting) return waiting.promise as Promise<Tables[K]>;
    let resolve!: (entries: unknown) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const read: PendingRead = { promise, resolve, reject, waitMs: this.responseTimeoutMs() };
    this.reads[kind].begin(read, read.waitMs);
    void this.send(kind, read);
    return promise as Promise<Tables[K]>;
  }

  /** The BBMD's Ack: every caller of the read in flight gets `entries`. */
  answer<K extends TableKind>(kind: K, entries: Tables[K]): void {
    this.reads[kind].end()?.resolve(entries);
  }

  /** The BBMD's NAK: the read in flight fails with ENAK. */
  refused(kind: TableKind): void {
    this.fail(kind, 'ENAK', `BBMD ${this.peer.describe()} refused to read its ${TABLE_NAMES[kind]} (${REQUEST_NAMES[kind]}-NAK)`);
  }

  /** Fails the read in flight of that kind, if any. */
  fail(kind: TableKind, code: string, message: string): void {
    this.reads[kind].end()?.reject(new ForeignDeviceError(code, message));
  }

  /** The wait for one kind of read; its timeout rejects the callers with ETIMEOUT. */
  private waitFor(kind: TableKind): OutstandingRequest<PendingRead> {
    return new OutstandingRequest<PendingRead>(this.clock, (read) =>
      read.reject(new ForeignDeviceError('ETIMEOUT', `no answer from BBMD ${this.peer.describe()} to ${REQUEST_NAMES[kind]} within ${read.waitMs} ms`)),
    );
  }

  private async send(kind: TableKind, read: PendingRead): Promise<void> {
    // Timed out or failed meanwhile: nothing to fail or send for it any more.
    const gone = (): boolean => this.reads[kind].current !== read;
    let address: string;
    try {
      address = await this.peer.resolve();
    } catch (err) {
      if (!gone()) this.fail(kind, 'ERESOLVE', this.peer.resolveFailure(err));
      return;
    }
    if (gone() || !this.peer.use(address) || gone()) return;
    try {
      await this.transport.send(READ_FRAMES[kind], { address, port: this.peer.port });
    } catch (err) {
      if (!gone()) this.fail(kind, 'ESEND', this.peer.sendFailure(err));
    }
  }
}
