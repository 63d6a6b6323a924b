/**
 * The receive path without sockets: decodeDatagram() turns a datagram into what
 * the router needs, and DatagramRouter decides who gets it (the manager of the
 * BBMD that sent it, the receivers, nobody) and counts spoofed and malformed ones.
 */
import { strict as assert } from 'node:assert';
import { BipAddress, sameBipAddress } from '../../dist/protocol/address';
import { BvlcFunction, BvllFrame, encodeBvll } from '../../dist/protocol/bvll';
import type { ReceivedNpdu } from '../../dist/protocol/received-npdu';
import { ListenerList } from '../../dist/util/listener-list';
import { Datagram, decodeDatagram } from '../../dist/transport/datagram';
import { DatagramRouter, Route, RoutedManager } from '../../dist/transport/datagram-router';

const BBMD_A = { address: '10.0.0.1', port: 47808 };
const BBMD_B = { address: '10.0.0.2', port: 47808 };
const STRANGER = { address: '10.0.0.66', port: 47808 };
const DEVICE = { address: '192.168.1.20', port: 47808 };
/** Our FDT entry's address at BBMD A. */
const US_AT_A = { address: '203.0.113.7', port: 47809 };

const WHO_IS = '01001008';
/** A Device I-Am (device 1201, vendor 260). */
const I_AM = '01001000c4020004b12205c4910322 0104';
/** NPDU version 2: the NPDU header is refused. */
const BAD_NPDU = '0200';

const hex = (text: string): Buffer => Buffer.from(text.replace(/ /g, ''), 'hex');
const forwarded = (origin: BipAddress, npdu: string): Buffer => encodeBvll({ function: BvlcFunction.ForwardedNpdu, origin, npdu: hex(npdu) });
const unicast = (npdu: string): Buffer => encodeBvll({ function: BvlcFunction.OriginalUnicastNpdu, npdu: hex(npdu) });
const result = (code: number): Buffer => encodeBvll({ function: BvlcFunction.Result, code });

/** A manager as the router sees it: its BBMD, what it was handed, its counters. */
class FakeManager implements RoutedManager {
  readonly counters = { registrations: 0, naks: 0, timeouts: 0, spoofed: 0, malformed: 0, broadcastsSent: 0, broadcastsFailed: 0, received: 0 };
  readonly frames: { frame: BvllFrame; from: BipAddress }[] = [];
  constructor(
    private readonly bbmd: BipAddress,
    readonly addressSeenByBbmd: BipAddress | null = null,
  ) {}
  isFromBbmd(from: BipAddress): boolean {
    return sameBipAddress(from, this.bbmd);
  }
  handleFrame(frame: BvllFrame, from: BipAddress): void {
    this.frames.push({ frame, from });
  }
}

/** A registration: its fake manager and what its receiver got. */
interface Registration extends Route {
  readonly manager: FakeManager;
  readonly got: ReceivedNpdu[];
}

function registration(bbmd: BipAddress, us: BipAddress | null = null): Registration {
  const receivers = new ListenerList<ReceivedNpdu>();
  const got: ReceivedNpdu[] = [];
  receivers.add((r) => void got.push(r));
  return { manager: new FakeManager(bbmd, us), receivers, got };
}

/** Decodes `data` as if it came from `from` and routes it, as the endpoint does. */
function receive(router: DatagramRouter, data: Buffer, from: BipAddress): void {
  const source = { ...from };
  router.route(decodeDatagram(data, source), source);
}

describe('decodeDatagram', () => {
  it('a Forwarded-NPDU: the origin as its source, the BBMD as its via, the I-Am decoded', () => {
    const d = decodeDatagram(forwarded(DEVICE, I_AM), BBMD_A);
    assert.equal(d.kind, 'npdu');
    if (d.kind !== 'npdu') return;
    assert.deepEqual(d.origin, DEVICE);
    assert.ok(d.received);
    assert.deepEqual(d.received.source, DEVICE);
    assert.deepEqual(d.received.via, BBMD_A);
    assert.equal(d.received.bvlcFunction, 'Forwarded-NPDU');
    assert.equal(d.received.npdu.toString('hex'), hex(I_AM).toString('hex'));
    assert.deepEqual(d.received.iAm, { deviceInstance: 1201, maxApdu: 1476, segmentation: 'no-segmentation', vendorId: 260 });
  });

  it('an Original-Unicast- or Original-Broadcast-NPDU: the UDP source as its source, no via, no origin', () => {
    const u = decodeDatagram(unicast(WHO_IS), DEVICE);
    assert.ok(u.kind === 'npdu' && u.received);
    assert.equal(u.origin, null);
    assert.deepEqual(u.received.source, DEVICE);
    assert.equal(u.received.via, null);
    assert.equal(u.received.bvlcFunction, 'Original-Unicast-NPDU');
    const b = decodeDatagram(encodeBvll({ function: BvlcFunction.OriginalBroadcastNpdu, npdu: hex(WHO_IS) }), DEVICE);
    assert.ok(b.kind === 'npdu' && b.received);
    assert.equal(b.received.bvlcFunction, 'Original-Broadcast-NPDU');
  });

  it('a BBMD answer is handed over as its frame', () => {
    const answers: BvllFrame[] = [
      { function: BvlcFunction.Result, code: 0x30 },
      { function: BvlcFunction.ReadFdtAck, entries: [{ address: '10.1.1.1', port: 47808, ttl: 60, remaining: 88 }] },
      { function: BvlcFunction.ReadBdtAck, entries: [{ address: '10.0.0.1', port: 47808, mask: '255.255.255.255' }] },
    ];
    for (const frame of answers) assert.deepEqual(decodeDatagram(encodeBvll(frame), BBMD_A), { kind: 'answer', frame });
  });

  it('a frame decodeBvll() refuses is malformed; a good frame around a bad NPDU keeps its origin and has no NPDU', () => {
    for (const junk of ['', '81', '8105', '82040006', '810a0009010020', 'ffffffffffff', '810d0004', '8104000b0a000005bac0']) {
      assert.deepEqual(decodeDatagram(hex(junk), BBMD_A), { kind: 'malformed' }, junk);
    }
    assert.deepEqual(decodeDatagram(forwarded(DEVICE, BAD_NPDU), BBMD_A), { kind: 'npdu', origin: DEVICE, received: null });
    assert.deepEqual(decodeDatagram(unicast('0100f0'), DEVICE), { kind: 'npdu', origin: null, received: null });
  });

  it('requests a BBMD would serve and Secure-BVLL are ignored', () => {
    const frames: BvllFrame[] = [
      { function: BvlcFunction.RegisterForeignDevice, ttl: 60 },
      { function: BvlcFunction.ReadFdt },
      { function: BvlcFunction.ReadBdt },
      { function: BvlcFunction.DeleteFdtEntry, address: DEVICE },
      { function: BvlcFunction.DistributeBroadcastToNetwork, npdu: hex(WHO_IS) },
      { function: BvlcFunction.WriteBdt, entries: [] },
      { function: BvlcFunction.SecureBvll, payload: hex('0102') },
    ];
    for (const frame of frames) assert.deepEqual(decodeDatagram(encodeBvll(frame), BBMD_A), { kind: 'ignored' }, String(frame.function));
  });
});

describe('DatagramRouter', () => {
  let a: Registration;
  let b: Registration;
  let router: DatagramRouter;
  beforeEach(() => {
    a = registration(BBMD_A, US_AT_A);
    b = registration(BBMD_B);
    router = new DatagramRouter({ list: [a, b] });
  });

  const counters = (r: Registration): { spoofed: number; malformed: number; received: number } => {
    const { spoofed, malformed, received } = r.manager.counters;
    return { spoofed, malformed, received };
  };

  it('a BBMD answer goes to the manager of the BBMD that sent it, with its source', () => {
    receive(router, result(0), BBMD_B);
    assert.equal(a.manager.frames.length, 0);
    assert.deepEqual(b.manager.frames, [{ frame: { function: BvlcFunction.Result, code: 0 }, from: BBMD_B }]);
  });

  it('an answer from nobody’s BBMD goes to every manager (each counts it as spoofed itself)', () => {
    receive(router, result(0x30), STRANGER);
    assert.deepEqual(a.manager.frames.map((f) => f.from), [STRANGER]);
    assert.deepEqual(b.manager.frames.map((f) => f.from), [STRANGER]);
    assert.deepEqual(a.got, []);
  });

  it('a Forwarded-NPDU reaches only the receivers of the BBMD that forwarded it', () => {
    receive(router, forwarded(DEVICE, I_AM), BBMD_A);
    assert.equal(a.got.length, 1);
    assert.deepEqual(a.got[0].source, DEVICE);
    assert.deepEqual(a.got[0].via, BBMD_A);
    assert.deepEqual(b.got, []);
    assert.deepEqual(counters(a), { spoofed: 0, malformed: 0, received: 1 });
    assert.deepEqual(counters(b), { spoofed: 0, malformed: 0, received: 0 });
    assert.equal(router.malformed, 0);
  });

  it('a Forwarded-NPDU from nobody’s BBMD goes nowhere and is counted as spoofed, even with a bad NPDU', () => {
    receive(router, forwarded(DEVICE, WHO_IS), STRANGER);
    receive(router, forwarded(DEVICE, BAD_NPDU), STRANGER);
    assert.deepEqual([...a.got, ...b.got], []);
    assert.deepEqual(counters(a), { spoofed: 2, malformed: 0, received: 0 });
    assert.deepEqual(counters(b), { spoofed: 2, malformed: 0, received: 0 });
    assert.equal(router.malformed, 0);
  });

  it('a Forwarded-NPDU whose origin is our own address at that BBMD (our broadcast echoed) is not delivered nor counted', () => {
    receive(router, forwarded(US_AT_A, WHO_IS), BBMD_A);
    receive(router, forwarded(US_AT_A, BAD_NPDU), BBMD_A);
    assert.deepEqual(a.got, []);
    assert.deepEqual(counters(a), { spoofed: 0, malformed: 0, received: 0 });
    assert.equal(router.malformed, 0);
    // The same origin port at another address is someone else.
    receive(router, forwarded({ address: US_AT_A.address, port: US_AT_A.port + 1 }, WHO_IS), BBMD_A);
    assert.equal(a.got.length, 1);
  });

  it('the echo filter drops it only for the registration it is the echo of', () => {
    // Two registrations the BBMD forwards to (one of them stopping, say): only A's own address is filtered for A.
    const other = registration(BBMD_A, { address: '203.0.113.8', port: 47808 });
    const both = new DatagramRouter({ list: [a, other] });
    receive(both, forwarded(US_AT_A, WHO_IS), BBMD_A);
    assert.deepEqual(a.got, []);
    assert.equal(other.got.length, 1);
    assert.deepEqual(other.got[0].source, US_AT_A);
    assert.equal(other.manager.counters.received, 1);
  });

  it('a unicast NPDU reaches every registration; each after the first gets a copy of its own', () => {
    receive(router, unicast(I_AM), DEVICE);
    assert.equal(a.got.length, 1);
    assert.equal(b.got.length, 1);
    assert.deepEqual(b.got[0], a.got[0]);
    assert.notEqual(b.got[0], a.got[0]);
    assert.notEqual(b.got[0].npdu, a.got[0].npdu);
    assert.notEqual(b.got[0].source, a.got[0].source);
    assert.deepEqual(a.got[0].source, DEVICE);
    assert.equal(a.got[0].via, null);
    assert.equal(a.manager.counters.received + b.manager.counters.received, 2);
  });

  it('a malformed frame is counted for the managers of the BBMD that sent it, or for every one from elsewhere', () => {
    receive(router, hex('810a0009010020'), BBMD_A);
    assert.deepEqual([a.manager.counters.malformed, b.manager.counters.malformed, router.malformed], [1, 0, 1]);
    receive(router, hex('ffff'), STRANGER);
    assert.deepEqual([a.manager.counters.malformed, b.manager.counters.malformed, router.malformed], [2, 1, 2]);
    assert.deepEqual([...a.got, ...b.got, ...a.manager.frames, ...b.manager.frames], []);
  });

  it('a bad NPDU is counted for those it would have reached: the forwarding BBMD’s registration, or everyone for a unicast', () => {
    receive(router, forwarded(DEVICE, BAD_NPDU), BBMD_B);
    assert.deepEqual([a.manager.counters.malformed, b.manager.counters.malformed, router.malformed], [0, 1, 1]);
    receive(router, unicast('0120ffff'), DEVICE);
    assert.deepEqual([a.manager.counters.malformed, b.manager.counters.malformed, router.malformed], [1, 2, 2]);
    assert.deepEqual([...a.got, ...b.got], []);
    assert.equal(a.manager.counters.received + b.manager.counters.received, 0);
  });

  it('with no registration, a malformed datagram is still counted for the endpoint, and nothing else happens', () => {
    const empty = new DatagramRouter({ list: [] });
    receive(empty, hex('81'), DEVICE);
    receive(empty, unicast('0100f0'), DEVICE);
    receive(empty, unicast(WHO_IS), DEVICE);
    receive(empty, forwarded(DEVICE, WHO_IS), BBMD_A);
    assert.equal(empty.malformed, 2);
  });

  it('what a foreign device has no use for reaches nobody and counts nothing', () => {
    const ignored: Datagram = decodeDatagram(encodeBvll({ function: BvlcFunction.RegisterForeignDevice, ttl: 60 }), BBMD_A);
    router.route(ignored, BBMD_A);
    assert.deepEqual([...a.got, ...b.got, ...a.manager.frames, ...b.manager.frames], []);
    assert.deepEqual(counters(a), { spoofed: 0, malformed: 0, received: 0 });
    assert.equal(router.malformed, 0);
  });

  it('a receiver that throws does not stop delivery to the others', () => {
    const also: ReceivedNpdu[] = [];
    a.receivers.add(() => {
      throw new Error('receiver bug');
    });
    a.receivers.add((r) => void also.push(r));
    assert.doesNotThrow(() => receive(router, unicast(WHO_IS), DEVICE));
    assert.equal(a.got.length, 1);
    assert.equal(also.length, 1);
    assert.equal(b.got.length, 1);
  });

  it('follows the registrations as they come and go', () => {
    const table: { list: readonly Route[] } = { list: [a] };
    const live = new DatagramRouter(table);
    receive(live, forwarded(DEVICE, WHO_IS), BBMD_B);
    assert.equal(a.manager.counters.spoofed, 1);
    table.list = [a, b];
    receive(live, forwarded(DEVICE, WHO_IS), BBMD_B);
    assert.equal(b.got.length, 1);
    assert.equal(a.manager.counters.spoofed, 1);
  });
});
