/**
 * The point browser (issue 20) in the real editor, driven in headless
 * Chromium (Debian's chromium through puppeteer-core): the demo (Node-RED, the
 * BBMD emulator and fake devices on 127.0.0.1) runs a flow inject → fd-read
 * with Device and Object empty → debug. The test opens fd-read's dialog,
 * browses, picks device 1202 and its analog-input:1, checks the fields were
 * filled and validate, deploys, injects, and sees the temperature (20..24)
 * in the debug sidebar. On the way: a config node no flow node uses refuses a
 * Who-Is and the panel shows the runtime's sentence, and once the dialog is closed the browser sends
 * nothing more.
 *
 * Screenshots of each step go to .screenshots/browser/ (git-ignored);
 * UPDATE_DOCS=1 also writes the cropped dialog to docs/point-browser.png.
 * Without chromium the test says why and is skipped; with CI set it fails.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { Demo, ROOT, STEP_MS, findChromium, inPage, launchChromium, openNode, pause, startDemo, stopDemo } from './editor-session';
import { needProgram } from '../support/needed-program';

const OUT = path.join(ROOT, '.screenshots', 'browser');
const TAB = 'b0b5e00000000001';
const CONFIG = 'b0b5e000000000c1';
const UNUSED_CONFIG = 'b0b5e000000000c2';
const INJECT = 'b0b5e00000000002';
const READ = 'b0b5e00000000003';
const DEBUG = 'b0b5e00000000004';
const WRITE = 'b0b5e00000000005';
const COV = 'b0b5e00000000006';

function bbmd(id: string, name: string): Record<string, unknown> {
  return { id, type: 'bacnet-bbmd', name, host: '${BBMD_HOST}', port: '${BBMD_PORT}', ttl: '${BBMD_TTL}', localAddress: '127.0.0.1', localPort: '0', publicAddress: '', deregister: true, recvBufferSize: '1048576' };
}

/** inject → fd-read (nothing to read yet) → debug, an fd-write and an fd-cov, on the demo's BBMD; a second config node no flow node uses. */
const FLOWS = [
  { id: TAB, type: 'tab', label: 'Point browser', disabled: false },
  bbmd(CONFIG, 'Site BBMD'),
  bbmd(UNUSED_CONFIG, 'Unused BBMD'),
  { id: INJECT, type: 'inject', z: TAB, name: 'Read now', props: [], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '', x: 130, y: 80, wires: [[READ]] },
  { id: READ, type: 'fd-read', z: TAB, name: '', bbmd: CONFIG, device: '', object: '', property: 'present-value', index: '', timeout: '3000', retries: '3', x: 320, y: 80, wires: [[DEBUG]] },
  { id: WRITE, type: 'fd-write', z: TAB, name: 'Setpoint', bbmd: CONFIG, device: '1202', object: 'analog-value:1', property: 'present-value', index: '', priority: '8', valueType: '', timeout: '3000', retries: '3', x: 320, y: 160, wires: [[]] },
  { id: COV, type: 'fd-cov', z: TAB, name: 'Followed', bbmd: CONFIG, device: '1202', object: 'analog-value:1', property: '', covIncrement: '', lifetime: '300', confirmed: false, x: 320, y: 240, wires: [[]] },
  { id: DEBUG, type: 'debug', z: TAB, name: 'Picked point', active: true, tosidebar: true, console: false, tostatus: false, complete: 'payload', targetType: 'msg', statusVal: '', statusType: 'auto', x: 640, y: 80, wires: [] },
];

const PANEL = '.bacnet-fd-browser';
const DEVICE_ROW = 'tr.bacnet-fd-browser-device[data-instance="1202"]';
const OBJECT_ROW = 'tr.bacnet-fd-browser-object[data-object="analog-input:1"]';

describe('point browser: fd-read\'s dialog in headless Chromium, browse, pick, deploy, the value in the debug sidebar', function () {
  this.timeout(180_000);
  let demo: Demo | null = null;
  let browser: Browser | null = null;
  let page: Page;
  let executable = '';

  before(async function () {
    const found = findChromium();
    needProgram(this, found, 'chromium', 'the point browser test');
    executable = found.path;
    fs.mkdirSync(OUT, { recursive: true });
    demo = await startDemo(FLOWS);
    browser = await launchChromium(executable);
    page = await browser.newPage();
    page.setDefaultTimeout(STEP_MS);
    await page.setViewport({ width: 1400, height: 900 });
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    if (demo) await stopDemo(demo);
  });

  async function shot(name: string): Promise<void> {
    await page.screenshot({ path: path.join(OUT, `${name}.png`) });
  }

  /** The status line of the panel once it has stopped loading: its text and whether it is an error. */
  async function settledStatus(): Promise<{ text: string; error: boolean }> {
    await page.waitForFunction(`!document.querySelector("${PANEL} .bacnet-fd-browser-status .fa-spinner")`, { timeout: 30_000 });
    return inPage(page, `(() => { const s = document.querySelector("${PANEL} .bacnet-fd-browser-status"); return { text: s.textContent.trim(), error: s.classList.contains("bacnet-fd-browser-error") }; })()`);
  }

  it('fills device 1202, analog-input:1, present-value from two clicks; after deploy an inject reads 20..24', async () => {
    const routeCalls: string[] = [];
    page.on('request', (r) => {
      if (/\/bacnet-bbmd\/[^/]+\/(devices|who-is)/.test(r.url())) routeCalls.push(`${r.method()} ${r.url()}`);
    });
    await page.goto(`http://127.0.0.1:${demo!.port}/`, { waitUntil: 'networkidle2', timeout: 30_000 });
    await page.waitForSelector(`g.red-ui-flow-node-group[id="${READ}"]`, { timeout: 30_000 });
    await shot('1-flow');

    await openNode(page, TAB, READ, '#node-input-device');
    await page.waitForSelector('#node-input-bacnet-browse', { visible: true });
    await shot('2-dialog');

    // A config node that no deployed flow node uses has no registration: its Who-Is is refused with the runtime's sentence.
    await page.select('#node-input-bbmd', UNUSED_CONFIG);
    await page.click('#node-input-bacnet-browse');
    await page.waitForSelector(PANEL, { visible: true });
    await settledStatus();
    await page.click(`${PANEL} .bacnet-fd-browser-whois`);
    const refused = await settledStatus();
    assert.equal(refused.error, true, `an error for the unused config node: ${refused.text}`);
    assert.match(refused.text, /no registration/, `the runtime's sentence: "${refused.text}"`);
    await shot('3-unused-config-error');

    // The used one: its device table, with a Who-Is when 1202 is not in it yet.
    await page.select('#node-input-bbmd', CONFIG);
    const listed = await settledStatus();
    assert.equal(listed.error, false, listed.text);
    if (!(await page.$(DEVICE_ROW))) {
      await page.click(`${PANEL} .bacnet-fd-browser-whois`);
      await page.waitForSelector(DEVICE_ROW, { timeout: STEP_MS });
    }
    await settledStatus();
    await shot('4-devices');

    await page.click(DEVICE_ROW);
    await page.waitForSelector(OBJECT_ROW, { timeout: 30_000 });
    const cells = await inPage<string[]>(page, `[...document.querySelectorAll('${OBJECT_ROW} td')].map((td) => td.textContent)`);
    assert.equal(cells[0], 'analog-input:1');
    assert.equal(cells[1], 'Room temperature');
    const shown = Number(cells[2]);
    assert.ok(shown >= 20 && shown <= 24, `present value ${cells[2]}`);
    assert.equal(cells[3], 'degrees-celsius');
    const range = await inPage<string>(page, `document.querySelector("${PANEL} .bacnet-fd-browser-range").textContent`);
    assert.match(range, /^1–\d+ of \d+$/);
    await shot('5-objects');
    const tray = await page.$('.red-ui-tray');
    assert.ok(tray, 'the edit tray');
    await tray.screenshot({ path: path.join(OUT, 'point-browser.png') });
    if (process.env.UPDATE_DOCS) fs.copyFileSync(path.join(OUT, 'point-browser.png'), path.join(ROOT, 'docs', 'point-browser.png'));

    await page.click(OBJECT_ROW);
    await page.waitForSelector(PANEL, { hidden: true });
    const fields = await inPage<Record<string, string>>(page, `({ device: $("#node-input-device").val(), object: $("#node-input-object").val(), property: $("#node-input-property").val(), invalid: $(".red-ui-tray .input-error").length })`);
    assert.deepEqual(fields, { device: '1202', object: 'analog-input:1', property: 'present-value', invalid: 0 });
    await shot('6-filled');

    await page.click('#node-dialog-ok');
    await page.waitForSelector('#node-input-device', { hidden: true });
    const callsAtClose = routeCalls.length;
    assert.ok(callsAtClose >= 3, `the browser's requests: ${routeCalls.join(', ')}`);

    await page.click('#red-ui-header-button-deploy');
    // A confirmation only appears for nodes that are not valid; if it does, it is confirmed.
    const deployed = await Promise.race([
      page.waitForSelector('.red-ui-notification-success', { timeout: STEP_MS }).then(() => 'deployed'),
      page.waitForSelector('#red-ui-deploy-dialog-confirm-deploy-deploy', { visible: true, timeout: STEP_MS }).then(() => 'confirm'),
    ]);
    if (deployed === 'confirm') {
      await page.click('#red-ui-deploy-dialog-confirm-deploy-deploy');
      await page.waitForSelector('.red-ui-notification-success', { timeout: STEP_MS });
    }
    await page.waitForSelector('#red-ui-editor-shade', { hidden: true }); // the deploy's shade over the workspace
    await shot('7-deployed');
    // The deploy's notices ("unused configuration nodes" stays until closed) would cover the next dialogs' buttons.
    await inPage(page, `document.querySelectorAll(".red-ui-notification").forEach((n) => n.close && n.close())`);

    await inPage(page, `RED.sidebar.show("debug")`);
    await page.click(`g.red-ui-flow-node-group[id="${INJECT}"] .red-ui-flow-node-button-button`);
    await page.waitForSelector('.red-ui-debug-msg .red-ui-debug-msg-type-number', { visible: true, timeout: 20_000 });
    const value = Number(await inPage<string>(page, `document.querySelector(".red-ui-debug-msg .red-ui-debug-msg-type-number").textContent`));
    assert.ok(value >= 20 && value <= 24, `the debug sidebar shows ${value}`);
    await shot('8-debug');

    // The closed dialog's browser sends nothing more (its device-name re-reads are 2 s apart).
    await pause(2500);
    assert.deepEqual(routeCalls.slice(callsAtClose), [], 'requests after the dialog closed');
  });

  for (const [type, id] of [['fd-write', WRITE], ['fd-cov', COV]] as const) {
    it(`${type}'s dialog has the browse button too: a pick fills its fields (fd-cov's Property left empty: SubscribeCOV), Cancel leaves the node as it was`, async () => {
      const routeCalls: string[] = [];
      const count = (r: { url(): string }): void => {
        if (/\/bacnet-bbmd\/[^/]+\/(devices|who-is)/.test(r.url())) routeCalls.push(r.url());
      };
      page.on('request', count);
      try {
        await openNode(page, TAB, id, '#node-input-device');
        await page.click('#node-input-bacnet-browse');
        await page.waitForSelector(DEVICE_ROW, { timeout: STEP_MS });
        await page.click(DEVICE_ROW);
        await page.waitForSelector(OBJECT_ROW, { timeout: 30_000 });
        await shot(`9-${type}-objects`);
        await page.click(OBJECT_ROW);
        await page.waitForSelector(PANEL, { hidden: true });
        const fields = await inPage<Record<string, string>>(page, `({ device: $("#node-input-device").val(), object: $("#node-input-object").val(), property: $("#node-input-property").val() })`);
        // fd-cov follows the whole object (SubscribeCOV): its Property stays empty.
        assert.deepEqual(fields, { device: '1202', object: 'analog-input:1', property: type === 'fd-cov' ? '' : 'present-value' });
        await page.click('#node-dialog-cancel');
        await page.waitForSelector('#node-input-device', { hidden: true });
        const kept = await inPage<string>(page, `RED.nodes.node(${JSON.stringify(id)}).object`);
        assert.equal(kept, 'analog-value:1', 'Cancel keeps the node unchanged');
        const atClose = routeCalls.length;
        await pause(2500);
        assert.deepEqual(routeCalls.slice(atClose), [], 'requests after the dialog closed');
      } finally {
        page.off('request', count);
      }
    });
  }
});
