/**
 * Discovery for FakeDevice (fake-device.ts): which Who-Is it answers, the I-Am
 * it sends (unicast to the asker, or a global broadcast through the BBMD), and
 * the restart I-Am FakeCov asks for. Sends only to 127.0.0.1; anything else is
 * refused and counted.
 */
import type * as dgram from 'node:dgram';
import type { BipAddress } from '../../dist/protocol/address';
import { decodeWhoIs, encodeIAmApdu } from '../../dist/protocol/apdu';
import { BvlcFunction, encodeNpduFrame } from '../../dist/protocol/bvll';
import { DecodeError } from '../../dist/protocol/decode-error';
import { encodeNpdu, GLOBAL_NETWORK, NpduHeader, NpduOptions } from '../../dist/protocol/npdu';
import type { FakeDevice } from './fake-device';
import type { Reply } from './fake-device-server';
import { ApduContext, BbmdLink, LOOPBACK, ReplyMode } from './fake-device-types';
import { schedule } from './timers';

/** What discovery reads from its device, read when used (answerDelayMs and the reply mode change while running). */
export type DiscoveryHost = Pick<
  FakeDevice,
  'deviceInstance' | 'vendorId' | 'maxApdu' | 'segmentation' | 'network' | 'mac' | 'answerDelayMs' | 'counters' | 'effectiveReplyMode' | 'emit'
>;

/** The device's private state discovery needs: its socket and BBMD link (both change over its life), its timers. */
export interface DiscoveryWiring {
  socket(): dgram.Socket | null;
  link(): BbmdLink | null;
  readonly timers: Set<NodeJS.Timeout>;
}

export class FakeDeviceDiscovery {
  constructor(
    private readonly device: DiscoveryHost,
    private readonly wiring: DiscoveryWiring,
  ) {}

  /**
   * The NPDU of this device's I-Am: in 'unicast' mode a local one (`01 00`,
   * or `01 08` + SNET/SADR behind a router) addressed to `replyTo` when the
   * Who-Is came from a remote network; in 'forwarded' mode a global broadcast
   * (`01 20 FF FF 00 FF`, as BBMD "C"'s devices send it).
   */
  iAmNpdu(mode: ReplyMode, replyTo?: { snet: number; sadr: string }): Buffer {
    const device = this.device;
    const options: NpduOptions = {};
    if (mode === 'forwarded') {
      options.dnet = GLOBAL_NETWORK;
      options.dadr = '';
      options.hopCount = 255;
    } else if (replyTo) {
      options.dnet = replyTo.snet;
      options.dadr = replyTo.sadr;
      options.hopCount = 255;
    }
    if (device.network !== null && device.mac !== null) {
      options.snet = device.network;
      options.sadr = device.mac;
    }
    return encodeNpdu(options, this.iAmApdu());
  }

  /** A Who-Is arrived (unconfirmed service 0x08): answer it if in range and it reaches this device's network. */
  onWhoIs(ctx: ApduContext): void {
    const device = this.device;
    device.counters.whoIs++;
    const range = decodeWhoIsRange(ctx.apdu);
    if (range === undefined) {
      device.counters.malformed++;
      return;
    }
    const inRange = range === null || (device.deviceInstance >= range.low && device.deviceInstance <= range.high);
    const answered = inRange && this.reaches(ctx.npdu);
    device.emit('who-is', { from: ctx.from, originator: ctx.originator, bvlcFunction: ctx.bvlcFunction, npdu: ctx.npdu, range, answered });
    if (!answered) return;
    const replyTo = ctx.npdu.snet !== null && ctx.npdu.sadr !== null ? { snet: ctx.npdu.snet, sadr: ctx.npdu.sadr } : undefined;
    const answer = (): void => this.sendIAm(ctx, replyTo);
    if (device.answerDelayMs > 0) schedule(this.wiring.timers, answer, device.answerDelayMs);
    else answer();
  }

  /**
   * The restart I-Am (FakeCov.restart): a global broadcast through the attached
   * BBMD, else unicast to each former subscriber, since loopback has no subnet to broadcast on.
   */
  announce(subscribers: Reply[]): void {
    const counters = this.device.counters;
    const bbmd = this.wiring.link()?.boundAddress;
    const socket = this.wiring.socket();
    if (bbmd && socket) {
      counters.iAm++;
      socket.send(encodeNpduFrame(BvlcFunction.OriginalBroadcastNpdu, this.iAmNpdu('forwarded')), bbmd.port, bbmd.address, (err) => {
        if (err) counters.sendErrors++;
      });
      return;
    }
    const apdu = this.iAmApdu();
    for (const reply of subscribers) {
      counters.iAm++;
      reply(apdu, false);
    }
  }

  private iAmApdu(): Buffer {
    const { deviceInstance, maxApdu, segmentation, vendorId } = this.device;
    return encodeIAmApdu({ deviceInstance, maxApdu, segmentation, vendorId });
  }

  /** Does a Who-Is with this NPDU header reach this device's network? */
  private reaches(npdu: NpduHeader): boolean {
    const { network, mac } = this.device;
    if (npdu.dnet === null) return network === null;
    if (npdu.dnet === GLOBAL_NETWORK) return true;
    return npdu.dnet === network && (npdu.dadr === '' || npdu.dadr === mac);
  }

  private sendIAm(ctx: ApduContext, replyTo: { snet: number; sadr: string } | undefined): void {
    const socket = this.wiring.socket();
    if (!socket) return;
    const counters = this.device.counters;
    const mode = this.device.effectiveReplyMode();
    const link = this.wiring.link();
    let to: BipAddress;
    let raw: Buffer;
    const bbmd = mode === 'forwarded' ? this.bbmdAddress(ctx) : null;
    if (mode === 'forwarded' && bbmd) {
      to = bbmd;
      raw = encodeNpduFrame(BvlcFunction.OriginalBroadcastNpdu, this.iAmNpdu('forwarded'));
    } else {
      to = link ? link.route(ctx.originator) : ctx.originator;
      raw = encodeNpduFrame(BvlcFunction.OriginalUnicastNpdu, this.iAmNpdu('unicast', replyTo));
    }
    if (to.address !== LOOPBACK) {
      counters.refused++;
      return;
    }
    counters.iAm++;
    this.device.emit('i-am', { to, mode: bbmd ? 'forwarded' : 'unicast', raw });
    socket.send(raw, to.port, to.address, (err) => {
      if (err) counters.sendErrors++;
    });
  }

  /** The BBMD to broadcast to: the attached one, else the sender of a Forwarded-NPDU. */
  private bbmdAddress(ctx: ApduContext): BipAddress | null {
    const bound = this.wiring.link()?.boundAddress;
    if (bound) return bound;
    return ctx.bvlcFunction === BvlcFunction.ForwardedNpdu ? ctx.from : null;
  }
}

/**
 * The device range of a Who-Is APDU (`10 08` [+ context 0 low, context 1 high]):
 * null when absent, undefined when malformed.
 */
export function decodeWhoIsRange(apdu: Uint8Array): { low: number; high: number } | null | undefined {
  try {
    return decodeWhoIs(apdu);
  } catch (err) {
    if (err instanceof DecodeError) return undefined;
    throw err;
  }
}
