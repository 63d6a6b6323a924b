/**
 * The options, events and counters of FakeDevice (fake-device.ts), and how
 * it talks to the BBMD on its subnet.
 */
import type { BipAddress } from '../../dist/protocol/address';
import type { NpduHeader } from '../../dist/protocol/npdu';

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
  /** Answer nothing at all, not even Who-Is; default false. May be changed while running. */
  silent?: boolean;
  /** Answer confirmed requests (false: only I-Am); default true. May be changed while running. */
  answerConfirmed?: boolean;
  /** More analog-inputs (instances 2, 3, ...) so that the object-list is long (400: about 2 kB); default 0. */
  extraObjects?: number;
  /** Proposed window size of segmented answers, 1..127; default 4. */
  windowSize?: number;
  /** Wait this long for a Segment-ACK before resending the window; default 1000. */
  segmentTimeoutMs?: number;
  /** Resend a window at most this often, then give the answer up; default 3. */
  segmentRetries?: number;
  /** Segment numbers lost on their first sending, in every segmented answer; default none. */
  dropSegments?: number[];
  /** Answer ReadPropertyMultiple (false: Reject unrecognized-service, and no bit 14 in protocol-services-supported); default true. May be changed while running. */
  readPropertyMultiple?: boolean;
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

/** Context of one received APDU, handed to a service handler. */
export interface ApduContext {
  from: BipAddress;
  originator: BipAddress;
  bvlcFunction: number;
  npdu: NpduHeader;
  /** The APDU: the NPDU from `npdu.apduOffset` on. */
  apdu: Buffer;
}
