/**
 * A fake BACnet/IP device on 127.0.0.1: answers Who-Is with I-Am, nothing else
 * (yet). Used by the integration tests and by the `npm start` demo, usually as
 * a "local device" of a BbmdEmulator (see bbmd-emulator.ts), which then tells
 * it how replies reach a foreign device:
 *
 * - 'unicast': an Original-Unicast-NPDU straight to the Who-Is's originator
 *   (BBMDs "A" and "B" in test/fixtures/real-bbmd-frames.json);
 * - 'forwarded': a global-broadcast I-Am as Original-Broadcast-NPDU to the
 *   BBMD, which relays it to every registered foreign device as a
 *   Forwarded-NPDU (BBMD "C").
 *
 * A device with `network` and `mac` appears as if behind a BACnet router: its
 * NPDUs carry SNET/SADR, and it answers only a Who-Is that can reach its
 * network (a global one, or one for DNET = its network); a Who-Is with no DNET
 * is local to the B/IP network and, as with a real router, never reaches it.
 *
 * It sends only to 127.0.0.1; anything else is refused and counted.
 * Node's standard library and the package codec only.
 */
import * as dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import type { BipAddress } from '../../dist/protocol/address';
import { decodeWhoIs, encodeIAmApdu, MAX_DEVICE_INSTANCE } from '../../dist/protocol/apdu';
import { BvlcFunction, decodeBvll, encodeNpduFrame } from '../../dist/protocol/bvll';
import { DecodeError } from '../../dist/protocol/decode-error';
import { decodeNpdu, encodeNpdu, GLOBAL_NETWORK, NpduHeader, NpduOptions } from '../../dist/protocol/npdu';

/** How a device's reply reaches a foreign device (see the file comment). */
export type ReplyMode = 'unicast' | 'forwarded';

/** The only host the fake devices and the emulator ever send to. */
export const LOOPBACK = '127.0.0.1';

/**
 * What a device needs from the BBMD whose subnet it sits on. BbmdEmulator
 * implements it; addLocalDevice() attaches it.
 */
export interface BbmdLink {
  /** The BBMD's bound address, or null before it started. */
  readonly boundAddress: BipAddress | null;
  /** How replies reach foreign devices right now. */
  currentReplyMode(): ReplyMode;
  /**
   * Where a datagram for `to` really goes: a NAT-view address (one the BBMD
   * records instead of the real source) maps back to the real source.
   */
  route(to: BipAddress): BipAddress;
}

export interface FakeDeviceOptions {
  deviceInstance: number;
  /** Default 260. */
  vendorId?: number;
  /** Max APDU length accepted, default 1476. */
  maxApdu?: number;
  /** Segmentation supported: 0 both, 1 transmit, 2 receive, 3 none (default). */
  segmentation?: number;
  /** BACnet network behind a router; needs `mac`. */
  network?: number;
  /** MAC on `network`, hex ("0a"). */
  mac?: string;
  /** UDP port on 127.0.0.1, default 0 (automatic). */
  port?: number;
  /** Wait this long before answering a Who-Is, default 0. */
  answerDelayMs?: number;
  /** Fixed reply mode; default null = the attached BBMD's mode, or 'unicast' without one. */
  replyMode?: ReplyMode | null;
  /** The Device object's Object_Name, read with ReadProperty; default "Fake device <instance>". */
  objectName?: string;
}

/** A Who-Is the device received. */
export interface WhoIsSeen {
  /** UDP source of the datagram. */
  from: BipAddress;
  /** Who asked: the Forwarded-NPDU's origin, else the UDP source. */
  originator: BipAddress;
  /** The BVLC function it came in. */
  bvlcFunction: number;
  npdu: NpduHeader;
  range: { low: number; high: number } | null;
  /** Whether this device answers it (in range, and the Who-Is reaches its network). */
  answered: boolean;
}

/** An I-Am the device sent. */
export interface IAmSent {
  to: BipAddress;
  mode: ReplyMode;
  raw: Buffer;
}

export interface FakeDeviceCounters {
  /** Datagrams received. */
  received: number;
  /** Who-Is received (answered or not). */
  whoIs: number;
  /** I-Am sent. */
  iAm: number;
  /** Datagrams or APDUs that did not decode. */
  malformed: number;
  /** Sends refused because the destination was not 127.0.0.1. */
  refused: number;
  /** Sends that failed in dgram. */
  sendErrors: number;
  /** Exceptions other than DecodeError while handling a datagram (bugs); see `lastError`. */
  internalErrors: number;
}

const PDU_TYPE_CONFIRMED = 0x0;
const PDU_TYPE_UNCONFIRMED = 0x1;
const SERVICE_WHO_IS = 0x08;
const SERVICE_READ_PROPERTY = 0x0c;
const OBJECT_TYPE_DEVICE = 8;
const PROPERTY_OBJECT_NAME = 77;
/** Error classes and codes (clause 21): object/unknown-object, property/unknown-property. */
const ERROR_UNKNOWN_OBJECT = [1, 31] as const;
const ERROR_UNKNOWN_PROPERTY = [2, 32] as const;

/** Context of one received APDU, handed to a service handler. */
interface ApduContext {
  from: BipAddress;
  originator: BipAddress;
  bvlcFunction: number;
  npdu: NpduHeader;
  /** The APDU: the NPDU from `npdu.apduOffset` on. */
  apdu: Buffer;
}

type ServiceHandler = (ctx: ApduContext) => void;

export interface FakeDevice {
  on(event: 'who-is', listener: (seen: WhoIsSeen) => void): this;
  on(event: 'i-am', listener: (sent: IAmSent) => void): this;
  once(event: 'who-is', listener: (seen: WhoIsSeen) => void): this;
  once(event: 'i-am', listener: (sent: IAmSent) => void): this;
  off(event: 'who-is', listener: (seen: WhoIsSeen) => void): this;
  off(event: 'i-am', listener: (sent: IAmSent) => void): this;
}

export class FakeDevice extends EventEmitter {
  readonly deviceInstance: number;
  readonly vendorId: number;
  readonly maxApdu: number;
  readonly segmentation: number;
  readonly network: number | null;
  readonly mac: string | null;
  readonly objectName: string;
  /** ReadProperty requests answered (with the value or an Error). */
  readPropertyCount = 0;
  /** Delay before each I-Am; may be changed while running. */
  answerDelayMs: number;
  /** Fixed reply mode, or null to follow the attached BBMD; may be changed while running. */
  replyMode: ReplyMode | null;
  readonly counters: FakeDeviceCounters = { received: 0, whoIs: 0, iAm: 0, malformed: 0, refused: 0, sendErrors: 0, internalErrors: 0 };
  /** The last exception counted in `counters.internalErrors`. */
  lastError: Error | null = null;

  private readonly requestedPort: number;
  private socket: dgram.Socket | null = null;
  private bound: BipAddress | null = null;
  private starting: Promise<BipAddress> | null = null;
  private stopping: Promise<void> | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private link: BbmdLink | null = null;
  /** Unconfirmed services by service choice. ReadProperty (confirmed, 0x0C) goes into `confirmed` later. */
  private readonly unconfirmed = new Map<number, ServiceHandler>([[SERVICE_WHO_IS, (ctx) => this.onWhoIs(ctx)]]);
  private readonly confirmed = new Map<number, ServiceHandler>([[SERVICE_READ_PROPERTY, (ctx) => this.onReadProperty(ctx)]]);

  constructor(options: FakeDeviceOptions) {
    super();
    const { deviceInstance } = options;
    if (!Number.isInteger(deviceInstance) || deviceInstance < 0 || deviceInstance > MAX_DEVICE_INSTANCE) {
      throw new RangeError(`deviceInstance must be 0..${MAX_DEVICE_INSTANCE}, got ${deviceInstance}`);
    }
    if ((options.network === undefined) !== (options.mac === undefined)) {
      throw new TypeError('network and mac go together: give both or neither');
    }
    this.deviceInstance = deviceInstance;
    this.vendorId = options.vendorId ?? 260;
    this.maxApdu = options.maxApdu ?? 1476;
    this.segmentation = options.segmentation ?? 3;
    this.network = options.network ?? null;
    this.mac = options.mac ?? null;
    this.requestedPort = options.port ?? 0;
    this.answerDelayMs = options.answerDelayMs ?? 0;
    this.replyMode = options.replyMode ?? null;
    this.objectName = options.objectName ?? `Fake device ${deviceInstance}`;
    // Fail now, not on the first Who-Is, if the I-Am cannot be built.
    this.iAmNpdu('forwarded');
  }

  /** The bound address, or null when not running. */
  get address(): BipAddress | null {
    return this.bound;
  }

  get running(): boolean {
    return this.bound !== null;
  }

  /** Who-Is seen so far (answered or not). */
  get whoIsCount(): number {
    return this.counters.whoIs;
  }

  /** The reply mode in force now. */
  effectiveReplyMode(): ReplyMode {
    return this.replyMode ?? this.link?.currentReplyMode() ?? 'unicast';
  }

  /** Called by BbmdEmulator.addLocalDevice(); null detaches. */
  attachBbmd(link: BbmdLink | null): void {
    this.link = link;
  }

  /** Binds a udp4 socket on 127.0.0.1; resolves with the bound address. */
  start(): Promise<BipAddress> {
    if (this.stopping) return Promise.reject(new Error(`FakeDevice ${this.deviceInstance} was stopped; make a new one`));
    if (!this.starting) {
      this.starting = new Promise<BipAddress>((resolve, reject) => {
        const socket = dgram.createSocket({ type: 'udp4' });
        this.socket = socket;
        let listening = false;
        socket.on('error', (err) => {
          if (!listening) {
            this.socket = null;
            socket.close();
            reject(err);
          } else {
            this.counters.sendErrors++;
          }
        });
        socket.on('message', (msg, rinfo) => this.onMessage(msg, { address: rinfo.address, port: rinfo.port }));
        socket.bind(this.requestedPort, LOOPBACK, () => {
          listening = true;
          const info = socket.address();
          this.bound = { address: info.address, port: info.port };
          resolve(this.bound);
        });
      });
    }
    return this.starting;
  }

  /** Closes the socket and clears every timer; waits for 'close'. Idempotent. */
  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = (async () => {
        for (const timer of this.timers) clearTimeout(timer);
        this.timers.clear();
        if (this.starting) await this.starting.catch(() => undefined);
        const socket = this.socket;
        this.socket = null;
        this.bound = null;
        if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
      })();
    }
    return this.stopping;
  }

  /**
   * The NPDU of this device's I-Am: in 'unicast' mode a local one (`01 00`,
   * or `01 08` + SNET/SADR behind a router) addressed to `replyTo` when the
   * Who-Is came from a remote network; in 'forwarded' mode a global broadcast
   * (`01 20 FF FF 00 FF`, as BBMD "C"'s devices send it).
   */
  iAmNpdu(mode: ReplyMode, replyTo?: { snet: number; sadr: string }): Buffer {
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
    if (this.network !== null && this.mac !== null) {
      options.snet = this.network;
      options.sadr = this.mac;
    }
    const apdu = encodeIAmApdu({
      deviceInstance: this.deviceInstance,
      maxApdu: this.maxApdu,
      segmentation: this.segmentation,
      vendorId: this.vendorId,
    });
    return encodeNpdu(options, apdu);
  }

  private onMessage(msg: Buffer, from: BipAddress): void {
    if (!this.socket) return;
    this.counters.received++;
    try {
      const frame = decodeBvll(msg);
      let originator: BipAddress;
      let npdu: Buffer;
      switch (frame.function) {
        case BvlcFunction.ForwardedNpdu:
          originator = frame.origin;
          npdu = frame.npdu;
          break;
        case BvlcFunction.OriginalUnicastNpdu:
        case BvlcFunction.OriginalBroadcastNpdu:
          originator = from;
          npdu = frame.npdu;
          break;
        default:
          return; // BVLC-Results, FDT/BDT traffic: not for a plain device
      }
      const header = decodeNpdu(npdu);
      if (header.networkMessage !== null) return; // network layer messages: we are no router
      this.dispatchApdu({ from, originator, bvlcFunction: frame.function, npdu: header, apdu: npdu.subarray(header.apduOffset) });
    } catch (err) {
      if (err instanceof DecodeError) {
        this.counters.malformed++;
      } else {
        // A bug (ours or the codec's): keep the device alive, let tests see it.
        this.counters.internalErrors++;
        this.lastError = err instanceof Error ? err : new Error(String(err));
      }
    }
  }

  /** APDU dispatch: PDU type, then service choice. */
  private dispatchApdu(ctx: ApduContext): void {
    if (ctx.apdu.length < 2) {
      this.counters.malformed++;
      return;
    }
    const pduType = ctx.apdu[0] >> 4;
    if (pduType === PDU_TYPE_UNCONFIRMED) {
      this.unconfirmed.get(ctx.apdu[1])?.(ctx);
    } else if (pduType === PDU_TYPE_CONFIRMED) {
      // Confirmed request: `0X MM II SS ...` (segmentation bits, max segs/APDU, invoke ID, service).
      if (ctx.apdu.length < 4) {
        this.counters.malformed++;
        return;
      }
      this.confirmed.get(ctx.apdu[3])?.(ctx);
    }
  }

  private onWhoIs(ctx: ApduContext): void {
    this.counters.whoIs++;
    const range = decodeWhoIsRange(ctx.apdu);
    if (range === undefined) {
      this.counters.malformed++;
      return;
    }
    const inRange = range === null || (this.deviceInstance >= range.low && this.deviceInstance <= range.high);
    const answered = inRange && this.reaches(ctx.npdu);
    this.emit('who-is', { from: ctx.from, originator: ctx.originator, bvlcFunction: ctx.bvlcFunction, npdu: ctx.npdu, range, answered });
    if (!answered) return;
    const replyTo = ctx.npdu.snet !== null && ctx.npdu.sadr !== null ? { snet: ctx.npdu.snet, sadr: ctx.npdu.sadr } : undefined;
    const answer = (): void => this.sendIAm(ctx, replyTo);
    if (this.answerDelayMs > 0) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        answer();
      }, this.answerDelayMs);
      this.timers.add(timer);
    } else {
      answer();
    }
  }

  /** Is a confirmed request with this NPDU header for this device: no DNET when local, its network and MAC when routed? */
  private addressedToMe(npdu: NpduHeader): boolean {
    if (this.network === null) return npdu.dnet === null;
    return npdu.dnet === this.network && npdu.dadr === this.mac;
  }

  /** Does a Who-Is with this NPDU header reach this device's network? */
  private reaches(npdu: NpduHeader): boolean {
    if (npdu.dnet === null) return this.network === null;
    if (npdu.dnet === GLOBAL_NETWORK) return true;
    return npdu.dnet === this.network && (npdu.dadr === '' || npdu.dadr === this.mac);
  }

  private sendIAm(ctx: ApduContext, replyTo: { snet: number; sadr: string } | undefined): void {
    if (!this.socket) return;
    const mode = this.effectiveReplyMode();
    let to: BipAddress;
    let raw: Buffer;
    const bbmd = mode === 'forwarded' ? this.bbmdAddress(ctx) : null;
    if (mode === 'forwarded' && bbmd) {
      to = bbmd;
      raw = encodeNpduFrame(BvlcFunction.OriginalBroadcastNpdu, this.iAmNpdu('forwarded'));
    } else {
      to = this.link ? this.link.route(ctx.originator) : ctx.originator;
      raw = encodeNpduFrame(BvlcFunction.OriginalUnicastNpdu, this.iAmNpdu('unicast', replyTo));
    }
    if (to.address !== LOOPBACK) {
      this.counters.refused++;
      return;
    }
    this.counters.iAm++;
    this.emit('i-am', { to, mode: bbmd ? 'forwarded' : 'unicast', raw });
    this.socket.send(raw, to.port, to.address, (err) => {
      if (err) this.counters.sendErrors++;
    });
  }

  /**
   * ReadProperty (clause 15.5): `0X MM II 0C`, context 0 object identifier (4 octets),
   * context 1 property identifier, [context 2 array index]. Object_Name of this
   * Device comes back as a Complex-ACK; anything else as an Error.
   */
  private onReadProperty(ctx: ApduContext): void {
    // A request must be addressed to this device's network (or to none, for a local one).
    if (!this.addressedToMe(ctx.npdu)) return;
    const apdu = ctx.apdu;
    const invokeId = apdu[2];
    if (apdu.length < 11 || apdu[4] !== 0x0c || (apdu[9] !== 0x19 && apdu[9] !== 0x1a)) {
      this.counters.malformed++;
      return;
    }
    const objectId = apdu.readUInt32BE(5);
    const property = apdu[9] === 0x19 ? apdu[10] : apdu.length >= 12 ? apdu.readUInt16BE(10) : -1;
    const isMe = objectId >>> 22 === OBJECT_TYPE_DEVICE && (objectId & 0x3fffff) === this.deviceInstance;
    let answer: Buffer;
    if (!isMe) {
      answer = Buffer.from([0x50, invokeId, SERVICE_READ_PROPERTY, 0x91, ERROR_UNKNOWN_OBJECT[0], 0x91, ERROR_UNKNOWN_OBJECT[1]]);
    } else if (property !== PROPERTY_OBJECT_NAME) {
      answer = Buffer.from([0x50, invokeId, SERVICE_READ_PROPERTY, 0x91, ERROR_UNKNOWN_PROPERTY[0], 0x91, ERROR_UNKNOWN_PROPERTY[1]]);
    } else {
      // Character string, application tag 7, extended length: length octet, then character set 0 (UTF-8).
      const name = Buffer.from(this.objectName, 'utf8');
      const value = Buffer.concat([Buffer.from([0x75, name.length + 1, 0x00]), name]);
      answer = Buffer.concat([
        Buffer.from([0x30, invokeId, SERVICE_READ_PROPERTY]),
        apdu.subarray(4, 11),
        Buffer.from([0x3e]),
        value,
        Buffer.from([0x3f]),
      ]);
    }
    this.readPropertyCount++;
    const source: NpduOptions = this.network !== null && this.mac !== null ? { snet: this.network, sadr: this.mac } : {};
    const reply: NpduOptions = ctx.npdu.snet !== null && ctx.npdu.sadr !== null ? { dnet: ctx.npdu.snet, dadr: ctx.npdu.sadr } : {};
    const raw = encodeNpduFrame(BvlcFunction.OriginalUnicastNpdu, encodeNpdu({ ...reply, ...source }, answer));
    const to = this.link ? this.link.route(ctx.from) : ctx.from;
    if (!this.socket || to.address !== LOOPBACK) {
      this.counters.refused++;
      return;
    }
    this.socket.send(raw, to.port, to.address, (err) => {
      if (err) this.counters.sendErrors++;
    });
  }

  /** The BBMD to broadcast to: the attached one, else the sender of a Forwarded-NPDU. */
  private bbmdAddress(ctx: ApduContext): BipAddress | null {
    if (this.link?.boundAddress) return this.link.boundAddress;
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
