/**
 * The README is for integrators: short, the two commands first, and the
 * benchmark's and contributors' material in files of their own that it links to.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const lines = readme.replace(/\n$/, '').split('\n');

/** At most this many non-blank lines between the title and the two commands. */
const MAX_INTRO_LINES = 6;

describe('README', () => {
  it('is at most 300 lines', () => {
    assert.ok(lines.length <= 300, `${lines.length} lines`);
  });

  it('starts with the title, a short intro, then the two commands', () => {
    assert.match(lines[0], /^# node-red-contrib-bacnet-fd$/);
    const first = lines.findIndex((l) => /^## /.test(l));
    assert.equal(lines[first], '## The two commands', 'the first section');
    const intro = lines.slice(1, first).filter((l) => l.trim() !== '');
    assert.ok(intro.length <= MAX_INTRO_LINES, `an intro of ${intro.length} lines`);
    const next = lines.findIndex((l, i) => i > first && /^## /.test(l));
    const section = lines.slice(first, next).join('\n');
    const start = section.indexOf('```sh\nnpm install && npm start\n```');
    const test = section.indexOf('```sh\nnpm install && npm test\n```');
    assert.ok(start > 0, 'npm install && npm start, in a block of its own');
    assert.ok(test > start, 'then npm install && npm test');
    assert.equal(section.slice(0, start).replace('## The two commands', '').trim(), '', 'the section opens with the first command');
  });

  for (const file of ['bench/README.md', 'CONTRIBUTING.md']) {
    it(`links to ${file}, which exists`, () => {
      assert.ok(fs.existsSync(path.join(ROOT, file)), `${file} exists`);
      assert.ok(readme.includes(`](${file})`), `README links to ${file}`);
    });
  }

  it('links only to files that exist', () => {
    for (const [, target] of readme.matchAll(/\]\(([^)#]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      assert.ok(fs.existsSync(path.join(ROOT, target)), `${target} exists`);
    }
  });
});
