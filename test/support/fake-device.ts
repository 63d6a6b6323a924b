/**
 * A fake BACnet/IP device on 127.0.0.1: answers Who-Is with I-Am (in
 * fake-device-discovery.ts), and
 * ReadProperty, ReadPropertyMultiple and WriteProperty from an object database (fake-objects.ts;
 * the confirmed services, segmented answers included, are in
 * fake-device-server.ts). Used by the integration tests and by the `npm start` demo, usually as
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
import { MAX_DEVICE_INSTANCE } from '../../dist/protocol/apdu';
import { BvlcFunction, decodeBvll, encodeNpduFrame } from '../../dist/protocol/bvll';
import { decodeConfirmedApdu } from '../../dist/protocol/confirmed-apdu';
import { DecodeError } from '../../dist/protocol/decode-error';
import { decodeNpdu, encodeNpdu, NpduHeader, NpduOptions } from '../../dist/protocol/npdu';
import { FakeCov } from './fake-cov';
import { FakeDeviceDiscovery } from './fake-device-discovery';
import { FakeDeviceServer, Reply, ServerSettings } from './fake-device-server';
import { FakeObjectDatabase } from './fake-objects';
import { ApduContext, BbmdLink, FakeDeviceCounters, FakeDeviceOptions, IAmSent, LOOPBACK, ReplyMode, WhoIsSeen } from './fake-device-types';

export { decodeWhoIsRange } from './fake-device-discovery';
export { LOOPBACK } from './fake-device-types';
export type { BbmdLink, FakeDeviceCounters, FakeDeviceOptions, IAmSent, ReplyMode, WhoIsSeen } from './fake-device-types';

const PDU_TYPE_UNCONFIRMED = 0x1;
const SERVICE_WHO_IS = 0x08;

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
  /** Delay before each I-Am and each confirmed answer; may be changed while running. */
  answerDelayMs: number;
  /** See FakeDeviceOptions; may be changed while running. */
  silent: boolean;
  answerConfirmed: boolean;
  windowSize: number;
  segmentTimeoutMs: number;
  segmentRetries: number;
  dropSegments: number[];
  readPropertyMultiple: boolean;
  /** The object database (read, write, add, set objects for a test). */
  readonly objects: FakeObjectDatabase;
  /** The confirmed-service server: its counters, `requests` and `segmentAcks` logs. */
  readonly server: FakeDeviceServer;
  /** The COV server (fake-cov.ts): subscriptions, notifications sent, cancellations, restart(). */
  readonly cov: FakeCov;
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
  /** Unconfirmed services by service choice; the confirmed ones go to `server`. */
  private readonly unconfirmed = new Map<number, ServiceHandler>([[SERVICE_WHO_IS, (ctx) => this.discovery.onWhoIs(ctx)]]);
  private readonly discovery: FakeDeviceDiscovery;

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
    this.silent = options.silent ?? false;
    this.answerConfirmed = options.answerConfirmed ?? true;
    this.windowSize = options.windowSize ?? 4;
    if (!Number.isInteger(this.windowSize) || this.windowSize < 1 || this.windowSize > 127) throw new RangeError(`windowSize must be 1..127, got ${this.windowSize}`);
    this.segmentTimeoutMs = options.segmentTimeoutMs ?? 1000;
    this.segmentRetries = options.segmentRetries ?? 3;
    this.dropSegments = [...(options.dropSegments ?? [])];
    this.readPropertyMultiple = options.readPropertyMultiple ?? true;
    this.objects = new FakeObjectDatabase({
      deviceInstance,
      objectName: this.objectName,
      vendorId: this.vendorId,
      maxApdu: this.maxApdu,
      segmentation: this.segmentation,
      extraObjects: options.extraObjects,
      readPropertyMultiple: this.readPropertyMultiple,
    });
    this.discovery = new FakeDeviceDiscovery(this, { socket: () => this.socket, link: () => this.link, timers: this.timers });
    this.server = new FakeDeviceServer(this.objects, () => this.serverSettings(), this.timers);
    this.cov = new FakeCov(this.objects, { instance: deviceInstance, maxApdu: this.maxApdu }, this.timers, (subscribers) => this.discovery.announce(subscribers));
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

  /** ReadProperty requests received for this device. */
  get readPropertyCount(): number {
    return this.server.counters.readProperty;
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
        this.server.stop();
        this.cov.stop();
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

  /** The NPDU of this device's I-Am (see FakeDeviceDiscovery.iAmNpdu). */
  iAmNpdu(mode: ReplyMode, replyTo?: { snet: number; sadr: string }): Buffer {
    return this.discovery.iAmNpdu(mode, replyTo);
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

  /** APDU dispatch: unconfirmed by service choice; every confirmed-service PDU to `server`. */
  private dispatchApdu(ctx: ApduContext): void {
    if (ctx.apdu.length < 2) {
      this.counters.malformed++;
      return;
    }
    if (this.silent) return;
    if (ctx.apdu[0] >> 4 === PDU_TYPE_UNCONFIRMED) {
      this.unconfirmed.get(ctx.apdu[1])?.(ctx);
      return;
    }
    // A request must be addressed to this device's network (or to none, for a local one).
    if (!this.answerConfirmed || !this.addressedToMe(ctx.npdu)) return;
    const apdu = decodeConfirmedApdu(ctx.apdu); // DecodeError: counted as malformed by onMessage
    const peer = `${ctx.from.address}:${ctx.from.port}/${ctx.npdu.snet ?? ''}/${ctx.npdu.sadr ?? ''}`;
    const reply: Reply = (answer, expectingReply) => this.sendAnswer(ctx, answer, expectingReply);
    if (!this.cov.handle(apdu, peer, ctx.from, reply)) this.server.handle(apdu, peer, ctx.from, reply);
  }

  /** Is a confirmed request with this NPDU header for this device: no DNET when local, its network and MAC when routed? */
  private addressedToMe(npdu: NpduHeader): boolean {
    if (this.network === null) return npdu.dnet === null;
    return npdu.dnet === this.network && npdu.dadr === this.mac;
  }

  /**
   * A confirmed-service answer to the request in `ctx`: from SNET/SADR when
   * routed, to the request's SNET/SADR as DNET/DADR when it had them, to the
   * request's UDP source.
   */
  private sendAnswer(ctx: ApduContext, apdu: Buffer, expectingReply: boolean): void {
    const source: NpduOptions = this.network !== null && this.mac !== null ? { snet: this.network, sadr: this.mac } : {};
    const reply: NpduOptions = ctx.npdu.snet !== null && ctx.npdu.sadr !== null ? { dnet: ctx.npdu.snet, dadr: ctx.npdu.sadr } : {};
    const raw = encodeNpduFrame(BvlcFunction.OriginalUnicastNpdu, encodeNpdu({ ...reply, ...source, ...(expectingReply ? { expectingReply } : {}) }, apdu));
    const to = this.link ? this.link.route(ctx.from) : ctx.from;
    if (!this.socket || to.address !== LOOPBACK) {
      this.counters.refused++;
      return;
    }
    this.socket.send(raw, to.port, to.address, (err) => {
      if (err) this.counters.sendErrors++;
    });
  }

  private serverSettings(): ServerSettings {
    return {
      segmentation: this.segmentation,
      maxApdu: this.maxApdu,
      windowSize: this.windowSize,
      segmentTimeoutMs: this.segmentTimeoutMs,
      segmentRetries: this.segmentRetries,
      dropSegments: this.dropSegments,
      answerDelayMs: this.answerDelayMs,
      readPropertyMultiple: this.readPropertyMultiple,
    };
  }
}
