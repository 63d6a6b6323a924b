/**
 * The wire test's bookkeeping: every datagram at the package's own socket
 * tapped (with the scenario phase it belongs to), and each captured frame
 * checked against Wireshark's decoding: BVLC, no malformed packet, no expert
 * warning or error, and the fields that one expected frame of its phase names.
 */
import type * as dgram from 'node:dgram';
import type { UdpEndpoint } from '../../dist/transport/udp-endpoint';
import type { CapturedFrame } from './tshark';

/** Wireshark's expert severities (epan/proto.h): chat 0x00200000, note 0x00400000, warn 0x00600000, error 0x00800000. */
const PI_WARN = 0x00600000;

export type Direction = 'sent' | 'received';

/** A datagram seen at the package's own socket. */
export interface Tapped {
  direction: Direction;
  peer: number;
  raw: Buffer;
  phase: string;
}

/** What one frame must decode to: BVLC function and length (null: any), and exact values of other fields. */
export interface Expected {
  what: string;
  direction: Direction;
  peer: number;
  function: number;
  length: number | null;
  /** Each field's values in tree order; [] says the field must be absent. */
  fields: Record<string, string[]>;
  /** Text items (fields without a name, such as "Priority: (Unsigned) 8") that must be in the tree. */
  texts?: string[];
  /** Beginnings of text items that must not be in the tree (a cancellation has no "life time"). */
  noTexts?: string[];
}

/** A field's values (`show`) in tree order; tshark shows unsigned fields in decimal or as 0x.., both read by Number(). */
export function values(frame: CapturedFrame, name: string): string[] {
  return (frame.get(name) ?? []).map((f) => f.show);
}

export function num(frame: CapturedFrame, name: string): number[] {
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

/**
 * Taps the endpoint's own socket (a private field, reached here only) so that the
 * test knows every datagram the package sent and received, independently of the
 * capture; each is labelled with `phase()` at that moment.
 */
export function tapSocket(endpoint: UdpEndpoint, phase: () => string): Tapped[] {
  const tapped: Tapped[] = [];
  const socket = (endpoint as unknown as { socket: dgram.Socket }).socket;
  socket.on('message', (raw: Buffer, rinfo: dgram.RemoteInfo) => tapped.push({ direction: 'received', peer: rinfo.port, raw: Buffer.from(raw), phase: phase() }));
  const send = socket.send.bind(socket) as (...args: unknown[]) => void;
  (socket as unknown as { send: (...args: unknown[]) => void }).send = (...args: unknown[]) => {
    tapped.push({ direction: 'sent', peer: args[1] as number, raw: Buffer.from(args[0] as Uint8Array), phase: phase() });
    send(...args);
  };
  return tapped;
}

const key = (direction: Direction, peer: number, hex: string): string => `${direction} ${peer} ${hex}`;

/** "sent <peer> <hex>" of each captured frame, as the tap writes its datagrams. */
export function capturedKeys(frames: CapturedFrame[], fdPort: number): string[] {
  return frames.map((f) => {
    const sent = num(f, 'udp.srcport')[0] === fdPort;
    return key(sent ? 'sent' : 'received', num(f, sent ? 'udp.dstport' : 'udp.srcport')[0], (values(f, 'udp.payload')[0] ?? '').replace(/:/g, ''));
  });
}

export function tappedKeys(tapped: Tapped[]): string[] {
  return tapped.map((t) => key(t.direction, t.peer, t.raw.toString('hex')));
}

/** Whether the field values Wireshark shows are the ones wanted (numbers compared as numbers: "0x0a" is 10). */
function sameValues(got: string[], want: string[]): boolean {
  return got.length === want.length && got.every((g, k) => g === want[k] || (g !== '' && want[k] !== '' && Number(g) === Number(want[k])));
}

/**
 * Every frame decoded cleanly and matched to one expected frame of its phase,
 * every expected frame found: the problems found, in words (none: []).
 */
export function checkFrames(frames: CapturedFrame[], fdPort: number, tapped: Tapped[], expected: Record<string, Expected[]>): string[] {
  const keys = capturedKeys(frames, fdPort);
  const problems: string[] = [];
  // Identical datagrams (a renewal and its ACK repeat the first ones) keep their order on both sides.
  const phasesOf = new Map<string, string[]>();
  for (const t of tapped) {
    const k = key(t.direction, t.peer, t.raw.toString('hex'));
    phasesOf.set(k, [...(phasesOf.get(k) ?? []), t.phase]);
  }
  const unmatched = new Map(Object.entries(expected).map(([p, list]) => [p, [...list]]));
  frames.forEach((frame, i) => {
    const label = `frame ${values(frame, 'frame.number')[0]} (${keys[i].slice(0, 60)})`;
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
    const p = phasesOf.get(keys[i])?.shift();
    const candidates = p ? unmatched.get(p) ?? [] : [];
    const direction: Direction = keys[i].startsWith('sent') ? 'sent' : 'received';
    const peer = Number(keys[i].split(' ')[1]);
    const mismatch = (e: Expected): string | null => {
      if (e.direction !== direction || e.peer !== peer) return 'direction or peer';
      if (num(frame, 'bvlc.function')[0] !== e.function) return `function ${values(frame, 'bvlc.function')} != 0x${e.function.toString(16)}`;
      if (e.length !== null && length.length !== e.length) return `"${length.showname}" != ${e.length}`;
      for (const [field, want] of Object.entries(e.fields)) {
        const got = values(frame, field);
        if (!sameValues(got, want)) return `${field} ${JSON.stringify(got.slice(0, 8))}${got.length > 8 ? `...(${got.length})` : ''} != ${JSON.stringify(want.slice(0, 8))}`;
      }
      const texts = values(frame, '');
      for (const text of e.texts ?? []) if (!texts.includes(text)) return `no text item "${text}"`;
      for (const start of e.noTexts ?? []) if (texts.some((t) => t.startsWith(start))) return `a text item "${start}..."`;
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
  return problems;
}

/** "16 frames decoded cleanly: 2 Register-Foreign-Device (0x05), ..." */
export function summary(frames: CapturedFrame[]): string {
  const byFunction = new Map<string, number>();
  for (const frame of frames) {
    const name = (frame.get('bvlc.function')?.[0]?.showname ?? '?').replace(/^Function: /, '');
    byFunction.set(name, (byFunction.get(name) ?? 0) + 1);
  }
  return `${frames.length} frames decoded cleanly: ${[...byFunction].map(([n, c]) => `${c} ${n}`).join(', ')}`;
}
