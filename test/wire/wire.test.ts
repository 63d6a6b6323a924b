/**
 * Wire conformance: every frame this package sends and receives in an
 * integration scenario, captured on the loopback interface with tshark and
 * decoded by Wireshark's own BVLC, BACnet NPDU and APDU dissectors. Each frame
 * must decode with no malformed packet and no expert warning or error, and
 * carry the BVLC function, length, TTL and addresses that the scenario expects.
 *
 * The scenario (a BBMD emulator and three fake devices on 127.0.0.1, the
 * package's own ForeignDeviceManager on its shared UDP endpoint): register,
 * Read-FDT, a global Who-Is as Distribute-Broadcast-To-Network, I-Am replies
 * as Forwarded-NPDUs and as unicasts (one from a device behind a router),
 * a unicast ReadProperty and its Complex-ACK, Read-BDT, one renewal, and
 * Delete-FDT-Entry on release.
 *
 * Where tshark is missing (or may not capture) the test says why and is
 * skipped; with CI set it fails instead, so that CI never skips it silently.
 */
import assert from 'node:assert/strict';
import type * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeGlobalWhoIs } from '../../dist/protocol/apdu';
import { BvlcFunction, encodeNpduFrame } from '../../dist/protocol/bvll';
import { encodeNpdu } from '../../dist/protocol/npdu';
import type { ReceivedNpdu } from '../../dist/protocol/received-npdu';
import type { RegistrationLease } from '../../dist/registration/registration-table';
import { acquireEndpoint, acquireRegistration, openEndpoints, releaseEndpoint } from '../../dist/transport/endpoint-registry';
import type { UdpEndpoint } from '../../dist/transport/udp-endpoint';
import { DemoSite, startDemoSite } from '../support/bbmd-emulator';
import type { FakeDevice, IAmSent } from '../support/fake-device';
import { CapturedFrame, LoopbackCapture, findTshark, readCapture } from './tshark';

const LOOPBACK = '127.0.0.1';
/** Renewal every TTL/2 = 2 s (jitter only makes it earlier, by at most 0.2 s). */
const TTL = 4;


/** Wireshark's expert severities (epan/proto.h): chat 0x00200000, note 0x00400000, warn 0x00600000, error 0x00800000. */
const PI_WARN = 0x00600000;

type Direction = 'sent' | 'received';

/** A datagram seen at the package's own socket. */
interface Tapped {
  direction: Direction;
  peer: number;
  raw: Buffer;
  phase: string;
}

/** What one frame must decode to: BVLC function and length, and exact values of other fields. */
interface Expected {
  what: string;
  direction: Direction;
  peer: number;
  function: number;
  length: number;
  fields: Record<string, string[]>;
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await wait(5);
  }
}

/** A field's values (`show`) in tree order; tshark shows unsigned fields in decimal or as 0x.., both read by Number(). */
function values(frame: CapturedFrame, name: string): string[] {
  return (frame.get(name) ?? []).map((f) => f.show);
}

function num(frame: CapturedFrame, name: string): number[] {
  return values(frame, name).map((v) => Number(v));
}

/**
 * Wireshark shows the BVLC length field as "BVLC-Length: <header> of <length>
 * bytes BACnet packet length", or "... (invalid length - expected N bytes)"
 * when the length does not fit the function or the datagram.
 */
function bvlcLength(frame: CapturedFrame): { length: number | null; showname: string } {
  const showname = frame.get('bvlc.length')?.[0]?.showname ?? '';
  const m = /^BVLC-Length: \d+ of (\d+) bytes BACnet packet length$/.exec(showname);
  return { length: m ? Number(m[1]) : null, showname };
}

/** ReadProperty(Device <instance>, Object_Name) as an NPDU expecting a reply. */
function readObjectName(deviceInstance: number, invokeId: number): Buffer {
  const objectId = ((8 << 22) | deviceInstance) >>> 0;
  const apdu = Buffer.from([0x00, 0x05, invokeId, 0x0c, 0x0c, 0, 0, 0, 0, 0x19, 77]);
  apdu.writeUInt32BE(objectId, 5);
  return encodeNpdu({ expectingReply: true }, apdu);
}

describe('wire conformance: Wireshark decodes every frame (tshark on loopback)', function () {
  this.timeout(60_000);
  let tsharkVersion = '';
  let site: DemoSite | null = null;
  let endpoint: UdpEndpoint | null = null;
  let lease: RegistrationLease | null = null;
  let capture: LoopbackCapture | null = null;
  let dir = '';

  before(function () {
    const found = findTshark();
    if (!found.ok) {
      if (process.env.CI) throw new Error(`CI needs tshark for the wire conformance test (.ci/run installs it): ${found.reason}`);
      console.log(`      SKIPPED: ${found.reason}; the wire conformance test needs it.`);
      this.skip();
    }
    tsharkVersion = found.version;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bacnet-fd-wire-'));
  });

  after(async () => {
    await lease?.release().catch(() => undefined);
    if (endpoint) await releaseEndpoint(endpoint).catch(() => undefined);
    await capture?.stop().catch(() => undefined);
    await site?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('register, renew, Read-FDT, Read-BDT, DBTN Who-Is, I-Am replies, Forwarded-NPDU, unicast ReadProperty, Delete-FDT-Entry', async function () {
    console.log(`      ${tsharkVersion}`);
    // Device 0 sits behind a router (SNET 5) and replies through the BBMD (Forwarded-NPDU);
    // device 1 replies by unicast; device 2 through the BBMD.
    site = await startDemoSite({ devices: 3 });
    const [routed, direct, relayed] = site.devices as [FakeDevice, FakeDevice, FakeDevice];
    routed.replyMode = 'forwarded';
    direct.replyMode = 'unicast';
    relayed.replyMode = 'forwarded';
    const bbmd = site.address;
    const port = (d: FakeDevice): number => (d.address as { port: number }).port;
    const iAms = new Map<FakeDevice, IAmSent>();
    for (const device of site.devices) device.on('i-am', (sent) => iAms.set(device, sent));

    // The package's endpoint, bound first so that its port is known before the capture
    // starts; the registration below shares it (same local address and port).
    const local = { address: LOOPBACK, port: 0 };
    endpoint = await acquireEndpoint(local);
    const fdPort = endpoint.boundAddress().port;
    const tapped: Tapped[] = [];
    let phase = 'register';
    // The endpoint's own socket (a private field, reached here only), tapped so that the test
    // knows every datagram the package sent and received, independently of the capture.
    const socket = (endpoint as unknown as { socket: dgram.Socket }).socket;
    socket.on('message', (raw: Buffer, rinfo: dgram.RemoteInfo) => tapped.push({ direction: 'received', peer: rinfo.port, raw: Buffer.from(raw), phase }));
    const send = socket.send.bind(socket) as (...args: unknown[]) => void;
    (socket as unknown as { send: (...args: unknown[]) => void }).send = (...args: unknown[]) => {
      tapped.push({ direction: 'sent', peer: args[1] as number, raw: Buffer.from(args[0] as Uint8Array), phase });
      send(...args);
    };

    const file = path.join(dir, 'wire.pcapng');
    try {
      capture = await LoopbackCapture.start([fdPort], file);
    } catch (err) {
      if (process.env.CI) throw err;
      console.log(`      SKIPPED: tshark cannot capture on lo here (${(err as Error).message.split('\n')[0]}).`);
      this.skip();
    }

    // 1. Register (TTL 4), ACK, then the manager's own Read-FDT after the first ACK.
    lease = await acquireRegistration({ local, bbmd: { host: bbmd.address, port: bbmd.port }, ttl: TTL });
    const manager = lease.manager;
    const received: ReceivedNpdu[] = [];
    lease.onNpdu((r) => received.push(r));
    await until(() => manager.registered, 3000, 'registered');
    await until(() => tapped.some((t) => t.direction === 'received' && t.raw[1] === BvlcFunction.ReadFdtAck), 3000, 'Read-FDT-Ack');
    const t0 = Date.now();

    // 2. A global Who-Is through the BBMD; three I-Am replies, two relayed, one unicast.
    phase = 'who-is';
    await manager.broadcast(encodeGlobalWhoIs());
    await until(() => received.filter((r) => r.iAm).length === 3, 3000, 'three I-Am');

    // 3. Unicast ReadProperty to the direct device and its Complex-ACK.
    phase = 'read-property';
    const request = encodeNpduFrame(BvlcFunction.OriginalUnicastNpdu, readObjectName(direct.deviceInstance, 7));
    await lease.endpoint.send(request, { address: LOOPBACK, port: port(direct) });
    await until(() => received.some((r) => r.apdu?.type === 'Complex-ACK'), 3000, 'Complex-ACK');

    // 4. Read-BDT.
    phase = 'read-bdt';
    const bdt = await manager.readBdt();
    assert.equal(bdt.length, 1);

    // 5. One renewal, 2 s after the first Register.
    phase = 'renew';
    await until(() => site!.emulator.counters.registrations === 2, 4000, 'the renewal');
    await until(() => tapped.filter((t) => t.direction === 'received' && t.raw[1] === BvlcFunction.Result).length === 2, 2000, 'the renewal ACK');
    assert.ok(Date.now() - t0 < 3500, 'still before the second renewal');

    // 6. Release: Delete-FDT-Entry with our own address, and its ACK.
    phase = 'delete';
    await lease.release();
    lease = null;
    await releaseEndpoint(endpoint);
    endpoint = null;
    assert.deepEqual(openEndpoints(), []);
    assert.equal(site.emulator.counters.deletes, 1);
    await capture!.finish();

    const frames = (await readCapture(file, [fdPort, bbmd.port, ...site.devices.map(port)])).filter(
      (f) => num(f, 'udp.srcport')[0] === fdPort || num(f, 'udp.dstport')[0] === fdPort,
    );

    // Every datagram at the package's socket was captured once, and nothing else.
    const key = (direction: Direction, peer: number, hex: string): string => `${direction} ${peer} ${hex}`;
    const capturedKeys = frames.map((f) => {
      const sent = num(f, 'udp.srcport')[0] === fdPort;
      return key(sent ? 'sent' : 'received', num(f, sent ? 'udp.dstport' : 'udp.srcport')[0], (values(f, 'udp.payload')[0] ?? '').replace(/:/g, ''));
    });
    const tappedKeys = tapped.map((t) => key(t.direction, t.peer, t.raw.toString('hex')));
    assert.deepEqual([...capturedKeys].sort(), [...tappedKeys].sort(), 'the capture holds exactly the datagrams at the package socket');

    // What each phase must hold.
    const fdAddress = { 'bvlc.fdt_ip': [LOOPBACK], 'bvlc.fdt_port': [String(fdPort)] };
    const result = (what: string): Expected => ({ what, direction: 'received', peer: bbmd.port, function: 0x00, length: 6, fields: { 'bvlc.result': ['0'] } });
    const register = (what: string): Expected => ({ what, direction: 'sent', peer: bbmd.port, function: 0x05, length: 6, fields: { 'bvlc.reg_ttl': [String(TTL)] } });
    const iAmFields = (d: FakeDevice): Record<string, string[]> => ({
      'bacapp.type': ['1'],
      'bacapp.unconfirmed_service': ['0'],
      'bacapp.instance_number': [String(d.deviceInstance)],
      ...(d === routed ? { 'bacnet.snet': ['5'] } : {}),
    });
    const forwardedIAm = (d: FakeDevice): Expected => ({
      what: `Forwarded-NPDU I-Am from device ${d.deviceInstance}`,
      direction: 'received',
      peer: bbmd.port,
      function: 0x04,
      // The device's Original-Broadcast-NPDU (4-octet header) relayed with a 10-octet header.
      length: (iAms.get(d)?.raw.length ?? NaN) + 6,
      fields: { 'bvlc.fwd_ip': [LOOPBACK], 'bvlc.fwd_port': [String(port(d))], ...iAmFields(d) },
    });
    const complexAck = received.find((r) => r.apdu?.type === 'Complex-ACK');
    const expected: Record<string, Expected[]> = {
      register: [
        register('Register-Foreign-Device'),
        result('BVLC-Result for the Register'),
        { what: 'Read-FDT', direction: 'sent', peer: bbmd.port, function: 0x06, length: 4, fields: {} },
        {
          what: 'Read-FDT-Ack with our entry',
          direction: 'received',
          peer: bbmd.port,
          function: 0x07,
          length: 14,
          fields: { ...fdAddress, 'bvlc.fdt_ttl': [String(TTL)] },
        },
      ],
      'who-is': [
        {
          what: 'Distribute-Broadcast-To-Network: global Who-Is',
          direction: 'sent',
          peer: bbmd.port,
          function: 0x09,
          length: 12,
          fields: { 'bacnet.dnet': ['65535'], 'bacapp.type': ['1'], 'bacapp.unconfirmed_service': ['8'] },
        },
        forwardedIAm(routed),
        forwardedIAm(relayed),
        {
          what: `Original-Unicast-NPDU I-Am from device ${direct.deviceInstance}`,
          direction: 'received',
          peer: port(direct),
          function: 0x0a,
          length: iAms.get(direct)?.raw.length ?? NaN,
          fields: { 'bvlc.fwd_ip': [], ...iAmFields(direct) },
        },
      ],
      'read-property': [
        {
          what: 'Original-Unicast-NPDU ReadProperty',
          direction: 'sent',
          peer: port(direct),
          function: 0x0a,
          length: request.length,
          fields: { 'bacapp.type': ['0'], 'bacapp.confirmed_service': ['12'], 'bacapp.invoke_id': ['7'], 'bacapp.instance_number': [String(direct.deviceInstance)] },
        },
        {
          what: 'Original-Unicast-NPDU Complex-ACK',
          direction: 'received',
          peer: port(direct),
          function: 0x0a,
          length: 4 + (complexAck?.npdu.length ?? NaN),
          fields: { 'bacapp.type': ['3'], 'bacapp.confirmed_service': ['12'], 'bacapp.invoke_id': ['7'] },
        },
      ],
      'read-bdt': [
        { what: 'Read-BDT', direction: 'sent', peer: bbmd.port, function: 0x02, length: 4, fields: {} },
        {
          what: 'Read-BDT-Ack',
          direction: 'received',
          peer: bbmd.port,
          function: 0x03,
          length: 14,
          fields: { 'bvlc.bdt_ip': [LOOPBACK], 'bvlc.bdt_port': [String(bbmd.port)], 'bvlc.bdt_mask': ['ff:ff:ff:ff'] },
        },
      ],
      renew: [register('Register-Foreign-Device (renewal)'), result('BVLC-Result for the renewal')],
      delete: [
        { what: 'Delete-FDT-Entry with our address', direction: 'sent', peer: bbmd.port, function: 0x08, length: 10, fields: fdAddress },
        result('BVLC-Result for the Delete'),
      ],
    };

    const problems: string[] = [];
    // Identical datagrams (a renewal and its ACK repeat the first ones) keep their order on both sides.
    const phasesOf = new Map<string, string[]>();
    for (const t of tapped) {
      const k = key(t.direction, t.peer, t.raw.toString('hex'));
      phasesOf.set(k, [...(phasesOf.get(k) ?? []), t.phase]);
    }
    const unmatched = new Map(Object.entries(expected).map(([p, list]) => [p, [...list]]));
    frames.forEach((frame, i) => {
      const label = `frame ${values(frame, 'frame.number')[0]} (${capturedKeys[i].slice(0, 60)})`;
      // Decoded by the BVLC dissector (then NPDU and APDU where there are some), with no malformed packet.
      const protocols = (values(frame, 'frame.protocols')[0] ?? '').split(':');
      if (!protocols.includes('bvlc')) problems.push(`${label}: not decoded as BVLC (${protocols.join(':')})`);
      if (frame.has('_ws.malformed')) problems.push(`${label}: ${frame.get('_ws.malformed')?.[0]?.showname || 'malformed packet'}`);
      num(frame, '_ws.expert.severity').forEach((severity, j) => {
        if (severity >= PI_WARN) problems.push(`${label}: expert info 0x${severity.toString(16)}: ${values(frame, '_ws.expert.message')[j] ?? ''}`);
      });
      if (num(frame, 'bvlc.type')[0] !== 0x81) problems.push(`${label}: BVLC type ${values(frame, 'bvlc.type')}`);
      const length = bvlcLength(frame);
      const udpPayload = num(frame, 'udp.length')[0] - 8;
      if (length.length !== udpPayload) problems.push(`${label}: "${length.showname}" for ${udpPayload} octets`);
      const p = phasesOf.get(capturedKeys[i])?.shift();
      const candidates = p ? unmatched.get(p) ?? [] : [];
      const direction: Direction = capturedKeys[i].startsWith('sent') ? 'sent' : 'received';
      const peer = Number(capturedKeys[i].split(' ')[1]);
      const mismatch = (e: Expected): string | null => {
        if (e.direction !== direction || e.peer !== peer) return 'direction or peer';
        if (num(frame, 'bvlc.function')[0] !== e.function) return `function ${values(frame, 'bvlc.function')} != 0x${e.function.toString(16)}`;
        if (length.length !== e.length) return `"${length.showname}" != ${e.length}`;
        for (const [field, want] of Object.entries(e.fields)) {
          const got = values(frame, field);
          const same = got.length === want.length && got.every((g, k) => g === want[k] || Number(g) === Number(want[k]));
          if (!same) return `${field} ${JSON.stringify(got)} != ${JSON.stringify(want)}`;
        }
        return null;
      };
      const at = candidates.findIndex((e) => mismatch(e) === null);
      if (at === -1) {
        problems.push(`${label} in phase ${p}: matches nothing expected; ${candidates.map((e) => `${e.what}: ${mismatch(e)}`).join('; ') || 'nothing left'}`);
      } else {
        candidates.splice(at, 1);
      }
    });
    for (const [p, list] of unmatched) for (const e of list) problems.push(`phase ${p}: no frame for ${e.what}`);
    assert.deepEqual(problems, [], `Wireshark's view differs:\n${problems.join('\n')}`);
    assert.equal(frames.length, Object.values(expected).flat().length);
    const byFunction = new Map<string, number>();
    for (const frame of frames) {
      const name = (frame.get('bvlc.function')?.[0]?.showname ?? '?').replace(/^Function: /, '');
      byFunction.set(name, (byFunction.get(name) ?? 0) + 1);
    }
    console.log(`      ${frames.length} frames decoded cleanly: ${[...byFunction].map(([n, c]) => `${c} ${n}`).join(', ')}`);
  });
});
