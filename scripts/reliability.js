#!/usr/bin/env node
/**
 * `npm run test:reliability [-- --long]`: the reliability suite (test/reliability)
 * and the codec property tests, with --expose-gc (the suite measures the heap
 * after garbage collection).
 *
 *   --long            the full counts: 1,000,000 fuzz datagrams, 200 full deploys and
 *                     200 config-node edits, 3 rounds of every fault, longer fake-clock
 *                     spans, 20× the property-test runs (also RELIABILITY_LONG=1)
 *   anything else     passed to mocha (e.g. --grep fuzz)
 *
 * Mocha refuses options it does not know, so --long is turned into RELIABILITY_LONG=1 here.
 * Expects `npm run build && npm run build:test` to have run (the npm script does both).
 */
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const env = { ...process.env };
const passThrough = [];
for (const arg of args) {
  if (arg === '--long') env.RELIABILITY_LONG = '1';
  else passThrough.push(arg);
}
const long = env.RELIABILITY_LONG === '1' || env.RELIABILITY_LONG === 'true';

const mocha = require.resolve('mocha/bin/mocha.js', { paths: [root] });
const mochaArgs = [
  '--expose-gc',
  mocha,
  '--no-config',
  '--reporter',
  'spec',
  '--timeout',
  long ? '900000' : '120000',
  'dist-test/reliability/**/*.test.js',
  'dist-test/unit/codec-properties.test.js',
  ...passThrough,
];
console.log(`reliability suite, ${long ? 'long' : 'short'} form: node ${mochaArgs.map((a) => (a === mocha ? 'mocha' : a)).join(' ')}`);
const started = Date.now();
const child = spawn(process.execPath, mochaArgs, { cwd: root, env, stdio: 'inherit' });
const forward = (signal) => child.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
child.on('exit', (code, signal) => {
  console.log(`reliability suite (${long ? 'long' : 'short'} form) took ${Math.round((Date.now() - started) / 1000)} s`);
  process.exit(signal ? 1 : (code ?? 1));
});
