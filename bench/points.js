// @ts-check
/**
 * The points part (BENCH_ONLY=points, issue 18): fd-read polling one device's
 * points as one message with an array of reads (ReadPropertyMultiple) against
 * the same points as one message per read (ReadProperty each), in one Node-RED
 * runtime, taking turns as the other parts do.
 *
 * The device is the test suite's FakeDevice (dist-test) behind its BBMD
 * emulator, in the parent process (bench/run.js): both variants ask the same
 * device through the same config node and socket. A poll is what an inject
 * firing does: the array variant sends one message and waits for its answer;
 * the single variant sends its messages at once (as many inject nodes firing
 * together would) and waits for all the answers. Points per second (wall) is
 * what a flow gets; CPU µs per point is the Node-RED process's own cost.
 *
 * `pointsRound` runs in bench/run.js; `pointsJob` in bench/red-child.js.
 */
'use strict';

const path = require('node:path');
const { LOOPBACK, median } = require('./lib');

const ROOT = path.resolve(__dirname, '..');
/** @type {('array' | 'single')[]} */
const VARIANTS = ['array', 'single'];

/**
 * One round, parent side: a fresh demo site (one device with `points` analog inputs
 * besides analog-input:1) and a fresh Node-RED process.
 * @param {(script: string, job: object, label: string) => any} spawn
 * @param {(child: any) => Promise<void>} finish
 * @param {{ points: number, warmPolls: number, windows: number, pollsPerWindow: number }} config
 * @param {number} round
 */
async function pointsRound(spawn, finish, config, round) {
  const { startDemoSite } = require(path.join(ROOT, 'dist-test', 'support', 'bbmd-emulator.js'));
  // Replies by unicast: the emulator logs every frame it relays, which the device's answers need not pay for.
  const site = await startDemoSite({ devices: 1, routed: null, large: null, deviceOptions: () => ({ extraObjects: config.points, replyMode: 'unicast' }) });
  const device = site.devices[0];
  const child = spawn('red-child.js', { kind: 'points', emulatorPort: site.address.port, device: device.deviceInstance, points: config.points }, `points round ${round + 1}`);
  try {
    await child.wait('ready', 30_000);
    await child.request({ cmd: 'warm', polls: config.warmPolls }, 'warmed', 60_000);
    const { results } = await child.request({ cmd: 'go', windows: config.windows, polls: config.pollsPerWindow, round }, 'measured', 120_000);
    const counters = device.server.counters;
    return { variants: results, readProperty: counters.readProperty, readPropertyMultiple: counters.readPropertyMultiple };
  } finally {
    await finish(child);
    await site.stop();
  }
}

/**
 * Per round, the array variant's points per second over the single variant's, paired by turn
 * (moments apart), the median over the turns; and the same for CPU per point (single over array).
 * @param {{ array: Turns, single: Turns }} v
 * @typedef {{ pointsPerSecond: number[], cpuUsPerPoint: number[], userUsPerPoint: number[], systemUsPerPoint: number[] }} Turns
 */
function roundRatios(v) {
  return {
    wall: median(v.array.pointsPerSecond.map((a, w) => a / v.single.pointsPerSecond[w])),
    cpu: median(v.array.cpuUsPerPoint.map((a, w) => v.single.cpuUsPerPoint[w] / a)),
  };
}

/**
 * The job, child side: two fd-read nodes on one config node, each wired to its own
 * bench-points sink; polls driven from here.
 * @param {{ job: any, TAB: { id: string }, startRed: (flows: object[]) => Promise<void>, started: (...ids: string[]) => Promise<void>,
 *   registered: (id: string) => Promise<void>, node: (id: string) => any, next: () => Promise<any>, reply: (m: object) => void }} ctx
 */
async function pointsJob(ctx) {
  const { job, TAB, node, next, reply } = ctx;
  const z = TAB.id;
  const read = (/** @type {string} */ id) => ({
    id: `read-${id}`, z, type: 'fd-read', bbmd: 'bbmd', name: '', device: String(job.device), object: '', property: 'present-value', index: '',
    timeout: 3000, retries: 3, wires: [[`sink-${id}`]],
  });
  await ctx.startRed([
    TAB,
    { id: 'bbmd', type: 'bacnet-bbmd', host: LOOPBACK, port: job.emulatorPort, ttl: 60, localAddress: '', localPort: 0, publicAddress: '', deregister: true },
    ...VARIANTS.map(read),
    ...VARIANTS.map((id) => ({ id: `sink-${id}`, z, type: 'bench-points' })),
  ]);
  await ctx.started(...VARIANTS.map((id) => `read-${id}`));
  await ctx.registered('bbmd');
  /** analog-input:2 .. analog-input:<points + 1>, the device's extra objects. */
  const objects = Array.from({ length: job.points }, (_, i) => `analog-input:${i + 2}`);
  /** A read that fails as a whole goes to done(err), not to the sink: a poll that waits 10 s has lost one. */
  const answered = (/** @type {any} */ sink, /** @type {number} */ n) => {
    /** @type {NodeJS.Timeout | undefined} */
    let timer;
    return Promise.race([
      sink.after(n),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer from fd-read within 10 s (${sink.id})`)), 10_000))),
    ]).finally(() => clearTimeout(timer));
  };
  /** @type {Record<string, () => Promise<void>>} */
  const poll = {
    array: async () => {
      const done = answered(node('sink-array'), 1);
      node('read-array').receive({ payload: objects.map((object) => ({ object })) });
      await done;
    },
    single: async () => {
      const done = answered(node('sink-single'), objects.length);
      for (const object of objects) node('read-single').receive({ payload: { object } });
      await done;
    },
  };
  const polls = async (/** @type {string} */ variant, /** @type {number} */ n) => {
    for (let i = 0; i < n; i++) await poll[variant]();
  };
  const check = () => {
    for (const id of VARIANTS) {
      const sink = node(`sink-${id}`);
      if (sink.failed > 0) throw new Error(`${id}: ${sink.failed} reads failed (${sink.firstError})`);
    }
  };
  reply({ type: 'ready' });
  for (;;) {
    const message = await next();
    if (message.cmd === 'warm') {
      for (const variant of VARIANTS) await polls(variant, message.polls);
      check();
      reply({ type: 'warmed' });
    } else if (message.cmd === 'go') {
      /** @type {Record<string, Turns>} */
      const results = {};
      for (const variant of VARIANTS) results[variant] = { pointsPerSecond: [], cpuUsPerPoint: [], userUsPerPoint: [], systemUsPerPoint: [] };
      const points = message.polls * job.points;
      for (let w = 0; w < message.windows; w++) {
        for (let i = 0; i < VARIANTS.length; i++) {
          const variant = VARIANTS[(i + message.round + w) % VARIANTS.length];
          const c0 = process.cpuUsage();
          const t0 = process.hrtime.bigint();
          await polls(variant, message.polls);
          const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
          const c = process.cpuUsage(c0);
          const r = results[variant];
          r.pointsPerSecond.push(points / seconds);
          r.cpuUsPerPoint.push((c.user + c.system) / points);
          r.userUsPerPoint.push(c.user / points);
          r.systemUsPerPoint.push(c.system / points);
        }
      }
      check();
      reply({ type: 'measured', results });
    } else if (message.cmd === 'stop') {
      return;
    }
  }
}

/**
 * The points part's lines of the report: what was measured, and the table.
 * @param {{ array: any, single: any, wallRatio: number, cpuRatio: number, wallRounds: number[], cpuRounds: number[], readProperty: number, readPropertyMultiple: number }} poll
 * @param {{ points: number, pointsWarmPolls: number, pointsWindows: number, pointsPollsPerWindow: number }} config
 * @param {{ table: (header: string[], rows: string[][]) => string, int: (v: number) => string, fixed: (v: number, digits?: number) => string }} format
 */
function pointsReport(poll, config, { table, int, fixed }) {
  const n = config.points;
  const labels = { array: `fd-read, one array of ${n} reads (ReadPropertyMultiple)`, single: `fd-read, ${n} single-read messages (ReadProperty)` };
  return [
    `5. fd-read polling ${n} points (present-value of ${n} analog inputs) of one fake device (the test suite's, in the bench's own process, ` +
      `answering by unicast): one message with an array of ${n} reads (one ReadPropertyMultiple) against ${n} messages of one read each ` +
      `(ReadProperty each, sent at once), both through one config node. A poll sends and waits for every answer; after ${config.pointsWarmPolls} polls each ` +
      `to warm up, the two take turns (rotated), ${config.pointsWindows} each of ${config.pointsPollsPerWindow} polls. Points/s = points read per second of wall time; CPU = the ` +
      `Node-RED process's per point. Medians as above; the ratios paired by turn (${int(poll.readPropertyMultiple)} ReadPropertyMultiple, ${int(poll.readProperty)} ReadProperty answered).`,
    table(
      ['variant', 'points/s', 'CPU µs/point', 'user', 'system', 'vs single reads (points/s)', 'vs single reads (CPU)'],
      VARIANTS.map((v) => [
        labels[v],
        int(poll[v].pointsPerSecond),
        fixed(poll[v].cpuUsPerPoint),
        fixed(poll[v].userUsPerPoint),
        fixed(poll[v].systemUsPerPoint),
        v === 'array' ? fixed(poll.wallRatio, 2) : '1.00',
        v === 'array' ? fixed(poll.cpuRatio, 2) : '1.00',
      ]),
    ),
    `   Per round, the array read ${fixed(Math.min(...poll.wallRounds), 2)} to ${fixed(Math.max(...poll.wallRounds), 2)} times as many points per second as the single reads, ` +
      `while the single reads took ${fixed(Math.min(...poll.cpuRounds), 2)} to ${fixed(Math.max(...poll.cpuRounds), 2)} times its CPU per point.`,
  ];
}

module.exports = { VARIANTS, pointsRound, roundRatios, pointsJob, pointsReport };
