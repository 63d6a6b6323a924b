/**
 * "Is the BBMD reachable, and does it know me?" — the config editor's Test
 * button. Contacts only the BBMD named in the settings, bounded in time:
 * - live: a deployed config node's registration (same BBMD) is used as it is;
 * - temporary: a socket of its own on an automatic port registers once, reads
 *   the FDT and BDT, always sends Delete-FDT-Entry (no stray entry left in the
 *   BBMD's few FDT slots), and is closed.
 */
import type { BipAddress } from '../protocol/address';
import type { BdtEntry, FdtEntry } from '../protocol/bvll';
import { sameBipAddress } from '../protocol/address';
import type { ForeignDeviceManager } from './foreign-device';
import type { FdSnapshot, RegistrationState } from './types';
import type { BbmdSettings } from './settings';
import type { RegistrationLease } from './registration-table';
import { UdpEndpoint } from '../transport/udp-endpoint';

/** A test registration asks for at most this TTL, so that an entry the Delete cannot reach (NAT) soon lapses. */
export const TEST_TTL_CAP = 60;
/** Longest wait for the test registration's first answer (resolution, then the response timeout). */
const FIRST_ANSWER_BOUND_MS = 8000;

export interface BbmdTestReport {
  /** True when the live registration of a deployed config node was used. */
  live: boolean;
  bbmd: { host: string; address: string | null; port: number };
  /** Anything at all came back from the BBMD. */
  reachable: boolean;
  /** Round trip of the Register, ms. */
  rttMs: number | null;
  registration: {
    state: RegistrationState;
    accepted: boolean;
    result: { code: number; name: string } | null;
    error: string | null;
  };
  /** The address the BBMD sees for us (our FDT entry's key). */
  own: BipAddress | null;
  fdt: { entries: FdtEntry[] | null; ownEntry: FdtEntry | null; error: string | null };
  bdt: { entries: BdtEntry[] | null; error: string | null };
  /** Temporary test only: the answer to the closing Delete-FDT-Entry (null: none came or not sent). */
  deleteResult: { code: number; name: string } | null;
  durationMs: number;
}

/** Uses a live, registered manager: nothing is registered or deleted. */
export async function testWithLiveRegistration(manager: ForeignDeviceManager): Promise<BbmdTestReport> {
  const started = performance.now();
  const snapshot = manager.snapshot();
  const [fdt, bdt] = await Promise.all([settle(manager.readFdt()), settle(manager.readBdt())]);
  const own = manager.addressSeenByBbmd ?? snapshot.local;
  return report(true, manager.snapshot(), snapshot.rtt, own, fdt, bdt, null, started, snapshot.lastResult !== null || fdt.ok || bdt.ok);
}

/** Registers once from a temporary socket, reads both tables, deletes the entry and closes the socket. */
export async function testWithTemporarySocket(settings: BbmdSettings): Promise<BbmdTestReport> {
  const started = performance.now();
  const endpoint = new UdpEndpoint({ address: settings.local.address, port: 0, recvBufferSize: 0 });
  await endpoint.open();
  let lease: RegistrationLease | null = null;
  try {
    lease = await endpoint.acquireRegistration({
      local: { address: settings.local.address, port: 0 },
      bbmd: settings.bbmd,
      ttl: Math.min(settings.ttl, TEST_TTL_CAP),
      // Behind NAT the BBMD sees the public address with the port the NAT gives this socket:
      // ours, when it keeps ports. A port given in the form maps the deployed socket, not this one.
      publicAddress: settings.publicAddress && { address: settings.publicAddress.address, port: null },
      deregister: 'always',
    });
    const manager = lease.manager;
    const first = await firstOutcome(manager);
    const [fdt, bdt] = await Promise.all([settle(manager.readFdt()), settle(manager.readBdt())]);
    const own = manager.addressSeenByBbmd;
    const beforeStop = manager.snapshot().lastResult;
    await lease.release();
    lease = null;
    const afterStop = manager.snapshot().lastResult;
    const deleteResult = afterStop !== beforeStop ? afterStop : null;
    const reachable = first.lastResult !== null || fdt.ok || bdt.ok || deleteResult !== null;
    return report(false, first, first.rtt, own, fdt, bdt, deleteResult, started, reachable);
  } finally {
    if (lease) await lease.release();
    await endpoint.close();
  }
}

/** The first snapshot that is not `registering` (bounded). */
function firstOutcome(manager: ForeignDeviceManager): Promise<FdSnapshot> {
  return new Promise<FdSnapshot>((resolve) => {
    const done = (snapshot: FdSnapshot): void => {
      clearTimeout(timer);
      manager.off('change', onChange);
      resolve(snapshot);
    };
    const onChange = (snapshot: FdSnapshot): void => {
      if (snapshot.state !== 'registering') done(snapshot);
    };
    const timer = setTimeout(() => done(manager.snapshot()), FIRST_ANSWER_BOUND_MS);
    manager.on('change', onChange);
    const now = manager.snapshot();
    if (now.state !== 'registering' && now.state !== 'stopped') done(now);
  });
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: string };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (err: Error) => ({ ok: false as const, error: err.message }),
  );
}

function report(
  live: boolean,
  snapshot: FdSnapshot,
  rtt: number | null,
  own: BipAddress | null,
  fdt: Settled<FdtEntry[]>,
  bdt: Settled<BdtEntry[]>,
  deleteResult: { code: number; name: string } | null,
  started: number,
  reachable: boolean,
): BbmdTestReport {
  const entries = fdt.ok ? fdt.value : null;
  return {
    live,
    bbmd: snapshot.bbmd,
    reachable,
    rttMs: rtt,
    registration: {
      state: snapshot.state,
      accepted: snapshot.registered,
      result: snapshot.lastResult,
      error: snapshot.error,
    },
    own,
    fdt: {
      entries,
      ownEntry: own && entries ? (entries.find((e) => sameBipAddress(e, own)) ?? null) : null,
      error: fdt.ok ? null : fdt.error,
    },
    bdt: { entries: bdt.ok ? bdt.value : null, error: bdt.ok ? null : bdt.error },
    deleteResult,
    durationMs: Math.round(performance.now() - started),
  };
}
