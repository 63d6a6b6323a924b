#!/usr/bin/env node
// @ts-check
/**
 * `npm start`: Node-RED with this package and three examples in one flow file
 * (the discovery example, a value read with fd-read from device 1202, and the
 * same value followed with fd-cov), on 127.0.0.1:1880, against the bundled
 * BBMD emulator and three fake devices on 127.0.0.1, whose device 1202 lets
 * that value drift so that fd-cov has changes to show — or against a real
 * BBMD when BBMD_HOST is set.
 *
 * The user directory is .demo/ inside the repository (git-ignored); the package
 * is linked into its node_modules so that Node-RED loads it as a module and
 * lists its examples under Import > Examples. Ctrl-C stops Node-RED (which
 * deregisters from the BBMD), then the emulator: nothing is left listening.
 */
'use strict';

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
// DEMO_USER_DIR lets a second demo (or a test of this script) run beside the first.
const USER_DIR = process.env.DEMO_USER_DIR ? path.resolve(process.env.DEMO_USER_DIR) : path.join(ROOT, '.demo');
// The demo's flow file: these examples, each on its own tab, sharing the first one's BBMD config node.
const EXAMPLES = ['Discover devices through a BBMD', 'Read a temperature every minute', 'Follow a temperature'];
const UI_HOST = process.env.DEMO_HOST || '127.0.0.1';
const UI_PORT = Number(process.env.DEMO_PORT || 1880);
const EMULATOR_PORT = 47808;
// The drifting value: analog-input:1 of device 1202 goes 20..24 °C and back in steps of the
// example's COV increment (0.5, exact in binary), one step every DRIFT_MS.
const DRIFT = { device: 1202, object: 'analog-input:1', low: 20, high: 24, step: 0.5 };
const DRIFT_MS = 5000;

function log(text) {
  process.stdout.write(`[demo] ${text}\n`);
}

/** Starts the emulated site on 47808 if it is free, else on an automatic port. */
async function startEmulatedSite() {
  const { startDemoSite } = require(path.join(ROOT, 'dist-test', 'support', 'bbmd-emulator.js'));
  try {
    return await startDemoSite({ devices: 3, emulator: { port: EMULATOR_PORT } });
  } catch (err) {
    log(`127.0.0.1:${EMULATOR_PORT} is taken (${err.message}); the emulator takes an automatic port`);
    return startDemoSite({ devices: 3 });
  }
}

/**
 * Moves the demo device's temperature one step every DRIFT_MS (the emulated site only, never the
 * tests' default); each step is a change fd-cov is notified of. Returns the stop function.
 */
function startDrift(site) {
  const device = site.devices.find((d) => d.deviceInstance === DRIFT.device);
  if (!device) return () => undefined;
  let direction = 1;
  const timer = setInterval(() => {
    const value = device.objects.get(DRIFT.object, 'present-value');
    if (typeof value !== 'number') return;
    if (value + direction * DRIFT.step > DRIFT.high || value + direction * DRIFT.step < DRIFT.low) direction = -direction;
    device.objects.set(DRIFT.object, 'present-value', value + direction * DRIFT.step);
  }, DRIFT_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Links this package into the user directory, so Node-RED loads it as a module (examples included). */
function prepareUserDir(resetFlows) {
  const modules = path.join(USER_DIR, 'node_modules');
  fs.mkdirSync(modules, { recursive: true });
  const link = path.join(modules, 'node-red-contrib-bacnet-fd');
  let current = null;
  try {
    current = fs.readlinkSync(link);
  } catch {
    // not there yet (or not a link)
  }
  if (current !== ROOT) {
    fs.rmSync(link, { recursive: true, force: true });
    fs.symlinkSync(ROOT, link, 'dir');
  }
  const flowFile = path.join(USER_DIR, 'flows.json');
  if (resetFlows || !fs.existsSync(flowFile)) {
    fs.writeFileSync(flowFile, JSON.stringify(demoFlows(), null, 2));
    log(`deployed the examples ${EXAMPLES.map((e) => `"${e}"`).join(', ')} (${path.relative(ROOT, flowFile)})`);
  } else {
    log(`keeping your flows in ${path.relative(ROOT, flowFile)} (npm start -- --reset deploys the example again)`);
  }
}

/** The examples' nodes in one flow file; every example's nodes point at the first example's config node. */
function demoFlows(examples = EXAMPLES) {
  const nodes = [];
  let config = null;
  for (const name of examples) {
    const flow = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', `${name}.json`), 'utf8'));
    const own = flow.find((n) => n.type === 'bacnet-bbmd');
    config ??= own;
    for (const node of flow) {
      if (node === own && own !== config) continue;
      if (node.bbmd === own.id) node.bbmd = config.id;
      nodes.push(node);
    }
  }
  return nodes;
}

async function main() {
  const resetFlows = process.argv.includes('--reset');
  let site = null;
  let stopDrift = () => undefined;
  if (process.env.BBMD_HOST) {
    process.env.BBMD_PORT ||= '47808';
    process.env.BBMD_TTL ||= '60';
    log(`using the BBMD at ${process.env.BBMD_HOST}:${process.env.BBMD_PORT} (TTL ${process.env.BBMD_TTL} s); the emulator does not start`);
  } else {
    site = await startEmulatedSite();
    process.env.BBMD_HOST = site.address.address;
    process.env.BBMD_PORT = String(site.address.port);
    process.env.BBMD_TTL ||= '60';
    const devices = site.devices.map((d) => d.deviceInstance).join(', ');
    log(`BBMD emulator on ${site.address.address}:${site.address.port}, fake devices ${devices}`);
    stopDrift = startDrift(site);
    log(`device ${DRIFT.device} moves ${DRIFT.object} present-value by ${DRIFT.step} every ${DRIFT_MS / 1000} s (${DRIFT.low}..${DRIFT.high})`);
  }
  prepareUserDir(resetFlows);

  const RED = require('node-red');
  // Node-RED's own express (a dependency of node-red, not of this package).
  const express = require(require.resolve('express', { paths: [path.dirname(require.resolve('node-red/package.json'))] }));
  const app = express();
  const server = http.createServer(app);
  RED.init(server, {
    userDir: USER_DIR,
    flowFile: 'flows.json',
    uiHost: UI_HOST,
    uiPort: UI_PORT,
    httpAdminRoot: '/',
    httpNodeRoot: '/api',
    credentialSecret: false,
    functionGlobalContext: {},
    editorTheme: { tours: false, projects: { enabled: false } },
    // A demo on a closed network: no update check, and no consent dialog over the flow.
    telemetry: { enabled: false, updateNotification: false },
    logging: { console: { level: 'info', metrics: false, audit: false } },
  });
  app.use('/', RED.httpAdmin);
  app.use('/api', RED.httpNode);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(UI_PORT, UI_HOST, () => resolve(undefined));
  });
  await RED.start();
  log(`Node-RED editor: http://${UI_HOST}:${UI_PORT}/  (Ctrl-C to stop)`);

  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping Node-RED (deregistering from the BBMD), then the emulator`);
    const force = setTimeout(() => {
      log('stop took over 20 s; exiting');
      process.exit(1);
    }, 20_000);
    force.unref();
    try {
      await RED.stop();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
      stopDrift();
      if (site) await site.stop();
    } finally {
      clearTimeout(force);
      log('stopped');
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

// scripts/editor-screenshots.js borrows demoFlows for its own flow file.
module.exports = { demoFlows };

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`[demo] cannot start: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  });
}
