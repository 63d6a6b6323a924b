#!/usr/bin/env node
// @ts-check
/**
 * Screenshots of the fd-read, fd-write and fd-cov edit dialogs in a real browser:
 * starts the demo (scripts/start.js, emulator included) on a free port with a
 * flow file holding the examples "Read a temperature every minute" and "Write
 * a setpoint and release it", opens the editor in Debian's chromium through
 * puppeteer-core, double-clicks each node, types into Object and Property to
 * show the autocomplete, opens fd-read's point browser, and saves PNGs in
 * .screenshots/ (git-ignored).
 *
 *   npm run build && npm run build:test && node scripts/editor-screenshots.js
 *
 * CHROMIUM=/path/to/chrome picks another browser. Not part of `npm test`.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { demoFlows } = require('./start.js');
// The demo and the dialogs as test/browser drives them (compiled by npm run build:test).
const { STEP_MS, findChromium, launchChromium, openNode, startDemo, stopDemo } = require('../dist-test/browser/editor-session.js');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, '.screenshots');
const READ_TAB = '7e3a0c0de0000001';
const READ_NODE = '7e3a0c0de0000003';
const WRITE_TAB = '5e7b0c0de0000001';
const WRITE_NODE = '5e7b0c0de0000004';
const COV_TAB = 'c0a7c0de00000001';
const COV_NODE = 'c0a7c0de00000002';
const WRITE_INJECT = '5e7b0c0de0000002';

function log(text) {
  process.stdout.write(`[screenshots] ${text}\n`);
}

async function shot(page, name) {
  const file = path.join(OUT, `${name}.png`);
  await page.screenshot({ path: file });
  log(`saved ${path.relative(ROOT, file)}`);
}

/** Types into a field (after clearing it) and waits for the autocomplete list. */
async function typeInto(page, selector, text) {
  await page.click(selector, { count: 3 });
  await page.keyboard.press('Backspace');
  await page.type(selector, text, { delay: 40 });
  await page.waitForSelector('.red-ui-autoComplete-container', { visible: true, timeout: STEP_MS });
}

async function closeDialog(page) {
  await page.keyboard.press('Escape'); // the autocomplete list, if open
  await page.click('#node-dialog-cancel');
  await page.waitForSelector('#node-input-object', { hidden: true, timeout: STEP_MS });
}

async function main() {
  const chromium = findChromium();
  if (!chromium.ok) throw new Error(chromium.reason);
  fs.mkdirSync(OUT, { recursive: true });
  const demo = await startDemo(demoFlows(['Read a temperature every minute', 'Write a setpoint and release it', 'Follow a temperature']));
  const port = demo.port;
  log(`demo on http://127.0.0.1:${port}/`);
  const browser = await launchChromium(chromium.path);
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 900 });
    await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'networkidle2' });
    await page.waitForSelector(`g.red-ui-flow-node-group[id="${READ_NODE}"]`, { timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 3000)); // the first read's status arrives
    await shot(page, '1-read-flow');

    await openNode(page, READ_TAB, READ_NODE);
    await shot(page, '2-fd-read-dialog');
    // The point browser: the devices the config node has seen, then device 1202's objects.
    await page.click('#node-input-bacnet-browse');
    await page.waitForSelector('tr.bacnet-fd-browser-device[data-instance="1202"]', { timeout: STEP_MS });
    await shot(page, '2a-fd-read-point-browser-devices');
    await page.click('tr.bacnet-fd-browser-device[data-instance="1202"]');
    await page.waitForSelector('tr.bacnet-fd-browser-object', { timeout: 30_000 });
    await shot(page, '2b-fd-read-point-browser-objects');
    await page.click('.bacnet-fd-browser-close');
    await typeInto(page, '#node-input-object', 'analog-in');
    await shot(page, '3-fd-read-object-autocomplete');
    await page.keyboard.press('Enter'); // takes the first: "analog-input:"
    await page.type('#node-input-object', 'x1');
    await page.click('#node-input-name'); // leaves the field: validation runs
    await shot(page, '4-fd-read-object-invalid');
    await typeInto(page, '#node-input-property', 'prior');
    await shot(page, '5-fd-read-property-autocomplete');
    await closeDialog(page);

    await page.evaluate((id) => {
      window.RED.view.select(id);
      window.RED.sidebar.show('help');
    }, READ_NODE);
    await new Promise((r) => setTimeout(r, 500));
    await shot(page, '6-fd-read-help');

    await openNode(page, WRITE_TAB, WRITE_NODE);
    await shot(page, '7-fd-write-dialog');
    await typeInto(page, '#node-input-property', 'relinq');
    await shot(page, '8-fd-write-property-autocomplete');
    await closeDialog(page);

    // "Write 22.5": the write, then the priority-array read, in the debug sidebar.
    await page.evaluate(() => window.RED.sidebar.show('debug'));
    await page.evaluate((id) => fetch(`inject/${id}`, { method: 'POST' }), WRITE_INJECT);
    await new Promise((r) => setTimeout(r, 3000));
    await shot(page, '9-write-then-read-debug');

    await openNode(page, COV_TAB, COV_NODE);
    await shot(page, '10-fd-cov-dialog');
    await closeDialog(page);
    await new Promise((r) => setTimeout(r, 1000));
    await shot(page, '11-fd-cov-flow');
  } finally {
    await browser.close();
    await stopDemo(demo);
  }
}

main().catch((err) => {
  process.stderr.write(`[screenshots] failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
