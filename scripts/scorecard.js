#!/usr/bin/env node
// @ts-check
/**
 * The flow library's scorecard for what `npm pack` ships: packs this package
 * (no build: run `npm run build` first), unpacks the tarball into a temporary
 * folder and runs `node-red-dev validate` (the flow library's own tool, a
 * devDependency) on it, as the flow library does on a published version.
 *
 *   node scripts/scorecard.js [--json FILE]
 *
 * Prints node-red-dev's report. With --json, writes
 *   { scorecard, unchecked, output, exitCode }
 * where `scorecard` is node-red-dev's scorecard (-o) and `unchecked` lists the
 * checks that could not run here (P08 and N01 need catalogue.nodered.org; see
 * scripts/catalogue-fallback.js), or null. Exits with node-red-dev's code.
 */
'use strict';

const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

function main() {
  const jsonAt = process.argv.indexOf('--json');
  const jsonFile = jsonAt !== -1 ? process.argv[jsonAt + 1] : null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bacnet-fd-scorecard-'));
  try {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' }),
    );
    const tarball = path.join(dir, packed[0].filename);
    execFileSync('tar', ['-xzf', tarball, '-C', dir]);
    const pkg = path.join(dir, 'package');
    const scorecardFile = path.join(dir, 'scorecard.json');
    const uncheckedFile = path.join(dir, 'unchecked.json');
    const run = path.join(path.dirname(require.resolve('node-red-dev/package.json')), 'bin', 'run');
    const result = spawnSync(
      process.execPath,
      ['-r', path.join(__dirname, 'catalogue-fallback.js'), run, 'validate', '-p', pkg, '-o', scorecardFile],
      {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SCORECARD_UNCHECKED: uncheckedFile },
        timeout: 300_000,
      },
    );
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    process.stdout.write(output);
    const exitCode = result.status ?? 1;
    if (jsonFile) {
      const read = (f) => (fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) : null);
      fs.writeFileSync(jsonFile, JSON.stringify({ scorecard: read(scorecardFile), unchecked: read(uncheckedFile), output, exitCode }, null, 2));
    }
    return exitCode;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = main();
