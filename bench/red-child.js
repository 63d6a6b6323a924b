#!/usr/bin/env node
// @ts-check
/**
 * One bench job in an embedded Node-RED runtime (RED.init + RED.start, no test
 * helper), run by bench/run.js as a child process with an IPC channel: a runtime
 * can be initialised once per process, so every round (and every other job) gets a
 * fresh one.
 *
 * The package is linked into a temporary user directory's node_modules (as
 * scripts/start.js does), so Node-RED loads the real nodes/*.js; the bench-only
 * nodes (bench/nodes) come in through `nodesDir`. The user directory is removed
 * on exit.
 *
 * The job (argv[2], JSON) names its kind; see the handlers at the bottom.
 */
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const dgram = require('node:dgram');
const { PerformanceObserver } = require('node:perf_hooks');
const { DBTN_FRAME, LOOPBACK, WHO_IS_NPDU, pause, until } = require('./lib');
const { pointsJob } = require('./points');

/** The package under test: this repository, or BENCH_PACKAGE (another build of it, to compare versions). */
const ROOT = process.env.BENCH_PACKAGE ? path.resolve(process.env.BENCH_PACKAGE) : path.resolve(__dirname, '..');
const job = JSON.parse(process.argv[2]);

/**
 * BENCH_DEDUP_PROBE=1: the wall time of every duplicate check where it runs, inside the
 * runtime between Node-RED's own work (DuplicateFilter.isDuplicate of the package under
 * test, which the nodes load from the same file; the figure includes the probe's own
 * clock, about 60 ns). Off by default: the probe costs a clock pair per message.
 */
const dedupProbe = { calls: 0, ms: 0 };
if (process.env.BENCH_DEDUP_PROBE) {
  const { performance } = require('node:perf_hooks');
  const proto = require(path.join(ROOT, 'dist', 'receive', 'duplicate-filter.js')).DuplicateFilter.prototype;
  const check = proto.isDuplicate;
  proto.isDuplicate = function probed(/** @type {unknown} */ received) {
    const start = performance.now();
    const duplicate = check.call(this, received);
    dedupProbe.ms += performance.now() - start;
    dedupProbe.calls++;
    return duplicate;
  };
}

// ---- IPC: commands from bench/run.js, one at a time -------------------------------------

/** @type {any[]} */
const inbox = [];
/** @type {((message: any) => void) | null} */
let waiting = null;
process.on('message', (message) => {
  if (waiting) {
    const w = waiting;
    waiting = null;
    w(message);
  } else inbox.push(message);
});
process.on('disconnect', () => process.exit(0));

/** The next command from the parent (bounded: the parent drives every step). */
function next() {
  if (inbox.length > 0) return Promise.resolve(inbox.shift());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no command from bench/run.js within 120 s')), 120_000);
    waiting = (message) => {
      clearTimeout(timer);
      resolve(message);
    };
  });
}

/** @param {object} message */
function reply(message) {
  if (process.send) process.send(message);
}

/** Asks the parent for something (traffic from the peer) and waits for its answer. @param {object} request */
async function ask(request) {
  reply({ type: 'ask', ...request });
  const answer = await next();
  if (answer.cmd !== 'answer') throw new Error(`expected an answer, got ${JSON.stringify(answer)}`);
  return answer;
}

// ---- flows --------------------------------------------------------------------------------

const TAB = { id: 'tab', type: 'tab', label: 'bench' };

/** @param {string} id @param {number} port */
function bbmdNode(id, port, localPort = 0) {
  // Defaults otherwise: local 0.0.0.0, automatic port unless given, deregister on stop.
  return { id, type: 'bacnet-bbmd', host: LOOPBACK, port, ttl: 60, localAddress: '', localPort, publicAddress: '', deregister: true };
}

/**
 * The node under test on the send path, fed by a bench-source; and the payload the source sends.
 * @param {string} variant @param {string} suffix @param {number} peerPort
 * @returns {{ nodes: object[], payload: Buffer, bbmd: string | null }}
 */
function sendTarget(variant, suffix, peerPort) {
  const id = `target-${suffix}`;
  const z = TAB.id;
  switch (variant) {
    case 'noop':
      return { nodes: [{ id, z, type: 'bench-noop' }], payload: WHO_IS_NPDU, bbmd: null };
    case 'floor':
      return { nodes: [{ id, z, type: 'bench-floor', frame: DBTN_FRAME.toString('hex'), address: LOOPBACK, port: peerPort }], payload: WHO_IS_NPDU, bbmd: null };
    case 'udpout':
      return {
        nodes: [{ id, z, type: 'udp out', addr: LOOPBACK, iface: '', port: String(peerPort), ipv: 'udp4', outport: '', base64: false, multicast: 'false' }],
        payload: DBTN_FRAME,
        bbmd: null,
      };
    case 'broadcast':
    case 'broadcast-whois': {
      const bbmd = `bbmd-${suffix}`;
      const mode = variant === 'broadcast' ? 'npdu' : 'who-is';
      return {
        nodes: [bbmdNode(bbmd, peerPort), { id, z, type: 'fd-broadcast', bbmd, mode, whoIsLow: '', whoIsHigh: '', maxRate: 0 }],
        payload: WHO_IS_NPDU,
        bbmd,
      };
    }
    default:
      throw new Error(`unknown send variant ${variant}`);
  }
}

/** A UDP port on 127.0.0.1 that was free a moment ago. */
async function freePort() {
  const probe = dgram.createSocket('udp4');
  await new Promise((resolve) => probe.bind(0, LOOPBACK, () => resolve(undefined)));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(() => resolve(undefined)));
  return port;
}

/**
 * The receiving node under test, wired to a bench-sink; and where the peer sends.
 * @param {string} variant @param {string} suffix @param {number} peerPort
 */
async function receiveSource(variant, suffix, peerPort) {
  const id = `rx-${suffix}`;
  const sink = `sink-${suffix}`;
  const z = TAB.id;
  if (variant === 'receive' || variant === 'receive-nodedup') {
    // Each on its own config node and local port: the peer sends to the one whose turn it is.
    const bbmd = `bbmd-${suffix}`;
    const port = await freePort();
    const dedup = variant === 'receive';
    return {
      nodes: [bbmdNode(bbmd, peerPort, port), { id, z, type: 'fd-receive', bbmd, filter: 'all', dedup, wires: [[sink]] }, { id: sink, z, type: 'bench-sink' }],
      to: /** @type {'registrant' | { address: string, port: number }} */ ({ address: LOOPBACK, port }),
      bbmd,
      sink,
    };
  }
  if (variant === 'udpin') {
    const port = await freePort();
    return {
      nodes: [
        { id, z, type: 'udp in', iface: '', port: String(port), ipv: 'udp4', multicast: 'false', group: '', datatype: 'buffer', wires: [[sink]] },
        { id: sink, z, type: 'bench-sink' },
      ],
      to: { address: LOOPBACK, port },
      bbmd: null,
      sink,
    };
  }
  throw new Error(`unknown receive variant ${variant}`);
}

// ---- the runtime --------------------------------------------------------------------------

/**
 * Of the core palette only the UDP nodes (32-udp.js) are loaded: the ~35 other
 * core node files add ~0.5 s to every runtime's start and nothing to a message's
 * path (routing, hooks and delivery live in the runtime, not in node files).
 */
function corePaletteExcept(/** @type {string[]} */ keep) {
  const core = path.join(path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(require.resolve('node-red/package.json'))] })), 'core');
  const files = [];
  for (const dir of fs.readdirSync(core)) {
    for (const file of fs.readdirSync(path.join(core, dir))) if (/\.js$/.test(file) && !keep.includes(file)) files.push(file);
  }
  return files;
}

/** @type {any} */
let RED = null;
let userDir = '';

/**
 * Starts Node-RED with `flows` deployed.
 * @param {object[]} flows
 * @param {Record<string, unknown>} [extraSettings]
 */
async function startRed(flows, extraSettings = {}) {
  userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bacnet-fd-bench-'));
  fs.mkdirSync(path.join(userDir, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(userDir, 'node_modules', 'node-red-contrib-bacnet-fd'), 'dir');
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows));
  RED = require('node-red');
  RED.init({
    userDir,
    flowFile: 'flows.json',
    nodesDir: [path.join(__dirname, 'nodes')],
    // No editor, no HTTP: the runtime alone.
    httpAdminRoot: false,
    httpNodeRoot: false,
    disableEditor: true,
    credentialSecret: false,
    telemetry: { enabled: false, updateNotification: false },
    nodesExcludes: corePaletteExcept(['32-udp.js']),
    logging: { console: { level: process.env.BENCH_LOG || 'error', metrics: false, audit: false } },
    ...extraSettings,
  });
  await RED.start();
}

async function stopRed() {
  if (RED) await RED.stop();
  if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
}

/** @param {string} id */
function node(id) {
  const n = RED.nodes.getNode(id);
  if (!n) throw new Error(`no node ${id} in the deployed flow`);
  return n;
}

/** Waits until every node in `ids` has started (RED.start() resolves before the flows have). @param {string[]} ids */
async function started(...ids) {
  await until(() => ids.every((id) => RED.nodes.getNode(id)), 10000, `nodes ${ids.join(', ')} to start`, 2);
}

/** Waits until the config node `id` is registered with its BBMD (bounded). @param {string} id */
async function registered(id) {
  await started(id);
  await until(() => node(id).bbmd.snapshot().registered, 5000, `registration of ${id}`, 2);
}

// ---- jobs -----------------------------------------------------------------------------------

/**
 * The physical reference: dgram.send of the same frame from a plain socket, no Node-RED
 * involved, fed like a bench-source (`batch` per event-loop turn, a callback per send).
 * @param {number} peerPort
 */
function rawSender(peerPort) {
  const socket = dgram.createSocket('udp4');
  socket.on('error', () => undefined);
  const onSent = () => undefined;
  return {
    /** @param {number} total @param {number} batch */
    run: (total, batch) =>
      new Promise((resolve) => {
        let sent = 0;
        const step = () => {
          const end = Math.min(total, sent + batch);
          for (; sent < end; sent++) socket.send(DBTN_FRAME, peerPort, LOOPBACK, onSent);
          if (sent < total) setImmediate(step);
          else resolve(undefined);
        };
        step();
      }),
    close: () => socket.close(),
  };
}

/** Two loop turns: the last batch's deliveries, then the send callbacks (and done()) they lead to. */
async function drain() {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Send path, one round: every variant in this one runtime (each with its own source
 * and sockets) plus the raw reference, measured in short windows that take turns
 * (rotated), so that whatever the machine does meanwhile (on a shared VM the same
 * work costs up to half again as much from one moment to the next) falls on all
 * variants alike. Per variant: CPU µs per message of each window, and its wall time.
 */
async function sendJob() {
  /** @type {object[]} */
  const flows = [TAB];
  /** @type {Record<string, (n: number) => Promise<unknown>>} */
  const runners = {};
  const bbmds = [];
  for (const variant of job.variants) {
    if (variant === 'raw') continue;
    const target = sendTarget(variant, variant, job.peerPort);
    flows.push({ id: `source-${variant}`, z: TAB.id, type: 'bench-source', wires: [[`target-${variant}`]] }, ...target.nodes);
    if (target.bbmd) bbmds.push(target.bbmd);
  }
  await startRed(flows);
  await started(...job.variants.filter((/** @type {string} */ v) => v !== 'raw').map((/** @type {string} */ v) => `target-${v}`));
  for (const id of bbmds) await registered(id);
  // udp out installs its input handler 75 ms after it starts.
  await pause(100);
  const raw = rawSender(job.peerPort);
  for (const variant of job.variants) {
    if (variant === 'raw') {
      runners.raw = (n) => raw.run(n, job.batch);
    } else {
      const src = node(`source-${variant}`);
      const payload = sendTarget(variant, variant, job.peerPort).payload;
      runners[variant] = (n) => src.run(n, job.batch, payload);
    }
  }
  reply({ type: 'ready' });
  for (;;) {
    const message = await next();
    if (message.cmd === 'warm') {
      for (const variant of job.variants) {
        await runners[variant](message.total);
        await drain();
      }
      reply({ type: 'warmed' });
    } else if (message.cmd === 'go') {
      /** @type {Record<string, { cpu: number[], user: number[], system: number[], wall: number[] }>} */
      const results = {};
      for (const variant of job.variants) results[variant] = { cpu: [], user: [], system: [], wall: [] };
      const n = message.perWindow;
      for (let w = 0; w < message.windows; w++) {
        for (let i = 0; i < job.variants.length; i++) {
          const variant = job.variants[(i + message.round + w) % job.variants.length];
          const c0 = process.cpuUsage();
          const t0 = process.hrtime.bigint();
          await runners[variant](n);
          await drain();
          const t1 = process.hrtime.bigint();
          const c = process.cpuUsage(c0);
          const r = results[variant];
          r.cpu.push((c.user + c.system) / n);
          r.user.push(c.user / n);
          r.system.push(c.system / n);
          r.wall.push(Number(t1 - t0) / 1000 / n);
        }
      }
      reply({ type: 'measured', results });
    } else if (message.cmd === 'stop') {
      raw.close();
      return;
    }
  }
}

/**
 * Receive path, one round: fd-receive (dedup on and off) and udp in in this one runtime, each with its own
 * sink; the parent has the peer offer one of them more than the runtime takes for a
 * while, then the other (rotated), and reads CPU time per delivered message for each.
 */
async function receiveJob() {
  watchGc();
  /** @type {object[]} */
  const flows = [TAB];
  /** @type {Record<string, Awaited<ReturnType<typeof receiveSource>>>} */
  const sources = {};
  for (const variant of job.variants) {
    const rx = await receiveSource(variant, variant, job.peerPort);
    flows.push(...rx.nodes);
    sources[variant] = rx;
  }
  await startRed(flows);
  await started(...job.variants.map((/** @type {string} */ v) => sources[v].sink));
  for (const variant of job.variants) if (sources[variant].bbmd) await registered(/** @type {string} */ (sources[variant].bbmd));
  await pause(100);
  /** @type {Record<string, unknown>} */
  const targets = {};
  for (const variant of job.variants) targets[variant] = sources[variant].to;
  reply({ type: 'ready', targets });
  /** @type {{ variant: string, count: number, cpu: NodeJS.CpuUsage, faults: number, gcMs: number, t: bigint, dedupCalls: number, dedupMs: number } | null} */
  let window = null;
  for (;;) {
    const message = await next();
    const sinkOf = (/** @type {string} */ variant) => node(sources[variant].sink);
    if (message.cmd === 'settle') {
      // Every datagram the peer sent has been handled (no change for quietMs).
      const sink = sinkOf(message.variant);
      await settled(() => sink.count, Infinity, message.quietMs ?? 300);
      reply({ type: 'settled', count: sink.count });
    } else if (message.cmd === 'mark') {
      const sink = sinkOf(message.variant);
      window = { variant: message.variant, count: sink.count, cpu: process.cpuUsage(), faults: process.resourceUsage().minorPageFault, gcMs: gcMs, t: process.hrtime.bigint(), dedupCalls: dedupProbe.calls, dedupMs: dedupProbe.ms };
      reply({ type: 'marked' });
    } else if (message.cmd === 'count') {
      if (!window) throw new Error('count before mark');
      const sink = sinkOf(window.variant);
      // What the kernel still holds for the socket is handled before the window closes.
      await settled(() => sink.count, Infinity, message.quietMs ?? 30);
      const c = process.cpuUsage(window.cpu);
      const faults = process.resourceUsage().minorPageFault - window.faults;
      await pause(5); // the observer reports a collection a moment after it ran
      reply({ type: 'counted', count: sink.count - window.count, cpuUs: c.user + c.system, userUs: c.user, systemUs: c.system, faults, gcMs: gcMs - window.gcMs, seconds: Number(process.hrtime.bigint() - window.t) / 1e9,
        dedupCalls: dedupProbe.calls - window.dedupCalls,
        dedupMs: dedupProbe.ms - window.dedupMs,
      });
      window = null;
    } else if (message.cmd === 'stop') {
      return;
    }
  }
}

// ---- bytes allocated per message -------------------------------------------------------------

/** Garbage collections seen (PerformanceObserver 'gc' entries), to prove a window had none, and their time. */
let gcCount = 0;
let gcMs = 0;
function watchGc() {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcCount++;
      gcMs += entry.duration;
    }
  }).observe({ entryTypes: ['gc'] });
}

/** gc() twice (run with --expose-gc), then let the observer report those collections. */
async function collect() {
  const gc = /** @type {() => void} */ (/** @type {any} */ (globalThis).gc);
  gc();
  gc();
  await pause(20);
}

/**
 * Bytes allocated on the JS heap per message: with a new space far larger than the
 * window's allocations (--max/min-semi-space-size), no collection runs during the
 * window (checked: no 'gc' entry), so the growth of the used heap is what was
 * allocated. A window that saw a collection is retried with half the messages.
 * @param {(n: number) => Promise<number>} window runs n messages; resolves with how many the node handled
 * @param {number} n
 */
async function allocPerMessage(window, n) {
  for (let attempt = 0; attempt < 5; attempt++, n = Math.floor(n / 2)) {
    await collect();
    const gcs = gcCount;
    const before = process.memoryUsage();
    const handled = await window(n);
    const after = process.memoryUsage();
    await pause(20);
    if (gcCount === gcs) {
      return { bytesPerMsg: (after.heapUsed - before.heapUsed) / handled, externalPerMsg: (after.external - before.external) / handled, n: handled };
    }
  }
  throw new Error('a garbage collection ran in every allocation window; raise --max-semi-space-size');
}

/**
 * Waits until `read()` reaches `target`, or stops growing for `quietMs` (bounded: 15 s).
 * @param {() => number} read @param {number} target @param {number} [quietMs]
 */
async function settled(read, target, quietMs = 300) {
  const end = Date.now() + 15000;
  let last = read();
  let since = Date.now();
  while (read() < target && Date.now() < end) {
    await pause(5);
    const now = read();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since > quietMs) {
      return;
    }
  }
}

/** Send path: every variant in one runtime, each measured after its own warm-up. */
async function allocSendJob() {
  watchGc();
  /** @type {object[]} */
  const flows = [TAB];
  /** @type {Record<string, { payload: Buffer, bbmd: string | null }>} */
  const targets = {};
  for (const variant of job.variants) {
    const target = sendTarget(variant, variant, job.peerPort);
    flows.push({ id: `source-${variant}`, z: TAB.id, type: 'bench-source', wires: [[`target-${variant}`]] }, ...target.nodes);
    targets[variant] = target;
  }
  await startRed(flows);
  await started(...job.variants.map((/** @type {string} */ v) => `target-${v}`));
  for (const variant of job.variants) if (targets[variant].bbmd) await registered(/** @type {string} */ (targets[variant].bbmd));
  await pause(150);
  /** @type {Record<string, object>} */
  const results = {};
  for (const variant of job.variants) {
    const src = node(`source-${variant}`);
    const { payload } = targets[variant];
    // Sends complete on the socket's callback, a loop turn or two after the last message.
    const run = async (/** @type {number} */ n) => {
      await src.run(n, job.batch, payload);
      await pause(30);
      return n;
    };
    await run(job.warm);
    results[variant] = await allocPerMessage(run, job.n);
  }
  reply({ type: 'result', results });
  await next();
}

/** Receive path: fd-receive and udp in in one runtime, the peer sending exactly n datagrams at a steady rate. */
async function allocReceiveJob() {
  watchGc();
  /** @type {object[]} */
  const flows = [TAB];
  /** @type {Record<string, Awaited<ReturnType<typeof receiveSource>>>} */
  const sources = {};
  for (const variant of job.variants) {
    const rx = await receiveSource(variant, variant, job.peerPort);
    flows.push(...rx.nodes);
    sources[variant] = rx;
  }
  await startRed(flows);
  await started(...job.variants.map((/** @type {string} */ v) => sources[v].sink));
  for (const variant of job.variants) if (sources[variant].bbmd) await registered(/** @type {string} */ (sources[variant].bbmd));
  await pause(150);
  /** @type {Record<string, object>} */
  const results = {};
  for (const variant of job.variants) {
    const { to } = sources[variant];
    const sink = node(sources[variant].sink);
    // Datagrams the kernel drops (the warm-up meets cold code) cost this process nothing:
    // what counts is what came out at the sink.
    const run = async (/** @type {number} */ n) => {
      const base = sink.count;
      await ask({ what: 'traffic', to, total: n, rate: job.rate });
      await settled(() => sink.count, base + n);
      return sink.count - base;
    };
    await run(job.warm);
    results[variant] = await allocPerMessage(run, job.n);
  }
  reply({ type: 'result', results });
  await next();
}

// ---- heap and RSS over 1,000,000 messages -------------------------------------------------------

/** @param {string} label */
async function memory(label) {
  await collect();
  const m = process.memoryUsage();
  return { label, heapUsed: m.heapUsed, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers };
}

/**
 * fd-broadcast and fd-receive on one config node: `sends` broadcasts, then `receives`
 * messages out of fd-receive (distinct I-Ams from the peer, as fast as it sends); heap
 * and RSS after gc() against the start (taken after registration and a warm-up), at
 * once and again once the duplicate window has been pruned.
 */
async function soakJob() {
  const z = TAB.id;
  await startRed([
    TAB,
    bbmdNode('bbmd', job.peerPort),
    { id: 'source', z, type: 'bench-source', wires: [['broadcast']] },
    { id: 'broadcast', z, type: 'fd-broadcast', bbmd: 'bbmd', mode: 'npdu', whoIsLow: '', whoIsHigh: '', maxRate: 0 },
    { id: 'receive', z, type: 'fd-receive', bbmd: 'bbmd', filter: 'all', dedup: true, wires: [['sink']] },
    { id: 'sink', z, type: 'bench-sink' },
  ]);
  await started('source', 'sink');
  await registered('bbmd');
  const src = node('source');
  const sink = node('sink');
  await src.run(job.warm, job.batch, WHO_IS_NPDU);
  await ask({ what: 'traffic', to: 'registrant', total: job.warm, rate: job.warmRate });
  await settled(() => sink.count, job.warm);
  await pause(2200);
  const start = await memory('start');
  const sentBefore = node('bbmd').bbmd.snapshot().counters.broadcastsSent;
  const t0 = Date.now();
  await src.run(job.sends, job.batch, WHO_IS_NPDU);
  await pause(100);
  // As fast as the peer sends (more than the runtime takes: the kernel drops the rest,
  // which costs this process nothing), until `receives` messages have come out.
  const base = sink.count;
  let offered = 0;
  for (let round = 0; round < 20 && sink.count - base < job.receives; round++) {
    const remaining = job.receives - (sink.count - base);
    const traffic = await ask({ what: 'traffic', to: 'registrant', total: Math.max(1000, Math.ceil(remaining * 1.3)), rate: 0 });
    offered += traffic.sent;
    await settled(() => sink.count, Infinity, 50);
  }
  const received = sink.count - base;
  const seconds = (Date.now() - t0) / 1000;
  const end = await memory('end');
  // The duplicate table still covers the last second; once pruned, what stays is what leaks.
  await pause(2500);
  const pruned = await memory('settled');
  const broadcastsSent = node('bbmd').bbmd.snapshot().counters.broadcastsSent - sentBefore;
  reply({ type: 'result', start, end, settled: pruned, received, offered, broadcastsSent, seconds });
  await next();
}

// ---- deploy and close --------------------------------------------------------------------------

/**
 * Full deploys against the test suite's BBMD emulator (in bench/run.js): from the
 * deploy to the fd-status message that says "registered", then a deploy without
 * the config node, timed by Node-RED itself as it stops the config node.
 */
async function deployJob() {
  /** @type {Map<string, number>} */
  const stopped = new Map();
  await startRed([TAB], {
    logging: {
      console: { level: process.env.BENCH_LOG || 'error', metrics: false, audit: false },
      // Node-RED traces how long each node took to stop: "Stopped node bacnet-bbmd:<id> (12ms)".
      bench: {
        level: 'trace',
        metrics: false,
        audit: false,
        handler: () => (/** @type {{ msg: unknown }} */ entry) => {
          const m = /^Stopped node ([^:]+):(\S+) \((\d+)ms\)/.exec(String(entry.msg));
          if (m) stopped.set(`${m[1]}:${m[2]}`, Number(m[3]));
        },
      },
    },
  });
  const z = TAB.id;
  const results = [];
  for (let i = 0; i < job.deploys; i++) {
    const flows = [
      TAB,
      { id: 'bbmd', type: 'bacnet-bbmd', host: LOOPBACK, port: job.emulatorPort, ttl: 60, localAddress: '', localPort: 0, publicAddress: '', deregister: true },
      { id: 'status', z, type: 'fd-status', bbmd: 'bbmd', emitOnDeploy: true, wires: [['sink']] },
      { id: 'sink', z, type: 'bench-sink', topics: true },
    ];
    const t0 = process.hrtime.bigint();
    const deployed = RED.nodes.setFlows(flows, null, 'full');
    await until(() => Boolean(RED.nodes.getNode('sink')?.topics.has('registered')), 5000, 'registered', 1);
    const registeredAt = /** @type {bigint} */ (node('sink').topics.get('registered'));
    await deployed;
    await pause(100);
    stopped.clear();
    const t1 = process.hrtime.bigint();
    await RED.nodes.setFlows([TAB], null, 'full');
    const t2 = process.hrtime.bigint();
    results.push({
      deployToRegisteredMs: Number(registeredAt - t0) / 1e6,
      closeMs: stopped.get('bacnet-bbmd:bbmd') ?? NaN,
      redeployMs: Number(t2 - t1) / 1e6,
    });
    await pause(50);
  }
  reply({ type: 'result', results });
  await next();
}

async function main() {
  try {
    if (job.kind === 'send') await sendJob();
    else if (job.kind === 'receive') await receiveJob();
    else if (job.kind === 'alloc-send') await allocSendJob();
    else if (job.kind === 'alloc-receive') await allocReceiveJob();
    else if (job.kind === 'soak') await soakJob();
    else if (job.kind === 'deploy') await deployJob();
    else if (job.kind === 'points') await pointsJob({ job, TAB, startRed, started, registered, node, next, reply });
    else throw new Error(`unknown job kind ${job.kind}`);
    await stopRed();
    reply({ type: 'stopped' });
    process.exit(0);
  } catch (err) {
    reply({ type: 'error', message: /** @type {Error} */ (err).stack ?? String(err) });
    await stopRed().catch(() => undefined);
    process.exit(1);
  }
}

void main();
