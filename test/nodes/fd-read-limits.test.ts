/**
 * fd-read under load and at close (CLIENT.md "Confirmed requests": at most 2
 * outstanding and 100 waiting per device, nothing waits forever): 150 reads
 * to one device at once, a close while a request is outstanding, and 500
 * reads that leave neither heap nor handles behind.
 */
import assert from 'node:assert/strict';
import helper from 'node-red-node-test-helper';
import { openEndpoints } from '../../dist/transport/endpoint-registry';
import type { DemoSite } from '../support/bbmd-emulator';
import type { FakeDevice } from '../support/fake-device';
import { PointProbe, pointSuite, reported } from '../support/point-flow';
import { catchNode, packageNodes } from '../support/red-helper';
import { until } from '../support/wait';
import { MB, activeResources, heapAfterGc } from '../support/leak-probes';

const NODES = [...packageNodes('bacnet-bbmd', 'fd-read'), catchNode()];

helper.init(require.resolve('node-red'));

/** Requests the device has received and not yet answered: now, and the most at once. */
function trackOutstanding(device: FakeDevice): { now: number; max: number } {
  const track = { now: 0, max: 0 };
  const server = device.server;
  const handle = server.handle.bind(server);
  server.handle = (apdu, peer, from, reply) => {
    if (apdu.type !== 'confirmed-request') return handle(apdu, peer, from, reply);
    track.now++;
    track.max = Math.max(track.max, track.now);
    let answered = false;
    handle(apdu, peer, from, (octets, expectingReply) => {
      if (!answered) track.now--;
      answered = true;
      reply(octets, expectingReply);
    });
  };
  return track;
}

/** Forgets the calls the helper's spies recorded (they hold every message and status: not a leak of ours). */
function forgetSpiedCalls(): void {
  // The helper keeps its sinon sandbox private; resetHistory() is sinon's own API.
  (helper as unknown as { _sandbox?: { resetHistory(): void } })._sandbox?.resetHistory();
}

describe('fd-read limits, close and leaks (test helper, demo site)', function () {
  this.timeout(30_000);
  const suite = pointSuite(NODES, 'fd-read');
  let site: DemoSite;
  let probe: PointProbe;

  async function deploy(fields: Record<string, unknown>): Promise<void> {
    await suite.deploy({ device: '1202', object: 'analog-input:1', timeout: 3000, retries: 1, ...fields });
    ({ site, probe } = suite);
    assert.equal(await probe.value({ payload: 0 }), 21.5, 'the device known before the load');
  }
  const device = (): FakeDevice => site.devices[1]!;

  it('150 reads in one array: at most 2 outstanding at the device, none busy, every one answered', async () => {
    await deploy({});
    device().answerDelayMs = 5;
    // Without ReadPropertyMultiple the array is 150 ReadProperty requests: the per-device limits under load.
    device().readPropertyMultiple = false;
    const track = trackOutstanding(device());
    const payload = Array.from({ length: 150 }, (_, i) => ({ object: i % 2 === 0 ? 'analog-input:1' : 'multi-state-value:1' }));
    const answer = await probe.ask({ payload }, 20_000);
    assert.ok(answer.ok, reported().join('\n'));
    const results = answer.msg.payload as { value?: unknown; error?: string }[];
    assert.equal(results.length, 150);
    assert.deepEqual(results.filter((r) => 'error' in r), [], 'none failed (the array runs 4 at a time)');
    assert.ok(results.every((r, i) => r.value === (i % 2 === 0 ? 21.5 : 1)));
    assert.equal(track.max, 2, 'two outstanding at the device at most (and it got that far)');
    assert.equal(track.now, 0);
    assert.equal(device().server.counters.readProperty, 151);
    assert.ok(device().server.counters.readPropertyMultiple <= 2, 'the batches sent before the first Reject came back, at most');
  });

  it('150 messages at once: at most 2 outstanding, the ones beyond 100 waiting fail with busy, every message ends', async () => {
    await deploy({});
    device().answerDelayMs = 20;
    const track = trackOutstanding(device());
    const node = helper.getNode('point')!;
    for (let i = 0; i < 150; i++) node.receive({ payload: i } as never);
    await until(() => probe.out.length + probe.errors.length === 151, 20_000, 'all 150 ended');
    const errors = reported();
    assert.ok(errors.every((text) => /^fd-read\.errors\.failed: device 1202 busy \(100 requests waiting\)$/.test(text)), errors.join('\n'));
    assert.ok(errors.length >= 48, `at least 150 - 2 - 100 busy, got ${errors.length}`);
    assert.equal(probe.out.length - 1 + errors.length, 150);
    assert.ok(probe.out.slice(1).every((msg) => msg.payload === 21.5));
    assert.equal(track.max, 2);
    assert.equal(track.now, 0);
  });

  it('close while a request is outstanding: no crash, no socket, no timer left', async () => {
    const closeAll = async (): Promise<void> => {
      await helper.unload();
      assert.deepEqual(openEndpoints(), [], 'the socket closed with the flow');
      await site.stop();
    };
    // The baseline: what a clean close leaves (the runtime's and mocha's own timers).
    await deploy({});
    await closeAll();
    const timersAfterCleanClose = activeResources().Timeout ?? 0;

    await deploy({ timeout: 3000, retries: 3 });
    device().answerDelayMs = 1500;
    const requests = device().server.requests.length;
    helper.getNode('point')!.receive({ payload: 1 } as never);
    await until(() => device().server.requests.length === requests + 1, 2000, 'the request at the device');
    await closeAll();
    // Nothing of ours keeps a timer (the request's retry timer above all): the count falls back within a bounded wait.
    await until(() => (activeResources().Timeout ?? 0) <= timersAfterCleanClose && (activeResources().UDPWrap ?? 0) === 0, 2000, `timers back to ${timersAfterCleanClose}, no UDP socket`);
    assert.equal(device().counters.internalErrors, 0);
    assert.deepEqual(probe.out.slice(1), [], 'no value after close');
  });

  it('500 reads one after another leave heap and handles where they were', async () => {
    await deploy({});
    const node = helper.getNode('point')!;
    let answered = 0;
    helper.getNode('out')!.on('input', () => answered++);
    const readMany = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const target = answered + 1;
        node.receive({ payload: i } as never);
        await until(() => answered >= target, 3000, `read ${i}`);
      }
    };
    await readMany(50);
    forgetSpiedCalls();
    const heapBefore = await heapAfterGc();
    const resourcesBefore = activeResources();
    const started = Date.now();
    await readMany(500);
    const ms = Date.now() - started;
    forgetSpiedCalls();
    probe.out.length = 0;
    await until(
      () => (activeResources().UDPWrap ?? 0) <= (resourcesBefore.UDPWrap ?? 0) && (activeResources().Timeout ?? 0) <= (resourcesBefore.Timeout ?? 0),
      2000,
      `sockets and timers back to ${JSON.stringify(resourcesBefore)}, now ${JSON.stringify(activeResources())}`,
    );
    const growth = (await heapAfterGc()) - heapBefore;
    assert.ok(growth < 1 * MB, `heap grew by ${(growth / MB).toFixed(2)} MB over 500 reads (${ms} ms)`);
    assert.equal(reported().length, 0);
  });
});
