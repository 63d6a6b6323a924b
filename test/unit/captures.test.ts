/**
 * Real BVLL traffic captured between a test foreign device and three BBMD
 * implementations (test/fixtures/real-bbmd-frames.json): every frame must
 * decode, re-encode to the identical octets, and agree with what Wireshark
 * said of it.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IAm, decodeIAm } from '../../dist/protocol/apdu';
import { BvlcFunction, BvllFrame, bvlcFunctionName, decodeBvll, encodeBvll } from '../../dist/protocol/bvll';
import { decodeNpdu } from '../../dist/protocol/npdu';

interface CapturedFrame {
  bbmd: string;
  t: number;
  from: string;
  to: string;
  hex: string;
  info: string;
}

interface Capture {
  about: string;
  bbmds: Record<string, { bbmd_port: number; device_port: number }>;
  frames: CapturedFrame[];
}

const FIXTURE = path.join(__dirname, '../../test/fixtures/real-bbmd-frames.json');
const capture = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as Capture;

const BVLC_INFO = /^BACnet Virtual Link Control BVLC Function (.+)$/;
const WHO_IS_INFO = /^Unconfirmed-REQ who-Is$/;
const I_AM_INFO = /^Unconfirmed-REQ i-Am device,(\d+)$/;

const NPDU_FUNCTIONS: ReadonlySet<number> = new Set([
  BvlcFunction.ForwardedNpdu,
  BvlcFunction.DistributeBroadcastToNetwork,
  BvlcFunction.OriginalUnicastNpdu,
  BvlcFunction.OriginalBroadcastNpdu,
]);

function npduOf(frame: BvllFrame): Buffer | null {
  return 'npdu' in frame ? frame.npdu : null;
}

/** What each I-Am in the captures says, as the bytes say it. */
const EXPECTED_I_AMS: ReadonlyMap<number, IAm> = new Map([
  [5678, { deviceInstance: 5678, maxApdu: 1476, segmentation: 'no-segmentation', vendorId: 260 }],
  [1234, { deviceInstance: 1234, maxApdu: 1476, segmentation: 'no-segmentation', vendorId: 260 }],
  [2345, { deviceInstance: 2345, maxApdu: 1024, segmentation: 'segmented-both', vendorId: 999 }],
  [3456, { deviceInstance: 3456, maxApdu: 1024, segmentation: 'segmented-both', vendorId: 999 }],
  [4567, { deviceInstance: 4567, maxApdu: 1476, segmentation: 'segmented-both', vendorId: 0 }],
  [5670, { deviceInstance: 5670, maxApdu: 1476, segmentation: 'segmented-both', vendorId: 0 }],
]);

function label(frame: CapturedFrame, index: number): string {
  return `#${index} ${frame.bbmd} ${frame.from} -> ${frame.to} ${frame.hex}`;
}

describe('real BBMD captures', () => {
  it('holds 142 frames from BBMDs A, B and C', () => {
    assert.equal(capture.frames.length, 142);
    assert.deepEqual(Object.keys(capture.bbmds).sort(), ['A', 'B', 'C']);
    assert.deepEqual([...new Set(capture.frames.map((f) => f.bbmd))].sort(), ['A', 'B', 'C']);
  });

  it('every frame decodes and re-encodes to the identical octets', () => {
    capture.frames.forEach((captured, i) => {
      const bytes = Buffer.from(captured.hex, 'hex');
      assert.equal(bytes.toString('hex'), captured.hex.toLowerCase(), label(captured, i));
      const frame = decodeBvll(bytes);
      assert.equal(encodeBvll(frame).toString('hex'), captured.hex.toLowerCase(), label(captured, i));
      // And from a copy of the decoded frame (views into `bytes` must not be needed).
      assert.deepEqual(decodeBvll(encodeBvll(frame)), frame, label(captured, i));
    });
  });

  it("every frame's function matches Wireshark's info", () => {
    const tally = new Map<string, number>();
    capture.frames.forEach((captured, i) => {
      const frame = decodeBvll(Buffer.from(captured.hex, 'hex'));
      const name = bvlcFunctionName(frame.function);
      tally.set(name, (tally.get(name) ?? 0) + 1);
      const bvlc = BVLC_INFO.exec(captured.info);
      if (bvlc) {
        assert.equal(name, bvlc[1], label(captured, i));
        assert.ok(!NPDU_FUNCTIONS.has(frame.function), `${label(captured, i)}: Wireshark shows no NPDU`);
      } else {
        assert.ok(WHO_IS_INFO.test(captured.info) || I_AM_INFO.test(captured.info), `${label(captured, i)}: unexpected info ${captured.info}`);
        assert.ok(NPDU_FUNCTIONS.has(frame.function), `${label(captured, i)}: ${name} carries no NPDU`);
      }
    });
    // What the captures hold, by function.
    assert.deepEqual(Object.fromEntries([...tally].sort(([a], [b]) => a.localeCompare(b))), {
      'BVLC-Result': 32,
      'Delete-Foreign-Device-Table-Entry': 12,
      'Distribute-Broadcast-To-Network': 7,
      'Forwarded-NPDU': 25,
      'Original-Broadcast-NPDU': 2,
      'Original-Unicast-NPDU': 15,
      'Read-Broadcast-Distribution-Table': 3,
      'Read-Broadcast-Distribution-Table-Ack': 3,
      'Read-Foreign-Device-Table': 12,
      'Read-Foreign-Device-Table-Ack': 12,
      'Register-Foreign-Device': 16,
      'Write-Broadcast-Distribution-Table': 3,
    });
  });

  it('every NPDU decodes, and its APDU is what Wireshark says (Who-Is or I-Am)', () => {
    let whoIs = 0;
    let iAm = 0;
    capture.frames.forEach((captured, i) => {
      const frame = decodeBvll(Buffer.from(captured.hex, 'hex'));
      const npdu = npduOf(frame);
      if (npdu === null) return;
      const header = decodeNpdu(npdu);
      assert.equal(header.version, 1, label(captured, i));
      assert.equal(header.networkMessage, null, label(captured, i));
      const apdu = npdu.subarray(header.apduOffset);
      if (WHO_IS_INFO.test(captured.info)) {
        whoIs++;
        assert.deepEqual(apdu, Buffer.from([0x10, 0x08]), label(captured, i));
      } else {
        const m = I_AM_INFO.exec(captured.info);
        assert.ok(m, label(captured, i));
        iAm++;
        const device = Number(m[1]);
        const decoded = decodeIAm(npdu, header.apduOffset);
        assert.equal(decoded.deviceInstance, device, label(captured, i));
        assert.deepEqual(decoded, EXPECTED_I_AMS.get(device), label(captured, i));
        assert.deepEqual(decodeIAm(apdu), decoded, label(captured, i));
      }
    });
    assert.equal(whoIs, 27);
    assert.equal(iAm, 22);
  });

  it('the I-Ams cover devices 5678, 1234, 2345, 3456, 4567 and 5670', () => {
    const seen = new Set<number>();
    for (const captured of capture.frames) {
      const m = I_AM_INFO.exec(captured.info);
      if (m) seen.add(Number(m[1]));
    }
    assert.deepEqual([...seen].sort((a, b) => a - b), [1234, 2345, 3456, 4567, 5670, 5678]);
  });

  it('NPDU headers: local for unicasts from a device, global broadcast for DBTN and forwarded Who-Is', () => {
    capture.frames.forEach((captured, i) => {
      const frame = decodeBvll(Buffer.from(captured.hex, 'hex'));
      const npdu = npduOf(frame);
      if (npdu === null) return;
      const header = decodeNpdu(npdu);
      if (header.dnet === null) {
        assert.equal(header.apduOffset, 2, label(captured, i));
        assert.equal(header.control, 0x00, label(captured, i));
      } else {
        assert.deepEqual(
          { dnet: header.dnet, dadr: header.dadr, hopCount: header.hopCount, apduOffset: header.apduOffset },
          { dnet: 0xffff, dadr: '', hopCount: 255, apduOffset: 6 },
          label(captured, i),
        );
      }
      if (frame.function === BvlcFunction.DistributeBroadcastToNetwork) assert.equal(header.dnet, 0xffff, label(captured, i));
    });
  });

  it("each Forwarded-NPDU's origin is a sender seen in the capture", () => {
    const senders = new Set(capture.frames.map((f) => f.from));
    let forwarded = 0;
    capture.frames.forEach((captured, i) => {
      const frame = decodeBvll(Buffer.from(captured.hex, 'hex'));
      if (frame.function !== BvlcFunction.ForwardedNpdu) return;
      forwarded++;
      assert.ok(senders.has(`${frame.origin.address}:${frame.origin.port}`), label(captured, i));
    });
    assert.equal(forwarded, 25);
  });

  it('decodes the details of a Read-FDT-Ack, a Read-BDT-Ack and a NAK exactly', () => {
    assert.deepEqual(decodeBvll(Buffer.from('810700227f000001bac2003c003e7f0000039a30003c005a7f0000028e30003c005a', 'hex')), {
      function: BvlcFunction.ReadFdtAck,
      entries: [
        { address: '127.0.0.1', port: 47810, ttl: 60, remaining: 62 },
        { address: '127.0.0.3', port: 39472, ttl: 60, remaining: 90 },
        { address: '127.0.0.2', port: 36400, ttl: 60, remaining: 90 },
      ],
    });
    const fdtAck = capture.frames.find((f) => f.hex.startsWith('810700227f000001bac2003c003e'));
    assert.ok(fdtAck);
    assert.deepEqual(decodeBvll(Buffer.from(fdtAck.hex, 'hex')), decodeBvll(Buffer.from('810700227f000001bac2003c003e7f0000039a30003c005a7f0000028e30003c005a', 'hex')));
    assert.deepEqual(decodeBvll(Buffer.from('8103000e7f000001bac1ffffffff', 'hex')), {
      function: BvlcFunction.ReadBdtAck,
      entries: [{ address: '127.0.0.1', port: 47809, mask: '255.255.255.255' }],
    });
    assert.deepEqual(decodeBvll(Buffer.from('81030004', 'hex')), { function: BvlcFunction.ReadBdtAck, entries: [] });
    const codes = new Set<number>();
    for (const captured of capture.frames) {
      const frame = decodeBvll(Buffer.from(captured.hex, 'hex'));
      if (frame.function === BvlcFunction.Result) codes.add(frame.code);
    }
    assert.deepEqual([...codes].sort((a, b) => a - b), [0x0000, 0x0010, 0x0030, 0x0050, 0x0060]);
  });
});
