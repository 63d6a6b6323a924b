/**
 * The BBMD emulator and the fake devices, on real UDP sockets on 127.0.0.1.
 * Where test/fixtures/real-bbmd-frames.json shows what a real BBMD answered,
 * the emulator (with the matching quirk) must answer the same bytes; where
 * the answer names an address (a port of ours), only that address differs.
 */
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BipAddress, encodeBipAddress, sameBipAddress } from '../../dist/protocol/address';
import { decodeIAm, encodeGlobalWhoIs, encodeWhoIsApdu } from '../../dist/protocol/apdu';
import { BvlcFunction, BvllFrame, decodeBvll, encodeDeleteFdtEntry, encodeNpduFrame } from '../../dist/protocol/bvll';
import { decodeNpdu, encodeNpdu } from '../../dist/protocol/npdu';
import { BbmdEmulator, BbmdEmulatorOptions, DemoSite, EmulatorFdtEntry, ReceivedDatagram, startDemoSite } from '../support/bbmd-emulator';
import { FakeDevice, FakeDeviceOptions, WhoIsSeen } from '../support/fake-device';

// ---- the captures ---------------------------------------------------------------

interface CapturedFrame {
  bbmd: string;
  t: number;
  from: string;
  to: string;
  hex: string;
  info: string;
}

const capture = JSON.parse(readFileSync(path.resolve(__dirname, '../../test/fixtures/real-bbmd-frames.json'), 'utf8')) as {
  bbmds: Record<string, { bbmd_port: number; device_port: number }>;
  frames: CapturedFrame[];
};

function bbmdOf(name: string): string {
  return `127.0.0.1:${capture.bbmds[name].bbmd_port}`;
}

/** The `occurrence`-th request `requestHex` sent to BBMD `name`, and the BBMD's next frame to the requester. */
function answerTo(name: string, requestHex: string, occurrence = 0): { request: CapturedFrame; answer: CapturedFrame } {
  const frames = capture.frames.filter((f) => f.bbmd === name);
  const requests = frames.filter((f) => f.to === bbmdOf(name) && f.hex === requestHex);
  const request = requests[occurrence];
  assert.ok(request, `capture ${name} has no request #${occurrence} ${requestHex}`);
  const answer = frames.find((f) => f.t > request.t && f.from === bbmdOf(name) && f.to === request.from);
  assert.ok(answer, `capture ${name} has no answer to ${requestHex} at t=${request.t}`);
  return { request, answer };
}

/** The first captured frame of BBMD `name` matching `predicate`. */
function captured(name: string, predicate: (f: CapturedFrame) => boolean): CapturedFrame {
  const frame = capture.frames.find((f) => f.bbmd === name && predicate(f));
  assert.ok(frame, `no such frame in capture ${name}`);
  return frame;
}

/** Hex of a B/IP address as it appears in frames. */
function bipHex(bip: BipAddress): string {
  return encodeBipAddress(bip).toString('hex');
}

/** A captured Forwarded-NPDU with its origin replaced. */
function withOrigin(forwardedHex: string, origin: BipAddress): string {
  assert.equal(forwardedHex.slice(0, 4), '8104');
  return forwardedHex.slice(0, 8) + bipHex(origin) + forwardedHex.slice(20);
}

// ---- a foreign device's socket, for poking the emulator -------------------------

interface Received {
  raw: Buffer;
  hex: string;
  from: BipAddress;
  frame: BvllFrame | null;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

class Probe {
  /** Received and not yet taken by expect(), oldest first. */
  readonly queue: Received[] = [];
  private wake: (() => void) | null = null;

  private constructor(
    private readonly socket: dgram.Socket,
    readonly address: BipAddress,
  ) {
    socket.on('message', (raw, rinfo) => {
      let frame: BvllFrame | null = null;
      try {
        frame = decodeBvll(raw);
      } catch {
        frame = null;
      }
      this.queue.push({ raw, hex: raw.toString('hex'), from: { address: rinfo.address, port: rinfo.port }, frame });
      this.wake?.();
    });
  }

  static async open(): Promise<Probe> {
    const socket = dgram.createSocket('udp4');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    const { address, port } = socket.address();
    return new Probe(socket, { address, port });
  }

  send(data: Buffer | string, to: BipAddress): Promise<void> {
    assert.equal(to.address, '127.0.0.1', 'tests send only to 127.0.0.1');
    const raw = typeof data === 'string' ? Buffer.from(data, 'hex') : data;
    return new Promise((resolve, reject) => this.socket.send(raw, to.port, to.address, (err) => (err ? reject(err) : resolve())));
  }

  /** Takes the first queued (or next arriving) datagram matching `predicate`; rejects after `timeoutMs`. */
  async expect(predicate: (r: Received) => boolean, timeoutMs = 1000, what = 'a matching datagram'): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.queue.findIndex(predicate);
      if (at !== -1) return this.queue.splice(at, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`probe ${this.address.port}: no ${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** Empties the queue, sends, and takes the first datagram from `to`. */
  async request(data: Buffer | string, to: BipAddress, timeoutMs = 1000): Promise<Received> {
    this.queue.length = 0;
    await this.send(data, to);
    return this.expect((r) => sameBipAddress(r.from, to), timeoutMs, `answer from ${to.port}`);
  }

  /** Everything that arrives within `ms` (plus what is queued), taken from the queue. */
  async drain(ms: number): Promise<Received[]> {
    await sleep(ms);
    return this.queue.splice(0, this.queue.length);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

const isFrom = (bip: BipAddress) => (r: Received) => sameBipAddress(r.from, bip);
const isFunction = (fn: number) => (r: Received) => r.frame !== null && r.frame.function === fn;

/** The I-Am inside a received datagram (Original-Unicast or Forwarded), with its NPDU header. */
function iAmOf(r: Received): { instance: number; snet: number | null; sadr: string | null; origin: BipAddress | null } {
  const frame = r.frame;
  assert.ok(frame && (frame.function === BvlcFunction.OriginalUnicastNpdu || frame.function === BvlcFunction.ForwardedNpdu));
  const header = decodeNpdu(frame.npdu);
  const iAm = decodeIAm(frame.npdu, header.apduOffset);
  return {
    instance: iAm.deviceInstance,
    snet: header.snet,
    sadr: header.sadr,
    origin: frame.function === BvlcFunction.ForwardedNpdu ? frame.origin : null,
  };
}

function isIAm(r: Received): boolean {
  const frame = r.frame;
  if (!frame || (frame.function !== BvlcFunction.OriginalUnicastNpdu && frame.function !== BvlcFunction.ForwardedNpdu)) return false;
  const header = decodeNpdu(frame.npdu);
  return frame.npdu[header.apduOffset] === 0x10 && frame.npdu[header.apduOffset + 1] === 0x00;
}

const WHO_IS_DBTN = '8109000c0120ffff00ff1008';

// ---- fixtures: everything started is stopped after each test --------------------

describe('BbmdEmulator and FakeDevice (loopback UDP)', function () {
  this.timeout(5000);

  let cleanups: (() => Promise<void>)[] = [];
  let emulators: BbmdEmulator[] = [];
  let fakeDevices: FakeDevice[] = [];
  let clock = 0;

  afterEach(async () => {
    const pending = cleanups.reverse();
    cleanups = [];
    await Promise.all(pending.map((stop) => stop()));
    for (const emulator of emulators) {
      assert.equal(emulator.counters.internalErrors, 0, `emulator bug: ${String(emulator.lastError)}`);
      assert.equal(emulator.pendingWaits, 0);
      assert.equal(emulator.running, false);
    }
    for (const device of fakeDevices) {
      assert.equal(device.counters.internalErrors, 0, `device bug: ${String(device.lastError)}`);
      assert.equal(device.running, false);
    }
    emulators = [];
    fakeDevices = [];
  });

  async function bbmd(options: BbmdEmulatorOptions = {}): Promise<{ emulator: BbmdEmulator; address: BipAddress }> {
    clock = 0;
    const emulator = new BbmdEmulator({ now: () => clock, ...options });
    emulators.push(emulator);
    cleanups.push(() => emulator.stop());
    const address = await emulator.start();
    assert.equal(address.address, '127.0.0.1');
    assert.ok(address.port > 0);
    return { emulator, address };
  }

  async function probe(): Promise<Probe> {
    const p = await Probe.open();
    cleanups.push(() => p.close());
    return p;
  }

  async function device(options: FakeDeviceOptions, emulator?: BbmdEmulator): Promise<FakeDevice> {
    const d = new FakeDevice(options);
    fakeDevices.push(d);
    cleanups.push(() => d.stop());
    await d.start();
    emulator?.addLocalDevice(d);
    return d;
  }

  async function demoSite(options: BbmdEmulatorOptions = {}): Promise<DemoSite> {
    clock = 0;
    const site = await startDemoSite({ devices: 3, emulator: { now: () => clock, ...options } });
    emulators.push(site.emulator);
    fakeDevices.push(...site.devices);
    cleanups.push(() => site.stop());
    return site;
  }

  async function register(fd: Probe, to: BipAddress, ttl = 60): Promise<string> {
    const answer = await fd.request(Buffer.from([0x81, 0x05, 0x00, 0x06, ttl >> 8, ttl & 0xff]), to);
    return answer.hex;
  }

  async function readFdt(fd: Probe, to: BipAddress): Promise<Received> {
    return fd.request('81060004', to);
  }

  /** The 4 octets TTL + remaining of `who`'s entry in a Read-FDT-Ack. */
  function fdtTail(ack: Received, who: BipAddress): string {
    const at = ack.hex.indexOf(bipHex(who), 8);
    assert.ok(at >= 8 && (at - 8) % 20 === 0, `no FDT entry for ${who.address}:${who.port} in ${ack.hex}`);
    return ack.hex.slice(at + 12, at + 20);
  }

  /** The last 4 octets (TTL + remaining) of a captured Read-FDT-Ack's last entry. */
  function capturedTail(ackHex: string): string {
    return ackHex.slice(-8);
  }

  // ---- registration and the FDT ---------------------------------------------------

  describe('Register-Foreign-Device and Read-FDT', () => {
    it('ACKs a registration with the bytes BBMD A sent, and the FDT shows the entry', async () => {
      const { emulator, address } = await bbmd();
      const fd = await probe();
      const { request, answer } = answerTo('A', '81050006003c');
      const got = await fd.request(request.hex, address);
      assert.equal(got.hex, answer.hex);
      assert.equal(got.hex, '810000060000');
      assert.deepEqual(emulator.fdt(), [
        { address: '127.0.0.1', port: fd.address.port, ttl: 60, remaining: 90, source: fd.address, requestedTtl: 60 },
      ] satisfies EmulatorFdtEntry[]);
      const ack = await readFdt(fd, address);
      assert.equal(ack.hex, `8107000e${bipHex(fd.address)}003c005a`);
      // BBMD A, just after the same registration: TTL 60, 90 s left.
      assert.equal(fdtTail(ack, fd.address), capturedTail(answerTo('A', '81060004').answer.hex));
      assert.equal(emulator.counters.registrations, 1);
      assert.equal(emulator.counters.results['0x0000'], 1);
    });

    it('counts the remaining time down with the injected clock and expires entries after TTL + grace', async () => {
      const { emulator, address } = await bbmd();
      const fd = await probe();
      const other = await probe();
      assert.equal(await register(fd, address, 60), '810000060000');
      clock = 10_500;
      assert.equal(await register(other, address, 20), '810000060000');
      assert.equal(fdtTail(await readFdt(fd, address), fd.address), '003c004f'); // 90 - 10.5 -> 79
      clock = 60_499;
      assert.deepEqual(
        emulator.fdt().map((e) => [e.port, e.remaining]),
        [
          [fd.address.port, 29],
          [other.address.port, 0],
        ],
      );
      clock = 60_500; // the other's 20 + 30 s are up
      const expired: EmulatorFdtEntry[] = [];
      emulator.on('expired', (e) => expired.push(e));
      let ack = await readFdt(fd, address);
      assert.equal(ack.hex, `8107000e${bipHex(fd.address)}003c001d`);
      assert.deepEqual(
        expired.map((e) => e.port),
        [other.address.port],
      );
      clock = 89_999;
      assert.equal(fdtTail(await readFdt(fd, address), fd.address), '003c0000');
      clock = 90_000;
      ack = await readFdt(fd, address);
      assert.equal(ack.hex, '81070004');
      assert.equal(emulator.counters.expired, 2);
      // A renewal starts the count again.
      assert.equal(await register(fd, address, 60), '810000060000');
      clock = 95_000;
      assert.equal(fdtTail(await readFdt(fd, address), fd.address), '003c0055');
    });

    it('renewing keeps one entry per foreign device', async () => {
      const { emulator, address } = await bbmd();
      const fd = await probe();
      await register(fd, address, 60);
      clock = 20_000;
      await register(fd, address, 120);
      assert.deepEqual(
        emulator.fdt().map((e) => [e.port, e.ttl, e.remaining]),
        [[fd.address.port, 120, 150]],
      );
    });

    it('expires entries from the sweep timer too, without any request', async () => {
      const { emulator, address } = await bbmd({ sweepIntervalMs: 10 });
      const fd = await probe();
      await register(fd, address, 1);
      const expired = new Promise<EmulatorFdtEntry>((resolve) => emulator.once('expired', resolve));
      clock = 31_000;
      const entry = await Promise.race([expired, sleep(1000).then(() => null)]);
      assert.ok(entry, 'the sweep did not expire the entry within 1 s');
      assert.equal(emulator.counters.received, 1);
    });

    it('shows the grace period it is told (BBMD B keeps 5 s)', async () => {
      const { address } = await bbmd({ graceSeconds: 5 });
      const fd = await probe();
      await register(fd, address, 60);
      // BBMD B, just after a registration with TTL 60: 65 s left.
      assert.equal(fdtTail(await readFdt(fd, address), fd.address), capturedTail(answerTo('B', '81060004').answer.hex));
    });
  });

  describe('Delete-FDT-Entry', () => {
    it('deletes an entry with 0000 and NAKs an unknown one with 0050, byte for byte as A, B and C', async () => {
      const { emulator, address } = await bbmd();
      const fd = await probe();
      await register(fd, address);
      const ownDelete = answerTo('A', '8108000a7f0000028e30');
      const got = await fd.request(encodeDeleteFdtEntry(fd.address), address);
      assert.equal(got.hex, ownDelete.answer.hex);
      assert.deepEqual(emulator.fdt(), []);
      for (const name of ['A', 'B', 'C']) {
        const unknown = answerTo(name, '8108000a7f0000099c40');
        assert.equal((await fd.request(unknown.request.hex, address)).hex, unknown.answer.hex);
        assert.equal(unknown.answer.hex, '810000060050');
      }
      // Deleting again: it is gone.
      assert.equal((await fd.request(encodeDeleteFdtEntry(fd.address), address)).hex, '810000060050');
      assert.equal(emulator.counters.deletes, 5);
    });

    it('deletes another device entry when asked (any device may)', async () => {
      const { emulator, address } = await bbmd();
      const fd = await probe();
      const admin = await probe();
      await register(fd, address);
      assert.equal((await admin.request(encodeDeleteFdtEntry(fd.address), address)).hex, '810000060000');
      assert.deepEqual(emulator.fdt(), []);
    });
  });

  // ---- broadcasts ----------------------------------------------------------------------

  describe('Distribute-Broadcast-To-Network and the fake devices', () => {
    it('forwards a Who-Is to the other foreign device and the local devices; devices answer by unicast', async () => {
      const site = await demoSite();
      const bbmdAddress = site.address;
      const fd1 = await probe();
      const fd2 = await probe();
      await register(fd1, bbmdAddress);
      await register(fd2, bbmdAddress);
      const whoIsSeen: WhoIsSeen[] = [];
      for (const d of site.devices) d.on('who-is', (seen) => whoIsSeen.push(seen));
      fd1.queue.length = 0;
      await fd1.send(WHO_IS_DBTN, bbmdAddress);

      // fd2 gets it as BBMD A sent it to its observer, origin = fd1.
      const forwarded = await fd2.expect(isFunction(BvlcFunction.ForwardedNpdu));
      assert.ok(sameBipAddress(forwarded.from, bbmdAddress));
      const aToObserver = captured('A', (f) => f.to === '127.0.0.3:39472' && f.hex.startsWith('8104'));
      assert.equal(forwarded.hex, withOrigin(aToObserver.hex, fd1.address));

      // Every device answers fd1 directly, from its own port.
      const answers: Received[] = [];
      for (let i = 0; i < 3; i++) answers.push(await fd1.expect(isIAm, 1000, `I-Am #${i + 1}`));
      const byInstance = new Map(answers.map((r) => [iAmOf(r).instance, r]));
      assert.deepEqual([...byInstance.keys()].sort(), [1201, 1202, 1203]);
      for (const d of site.devices) {
        const r = byInstance.get(d.deviceInstance);
        assert.ok(r && d.address);
        assert.equal(r.frame?.function, BvlcFunction.OriginalUnicastNpdu);
        assert.ok(sameBipAddress(r.from, d.address));
        assert.equal(d.whoIsCount, 1);
      }
      const routed = iAmOf(byInstance.get(1201) as Received);
      assert.deepEqual([routed.snet, routed.sadr], [5, '0a']);
      assert.deepEqual([iAmOf(byInstance.get(1202) as Received).snet], [null]);

      // Each device got the Who-Is as a Forwarded-NPDU naming fd1.
      assert.equal(whoIsSeen.length, 3);
      for (const seen of whoIsSeen) {
        assert.equal(seen.bvlcFunction, BvlcFunction.ForwardedNpdu);
        assert.ok(sameBipAddress(seen.originator, fd1.address));
        assert.ok(sameBipAddress(seen.from, bbmdAddress));
      }
      // Nothing goes back to the sender but the answers; fd2 gets no I-Am in unicast mode.
      const late = [...(await fd1.drain(150)), ...(await fd2.drain(0))];
      assert.deepEqual(
        late.map((r) => r.hex),
        [],
      );
      assert.equal(site.emulator.counters.dbtn, 1);
      assert.equal(site.emulator.counters.forwarded, 4); // fd2 + 3 devices
    });

    it("relays the devices' answers as Forwarded-NPDUs from the BBMD in 'forwarded' mode", async () => {
      const site = await demoSite({ quirks: { replyMode: 'forwarded' } });
      const fd1 = await probe();
      const fd2 = await probe();
      await register(fd1, site.address);
      await register(fd2, site.address);
      fd1.queue.length = 0;
      await fd1.send(WHO_IS_DBTN, site.address);
      for (const fd of [fd1, fd2]) {
        const origins = new Map<number, BipAddress | null>();
        for (let i = 0; i < 3; i++) {
          const r = await fd.expect(isIAm, 1000, `forwarded I-Am #${i + 1}`);
          assert.equal(r.frame?.function, BvlcFunction.ForwardedNpdu);
          assert.ok(sameBipAddress(r.from, site.address), 'relayed from the BBMD itself');
          const iAm = iAmOf(r);
          origins.set(iAm.instance, iAm.origin);
          const header = decodeNpdu((r.frame as { npdu: Buffer }).npdu);
          assert.equal(header.dnet, 0xffff, 'a global broadcast I-Am');
        }
        for (const d of site.devices) {
          const origin = origins.get(d.deviceInstance);
          assert.ok(origin && d.address && sameBipAddress(origin, d.address));
        }
      }
      const routedForwarded = site.devices[0];
      assert.equal(routedForwarded.effectiveReplyMode(), 'forwarded');
      assert.equal(site.emulator.counters.forwarded, 4 + 6);
      // Switch back while running: unicast again.
      site.emulator.quirks.replyMode = 'unicast';
      fd1.queue.length = 0;
      await fd1.send(WHO_IS_DBTN, site.address);
      const r = await fd1.expect(isIAm);
      assert.equal(r.frame?.function, BvlcFunction.OriginalUnicastNpdu);
    });

    it('produces the I-Am bytes of the captured devices (A and B by unicast, C forwarded)', async () => {
      const { emulator, address } = await bbmd();
      const fd = await probe();
      await register(fd, address);
      // A's device 5678 and B's device 3456 answered a forwarded Who-Is by unicast.
      const a5678 = await device({ deviceInstance: 5678 }, emulator);
      const b3456 = await device({ deviceInstance: 3456, maxApdu: 1024, segmentation: 0, vendorId: 999 }, emulator);
      const spy = await probe(); // a plain local "device" that only listens
      emulator.addLocalDevice(spy.address);
      fd.queue.length = 0;
      await fd.send(answerTo('A', WHO_IS_DBTN).request.hex, address);
      const fromA = await fd.expect(isFrom(a5678.address as BipAddress));
      const fromB = await fd.expect(isFrom(b3456.address as BipAddress));
      const capturedA = captured('A', (f) => f.from === `127.0.0.1:${capture.bbmds.A.device_port}` && f.info.includes('i-Am'));
      const capturedB = captured('B', (f) => f.from === `127.0.0.1:${capture.bbmds.B.device_port}` && f.info.includes('i-Am'));
      assert.equal(fromA.hex, capturedA.hex);
      assert.equal(fromB.hex, capturedB.hex);
      // And the Who-Is reached the subnet as A forwarded it to its device.
      const spySaw = await spy.expect(isFunction(BvlcFunction.ForwardedNpdu));
      const aToDevice = captured('A', (f) => f.to === `127.0.0.1:${capture.bbmds.A.device_port}` && f.hex.startsWith('8104'));
      assert.equal(spySaw.hex, withOrigin(aToDevice.hex, fd.address));

      // C's device 5670 broadcast its I-Am, and C relayed it from the BBMD's port.
      emulator.removeLocalDevice(a5678);
      emulator.removeLocalDevice(b3456);
      const c5670 = await device({ deviceInstance: 5670, vendorId: 0, segmentation: 0 }, emulator);
      emulator.quirks.replyMode = 'forwarded';
      const broadcast = emulator.waitForFunction(BvlcFunction.OriginalBroadcastNpdu, 1000, c5670.address as BipAddress);
      fd.queue.length = 0;
      await fd.send(WHO_IS_DBTN, address);
      const relayed = await fd.expect(isIAm);
      const cToFd = captured('C', (f) => f.from === bbmdOf('C') && f.to.startsWith('127.0.0.2:') && f.info.includes('5670'));
      assert.equal(relayed.hex, withOrigin(cToFd.hex, c5670.address as BipAddress));
      assert.ok(sameBipAddress(relayed.from, address));
      // What the device sent the BBMD carries the same NPDU as C's device's broadcast.
      const sent = await broadcast;
      const cDevice = captured('C', (f) => f.from === `127.0.0.1:${capture.bbmds.C.device_port}` && f.info.includes('i-Am'));
      assert.equal(sent.raw.subarray(4).toString('hex'), cDevice.hex.slice(8));
      // a5678 and b3456 are off the subnet now: no more Who-Is for them.
      assert.equal(a5678.whoIsCount, 1);
      assert.equal(b3456.whoIsCount, 1);
    });

    it('duplicateForwarding sends every Forwarded-NPDU to a foreign device twice (as BBMD A)', async () => {
      const { emulator, address } = await bbmd({ quirks: { duplicateForwarding: true } });
      const fd1 = await probe();
      const fd2 = await probe();
      const dev = await device({ deviceInstance: 77 }, emulator);
      await register(fd1, address);
      await register(fd2, address);
      await fd1.send(WHO_IS_DBTN, address);
      const first = await fd2.expect(isFunction(BvlcFunction.ForwardedNpdu));
      const second = await fd2.expect(isFunction(BvlcFunction.ForwardedNpdu));
      assert.equal(first.hex, second.hex);
      // BBMD A: the same two copies to its observer.
      const aCopies = capture.frames.filter((f) => f.bbmd === 'A' && f.to === '127.0.0.3:39472' && f.t < 1 && f.hex.startsWith('8104'));
      assert.equal(aCopies.length, 2);
      assert.equal(first.hex, withOrigin(aCopies[0].hex, fd1.address));
      assert.deepEqual(
        (await fd2.drain(150)).filter(isFunction(BvlcFunction.ForwardedNpdu)),
        [],
      );
      // The subnet hears a broadcast once.
      assert.equal(dev.whoIsCount, 1);
      // Relayed replies come twice as well.
      emulator.quirks.replyMode = 'forwarded';
      fd1.queue.length = 0;
      await fd1.send(WHO_IS_DBTN, address);
      await fd1.expect(isIAm);
      await fd1.expect(isIAm);
      assert.deepEqual((await fd1.drain(150)).filter(isIAm), []);
    });

    it('distributes a DBTN from an unknown sender by default (A, B), and NAKs it with nakUnknownDbtn (C)', async () => {
      const { emulator, address } = await bbmd();
      const fd = await probe();
      const stranger = await probe();
      const dev = await device({ deviceInstance: 4 }, emulator);
      await register(fd, address);
      await stranger.send(WHO_IS_DBTN, address);
      const forwarded = await fd.expect(isFunction(BvlcFunction.ForwardedNpdu));
      assert.equal(forwarded.hex, `81040012${bipHex(stranger.address)}0120ffff00ff1008`);
      await stranger.expect(isIAm);

      emulator.quirks.nakUnknownDbtn = true;
      const { request, answer } = answerTo('C', WHO_IS_DBTN, 1); // the DBTN from an unregistered socket
      assert.equal(answer.hex, '810000060060');
      assert.equal((await stranger.request(request.hex, address)).hex, answer.hex);
      assert.deepEqual(await fd.drain(300), []);
      assert.equal(dev.whoIsCount, 1);
      // A registered sender is still distributed.
      await fd.send(WHO_IS_DBTN, address);
      await fd.expect(isIAm);
      assert.equal(dev.whoIsCount, 2);
    });

    it('relays an Original-Broadcast-NPDU only from a local device', async () => {
      const { emulator, address } = await bbmd();
      const fd = await probe();
      const stranger = await probe();
      await register(fd, address);
      const npdu = encodeNpdu({ dnet: 0xffff, dadr: '' }, encodeWhoIsApdu());
      const arrived = emulator.waitForFunction(BvlcFunction.OriginalBroadcastNpdu, 1000, stranger.address);
      await stranger.send(encodeNpduFrame(BvlcFunction.OriginalBroadcastNpdu, npdu), address);
      await arrived;
      assert.deepEqual(await fd.drain(150), []);
      assert.equal(emulator.counters.ignored, 1);
      emulator.addLocalDevice(stranger.address);
      await stranger.send(encodeNpduFrame(BvlcFunction.OriginalBroadcastNpdu, npdu), address);
      const relayed = await fd.expect(isFunction(BvlcFunction.ForwardedNpdu));
      assert.equal(relayed.hex, `81040012${bipHex(stranger.address)}${npdu.toString('hex')}`);
    });
  });

  // ---- the quirks ------------------------------------------------------------------------

  describe('quirks', () => {
    it("ttlZero 'nak' answers 0030 and keeps the entry (BBMD C)", async () => {
      const { emulator, address } = await bbmd();
      assert.equal(emulator.quirks.ttlZero, 'nak');
      const fd = await probe();
      await register(fd, address, 60);
      const { request, answer } = answerTo('C', '810500060000');
      assert.equal(answer.hex, '810000060030');
      assert.equal((await fd.request(request.hex, address)).hex, answer.hex);
      assert.deepEqual(
        emulator.fdt().map((e) => e.ttl),
        [60],
      );
      assert.equal(emulator.counters.registrationNaks, 1);
    });

    it("ttlZero 'delete' answers like a Delete: 0050 without an entry (BBMD B), 0000 and gone with one", async () => {
      const { emulator, address } = await bbmd({ quirks: { ttlZero: 'delete' } });
      const fd = await probe();
      const { request, answer } = answerTo('B', '810500060000');
      assert.equal(answer.hex, '810000060050');
      assert.equal((await fd.request(request.hex, address)).hex, answer.hex);
      await register(fd, address, 60);
      assert.equal(emulator.fdt().length, 1);
      assert.equal((await fd.request('810500060000', address)).hex, '810000060000');
      assert.deepEqual(emulator.fdt(), []);
    });

    it("ttlZero 'accept' keeps an entry with TTL 0 for the grace period (BBMD A)", async () => {
      const { emulator, address } = await bbmd({ quirks: { ttlZero: 'accept' } });
      const fd = await probe();
      const { request, answer } = answerTo('A', '810500060000');
      assert.equal((await fd.request(request.hex, address)).hex, answer.hex);
      // A's Read-FDT right after: TTL 0, 30 s left.
      const aAck = answerTo('A', '81060004', 2).answer.hex;
      assert.equal(fdtTail(await readFdt(fd, address), fd.address), capturedTail(aAck));
      assert.equal(capturedTail(aAck), '0000001e');
      clock = 29_999;
      assert.equal(emulator.fdt().length, 1);
      clock = 30_000;
      assert.deepEqual(emulator.fdt(), []);
    });

    it('maxTtl 3600 clamps a TTL of 65535 and Read-FDT shows 3600, as BBMD C', async () => {
      const { emulator, address } = await bbmd({ quirks: { maxTtl: 3600 } });
      const fd = await probe();
      const register65535 = answerTo('C', '81050006ffff');
      assert.equal((await fd.request(register65535.request.hex, address)).hex, register65535.answer.hex);
      const readAfter = answerTo('C', '81060004', 3);
      assert.ok(readAfter.request.t > register65535.answer.t);
      // The same time after the ACK as in the capture.
      clock = Math.round((readAfter.answer.t - register65535.answer.t) * 1e6) / 1e3;
      const ack = await readFdt(fd, address);
      assert.equal(fdtTail(ack, fd.address), capturedTail(readAfter.answer.hex));
      assert.equal(fdtTail(ack, fd.address), '0e100e2b');
      assert.deepEqual(
        emulator.fdt().map((e) => [e.ttl, e.requestedTtl]),
        [[3600, 65535]],
      );
    });

    it('without maxTtl a TTL of 65535 is kept and the remaining time is capped at 65535', async () => {
      const { address } = await bbmd();
      const fd = await probe();
      await register(fd, address, 65535);
      assert.equal(fdtTail(await readFdt(fd, address), fd.address), 'ffffffff');
    });

    it('nakAllRegistrations answers 0030, nakWith() any code (even unknown ones); neither registers', async () => {
      const { emulator, address } = await bbmd({ quirks: { nakAllRegistrations: true } });
      const fd = await probe();
      assert.equal(await register(fd, address), '810000060030');
      emulator.nakWith(0x0099);
      assert.equal(await register(fd, address), '810000060099');
      assert.deepEqual(emulator.fdt(), []);
      emulator.nakWith(null);
      emulator.quirks.nakAllRegistrations = false;
      assert.equal(await register(fd, address), '810000060000');
      assert.equal(emulator.fdt().length, 1);
      assert.equal(emulator.counters.registrationNaks, 2);
    });

    it('nat: the FDT and forwarded broadcasts show the NAT address; answers and replies reach the real source', async () => {
      const nat = { address: '10.99.0.1', port: 47808 };
      const { emulator, address } = await bbmd({ quirks: { nat } });
      const fd = await probe();
      const dev = await device({ deviceInstance: 42 }, emulator);
      assert.equal(await register(fd, address), '810000060000');
      assert.deepEqual(emulator.fdt(), [{ ...nat, ttl: 60, remaining: 90, source: fd.address, requestedTtl: 60 }]);
      const ack = await readFdt(fd, address);
      assert.equal(ack.hex, `8107000e${bipHex(nat)}003c005a`);
      // The device hears the Who-Is from the NAT address and its unicast answer gets through the "NAT".
      const seen = new Promise<WhoIsSeen>((resolve) => dev.once('who-is', resolve));
      fd.queue.length = 0;
      await fd.send(WHO_IS_DBTN, address);
      assert.ok(sameBipAddress((await seen).originator, nat));
      const iAm = await fd.expect(isIAm);
      assert.ok(sameBipAddress(iAm.from, dev.address as BipAddress));
      // Deleting needs the address the BBMD sees.
      assert.equal((await fd.request(encodeDeleteFdtEntry(fd.address), address)).hex, '810000060050');
      assert.equal((await fd.request(encodeDeleteFdtEntry(nat), address)).hex, '810000060000');
      assert.equal(emulator.counters.refused, 0);
    });

    it('silent answers nothing and relays nothing, but still logs what arrives', async () => {
      const { emulator, address } = await bbmd({ quirks: { silent: true } });
      const fd = await probe();
      const dev = await device({ deviceInstance: 9 }, emulator);
      await fd.send('81050006003c', address);
      await fd.send('81060004', address);
      await fd.send(WHO_IS_DBTN, address);
      assert.deepEqual(await fd.drain(300), []);
      assert.equal(dev.whoIsCount, 0);
      assert.equal(emulator.counters.received, 3);
      assert.equal(emulator.counters.dropped, 3);
      assert.equal(emulator.counters.sent, 0);
      assert.equal(emulator.log.length, 3);
      assert.deepEqual(emulator.fdt(), []);
      emulator.quirks.silent = false;
      assert.equal(await register(fd, address), '810000060000');
    });

    it('reboot() forgets the FDT; with nakUnknownDbtn the next DBTN is NAKed until the device registers again', async () => {
      const { emulator, address } = await bbmd({ quirks: { nakUnknownDbtn: true } });
      const fd = await probe();
      const dev = await device({ deviceInstance: 3 }, emulator);
      await register(fd, address);
      fd.queue.length = 0;
      await fd.send(WHO_IS_DBTN, address);
      await fd.expect(isIAm);
      emulator.reboot();
      assert.deepEqual(emulator.fdt(), []);
      assert.equal((await fd.request(WHO_IS_DBTN, address)).hex, '810000060060');
      assert.equal(dev.whoIsCount, 1);
      assert.equal(await register(fd, address), '810000060000');
      await fd.send(WHO_IS_DBTN, address);
      await fd.expect(isIAm);
      assert.equal(dev.whoIsCount, 2);
      assert.equal(emulator.counters.reboots, 1);
    });

    it('Read-BDT, Write-BDT and the BDT/FDT NAK switches answer as the captured BBMDs', async () => {
      const { emulator, address } = await bbmd();
      const fd = await probe();
      // A and B list themselves with mask 255.255.255.255.
      const readBdt = answerTo('A', '81020004');
      assert.equal((await fd.request(readBdt.request.hex, address)).hex, readBdt.answer.hex.slice(0, 8) + bipHex(address) + 'ffffffff');
      for (const name of ['A', 'B', 'C']) {
        const writeBdt = capture.frames.find((f) => f.bbmd === name && f.hex.startsWith('8101'));
        assert.ok(writeBdt);
        const { answer } = answerTo(name, writeBdt.hex);
        assert.equal((await fd.request(writeBdt.hex, address)).hex, answer.hex);
        assert.equal(answer.hex, '810000060010');
      }
      // C has an empty BDT.
      emulator.bdt = [];
      assert.equal((await fd.request('81020004', address)).hex, answerTo('C', '81020004').answer.hex);
      emulator.quirks.nakReadBdt = true;
      assert.equal((await fd.request('81020004', address)).hex, '810000060020');
      emulator.quirks.nakReadFdt = true;
      assert.equal((await fd.request('81060004', address)).hex, '810000060040');
    });
  });

  // ---- robustness and observation --------------------------------------------------------

  describe('robustness and observation', () => {
    it('counts malformed datagrams, reports them, and still answers the next good frame', async () => {
      const { emulator, address } = await bbmd();
      const fd = await probe();
      const bad = ['', 'ff', '8105', '810500070000', '820500060000', '810d0004', '81050004', '81090004', '8104000a7f0000010001'];
      const reports: ReceivedDatagram[] = [];
      emulator.on('frame', (d) => reports.push(d));
      for (const hex of bad) await fd.send(hex, address);
      assert.equal(await register(fd, address), '810000060000');
      assert.equal(emulator.counters.malformed, bad.length);
      assert.equal(emulator.counters.received, bad.length + 1);
      const errors = reports.filter((d): d is Extract<ReceivedDatagram, { error: Error }> => 'error' in d);
      assert.deepEqual(
        errors.map((d) => d.raw.toString('hex')),
        bad,
      );
      for (const d of errors) {
        assert.equal(d.error.name, 'DecodeError');
        assert.ok(sameBipAddress(d.from, fd.address));
      }
      assert.equal(emulator.log.length, bad.length + 1);
    });

    it('waitFor() resolves with the first match, rejects on timeout and leaves no listener behind', async () => {
      const { emulator, address } = await bbmd();
      const fd = await probe();
      const waiting = emulator.waitForFunction(BvlcFunction.ReadFdt, 1000, fd.address);
      assert.equal(emulator.pendingWaits, 1);
      await fd.send('81050006003c', address);
      await fd.send('81060004', address);
      const got = await waiting;
      assert.equal(got.frame.function, BvlcFunction.ReadFdt);
      assert.equal(got.raw.toString('hex'), '81060004');
      await assert.rejects(emulator.waitFor(() => false, 50), /no matching datagram within 50 ms/);
      assert.equal(emulator.pendingWaits, 0);
      assert.equal(emulator.listenerCount('frame'), 0);
    });

    it('stop() is idempotent and rejects pending waits', async () => {
      const { emulator } = await bbmd();
      const waiting = emulator.waitFor(() => false, 5000);
      await Promise.all([emulator.stop(), emulator.stop()]);
      await assert.rejects(waiting, /stopped/);
      await emulator.stop();
      assert.equal(emulator.address, null);
      await assert.rejects(emulator.start(), /stopped/);
    });

    it('start() rejects when the port is taken, and stop() still resolves', async () => {
      const { address } = await bbmd();
      const second = new BbmdEmulator({ port: address.port });
      await assert.rejects(second.start(), /EADDRINUSE/);
      await second.stop();
      await second.stop();
      const dev = new FakeDevice({ deviceInstance: 1, port: address.port });
      await assert.rejects(dev.start(), /EADDRINUSE/);
      await dev.stop();
    });

    it('keeps only the most recent datagrams in the log', async () => {
      const { emulator, address } = await bbmd({ logLimit: 3 });
      const fd = await probe();
      for (let ttl = 1; ttl <= 5; ttl++) assert.equal(await register(fd, address, ttl), '810000060000');
      assert.deepEqual(
        emulator.log.map((d) => ('frame' in d && d.frame.function === BvlcFunction.RegisterForeignDevice ? d.frame.ttl : -1)),
        [3, 4, 5],
      );
    });
  });

  describe('FakeDevice', () => {
    function whoIsUnicast(range?: { low: number; high: number }, npdu: Parameters<typeof encodeNpdu>[0] = {}): Buffer {
      return encodeNpduFrame(BvlcFunction.OriginalUnicastNpdu, encodeNpdu(npdu, encodeWhoIsApdu(range)));
    }

    it('honours the Who-Is device range and answers the UDP source of a direct Who-Is (as A did)', async () => {
      const dev = await device({ deviceInstance: 1234 });
      const fd = await probe();
      const to = dev.address as BipAddress;
      // A's own device 1234 answered a unicast Who-Is with this.
      const unicast = answerTo('A', '810a000801001008');
      assert.equal((await fd.request(unicast.request.hex, to)).hex, unicast.answer.hex);
      for (const [low, high] of [
        [1234, 1234],
        [0, 4194303],
        [1000, 2000],
      ]) {
        const r = await fd.request(whoIsUnicast({ low, high }), to);
        assert.equal(iAmOf(r).instance, 1234);
      }
      fd.queue.length = 0;
      for (const [low, high] of [
        [0, 1233],
        [1235, 4194303],
      ]) {
        await fd.send(whoIsUnicast({ low, high }), to);
      }
      await fd.send('810a00090100100809', to); // a truncated range: ignored
      assert.deepEqual(await fd.drain(200), []);
      assert.equal(dev.whoIsCount, 7);
      assert.equal(dev.counters.iAm, 4);
      assert.equal(dev.counters.malformed, 1);
    });

    it('behind a router answers a global Who-Is or one for its network, not a local one', async () => {
      const dev = await device({ deviceInstance: 1201, network: 5, mac: '0a' });
      const fd = await probe();
      const to = dev.address as BipAddress;
      const global = await fd.request(encodeNpduFrame(BvlcFunction.OriginalUnicastNpdu, encodeGlobalWhoIs()), to);
      assert.equal(global.hex, '810a0019' + '01080005010a' + '1000c4020004b12205c49103220104');
      const forNet5 = await fd.request(whoIsUnicast(undefined, { dnet: 5, dadr: '' }), to);
      assert.deepEqual(
        [iAmOf(forNet5).snet, iAmOf(forNet5).sadr],
        [5, '0a'],
      );
      fd.queue.length = 0;
      await fd.send(whoIsUnicast(), to);
      await fd.send(whoIsUnicast(undefined, { dnet: 6, dadr: '' }), to);
      assert.deepEqual(await fd.drain(200), []);
      assert.equal(dev.whoIsCount, 4);
    });

    it('answers a Who-Is from a remote network with DNET/DADR naming it', async () => {
      const dev = await device({ deviceInstance: 8 });
      const fd = await probe();
      const r = await fd.request(whoIsUnicast(undefined, { snet: 7, sadr: '01' }), dev.address as BipAddress);
      const header = decodeNpdu((r.frame as { npdu: Buffer }).npdu);
      assert.deepEqual([header.dnet, header.dadr, header.snet], [7, '01', null]);
    });

    it('waits answerDelayMs before answering, and stop() cancels a pending answer', async () => {
      const dev = await device({ deviceInstance: 55, answerDelayMs: 150 });
      const fd = await probe();
      const started = Date.now();
      const r = await fd.request(whoIsUnicast(), dev.address as BipAddress);
      assert.ok(Date.now() - started >= 140, `answered after ${Date.now() - started} ms`);
      assert.equal(iAmOf(r).instance, 55);
      dev.answerDelayMs = 300;
      const seen = new Promise<WhoIsSeen>((resolve) => dev.once('who-is', resolve));
      await fd.send(whoIsUnicast(), dev.address as BipAddress);
      await seen;
      await dev.stop();
      assert.deepEqual(await fd.drain(400), []);
      assert.equal(dev.counters.iAm, 1);
    });

    it('startDemoSite() runs three devices (one behind network 5) that answer a global Who-Is', async () => {
      const site = await demoSite();
      assert.equal(site.devices.length, 3);
      assert.deepEqual(
        site.devices.map((d) => [d.deviceInstance, d.network, d.mac]),
        [
          [1201, 5, '0a'],
          [1202, null, null],
          [1203, null, null],
        ],
      );
      assert.deepEqual(
        site.emulator.localAddresses().map((a) => a.port),
        site.devices.map((d) => d.address?.port),
      );
      const fd = await probe();
      await register(fd, site.address);
      fd.queue.length = 0;
      await fd.send(WHO_IS_DBTN, site.address);
      const instances: number[] = [];
      for (let i = 0; i < 3; i++) instances.push(iAmOf(await fd.expect(isIAm)).instance);
      assert.deepEqual(instances.sort(), [1201, 1202, 1203]);
      await site.stop();
      await site.stop();
      assert.equal(site.emulator.running, false);
    });
  });
});
