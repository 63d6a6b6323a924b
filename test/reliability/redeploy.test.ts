/**
 * Reliability 4: redeploys in one Node-RED runtime (node-red-node-test-helper).
 * A flow with every node type on one config node bound to a fixed local port,
 * deployed again and again: full deploys (every node restarts) and config-node
 * edits deployed as "modified nodes" (the config node and its users restart).
 * Each time the registration ends, exactly one Delete-FDT-Entry reaches the
 * emulator, naming the fixed port; the new registration binds the same port
 * (no EADDRINUSE); sockets and timers do not grow; after the last unload
 * nothing is left open.
 *
 * Short form: 25 + 25; long form: 200 + 200 (COUNTS).
 */
import assert from 'node:assert/strict';
import helper from 'node-red-node-test-helper';
import { BvlcFunction } from '../../dist/protocol/bvll';
import type { FdSnapshot } from '../../dist/registration/types';
import type { RegistrationLease } from '../../dist/registration/registration-table';
import { acquireRegistration, openEndpoints } from '../../dist/transport/endpoint-registry';
import { BbmdEmulator, ReceivedDatagram } from '../support/bbmd-emulator';
import { FakeDevice } from '../support/fake-device';
import { FlowNode, Msg, catchNode, collect, packageNodes } from '../support/red-helper';
import { COUNTS, LOOPBACK, MB, activeResources, freePort, heapAfterGc, pause, portIsFree, record, until } from './support';

const NODES = [...packageNodes('bacnet-bbmd', 'fd-broadcast', 'fd-status', 'fd-receive', 'fd-send'), catchNode()];

helper.init(require.resolve('node-red'));

type Runtime = { bbmd: { snapshot(): FdSnapshot } };

describe('reliability: redeploys in one Node-RED runtime', function () {
  this.timeout(COUNTS.fullDeploys * 1000 + COUNTS.nodeEdits * 1000 + 60_000);
  let emulator: BbmdEmulator;
  let device: FakeDevice;

  before(async () => {
    await helper.startServer();
    // A short log: the emulator's own memory must not blur the heap readings (frames are tallied below).
    emulator = new BbmdEmulator({ logLimit: 100 });
    await emulator.start();
    device = new FakeDevice({ deviceInstance: 4711 });
    await device.start();
    emulator.addLocalDevice(device);
  });

  after(async () => {
    await helper.unload();
    await device.stop();
    await emulator.stop();
    await helper.stopServer();
  });

  it(`${COUNTS.fullDeploys} full deploys and ${COUNTS.nodeEdits} config-node edits on a fixed port: one Delete per ended registration, no EADDRINUSE, no growth, nothing left open`, async () => {
    const port = await freePort();
    const bbmdPort = emulator.address?.port as number;
    const flow = (ttl: number): FlowNode[] => [
      { id: 'tab', type: 'tab', label: 'redeploy' },
      {
        id: 'cfg',
        type: 'bacnet-bbmd',
        host: LOOPBACK,
        port: String(bbmdPort),
        ttl: String(ttl),
        localAddress: LOOPBACK,
        localPort: String(port),
        deregister: true,
      },
      { id: 'status', type: 'fd-status', z: 'tab', bbmd: 'cfg', emitOnDeploy: true, wires: [['out']] },
      { id: 'bc', type: 'fd-broadcast', z: 'tab', bbmd: 'cfg', mode: 'who-is', maxRate: '0' },
      { id: 'rx', type: 'fd-receive', z: 'tab', bbmd: 'cfg', filter: 'i-am', dedup: true, wires: [['heard']] },
      { id: 'tx', type: 'fd-send', z: 'tab', bbmd: 'cfg' },
      { id: 'catcher', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['errors']] },
      { id: 'out', type: 'helper', z: 'tab' },
      { id: 'heard', type: 'helper', z: 'tab' },
      { id: 'errors', type: 'helper', z: 'tab' },
    ];
    const state = (): string | undefined => (helper.getNode('cfg') as unknown as Runtime | null)?.bbmd.snapshot().state;
    // Registers and Deletes as the emulator gets them, compactly: "R" or "D <address named>:<port> from <source port>".
    const seen: string[] = [];
    const tally = (d: ReceivedDatagram): void => {
      if (!('frame' in d)) return;
      if (d.frame.function === BvlcFunction.RegisterForeignDevice) seen.push('R');
      if (d.frame.function === BvlcFunction.DeleteFdtEntry) seen.push(`D ${d.frame.address.address}:${d.frame.address.port} from ${d.from.port}`);
    };
    emulator.on('frame', tally);
    const deletes = (): string[] => seen.filter((e) => e.startsWith('D'));
    const registered = async (what: string): Promise<void> => {
      await until(() => state() === 'registered' && emulator.fdt().length === 1, 5000, `${what}: registered`);
      assert.deepEqual(emulator.fdt().map((e) => `${e.address}:${e.port}`), [`${LOOPBACK}:${port}`], `${what}: one FDT entry, on the fixed port`);
    };

    const resourcesBeforeLoad = activeResources();
    const started = performance.now();
    await helper.load(NODES, flow(60));
    await registered('first deploy');
    // It works: a Who-Is through the BBMD brings the fake device's I-Am to fd-receive.
    const heard = collect('heard');
    helper.getNode('bc')?.receive({} as never);
    await until(() => heard.length === 1, 3000, 'I-Am');
    await pause(100);
    // The helper's spies keep every call they saw (and so every node object ever made): emptied
    // before each heap reading, so that the reading shows what the runtime and this package keep.
    const sandbox = (helper as unknown as { _sandbox: { resetHistory(): void } })._sandbox;
    // What the runtime logged: counted, and bind errors kept (not every line: that would grow the heap).
    let logLines = 0;
    const bindErrors: string[] = [];
    const keepLog = (): void => {
      for (const a of helper.log().args as unknown[][]) {
        logLines++;
        const line = JSON.stringify(a[0]);
        if (/EADDRINUSE|already in use|cannot bind/.test(line)) bindErrors.push(line);
      }
      sandbox.resetHistory();
    };
    keepLog();
    const heapBefore = await heapAfterGc();
    const resourcesBefore = activeResources();
    let ended = 0;
    const deployMs: number[] = [];

    const cycle = async (type: 'full' | 'nodes', ttl: number, what: string): Promise<void> => {
      const deletesBefore = emulator.counters.deletes;
      const registersBefore = emulator.counters.registrations;
      const t = performance.now();
      await helper.setFlows(flow(ttl), type);
      await registered(what);
      deployMs.push(performance.now() - t);
      ended++;
      assert.equal(emulator.counters.deletes, deletesBefore + 1, `${what}: one Delete-FDT-Entry for the registration that ended`);
      assert.equal(emulator.counters.registrations, registersBefore + 1, `${what}: one Register for the new one`);
      assert.equal(deletes().at(-1), `D ${LOOPBACK}:${port} from ${port}`, `${what}: the Delete names the fixed port and comes from it`);
    };

    // The heap is compared from after a few deploys (the runtime's caches and the JIT warm up).
    const warmUp = Math.min(10, Math.floor(COUNTS.fullDeploys / 5));
    let heapWarm = 0;
    for (let i = 0; i < COUNTS.fullDeploys; i++) {
      await cycle('full', 60, `full deploy ${i + 1}`);
      if (i + 1 === warmUp) {
        keepLog();
        heapWarm = await heapAfterGc();
      }
    }
    for (let i = 0; i < COUNTS.nodeEdits; i++) await cycle('nodes', i % 2 === 0 ? 61 : 60, `config edit ${i + 1}`);
    const cyclesMs = performance.now() - started;

    // Still working after all that.
    const heardAfter = collect('heard');
    helper.getNode('bc')?.receive({} as never);
    await until(() => heardAfter.length === 1, 3000, 'I-Am after the redeploys');
    const errors = collect('errors');
    await pause(100);
    assert.deepEqual(errors, [] as Msg[]);

    // Every Delete the emulator got named the fixed port, and each came before the next Register.
    assert.equal(emulator.counters.deletes, ended);
    assert.equal(deletes().length, ended);
    // Strictly alternating: each registration's Delete before the next one's Register.
    assert.equal(seen.join(',').replace(/D [^,]+/g, 'D'), Array.from({ length: ended }, () => 'R,D').join(',') + ',R');
    // No bind error, ever.
    keepLog();
    assert.ok(logLines > ended, `the log was captured (${logLines} lines)`);
    assert.deepEqual(bindErrors, []);

    // No growth in sockets and timers: back to the first deploy's count (bounded wait for closes in flight).
    await until(
      () => (activeResources().UDPWrap ?? 0) <= (resourcesBefore.UDPWrap ?? 0) && (activeResources().Timeout ?? 0) <= (resourcesBefore.Timeout ?? 0),
      3000,
      `sockets and timers back to ${JSON.stringify(resourcesBefore)}, now ${JSON.stringify(activeResources())}`,
    );
    const resourcesAfter = activeResources();
    keepLog();
    const heapAfter = await heapAfterGc();
    // Measured: about 0.1 MB per 100 deploys, noise included; a leak of 5 KB per deploy fails the long form.
    const growth = heapAfter - heapWarm;
    assert.ok(growth < 2 * MB, `heap after GC grew by ${(growth / MB).toFixed(2)} MB over ${ended - warmUp} deploys`);

    // The last unload: nothing left open, the port free, the FDT empty.
    const deletesBeforeUnload = emulator.counters.deletes;
    await helper.unload();
    emulator.off('frame', tally);
    assert.equal(emulator.counters.deletes, deletesBeforeUnload + 1, 'the unload deregistered');
    assert.deepEqual(openEndpoints(), []);
    assert.deepEqual(emulator.fdt(), []);
    assert.ok(await portIsFree(port), `port ${port} is free`);
    await until(
      () => (activeResources().UDPWrap ?? 0) <= (resourcesBeforeLoad.UDPWrap ?? 0) && (activeResources().Timeout ?? 0) <= (resourcesBeforeLoad.Timeout ?? 0),
      3000,
      `sockets and timers back to before the load: ${JSON.stringify(resourcesBeforeLoad)}, now ${JSON.stringify(activeResources())}`,
    );

    deployMs.sort((a, b) => a - b);
    record('redeploys', {
      fullDeploys: COUNTS.fullDeploys,
      configEdits: COUNTS.nodeEdits,
      deletesSeen: emulator.counters.deletes,
      registrationsEnded: ended + 1,
      seconds: Math.round(cyclesMs / 100) / 10,
      deployToRegisteredMedianMs: Math.round(deployMs[Math.floor(deployMs.length / 2)]),
      deployToRegisteredMaxMs: Math.round(deployMs[deployMs.length - 1]),
      resourcesAfterFirstDeploy: resourcesBefore,
      resourcesAfterLastDeploy: resourcesAfter,
      resourcesAfterUnload: activeResources(),
      heapAfterFirstDeployMB: +(heapBefore / MB).toFixed(2),
      heapAfterWarmUpMB: +(heapWarm / MB).toFixed(2),
      warmUpDeploys: warmUp,
      heapAfterLastDeployMB: +(heapAfter / MB).toFixed(2),
    });
  });

  it('a registration released while its Register is in flight still deletes the FDT entry the BBMD made for it', async () => {
    // A redeploy a moment after the Register left: the BBMD accepts it, the ACK comes too late for the
    // old registration. Its entry must not linger in the BBMD's FDT for TTL + grace (with an automatic
    // port, every quick redeploy would leave one behind).
    const bbmd = emulator.address as { address: string; port: number };
    const deletesBefore = emulator.counters.deletes;
    let lease: RegistrationLease | null = null;
    let releasing: Promise<void> | null = null;
    const onFrame = (d: ReceivedDatagram): void => {
      // Called as the emulator receives the Register, before it answers.
      if ('frame' in d && d.frame.function === BvlcFunction.RegisterForeignDevice && lease && !releasing) releasing = lease.release();
    };
    emulator.on('frame', onFrame);
    try {
      lease = await acquireRegistration({ local: { address: LOOPBACK, port: 0 }, bbmd: { host: bbmd.address, port: bbmd.port }, ttl: 60 });
      await until(() => releasing !== null, 3000, 'the Register at the emulator');
      await releasing;
    } finally {
      emulator.off('frame', onFrame);
    }
    // The Delete has been sent when release() resolves; the emulator gets it a moment later.
    await until(() => emulator.counters.deletes > deletesBefore, 1000, 'a Delete-FDT-Entry for the Register that was in flight').catch(() => undefined);
    assert.equal(emulator.counters.deletes, deletesBefore + 1, 'a Delete-FDT-Entry for the Register that was in flight');
    assert.deepEqual(emulator.fdt(), [], 'no FDT entry left behind');
    assert.deepEqual(openEndpoints(), []);
  });
});
