#!/usr/bin/env node
// @ts-check
/**
 * Idle resource use of a gateway running this package: Node-RED (the one in
 * node_modules) with 0, 1 and 10 bacnet-bbmd config nodes, each with an
 * fd-status node so that it registers, each with its own BBMD emulator on
 * 127.0.0.1 (TTL 60 s, so the window holds the renewals). After the
 * registrations and a settling time it samples Node-RED's process for the
 * window: resident set size and V8 heap used (mean and peak of 5-second
 * samples), CPU time over the window as a percentage of one core, and after
 * the window the heap that is live after a full garbage collection. One full
 * collection also runs just before the window (start-up garbage).
 *
 *   npm run build && node scripts/measure-idle.js [--window 60] [--settle 10] [--configs 0,1,10]
 *
 * Prints a Markdown table (the README's "Resource use"). Sends only to 127.0.0.1.
 */
'use strict';

const { fork } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

function arg(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : process.argv[at + 1];
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- child: Node-RED embedded, answering samples over IPC ------------------------

async function child(userDir) {
  const RED = require('node-red');
  const server = http.createServer((_req, res) => res.end());
  RED.init(server, {
    userDir,
    flowFile: 'flows.json',
    credentialSecret: 'measure-idle',
    editorTheme: { tours: false, projects: { enabled: false } },
    telemetry: { enabled: false, updateNotification: false },
    // Node-RED's own start-up notices (projects off, no credentials file yet) are warnings; errors still show.
    logging: { console: { level: 'error', metrics: false, audit: false } },
  });
  await RED.start();
  process.on('message', (msg) => {
    if (msg === 'sample' || msg === 'gc-sample') {
      if (msg === 'gc-sample') global.gc?.();
      const mem = process.memoryUsage();
      process.send?.({ rss: mem.rss, heapUsed: mem.heapUsed, cpu: process.cpuUsage(), at: process.hrtime.bigint().toString() });
    } else if (msg === 'stop') {
      RED.stop().then(() => process.exit(0));
    }
  });
  process.send?.({ started: true });
}

// ---- parent ------------------------------------------------------------------------

function flowFor(emulators) {
  const flow = [{ id: 'tab', type: 'tab', label: 'idle' }];
  emulators.forEach((site, i) => {
    flow.push({
      id: `cfg${i}`,
      type: 'bacnet-bbmd',
      name: `BBMD ${i}`,
      host: site.address.address,
      port: String(site.address.port),
      ttl: '60',
      localAddress: '127.0.0.1',
      localPort: '0',
      publicAddress: '',
      deregister: true,
      recvBufferSize: '1048576',
    });
    flow.push({ id: `status${i}`, type: 'fd-status', z: 'tab', bbmd: `cfg${i}`, emitOnDeploy: true, wires: [[]] });
  });
  return flow;
}

async function measure(configs, windowS, settleS) {
  const { startDemoSite } = require(path.join(ROOT, 'dist-test', 'support', 'bbmd-emulator.js'));
  const sites = [];
  for (let i = 0; i < configs; i++) sites.push(await startDemoSite({ devices: 3 }));
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bacnet-fd-idle-'));
  fs.mkdirSync(path.join(userDir, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(userDir, 'node_modules', 'node-red-contrib-bacnet-fd'), 'dir');
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flowFor(sites)));
  const proc = fork(__filename, ['--child', userDir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--expose-gc'] });
  const next = () => new Promise((resolve) => proc.once('message', resolve));
  try {
    await next(); // started
    const end = Date.now() + 30_000;
    while (!sites.every((s) => s.emulator.fdt().length === 1)) {
      if (Date.now() > end) throw new Error('not every config node registered within 30 s');
      await wait(50);
    }
    await wait(settleS * 1000);
    // Start-up garbage is collected once before the window, so that the window shows the
    // steady idle state rather than whether V8's first big collection fell inside it.
    proc.send('gc-sample');
    await next();
    const samples = [];
    const take = async () => {
      proc.send('sample');
      samples.push(await next());
    };
    await take();
    const stepMs = 5000;
    for (let t = 0; t < windowS * 1000; t += stepMs) {
      await wait(Math.min(stepMs, windowS * 1000 - t));
      await take();
    }
    const first = samples[0];
    const last = samples[samples.length - 1];
    const wallUs = Number(BigInt(last.at) - BigInt(first.at)) / 1000;
    const cpuUs = last.cpu.user - first.cpu.user + (last.cpu.system - first.cpu.system);
    const mean = (key) => samples.reduce((sum, s) => sum + s[key], 0) / samples.length;
    const max = (key) => Math.max(...samples.map((s) => s[key]));
    const registrations = sites.reduce((sum, s) => sum + s.emulator.counters.registrations, 0);
    // After the window (and outside it): the heap that is live after a full collection.
    proc.send('gc-sample');
    const live = /** @type {{ rss: number, heapUsed: number }} */ (await next());
    return {
      configs,
      rssMean: mean('rss'),
      rssMax: max('rss'),
      heapMean: mean('heapUsed'),
      heapMax: max('heapUsed'),
      heapLive: live.heapUsed,
      rssAfterGc: live.rss,
      cpuPct: (cpuUs / wallUs) * 100,
      registrations,
    };
  } finally {
    proc.send('stop');
    await new Promise((resolve) => proc.once('exit', resolve));
    for (const site of sites) await site.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  }
}

async function main() {
  if (process.argv[2] === '--child') return child(process.argv[3]);
  const windowS = Number(arg('window', '60'));
  const settleS = Number(arg('settle', '10'));
  const list = String(arg('configs', '0,1,10')).split(',').map(Number);
  const mib = (b) => (b / 1024 / 1024).toFixed(1);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`Node.js ${process.version}, Node-RED ${require('node-red/package.json').version}, ${os.cpus().length} × ${cpu}, ${mib(os.totalmem())} MiB RAM, ${os.platform()} ${os.release()}`);
  console.log(`window ${windowS} s after ${settleS} s settling and one full GC; RSS and heap: mean / peak of 5-s samples; CPU: share of one core over the window\n`);
  console.log('| config nodes (each with fd-status) | RSS MiB, mean / peak | heap used MiB, mean / peak | heap live after GC MiB | CPU % of one core | Registers seen by the BBMDs |');
  console.log('|---|---|---|---|---|---|');
  for (const configs of list) {
    const r = await measure(configs, windowS, settleS);
    console.log(
      `| ${configs === 0 ? '0 (Node-RED alone, package installed)' : configs} | ${mib(r.rssMean)} / ${mib(r.rssMax)} | ${mib(r.heapMean)} / ${mib(r.heapMax)} | ${mib(r.heapLive)} | ${r.cpuPct.toFixed(2)} | ${r.registrations} |`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
