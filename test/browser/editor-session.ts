/**
 * The real editor in headless Chromium, for test/browser and
 * scripts/editor-screenshots.js: finds Debian's chromium, starts the demo
 * (scripts/start.js: Node-RED with this package, the BBMD emulator and three
 * fake devices on 127.0.0.1) on a free port with a given flow file, and opens
 * nodes' edit dialogs as a person does. Every wait is bounded.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';

export const ROOT = path.resolve(__dirname, '..', '..');
/** One step of the editor (a dialog opening, a list filling) takes at most this long. */
export const STEP_MS = 15_000;

/** CHROMIUM, else Debian's /usr/bin/chromium: the path, or why there is none. */
export function findChromium(): { ok: true; path: string } | { ok: false; reason: string } {
  const candidate = process.env.CHROMIUM || '/usr/bin/chromium';
  try {
    fs.accessSync(candidate, fs.constants.X_OK);
    return { ok: true, path: candidate };
  } catch {
    return { ok: false, reason: `no chromium at ${candidate} (apt-get install chromium, or set CHROMIUM)` };
  }
}

/** Headless chromium at `executablePath`, with the window the screenshots are taken in. */
export async function launchChromium(executablePath: string): Promise<Browser> {
  const puppeteer = (await import('puppeteer-core')).default;
  return puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', '--window-size=1400,900'], protocolTimeout: 60_000 });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Demo {
  child: ChildProcess;
  port: number;
  userDir: string;
  output(): string;
}

/** Starts scripts/start.js with this flow file in a fresh user directory; resolves once the editor listens. */
export async function startDemo(flows: unknown[]): Promise<Demo> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bacnet-fd-editor-'));
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows, null, 2));
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.js')], {
    env: { ...process.env, DEMO_PORT: String(port), DEMO_USER_DIR: userDir, BBMD_HOST: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const demo: Demo = { child, port, userDir, output: () => output };
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      void stopDemo(demo).finally(() => reject(new Error(`${why}:\n${output}`)));
    };
    const timer = setTimeout(() => fail('the demo did not start within 30 s'), 30_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.includes('Node-RED editor:')) {
        clearTimeout(timer);
        resolve(demo);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => fail(`the demo exited (${code})`));
  });
}

/** Ctrl-C (Node-RED deregisters, the emulator stops), SIGKILL after 15 s; then the user directory goes. */
export async function stopDemo(demo: Demo): Promise<void> {
  const { child } = demo;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r('timeout'), 15_000)))]);
    clearTimeout(timer);
    if (result === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  }
  fs.rmSync(demo.userDir, { recursive: true, force: true });
}

/** The page's own JavaScript, run in the editor (the tests are compiled without the DOM's types). */
export function inPage<T>(page: Page, script: string): Promise<T> {
  return page.evaluate(script) as Promise<T>;
}

export function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Shows a tab and double-clicks a node on it, as a person opens its edit dialog; resolves once the tray is in. */
export async function openNode(page: Page, tab: string, id: string, field = '#node-input-object'): Promise<void> {
  await inPage(page, `RED.workspaces.show(${JSON.stringify(tab)})`);
  const target = `g.red-ui-flow-node-group[id="${id}"] rect.red-ui-flow-node`;
  await page.waitForSelector(target, { timeout: STEP_MS });
  const rect = await page.$(target);
  if (!rect) throw new Error(`node ${id} not drawn`);
  await rect.click({ count: 2 });
  await page.waitForSelector(field, { visible: true, timeout: STEP_MS });
  await pause(500); // the tray slides in
}
