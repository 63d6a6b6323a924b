#!/usr/bin/env node
// @ts-check
/**
 * `npm run bench`: the package's cost side by side with Node-RED's own floor,
 * its core UDP nodes and raw dgram, on 127.0.0.1 only, in one run of under
 * three minutes. Prints a table and writes bench/results.json.
 *
 * Every round runs in a fresh process (a Node-RED runtime can be initialised
 * once per process): bench/red-child.js embeds Node-RED (RED.init + RED.start,
 * no test helper) with this package loaded as a module and the bench-only nodes
 * of bench/nodes. Within a round the variants take turns in short windows, in
 * rotated order: on a shared 2-vCPU VM the same work costs up to half again as
 * much from one second to the next, and turns make that fall on every variant
 * alike. bench/peer.js is the other end of the socket (a minimal BBMD that counts
 * what it receives and sends Forwarded-NPDUs on request). Every ratio is the
 * median of the per-round ratios.
 *
 * Environment: BENCH_ROUNDS (default 7, at least 5), BENCH_CPU_PROF=<dir> (node --cpu-prof
 * every Node-RED child into <dir>), BENCH_LOG=info (Node-RED's log on stderr),
 * BENCH_ONLY=send,receive,drops,alloc,soak,deploy,points (only those parts, no results), BENCH_TRACE=1 (each
 * receive turn: messages, CPU, minor page faults, GC time), BENCH_DEDUP_PROBE=1 (the wall time of each
 * duplicate check inside the runtime; it costs a clock pair per message, so not for the figures),
 * BENCH_PACKAGE=<dir> (another build of the package, e.g. an older version, to
 * compare: a directory with its package.json, nodes/ and dist/).
 */
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Child } = require('./proc');
const { median } = require('./lib');
const points = require('./points');

const ROOT = path.resolve(__dirname, '..');
const RESULTS = path.join(__dirname, 'results.json');

const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS) || 7);
const CONFIG = {
  /** Messages a bench-source sends per event-loop turn, every variant alike. */
  batch: 100,
  /** Per variant and round: sendWindows turns of sendPerWindow messages, after sendWarm to warm up. */
  sendWindows: 15,
  sendPerWindow: 2_000,
  /** Enough for the optimising compiler to have settled before the measured messages. */
  sendWarm: 10_000,
  /** Per variant and round: receiveWindows turns of receiveBlastMs at saturation, after receiveWarm at steadyRate. */
  receiveWindows: 6,
  receiveBlastMs: 250,
  receiveWarm: 10_000,
  /**
   * Then a turn at saturation before the measured ones, long enough for fd-receive's duplicate
   * table to reach the size this traffic keeps it at (50,000 NPDUs, its most) and for every page
   * of it to have been touched once: growing it costs page faults and rebuilt buckets once per
   * burst after a quiet spell, not per message of a flood. Measured apart ("while the duplicate
   * table grows"). The other variants, which have nothing to grow, get a short turn alike.
   */
  receiveGrowMs: 2_000,
  receiveSaturateMs: 250,
  dropsRate: 20_000,
  dropsSeconds: 10,
  dropsWarm: 10_000,
  allocMessages: 20_000,
  allocWarm: 5_000,
  /** Steady rate for the receive allocation window (and half of it for warm-ups). */
  steadyRate: 40_000,
  soakSends: 1_000_000,
  soakReceives: 1_000_000,
  deploys: 6,
  /** fd-read polls of one device's points: points per poll, polls to warm up (each variant), turns per variant and round, polls per turn. */
  points: 20,
  pointsWarmPolls: 100,
  pointsWindows: 6,
  pointsPollsPerWindow: 100,
};
/** Node-RED children that measure bytes allocated: a new space no window fills (see red-child.js allocPerMessage). */
const ALLOC_FLAGS = ['--expose-gc', '--max-semi-space-size=512', '--min-semi-space-size=512'];

const SEND_VARIANTS = ['raw', 'noop', 'floor', 'udpout', 'broadcast', 'broadcast-whois'];
const RECEIVE_VARIANTS = ['receive', 'receive-nodedup', 'udpin'];
const LABELS = {
  raw: 'raw dgram.send (plain code, no Node-RED)',
  noop: 'Node-RED delivery only (a node that calls done())',
  floor: 'floor node (sends a prebuilt frame, nothing else)',
  udpout: 'core udp out',
  broadcast: 'fd-broadcast (npdu mode, maxRate 0)',
  'broadcast-whois': 'fd-broadcast (who-is mode, maxRate 0)',
  receive: 'fd-receive (filter all, dedup on: the default)',
  'receive-nodedup': 'fd-receive (filter all, dedup off)',
  udpin: 'core udp in',
};

/** @type {Set<InstanceType<typeof Child>>} */
const children = new Set();

/**
 * @param {string} script @param {object} job @param {string} label @param {string[]} [flags]
 */
function spawn(script, job, label, flags = []) {
  const execArgv = [...flags];
  if (process.env.BENCH_CPU_PROF && script === 'red-child.js') {
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`, `--cpu-prof-name=${label.replace(/\W+/g, '-')}-${Date.now()}.cpuprofile`);
  }
  const child = new Child(path.join(__dirname, script), [JSON.stringify(job)], execArgv, label);
  children.add(child);
  child.proc.on('exit', () => children.delete(child));
  return child;
}

/** @param {InstanceType<typeof Child>} child */
async function finish(child) {
  try {
    await child.stop(10_000);
  } finally {
    child.kill();
  }
}

/** @param {number} ms */
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Rotated order: round r starts at variant r. @template T @param {T[]} list @param {number} r */
const rotate = (list, r) => list.map((_, i) => list[(i + r) % list.length]);

const T0 = Date.now();
function log(/** @type {string} */ text) {
  process.stderr.write(`[bench ${((Date.now() - T0) / 1000).toFixed(1).padStart(5)} s] ${text}\n`);
}

// ---- the peer --------------------------------------------------------------------------------

/** @type {InstanceType<typeof Child>} */
let peer;
let peerPort = 0;

async function startPeer() {
  peer = spawn('peer.js', {}, 'peer');
  const ready = await peer.wait('ready', 10_000);
  peerPort = ready.port;
}

async function peerCount() {
  return peer.request({ cmd: 'count' }, 'count', 5_000);
}

/**
 * Waits until the peer has counted `n` DBTN frames, or they stop coming (nothing new
 * for 500 ms): what did not arrive by then was dropped, and is reported.
 * @param {number} n
 */
async function peerReceived(n) {
  const end = Date.now() + 60_000;
  let last = -1;
  let since = Date.now();
  for (;;) {
    const c = await peerCount();
    if (c.dbtn >= n) return c;
    if (c.dbtn !== last) {
      last = c.dbtn;
      since = Date.now();
    } else if (Date.now() - since > 500 || Date.now() > end) {
      return c;
    }
    await pause(10);
  }
}

/** Has the peer send Forwarded-NPDUs; resolves with what it sent. @param {object} job @param {number} ms */
function peerTraffic(job, ms) {
  return peer.request({ cmd: 'blast', ...job }, 'blasted', ms);
}

/** Serves a child's requests for traffic until it sends `type`. @param {InstanceType<typeof Child>} child @param {string} type @param {number} ms */
async function serve(child, type, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const message = await child.wait(['ask', type], Math.max(1, end - Date.now()));
    if (message.type === type) return message;
    const blasted = await peerTraffic({ to: message.to, total: message.total, rate: message.rate }, 60_000);
    if (blasted.error) throw new Error(`peer: ${blasted.error}`);
    child.send({ cmd: 'answer', sent: blasted.sent });
  }
}

/**
 * One variant in one round: medians over its turns, and the CPU µs per message of each turn
 * (turn w of every variant ran within the same rotation, moments apart).
 * @typedef {{ cpuUsPerMsg: number, userUsPerMsg: number, systemUsPerMsg: number, wallUsPerMsg: number, offered?: number, turns: number[], dedupNs?: number }} Figures
 */

/**
 * How many messages `a` handles per second of busy time for one that `b` handles, in one
 * round: the median over the turns of b's cost over a's in the same turn. Pairing turns that
 * ran moments apart cancels what the machine did meanwhile better than comparing medians.
 * @param {Figures} a @param {Figures} b
 */
function pairedRatio(a, b) {
  return median(a.turns.map((cost, w) => b.turns[w] / cost));
}

// ---- 1. send path ----------------------------------------------------------------------------

/**
 * One round of the send path: every variant in one fresh process, in windows that take
 * turns (see red-child.js sendJob). Per variant: the median over its windows of CPU µs
 * per message and of wall µs per message. Then the datagrams the peer counted against
 * what was sent: nothing may go missing unseen.
 * @param {number} round
 */
async function sendRound(round) {
  const child = spawn('red-child.js', { kind: 'send', variants: SEND_VARIANTS, peerPort, batch: CONFIG.batch }, `send round ${round + 1}`);
  try {
    await child.wait('ready', 30_000);
    await peer.request({ cmd: 'reset' }, 'reset', 5_000);
    await child.request({ cmd: 'warm', total: CONFIG.sendWarm }, 'warmed', 60_000);
    const { results } = await child.request({ cmd: 'go', windows: CONFIG.sendWindows, perWindow: CONFIG.sendPerWindow, round }, 'measured', 120_000);
    const sending = SEND_VARIANTS.filter((v) => v !== 'noop').length;
    const expected = sending * (CONFIG.sendWarm + CONFIG.sendWindows * CONFIG.sendPerWindow);
    const counted = await peerReceived(expected);
    /** @type {Record<string, Figures>} */
    const out = {};
    for (const variant of SEND_VARIANTS) {
      const r = results[variant];
      out[variant] = { cpuUsPerMsg: median(r.cpu), userUsPerMsg: median(r.user), systemUsPerMsg: median(r.system), wallUsPerMsg: median(r.wall), turns: r.cpu };
    }
    return { variants: out, lost: expected - counted.dbtn };
  } finally {
    await finish(child);
  }
}

// ---- 2. receive path --------------------------------------------------------------------------

/**
 * One round of the receive path: fd-receive (dedup on and off) and udp in in one fresh process; each warmed
 * up, then in turns (rotated) the peer offers one of them more than the runtime takes for
 * a while; CPU µs per delivered message per turn, the median per variant.
 * @param {number} round
 */
async function receiveRound(round) {
  const child = spawn('red-child.js', { kind: 'receive', variants: RECEIVE_VARIANTS, peerPort }, `receive round ${round + 1}`);
  try {
    const { targets } = await child.wait('ready', 30_000);
    for (const variant of RECEIVE_VARIANTS) {
      // Warm-up at a rate both take without loss, so the turns measure optimised code.
      await peerTraffic({ to: targets[variant], total: CONFIG.receiveWarm, rate: CONFIG.steadyRate }, 30_000);
      await child.request({ cmd: 'settle', variant }, 'settled', 30_000);
    }
    /**
     * One turn: the peer offers `variant` more than the runtime takes for `durationMs`; what the
     * peer sent and what the child counted (messages, CPU, faults, GC, the probe) in that window.
     * @param {string} variant @param {number} durationMs
     */
    const saturate = async (variant, durationMs) => {
      await child.request({ cmd: 'mark', variant }, 'marked', 5_000);
      const sent = await peerTraffic({ to: targets[variant], durationMs, rate: 0 }, 30_000);
      if (sent.error) throw new Error(`peer: ${sent.error}`);
      const counted = await child.request({ cmd: 'count' }, 'counted', 30_000);
      return { sent, counted };
    };
    let growing = null;
    for (const variant of RECEIVE_VARIANTS) {
      const { counted: m } = await saturate(variant, variant === 'receive' ? CONFIG.receiveGrowMs : CONFIG.receiveSaturateMs);
      if (variant === 'receive') growing = { count: m.count, cpuUsPerMsg: m.cpuUs / m.count, faults: m.faults };
    }
    /** @type {Record<string, { cpu: number[], user: number[], system: number[], wall: number[], offered: number[], dedupNs: number[] }>} */
    const turns = Object.fromEntries(RECEIVE_VARIANTS.map((v) => [v, { cpu: [], user: [], system: [], wall: [], offered: [], dedupNs: [] }]));
    for (let w = 0; w < CONFIG.receiveWindows; w++) {
      for (const variant of rotate(RECEIVE_VARIANTS, round + w)) {
        const { sent: b, counted: m } = await saturate(variant, CONFIG.receiveBlastMs);
        const t = turns[variant];
        t.cpu.push(m.cpuUs / m.count);
        t.user.push(m.userUs / m.count);
        t.system.push(m.systemUs / m.count);
        t.wall.push((m.seconds * 1e6) / m.count);
        t.offered.push(b.sent / (Number(BigInt(b.ended) - BigInt(b.started)) / 1e9));
        const checkNs = m.dedupCalls > 0 ? (m.dedupMs * 1e6) / m.dedupCalls : NaN;
        if (Number.isFinite(checkNs)) t.dedupNs.push(checkNs);
        const probe = Number.isFinite(checkNs) ? `, duplicate check ${int(checkNs)} ns each (${int(m.dedupCalls)})` : '';
        if (process.env.BENCH_TRACE) log(`  ${variant}: ${m.count} messages, ${fixed(m.cpuUs / m.count)} µs (${fixed(m.userUs / m.count)} + ${fixed(m.systemUs / m.count)}), ${m.faults} minor page faults, GC ${fixed(m.gcMs, 1)} ms${probe}`);
      }
    }
    /** @type {Record<string, Figures>} */
    const out = {};
    for (const variant of RECEIVE_VARIANTS) {
      const t = turns[variant];
      out[variant] = { cpuUsPerMsg: median(t.cpu), userUsPerMsg: median(t.user), systemUsPerMsg: median(t.system), wallUsPerMsg: median(t.wall), offered: median(t.offered), turns: t.cpu, dedupNs: median(t.dedupNs) };
    }
    return { variants: out, growing };
  } finally {
    await finish(child);
  }
}

/** fd-receive with 20,000 Forwarded-NPDUs a second for 10 s: what does not come out is lost. */
async function dropsAt20k() {
  const child = spawn('red-child.js', { kind: 'receive', variants: ['receive'], peerPort }, 'drops');
  try {
    const { targets } = await child.wait('ready', 30_000);
    const to = targets.receive;
    // Steady state, not the first seconds of cold code: a warm-up at half the rate first.
    await peerTraffic({ to, total: CONFIG.dropsWarm, rate: CONFIG.dropsRate / 2 }, 30_000);
    await child.request({ cmd: 'settle', variant: 'receive' }, 'settled', 30_000);
    await child.request({ cmd: 'mark', variant: 'receive' }, 'marked', 5_000);
    const total = CONFIG.dropsRate * CONFIG.dropsSeconds;
    const b = await peerTraffic({ to, total, rate: CONFIG.dropsRate }, (CONFIG.dropsSeconds + 10) * 1000);
    if (b.error) throw new Error(`peer: ${b.error}`);
    const { count, cpuUs } = await child.request({ cmd: 'count', quietMs: 500 }, 'counted', 10_000);
    const seconds = Number(BigInt(b.ended) - BigInt(b.started)) / 1e9;
    return { sent: b.sent, sendFailed: b.failed, delivered: count, dropped: b.sent - count, offeredRate: b.sent / seconds, cpuUsPerMsg: cpuUs / count };
  } finally {
    await finish(child);
  }
}

// ---- 3. per message: allocation, heap and RSS ----------------------------------------------------

async function allocSend() {
  const variants = ['noop', 'floor', 'udpout', 'broadcast', 'broadcast-whois'];
  const child = spawn('red-child.js', { kind: 'alloc-send', variants, peerPort, batch: CONFIG.batch, n: CONFIG.allocMessages, warm: CONFIG.allocWarm }, 'alloc-send', ALLOC_FLAGS);
  try {
    return (await child.wait('result', 60_000)).results;
  } finally {
    await finish(child);
  }
}

async function allocReceive() {
  const child = spawn(
    'red-child.js',
    { kind: 'alloc-receive', variants: RECEIVE_VARIANTS, peerPort, n: CONFIG.allocMessages, warm: CONFIG.allocWarm, rate: CONFIG.steadyRate },
    'alloc-receive',
    ALLOC_FLAGS,
  );
  try {
    return (await serve(child, 'result', 60_000)).results;
  } finally {
    await finish(child);
  }
}

async function soak() {
  const job = { kind: 'soak', peerPort, batch: CONFIG.batch, warm: 20_000, warmRate: CONFIG.steadyRate / 2, sends: CONFIG.soakSends, receives: CONFIG.soakReceives };
  const child = spawn('red-child.js', job, 'soak', ['--expose-gc']);
  try {
    return await serve(child, 'result', 90_000);
  } finally {
    await finish(child);
  }
}

// ---- 4. start and stop ---------------------------------------------------------------------------

async function deployAndClose() {
  const emulatorModule = path.join(ROOT, 'dist-test', 'support', 'bbmd-emulator.js');
  const { BbmdEmulator } = require(emulatorModule);
  const emulator = new BbmdEmulator();
  const address = await emulator.start();
  const child = spawn('red-child.js', { kind: 'deploy', emulatorPort: address.port, deploys: CONFIG.deploys }, 'deploy');
  try {
    return (await child.wait('result', 60_000)).results;
  } finally {
    await finish(child);
    await emulator.stop();
  }
}

// ---- 5. fd-read points ---------------------------------------------------------------------------

/** Every round of the points part (bench/points.js), and the medians over the rounds. */
async function pointsPart() {
  const config = { points: CONFIG.points, warmPolls: CONFIG.pointsWarmPolls, windows: CONFIG.pointsWindows, pollsPerWindow: CONFIG.pointsPollsPerWindow };
  /** @type {{ array: any[], single: any[], wall: number[], cpu: number[] }} */
  const rounds = { array: [], single: [], wall: [], cpu: [] };
  let readProperty = 0;
  let readPropertyMultiple = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const result = await points.pointsRound(spawn, finish, config, r);
    const ratios = points.roundRatios(result.variants);
    for (const v of points.VARIANTS) rounds[/** @type {'array' | 'single'} */ (v)].push(result.variants[v]);
    rounds.wall.push(ratios.wall);
    rounds.cpu.push(ratios.cpu);
    readProperty += result.readProperty;
    readPropertyMultiple += result.readPropertyMultiple;
    log(
      `points round ${r + 1}/${ROUNDS} (points/s; CPU µs/point): ${points.VARIANTS.map((v) => `${v} ${int(median(result.variants[v].pointsPerSecond))}; ${fixed(median(result.variants[v].cpuUsPerPoint))}`).join(', ')}; ` +
        `array vs single ${fixed(ratios.wall, 2)} (CPU ${fixed(ratios.cpu, 2)}); the device answered ${int(result.readPropertyMultiple)} ReadPropertyMultiple, ${int(result.readProperty)} ReadProperty`,
    );
  }
  /** The median over the rounds of each round's median over its turns. @param {any[]} list @param {string} key */
  const of = (list, key) => median(list.map((x) => median(x[key])));
  const figures = (/** @type {any[]} */ list) => ({
    pointsPerSecond: of(list, 'pointsPerSecond'),
    cpuUsPerPoint: of(list, 'cpuUsPerPoint'),
    userUsPerPoint: of(list, 'userUsPerPoint'),
    systemUsPerPoint: of(list, 'systemUsPerPoint'),
  });
  const summary = { array: figures(rounds.array), single: figures(rounds.single), wallRatio: median(rounds.wall), cpuRatio: median(rounds.cpu), wallRounds: rounds.wall, cpuRounds: rounds.cpu, readProperty, readPropertyMultiple };
  log(
    `points: array ${int(summary.array.pointsPerSecond)}/s (${fixed(summary.array.cpuUsPerPoint)} CPU µs/point), single ${int(summary.single.pointsPerSecond)}/s ` +
      `(${fixed(summary.single.cpuUsPerPoint)}); array vs single ${fixed(summary.wallRatio, 2)} points/s, ${fixed(summary.cpuRatio, 2)} CPU`,
  );
  return summary;
}

// ---- report -----------------------------------------------------------------------------------

function machine() {
  let cpu = 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {
    // not Linux
  }
  return {
    cpus: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
    cpu,
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    nodeRed: require(require.resolve('node-red/package.json', { paths: [ROOT] })).version,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** @param {number} v @param {number} [digits] */
const fixed = (v, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
/** @param {number} v */
const int = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a');
/** @param {number} bytes */
const kib = (bytes) => `${bytes < 0 ? '-' : ''}${(Math.abs(bytes) / 1024).toFixed(0)} KiB`;

/** @param {string[]} header @param {string[][]} rows */
function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (/** @type {string[]} */ cells) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i === 0 ? ':' : '-') + '-'.repeat(w) + (i === 0 ? '-' : ':')).join('|')}|`, ...rows.map(line)].join('\n');
}

/** BENCH_ONLY=send,receive,drops,alloc,soak,deploy,points runs only those parts (for working on the bench; results.json is then not written). */
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
const runs = (/** @type {string} */ part) => !ONLY || ONLY.has(part);

async function main() {
  const started = Date.now();
  const host = machine();
  log(`${host.cpus} CPUs (${host.cpu}), ${host.ramGiB} GiB, ${host.os}, Node ${host.node}, Node-RED ${host.nodeRed}; load ${host.loadAverage.join(' ')}`);
  await startPeer();

  /** @type {Record<string, Figures[]>} */
  const send = Object.fromEntries(SEND_VARIANTS.map((v) => [v, []]));
  let sendLost = 0;
  for (let r = 0; r < ROUNDS && runs('send'); r++) {
    const round = await sendRound(r);
    for (const v of SEND_VARIANTS) send[v].push(round.variants[v]);
    sendLost += round.lost;
    log(
      `send round ${r + 1}/${ROUNDS} (CPU µs/msg): ${SEND_VARIANTS.map((v) => `${v} ${fixed(send[v][r].cpuUsPerMsg)}`).join(', ')}; lost ${round.lost}; ` +
        `fd-broadcast vs floor ${fixed(pairedRatio(send.broadcast[r], send.floor[r]), 3)}, vs udp out ${fixed(pairedRatio(send.broadcast[r], send.udpout[r]), 3)}`,
    );
  }

  /** @type {Record<string, Figures[]>} */
  const receive = Object.fromEntries(RECEIVE_VARIANTS.map((v) => [v, []]));
  /** @type {{ count: number, cpuUsPerMsg: number, faults: number }[]} */
  const growing = [];
  for (let r = 0; r < ROUNDS && runs('receive'); r++) {
    const round = await receiveRound(r);
    for (const v of RECEIVE_VARIANTS) receive[v].push(round.variants[v]);
    if (round.growing) growing.push(round.growing);
    log(
      `receive round ${r + 1}/${ROUNDS} (CPU µs/msg = user + system; offered/s): ${RECEIVE_VARIANTS.map((v) => `${v} ${fixed(receive[v][r].cpuUsPerMsg)} = ${fixed(receive[v][r].userUsPerMsg)} + ${fixed(receive[v][r].systemUsPerMsg)}; ${int(receive[v][r].offered ?? NaN)}`).join(', ')}; ` +
        `fd-receive vs udp in ${fixed(pairedRatio(receive.receive[r], receive.udpin[r]), 3)} (dedup off ${fixed(pairedRatio(receive['receive-nodedup'][r], receive.udpin[r]), 3)})` +
        (Number.isFinite(receive.receive[r].dedupNs) ? `; duplicate check (BENCH_DEDUP_PROBE, turns' median) ${int(receive.receive[r].dedupNs)} ns` : '') +
        (round.growing ? `; before the turns, fd-receive ${fixed(round.growing.cpuUsPerMsg)} µs/msg while its duplicate table grew (${int(round.growing.count)} messages, ${int(round.growing.faults)} page faults)` : ''),
    );
  }

  const drops = runs('drops') ? await dropsAt20k() : null;
  if (drops) log(`20,000/s for ${CONFIG.dropsSeconds} s: sent ${int(drops.sent)}, delivered ${int(drops.delivered)}, dropped ${int(drops.dropped)}`);
  const allocS = runs('alloc') ? await allocSend() : null;
  const allocR = runs('alloc') ? await allocReceive() : null;
  if (allocS && allocR) {
    log(`bytes per message: fd-broadcast ${int(allocS.broadcast.bytesPerMsg)}, floor ${int(allocS.floor.bytesPerMsg)}, fd-receive ${int(allocR.receive.bytesPerMsg)}, udp in ${int(allocR.udpin.bytesPerMsg)}`);
  }
  const mem = runs('soak') ? await soak() : null;
  if (mem) log(`soak: ${int(mem.broadcastsSent)} broadcasts, ${int(mem.received)} received in ${fixed(mem.seconds, 1)} s`);
  const deploys = runs('deploy') ? await deployAndClose() : null;
  if (deploys) log(`deploy to registered ${deploys.map((/** @type {any} */ d) => fixed(d.deployToRegisteredMs, 1)).join(', ')} ms; close ${deploys.map((/** @type {any} */ d) => d.closeMs).join(', ')} ms`);
  const poll = runs('points') ? await pointsPart() : null;
  await finish(peer);
  if (!drops || !allocS || !allocR || !mem || !deploys || !poll) {
    log('BENCH_ONLY: part of the bench ran; no table, bench/results.json left as it was');
    return;
  }
  if (process.env.BENCH_DEDUP_PROBE) {
    log('BENCH_DEDUP_PROBE: the probe added a clock pair to every duplicate check; no table, bench/results.json left as it was');
    return;
  }

  // ---- figures ----
  // Messages per second of busy time is 1e6 / CPU µs per message: a ratio of rates is the inverse
  // ratio of costs; per round from paired turns (pairedRatio), then the median over the rounds.
  const ratio = (/** @type {Figures[]} */ a, /** @type {Figures[]} */ b) => median(a.map((x, i) => pairedRatio(x, b[i])));
  const med = (/** @type {Figures[]} */ rows, /** @type {'cpuUsPerMsg' | 'userUsPerMsg' | 'systemUsPerMsg' | 'wallUsPerMsg' | 'offered'} */ key) =>
    median(rows.map((x) => x[key] ?? NaN));
  const broadcastVsFloor = ratio(send.broadcast, send.floor);
  const broadcastVsUdpOut = ratio(send.broadcast, send.udpout);
  const receiveVsUdpIn = ratio(receive.receive, receive.udpin);
  const heapGrowth = mem.settled.heapUsed - mem.start.heapUsed;
  const rssGrowth = mem.settled.rss - mem.start.rss;
  const deployMs = median(deploys.map((/** @type {{ deployToRegisteredMs: number }} */ d) => d.deployToRegisteredMs));
  const closeMs = median(deploys.map((/** @type {{ closeMs: number }} */ d) => d.closeMs));
  const redeployMs = median(deploys.map((/** @type {{ redeployMs: number }} */ d) => d.redeployMs));

  const results = {
    broadcastVsFloor: round(broadcastVsFloor, 3),
    broadcastVsUdpOut: round(broadcastVsUdpOut, 3),
    rawDgramUsPerMsg: round(med(send.raw, 'cpuUsPerMsg'), 2),
    floorUsPerMsg: round(med(send.floor, 'cpuUsPerMsg'), 2),
    broadcastUsPerMsg: round(med(send.broadcast, 'cpuUsPerMsg'), 2),
    receiveVsUdpIn: round(receiveVsUdpIn, 3),
    receiveUsPerMsg: round(med(receive.receive, 'cpuUsPerMsg'), 2),
    dropsAt20k: drops.dropped,
    heapGrowthBytes: heapGrowth,
    rssGrowthBytes: rssGrowth,
    sendAllocBytesPerMsg: Math.round(allocS.broadcast.bytesPerMsg),
    receiveAllocBytesPerMsg: Math.round(allocR.receive.bytesPerMsg),
    deployToRegisteredMs: round(deployMs, 1),
    closeMs: round(closeMs, 1),
    pointsArrayPerSecond: Math.round(poll.array.pointsPerSecond),
    pointsSinglePerSecond: Math.round(poll.single.pointsPerSecond),
    pointsArrayVsSingle: round(poll.wallRatio, 2),
    pointsCpuArrayVsSingle: round(poll.cpuRatio, 2),
  };
  fs.writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);

  // ---- table ----
  const out = [];
  out.push(`node-red-contrib-bacnet-fd bench, ${new Date().toISOString().slice(0, 10)}`);
  out.push(`Machine: ${host.cpus} CPUs (${host.cpu}), ${host.ramGiB} GiB RAM, ${host.os}; Node ${host.node}, Node-RED ${host.nodeRed}; load average at start ${host.loadAverage.join(', ')}`);
  out.push('');
  out.push(
    `1. Send path: the same 12-octet DBTN frame (81 09 00 0c 01 20 ff ff 00 ff 10 08) to a receiver process on 127.0.0.1 that counts every one ` +
      `(lost: ${sendLost}). Each round is a fresh Node-RED process holding every variant, each fed by its own source node ${CONFIG.batch} messages per ` +
      `event-loop turn; after ${int(CONFIG.sendWarm)} each to warm up, the variants take turns (rotated) for ${CONFIG.sendWindows} x ${int(CONFIG.sendPerWindow)} ` +
      `messages. CPU = the process's user + system time (every thread) per message; msgs/CPU-s = 1e6 / CPU µs, i.e. messages per second of busy ` +
      `time; wall = elapsed time per message while it ran. Figures are medians over the turns of a round, then over ${ROUNDS} rounds. A ratio ` +
      `is messages per CPU-second of one over the other: per round the median over the turns of the two costs in the same turn (moments apart), ` +
      `then the median of the ${ROUNDS} rounds.`,
  );
  out.push(
    table(
      ['variant', 'msgs/CPU-s', 'CPU µs/msg', 'user', 'system', 'wall µs/msg', 'vs floor node', 'vs udp out'],
      SEND_VARIANTS.map((v) => [
        LABELS[/** @type {keyof typeof LABELS} */ (v)],
        int(1e6 / med(send[v], 'cpuUsPerMsg')),
        fixed(med(send[v], 'cpuUsPerMsg')),
        fixed(med(send[v], 'userUsPerMsg')),
        fixed(med(send[v], 'systemUsPerMsg')),
        fixed(med(send[v], 'wallUsPerMsg')),
        fixed(ratio(send[v], send.floor), 3),
        fixed(ratio(send[v], send.udpout), 3),
      ]),
    ),
  );
  out.push('');
  out.push(
    `2. Receive path: Forwarded-NPDUs (distinct I-Ams, 27 octets) from the peer process (the BBMD the config node registered with). Each round is ` +
      `a fresh Node-RED process holding every variant (each fd-receive on its own config node and local port), each wired to its own sink node; after ${int(CONFIG.receiveWarm)} each at ${int(CONFIG.steadyRate)}/s ` +
      `to warm up and a turn at saturation (${fixed(CONFIG.receiveGrowMs / 1000, 1)} s for fd-receive with dedup on, so that its duplicate table has reached the size ` +
      `this traffic keeps it at, ${CONFIG.receiveSaturateMs} ms for the others), they take turns (rotated), ${CONFIG.receiveWindows} each, of ${CONFIG.receiveBlastMs} ms in which the peer offers more than the runtime ` +
      `takes (the kernel drops the rest, which costs the process nothing); per turn, CPU time per message out of the node, until what the socket ` +
      `held is handled. Medians as above.`,
  );
  out.push(
    `   While its duplicate table grew (the saturation turn before the measured ones: median ${int(median(growing.map((g) => g.count)))} messages), ` +
      `fd-receive took ${fixed(median(growing.map((g) => g.cpuUsPerMsg)))} CPU µs per message (median of the rounds; ${int(median(growing.map((g) => g.faults)))} minor page faults), once per burst after a quiet spell.`,
  );
  out.push(
    table(
      ['variant', 'offered/s', 'msgs/CPU-s', 'CPU µs/msg', 'user', 'system', 'wall µs/msg', 'vs udp in'],
      RECEIVE_VARIANTS.map((v) => [
        LABELS[/** @type {keyof typeof LABELS} */ (v)],
        int(med(receive[v], 'offered')),
        int(1e6 / med(receive[v], 'cpuUsPerMsg')),
        fixed(med(receive[v], 'cpuUsPerMsg')),
        fixed(med(receive[v], 'userUsPerMsg')),
        fixed(med(receive[v], 'systemUsPerMsg')),
        fixed(med(receive[v], 'wallUsPerMsg')),
        fixed(ratio(receive[v], receive.udpin), 3),
      ]),
    ),
  );
  out.push(
    `   fd-receive at ${int(CONFIG.dropsRate)}/s for ${CONFIG.dropsSeconds} s: sent ${int(drops.sent)} (${int(drops.offeredRate)}/s), ` +
      `delivered ${int(drops.delivered)}, lost ${int(drops.dropped)}; ${fixed(drops.cpuUsPerMsg)} CPU µs per message at that rate.`,
  );
  out.push('');
  out.push(
    `3. Bytes allocated on the JS heap per message, whole Node-RED process (source or socket, node, sink; no GC in the window, ` +
      `${int(allocS.broadcast.n)} messages; external memory such as Buffer pools not included):`,
  );
  out.push(
    table(
      ['path', 'variant', 'bytes/msg'],
      [
        ...['noop', 'floor', 'udpout', 'broadcast', 'broadcast-whois'].map((v) => ['send', LABELS[/** @type {keyof typeof LABELS} */ (v)], int(allocS[v].bytesPerMsg)]),
        ...RECEIVE_VARIANTS.map((v) => ['receive', LABELS[/** @type {keyof typeof LABELS} */ (v)], int(allocR[v].bytesPerMsg)]),
      ],
    ),
  );
  out.push(
    `   ${int(mem.broadcastsSent)} broadcasts and ${int(mem.received)} received messages (${int(mem.offered)} offered, as fast as the peer sends) through one config node, ` +
      `heap and RSS after gc() against the start (after registration and a warm-up):`,
  );
  out.push(
    table(
      ['when', 'heap used', 'growth', 'RSS', 'growth'],
      [mem.start, mem.end, mem.settled].map((m) => [
        m.label === 'start' ? 'start' : m.label === 'end' ? 'right after the last message' : '2.5 s later (duplicate window pruned)',
        kib(m.heapUsed),
        kib(m.heapUsed - mem.start.heapUsed),
        kib(m.rss),
        kib(m.rss - mem.start.rss),
      ]),
    ),
  );
  out.push('');
  out.push(
    `4. Start and stop against the test suite's BBMD emulator on 127.0.0.1, ${deploys.length} full deploys: deploy to "registered" ` +
      `${fixed(deployMs, 1)} ms (median; first ${fixed(deploys[0].deployToRegisteredMs, 1)} ms, range ${fixed(Math.min(...deploys.map((/** @type {any} */ d) => d.deployToRegisteredMs)), 1)}..${fixed(Math.max(...deploys.map((/** @type {any} */ d) => d.deployToRegisteredMs)), 1)}); ` +
      `redeploy closes the config node (Delete-FDT-Entry answered, socket closed) in ${fixed(closeMs, 0)} ms as Node-RED times it; the whole redeploy ${fixed(redeployMs, 1)} ms.`,
  );
  out.push('');
  out.push(...points.pointsReport(poll, CONFIG, { table, int, fixed }));
  out.push('');
  const check = (/** @type {boolean} */ ok, /** @type {string} */ text) => `   ${ok ? 'met   ' : 'MISSED'} ${text}`;
  out.push('Targets:');
  out.push(check(broadcastVsFloor >= 0.95, `fd-broadcast >= 0.95 of the floor node: ${fixed(broadcastVsFloor, 3)}`));
  out.push(check(broadcastVsUdpOut >= 1.0, `fd-broadcast >= 1.0 of udp out: ${fixed(broadcastVsUdpOut, 3)}`));
  out.push(check(receiveVsUdpIn >= 1.0, `fd-receive >= 1.0 of udp in: ${fixed(receiveVsUdpIn, 3)}`));
  out.push(check(drops.dropped === 0, `0 lost at 20,000/s: ${int(drops.dropped)}`));
  out.push(check(heapGrowth < 1024 * 1024, `heap growth < 1 MiB over the soak: ${kib(heapGrowth)}`));
  out.push(check(deployMs < 50, `deploy to registered < 50 ms: ${fixed(deployMs, 1)} ms`));
  out.push(check(closeMs < 100, `close < 100 ms: ${fixed(closeMs, 0)} ms`));
  out.push('');
  out.push(`bench/results.json:\n${JSON.stringify(results, null, 2)}`);
  out.push(`Run time ${fixed((Date.now() - started) / 1000, 1)} s.`);
  process.stdout.write(`${out.join('\n')}\n`);
}

/** @param {number} v @param {number} digits */
function round(v, digits) {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

process.on('SIGINT', () => {
  for (const child of children) child.kill();
  process.exit(130);
});

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`[bench] failed: ${err && err.stack ? err.stack : err}\n`);
    for (const child of children) child.kill();
    process.exit(1);
  },
);
