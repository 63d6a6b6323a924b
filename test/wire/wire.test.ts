/**
 * Wire conformance: every frame this package sends and receives in an
 * integration scenario, captured on the loopback interface with tshark and
 * decoded by Wireshark's own BVLC, BACnet NPDU and APDU dissectors. Each frame
 * must decode with no malformed packet and no expert warning or error, and
 * carry the BVLC function, length, TTL, addresses and APDU fields that the
 * scenario expects.
 *
 * The scenario (a BBMD emulator and three fake devices on 127.0.0.1, the
 * package's own ForeignDeviceManager on its shared UDP endpoint and its
 * BacnetClient on that registration): register, Read-FDT, a global Who-Is as
 * Distribute-Broadcast-To-Network, I-Am replies as Forwarded-NPDUs and as
 * unicasts (one from a device behind a router), Read-BDT, one renewal, then
 * the client's confirmed requests (confirmed.ts: ReadProperty, WriteProperty
 * with a priority and its NULL relinquish, a segmented Complex-ACK with our
 * Segment-ACKs, a routed read, an Error-PDU, a ReadPropertyMultiple whose
 * Complex-ACK holds errors per property), COV through the client's follow
 * (cov.ts: SubscribeCOV with an UnconfirmedCOVNotification, SubscribeCOVProperty
 * with a COV increment and ConfirmedCOVNotifications we acknowledge, each
 * cancelled on close), and Delete-FDT-Entry on release.
 *
 * Where tshark is missing (or may not capture) the test says why and is
 * skipped; with CI set it fails instead, so that CI never skips it silently.
 * WIRE_PCAP=<file> keeps the capture, for a look in Wireshark.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BacnetClient } from '../../dist/client/bacnet-client';
import { encodeGlobalWhoIs } from '../../dist/protocol/apdu';
import { BvlcFunction } from '../../dist/protocol/bvll';
import type { ReceivedNpdu } from '../../dist/protocol/received-npdu';
import type { RegistrationLease } from '../../dist/registration/registration-table';
import { acquireEndpoint, acquireRegistration, openEndpoints, releaseEndpoint } from '../../dist/transport/endpoint-registry';
import type { UdpEndpoint } from '../../dist/transport/udp-endpoint';
import { DemoSite, startDemoSite } from '../support/bbmd-emulator';
import type { FakeDevice, IAmSent } from '../support/fake-device';
import { until } from '../support/wait';
import { ConfirmedDevices, LARGE_DEVICE_OPTIONS, confirmedExpectations, expectedAckSequence, runConfirmedPhases } from './confirmed';
import { covExpectations, runCovPhases } from './cov';
import { Expected, capturedKeys, checkFrames, num, summary, tapSocket, tappedKeys } from './frames';
import { LoopbackCapture, findTshark, readCapture } from './tshark';
import { needProgram } from '../support/needed-program';

const LOOPBACK = '127.0.0.1';
/** Renewal every TTL/2 = 2 s (jitter only makes it earlier, by at most 0.2 s). */
const TTL = 4;

describe('wire conformance: Wireshark decodes every frame (tshark on loopback)', function () {
  this.timeout(60_000);
  let tsharkVersion = '';
  let site: DemoSite | null = null;
  let endpoint: UdpEndpoint | null = null;
  let lease: RegistrationLease | null = null;
  let client: BacnetClient | null = null;
  let capture: LoopbackCapture | null = null;
  let dir = '';

  before(function () {
    const found = findTshark();
    needProgram(this, found, 'tshark', 'the wire conformance test');
    tsharkVersion = found.version;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bacnet-fd-wire-'));
  });

  after(async () => {
    client?.close();
    await lease?.release().catch(() => undefined);
    if (endpoint) await releaseEndpoint(endpoint).catch(() => undefined);
    await capture?.stop().catch(() => undefined);
    await site?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('register, renew, Read-FDT, Read-BDT, DBTN Who-Is, I-Am replies, Forwarded-NPDU, the client\'s ReadProperty, WriteProperty, segmented and routed reads, Error-PDU, ReadPropertyMultiple with per-property errors, SubscribeCOV(Property) with COV notifications and cancellations, Delete-FDT-Entry', async function () {
    console.log(`      ${tsharkVersion}`);
    // Device 0 sits behind a router (SNET 5) and replies through the BBMD (Forwarded-NPDU);
    // device 1 replies by unicast; device 2 (the large one, which segments) through the BBMD.
    site = await startDemoSite({ devices: 3, deviceOptions: (i) => (i === 2 ? LARGE_DEVICE_OPTIONS : {}) });
    const [routed, direct, relayed] = site.devices as [FakeDevice, FakeDevice, FakeDevice];
    routed.replyMode = 'forwarded';
    direct.replyMode = 'unicast';
    relayed.replyMode = 'forwarded';
    const devices: ConfirmedDevices = { routed, direct, large: relayed };
    const bbmd = site.address;
    const port = (d: FakeDevice): number => (d.address as { port: number }).port;
    const iAms = new Map<FakeDevice, IAmSent>();
    for (const device of site.devices) device.on('i-am', (sent) => iAms.set(device, sent));

    // The package's endpoint, bound first so that its port is known before the capture
    // starts; the registration below shares it (same local address and port).
    const local = { address: LOOPBACK, port: 0 };
    endpoint = await acquireEndpoint(local);
    const fdPort = endpoint.boundAddress().port;
    let phase = 'register';
    const tapped = tapSocket(endpoint, () => phase);

    const file = process.env.WIRE_PCAP || path.join(dir, 'wire.pcapng');
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
    const registration = lease;
    // The client as the config node makes it: on this registration, the I-Ams it receives filling its device table.
    const warnings: string[] = [];
    const bacnet = (client = new BacnetClient({ lease: async () => registration, label: `${bbmd.address}:${bbmd.port}`, warn: (text) => warnings.push(text) }));
    const received: ReceivedNpdu[] = [];
    lease.onNpdu((r) => {
      bacnet.observe(r);
      received.push(r);
    });
    await until(() => manager.registered, 3000, 'registered');
    await until(() => tapped.some((t) => t.direction === 'received' && t.raw[1] === BvlcFunction.ReadFdtAck), 3000, 'Read-FDT-Ack');
    const t0 = Date.now();

    // 2. A global Who-Is through the BBMD; three I-Am replies, two relayed, one unicast.
    phase = 'who-is';
    await manager.broadcast(encodeGlobalWhoIs());
    await until(() => received.filter((r) => r.iAm).length === 3, 3000, 'three I-Am');
    assert.deepEqual(bacnet.table.list().map((e) => e.instance).sort(), site.devices.map((d) => d.deviceInstance).sort());

    // 3. Read-BDT.
    phase = 'read-bdt';
    const bdt = await manager.readBdt();
    assert.equal(bdt.length, 1);

    // 4. One renewal, 2 s after the first Register.
    phase = 'renew';
    await until(() => site!.emulator.counters.registrations === 2, 4000, 'the renewal');
    await until(() => tapped.filter((t) => t.direction === 'received' && t.raw[1] === BvlcFunction.Result).length === 2, 2000, 'the renewal ACK');

    // 5. The client's confirmed requests, each phase answered before the next (confirmed.ts).
    const run = await runConfirmedPhases(bacnet, devices, (p) => (phase = p));
    assert.deepEqual(run.segmentAcks.map((a) => [a.sequenceNumber, a.windowSize, a.negative, a.matched]),
      expectedAckSequence(run.segments, LARGE_DEVICE_OPTIONS.windowSize).map((seq) => [seq, LARGE_DEVICE_OPTIONS.windowSize, false, true]));
    assert.ok(run.segments >= 4, `the object-list took ${run.segments} segments: more than one full window`);

    // 6. COV through the client's follow (cov.ts): SubscribeCOV, SubscribeCOVProperty, notifications, cancellations.
    const cov = await runCovPhases(bacnet, direct, (p) => (phase = p));
    assert.ok(Date.now() - t0 < 3500, 'still before the second renewal');
    assert.deepEqual(warnings, []);

    // 7. Release: Delete-FDT-Entry with our own address, and its ACK.
    phase = 'delete';
    bacnet.close();
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
    assert.deepEqual([...capturedKeys(frames, fdPort)].sort(), [...tappedKeys(tapped)].sort(), 'the capture holds exactly the datagrams at the package socket');

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
      ...confirmedExpectations(run, devices, port),
      ...covExpectations(cov, direct, port(direct), tapped),
      delete: [
        { what: 'Delete-FDT-Entry with our address', direction: 'sent', peer: bbmd.port, function: 0x08, length: 10, fields: fdAddress },
        result('BVLC-Result for the Delete'),
      ],
    };

    const problems = checkFrames(frames, fdPort, tapped, expected);
    assert.deepEqual(problems, [], `Wireshark's view differs:\n${problems.join('\n')}`);
    assert.equal(frames.length, Object.values(expected).flat().length);
    console.log(`      ${summary(frames)}`);
  });
});
