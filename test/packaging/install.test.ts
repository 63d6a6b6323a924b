/**
 * What a user gets: `npm pack`, then `npm install <tarball>` into a fresh
 * Node-RED user directory, then Node-RED itself (a child process, as a user
 * starts it) with a flow that uses every node type against the BBMD emulator
 * on 127.0.0.1. All eight types must load with their editor definitions, help,
 * messages, icon, the point browser's script and examples, register with the
 * BBMD, deregister on stop, and Node-RED's log must hold no warning or error
 * except the few listed in CORE_NOTICES, which Node-RED prints for every fresh
 * user directory.
 *
 * The Node-RED is the one `node-red` resolves to: this repository's 4.1 under
 * `npm test`, Node-RED 5 on Node.js 22 under scripts/test-node-red-5.sh.
 */
import assert from 'node:assert/strict';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DemoSite, startDemoSite } from '../support/bbmd-emulator';

const ROOT = path.resolve(__dirname, '..', '..');
const MODULE = 'node-red-contrib-bacnet-fd';
const TYPES = ['bacnet-bbmd', 'fd-broadcast', 'fd-status', 'fd-receive', 'fd-send', 'fd-read', 'fd-write', 'fd-cov'];
const LOOPBACK = '127.0.0.1';

/**
 * [warn] and [error] lines allowed in the log, each printed by Node-RED's
 * runtime itself for any fresh user directory, whatever nodes are installed:
 * - "Projects disabled": projects are off unless settings turn them on (the
 *   default settings do not);
 * - "Encrypted credentials not found": a user directory that has never saved
 *   credentials has no credentials file yet.
 * (The settings name a credentialSecret, so Node-RED's notice about a
 * system-generated key, another [warn], does not appear.) Everything else,
 * above all any line naming this package or one of its types, fails the test.
 */
const CORE_NOTICES: RegExp[] = [/^\[warn\] Projects disabled : /, /^\[warn\] Encrypted credentials not found$/];

/**
 * npm's own notice when installing from a tarball (npm 11 and later): it lists
 * the package's `prepare` script (the TypeScript build, for installs from git)
 * as not approved by allowScripts, although npm never runs `prepare` for a
 * tarball or a registry install. README.md, "Raspberry Pi", says so.
 */
const NPM_NOTICES: RegExp[] = [/^npm warn install-scripts\b/];

function run(cmd: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, encoding: 'utf8', timeout: 180_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function get(port: number, urlPath: string, accept = 'application/json'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: LOOPBACK, port, path: urlPath, headers: { Accept: accept }, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath} timed out`)));
    req.on('error', reject);
  });
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Log lines without Node-RED's timestamp ("26 Nov 01:33:41 - "). */
function logLines(log: string): string[] {
  return log.split('\n').map((line) => line.replace(/^\d{1,2} \w{3} \d{2}:\d{2}:\d{2} - /, ''));
}

function problems(lines: string[], allowed: RegExp[], pattern: RegExp): string[] {
  return lines.filter((line) => pattern.test(line) && !allowed.some((a) => a.test(line)));
}

describe('the packed tarball, installed in a fresh Node-RED user directory', function () {
  this.timeout(120_000);
  const nodeRedDir = path.dirname(require.resolve('node-red/package.json'));
  const nodeRedVersion: string = require('node-red/package.json').version;
  let dir = '';
  let userDir = '';
  let npmOutput = '';
  let site: DemoSite | null = null;
  let child: ChildProcess | null = null;
  let exited: Promise<number | null> | null = null;
  let log = '';
  let uiPort = 0;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bacnet-fd-install-'));
    const packed = JSON.parse((await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], ROOT)).stdout) as { filename: string }[];
    const tarball = path.join(dir, packed[0].filename);
    userDir = path.join(dir, 'user');
    fs.mkdirSync(userDir);
    fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', version: '0.0.1', private: true }, null, 2));
    const npm = await run('npm', ['install', tarball, '--omit=dev', '--no-audit', '--no-fund'], userDir);
    npmOutput = `${npm.stdout}${npm.stderr}`;
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    await site?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('npm installs the package alone: no dependencies, no build, no warning of its own', () => {
    const installed = fs.readdirSync(path.join(userDir, 'node_modules')).filter((name) => !name.startsWith('.'));
    assert.deepEqual(installed, [MODULE]);
    const pkgDir = path.join(userDir, 'node_modules', MODULE);
    assert.deepEqual(fs.readdirSync(pkgDir).sort(), ['CHANGELOG.md', 'LICENSE', 'README.md', 'dist', 'examples', 'nodes', 'package.json', 'resources']);
    const lines = npmOutput.split('\n');
    assert.deepEqual(problems(lines, NPM_NOTICES, /^npm (warn|error|ERR)/i), [], `npm said:\n${npmOutput}`);
    // The one allowed notice is about `prepare` only: the package has no install scripts.
    for (const line of lines.filter((l) => /^npm warn install-scripts\s+\S+@/.test(l))) assert.match(line, new RegExp(`${MODULE}@\\S+ \\(prepare: `));
  });

  it(`Node-RED ${nodeRedVersion} on Node.js ${process.version} loads all eight types, runs them, and logs no warning or error`, async () => {
    site = await startDemoSite({ devices: 1 });
    const bbmd = site.address;
    uiPort = await freeTcpPort();
    fs.writeFileSync(
      path.join(userDir, 'settings.js'),
      `module.exports = ${JSON.stringify({ uiHost: LOOPBACK, uiPort, flowFile: 'flows.json', credentialSecret: 'install-test', telemetry: { enabled: false, updateNotification: false } }, null, 2)};\n`,
    );
    const config = { id: 'c0', type: 'bacnet-bbmd', name: 'BBMD', host: LOOPBACK, port: String(bbmd.port), ttl: '60', localAddress: LOOPBACK, localPort: '0', publicAddress: '', deregister: true, recvBufferSize: '65536' };
    const flow = [
      { id: 't0', type: 'tab', label: 'install test' },
      config,
      { id: 'n1', type: 'fd-status', z: 't0', bbmd: 'c0', emitOnDeploy: true, x: 100, y: 40, wires: [[]] },
      { id: 'n2', type: 'fd-broadcast', z: 't0', bbmd: 'c0', mode: 'who-is', whoIsLow: '', whoIsHigh: '', maxRate: '20', x: 100, y: 80, wires: [] },
      { id: 'n3', type: 'fd-receive', z: 't0', bbmd: 'c0', filter: 'all', dedup: true, x: 100, y: 120, wires: [[]] },
      { id: 'n4', type: 'fd-send', z: 't0', bbmd: 'c0', x: 100, y: 160, wires: [] },
      { id: 'n5', type: 'fd-read', z: 't0', bbmd: 'c0', device: '1201', object: 'device', property: 'object-name', index: '', timeout: 3000, retries: 3, x: 100, y: 200, wires: [[]] },
      { id: 'n7', type: 'fd-cov', z: 't0', bbmd: 'c0', device: '1201', object: 'analog-input:1', property: '', covIncrement: '', lifetime: '300', confirmed: false, x: 100, y: 280, wires: [[]] },
      { id: 'n6', type: 'fd-write', z: 't0', bbmd: 'c0', device: '1201', object: 'analog-value:1', property: 'present-value', index: '', priority: '8', valueType: '', timeout: 3000, retries: 3, x: 100, y: 240, wires: [[]] },
    ];
    fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flow, null, 2));

    child = spawn(process.execPath, [path.join(nodeRedDir, 'red.js'), '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], {
      cwd: userDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_RED_HOME: undefined },
    });
    const collect = (chunk: Buffer): void => {
      log += chunk.toString('utf8');
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    exited = new Promise((resolve) => child!.on('exit', (code) => resolve(code)));

    await until(() => /\[info\] Started flows/.test(log) || child!.exitCode !== null, 60_000, 'Node-RED to start its flows');
    assert.equal(child.exitCode, null, `Node-RED exited:\n${log}`);
    // The deployed flow registers with the emulator (so the nodes run, not just load).
    await until(() => site!.emulator.fdt().length === 1, 10_000, 'the registration');

    // The runtime: one node set per type, all enabled, none with an error.
    const sets = (JSON.parse((await get(uiPort, '/nodes')).body) as { module: string; types: string[]; enabled: boolean; err?: string }[]).filter((s) => s.module === MODULE);
    assert.deepEqual(sets.flatMap((s) => s.types).sort(), [...TYPES].sort());
    for (const set of sets) {
      assert.equal(set.enabled, true, `${set.types} enabled`);
      assert.equal(set.err, undefined, `${set.types}: ${set.err}`);
    }
    // The editor: each type's definition and help, its messages, and the icon.
    const editor = (await get(uiPort, '/nodes', 'text/html')).body;
    for (const type of TYPES) {
      assert.match(editor, new RegExp(`registerType\\(\\s*['"]${type}['"]`), `editor definition of ${type}`);
      assert.match(editor, new RegExp(`data-help-name=["']${type}["']`), `help of ${type}`);
      const messages = await get(uiPort, `/locales/${MODULE}/${type}?lng=en-US`);
      assert.equal(messages.status, 200);
      assert.ok(type in (JSON.parse(messages.body) as Record<string, unknown>), `messages of ${type}`);
    }
    const icon = await get(uiPort, `/icons/${MODULE}/bacnet.svg`, '*/*');
    assert.equal(icon.status, 200);
    assert.match(icon.body, /^<svg/);
    // The point browser's script, from the package's resources/ folder where the editor loads it.
    const browserScript = await get(uiPort, `/resources/${MODULE}/point-browser.js`, '*/*');
    assert.equal(browserScript.status, 200);
    assert.match(browserScript.body, /window\.bacnetFdPointBrowser = /);
    // Import > Examples lists every example the package ships.
    const examples = JSON.parse((await get(uiPort, `/library/examples/flows/${MODULE}`)).body) as { fn: string }[];
    const shipped = fs.readdirSync(path.join(userDir, 'node_modules', MODULE, 'examples')).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
    assert.deepEqual(examples.map((e) => e.fn).sort(), shipped.sort());
    assert.ok(shipped.length >= 1);

    // Stop as a user does (Ctrl-C): the nodes deregister and Node-RED exits cleanly.
    child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 20_000)))]);
    clearTimeout(timer);
    assert.equal(code, 0, `Node-RED's exit:\n${log}`);
    assert.equal(site.emulator.counters.deletes, 1, 'Delete-FDT-Entry on stop');
    assert.deepEqual(site.emulator.fdt(), []);

    const lines = logLines(log);
    if (process.env.SHOW_NODE_RED_LOG) console.log(log);
    assert.ok(lines.some((l) => l.startsWith(`[info] Node-RED version: v${nodeRedVersion.split('-')[0]}`)), `the log names Node-RED ${nodeRedVersion}:\n${log}`);
    assert.ok(!lines.some((l) => /Waiting for missing types/.test(l)), `missing types:\n${log}`);
    assert.deepEqual(problems(lines, CORE_NOTICES, /\[(warn|error)\]/), [], `Node-RED's log:\n${log}`);
    assert.ok(!/\b(fd-broadcast|fd-status|fd-receive|fd-send|bacnet-bbmd|bacnet-fd)\b.*\[(warn|error)\]|\[(warn|error)\].*\b(fd-broadcast|fd-status|fd-receive|fd-send|bacnet-bbmd|bacnet-fd)\b/.test(log));
  });
});
