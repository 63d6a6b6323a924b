/**
 * A scripted BBMD behind the FdTransport interface, for the state machine's
 * unit tests: it records every frame the manager sends, with the fake time,
 * and answers through the fake clock after `rttMs`, the way the test says.
 */
import type { BipAddress } from '../../dist/protocol/address';
import { BdtEntry, BvlcFunction, BvllFrame, decodeBvll, FdtEntry } from '../../dist/protocol/bvll';
import type { ForeignDeviceManager } from '../../dist/registration/foreign-device';
import type { FdTransport } from '../../dist/registration/types';
import { FakeClock } from './fake-clock';

export interface SentFrame {
  at: number;
  frame: BvllFrame;
  raw: Buffer;
  to: BipAddress;
}

/** What the scripted BBMD answers to a Register: a result code, or nothing. */
export type RegisterAnswer = number | 'silent';

export class ScriptedBbmd implements FdTransport {
  readonly sent: SentFrame[] = [];
  manager: ForeignDeviceManager | null = null;
  /** Where answers come from (the BBMD as the manager resolved it). */
  from: BipAddress = { address: '192.168.1.10', port: 47808 };
  register: RegisterAnswer = 0;
  deleteAnswer: RegisterAnswer = 0;
  /** Read-FDT: the TTL our entry shows (null: answer with no entry for us), 'nak' or 'silent'. */
  fdt: number | null | 'nak' | 'silent' = null;
  /** Read-BDT: the entries, 'nak' or 'silent'. */
  bdt: BdtEntry[] | 'nak' | 'silent' = [{ address: '192.168.1.10', port: 47808, mask: '255.255.255.255' }];
  rttMs = 3;
  /** When set, send() rejects with it (and records nothing). */
  sendError: NodeJS.ErrnoException | null = null;
  bound: BipAddress = { address: '0.0.0.0', port: 47808 };
  route: BipAddress = { address: '10.8.0.5', port: 47808 };

  constructor(private readonly clock: FakeClock) {}

  attach(manager: ForeignDeviceManager): this {
    this.manager = manager;
    return this;
  }

  boundAddress(): BipAddress {
    return this.bound;
  }

  async localAddressFor(): Promise<BipAddress> {
    return this.route;
  }

  async send(raw: Uint8Array, to: BipAddress): Promise<void> {
    if (this.sendError) throw this.sendError;
    const buf = Buffer.from(raw);
    const frame = decodeBvll(buf);
    this.sent.push({ at: this.clock.monotonic(), frame, raw: buf, to });
    switch (frame.function) {
      case BvlcFunction.RegisterForeignDevice:
        this.answer(this.register);
        break;
      case BvlcFunction.DeleteFdtEntry:
        this.answer(this.deleteAnswer);
        break;
      case BvlcFunction.ReadFdt:
        this.answerFdt();
        break;
      case BvlcFunction.ReadBdt:
        this.answerBdt();
        break;
      default:
        break;
    }
  }

  /** Delivers a frame to the manager now, as if it came from `from`. */
  deliver(frame: BvllFrame, from: BipAddress = this.from): void {
    this.manager?.handleFrame(frame, from);
  }

  result(code: number, from: BipAddress = this.from): void {
    this.deliver({ function: BvlcFunction.Result, code }, from);
  }

  /** Frames of one function that the manager sent. */
  framesOf(fn: number): SentFrame[] {
    return this.sent.filter((s) => s.frame.function === fn);
  }

  get registers(): SentFrame[] {
    return this.framesOf(BvlcFunction.RegisterForeignDevice);
  }

  private answer(answer: RegisterAnswer): void {
    if (answer === 'silent') return;
    this.clock.setTimeout(() => this.result(answer), this.rttMs);
  }

  private answerBdt(): void {
    const bdt = this.bdt;
    if (bdt === 'silent') return;
    if (bdt === 'nak') {
      this.clock.setTimeout(() => this.result(0x0020), this.rttMs);
      return;
    }
    this.clock.setTimeout(() => this.deliver({ function: BvlcFunction.ReadBdtAck, entries: bdt }), this.rttMs);
  }

  private answerFdt(): void {
    const fdt = this.fdt;
    if (fdt === 'silent') return;
    if (fdt === 'nak') {
      this.clock.setTimeout(() => this.result(0x0040), this.rttMs);
      return;
    }
    const entries: FdtEntry[] = [{ address: '10.9.9.9', port: 47808, ttl: 60, remaining: 70 }];
    if (fdt !== null) entries.push({ ...this.route, ttl: fdt, remaining: fdt + 30 });
    this.clock.setTimeout(() => this.deliver({ function: BvlcFunction.ReadFdtAck, entries }), this.rttMs);
  }
}
