/**
 * What `npm pack` puts in the tarball: exactly what a user needs (the compiled
 * package, the files Node-RED loads, the editor's resources, the examples, README, LICENSE,
 * CHANGELOG and package.json), and no tests, TypeScript sources, source maps,
 * demo user directory or anything else.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const TYPES = Object.keys(pkg['node-red'].nodes as Record<string, string>);

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

function listFiles(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(full, base) : [path.relative(base, full).split(path.sep).join('/')];
  });
}

describe('npm pack', function () {
  this.timeout(60_000);
  let packed: Packed;
  let files: string[];

  before(() => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    packed = (JSON.parse(out) as Packed[])[0];
    files = packed.files.map((f) => f.path).sort();
  });

  it('holds only dist/, nodes/, resources/, examples/, README.md, LICENSE, CHANGELOG.md and package.json', () => {
    const outside = files.filter((f) => !/^(dist|nodes|resources|examples)\//.test(f) && !['README.md', 'LICENSE', 'CHANGELOG.md', 'package.json'].includes(f));
    assert.deepEqual(outside, []);
    for (const f of ['README.md', 'LICENSE', 'CHANGELOG.md', 'package.json']) assert.ok(files.includes(f), f);
  });

  it('holds no tests, no TypeScript sources, no source maps, no user directory', () => {
    const forbidden = files.filter(
      (f) =>
        /(^|\/)(test|tests|dist-test|src|scripts|node_modules|\.demo|\.ci|\.git)\//.test(f) ||
        /\.test\.|\.spec\./.test(f) ||
        (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)) ||
        /\.map$/.test(f) ||
        /\.tgz$/.test(f) ||
        // a Node-RED user directory's files: flows, credentials, settings, runtime config, backups
        /(^|\/)(flows|flows_cred)(_[\w-]+)?\.json$|^settings\.js$|(^|\/)\.config\.[\w.]+\.json$|\.backup$/.test(f),
    );
    assert.deepEqual(forbidden, []);
  });

  it('holds, for every node type, what Node-RED loads: the .js, editor .html, messages, help and the compiled node', () => {
    assert.deepEqual(TYPES.sort(), ['bacnet-bbmd', 'fd-broadcast', 'fd-cov', 'fd-read', 'fd-receive', 'fd-send', 'fd-status', 'fd-write']);
    for (const type of TYPES) {
      for (const f of [`nodes/${type}.js`, `nodes/${type}.html`, `nodes/locales/en-US/${type}.json`, `nodes/locales/en-US/${type}.html`, `dist/nodes/${type}.js`]) {
        assert.ok(files.includes(f), f);
      }
    }
    // Every icon an editor file names is in nodes/icons.
    for (const type of TYPES) {
      const html = fs.readFileSync(path.join(ROOT, 'nodes', `${type}.html`), 'utf8');
      for (const m of html.matchAll(/icon:\s*['"]([^'"]+)['"]/g)) {
        if (!m[1].includes('/') && !m[1].startsWith('font-awesome')) assert.ok(files.includes(`nodes/icons/${m[1]}`), `icon ${m[1]} of ${type}`);
      }
    }
    // Every script an editor file loads from the package's resources/ (Node-RED serves them at resources/<module>/).
    let scripts = 0;
    for (const type of TYPES) {
      const html = fs.readFileSync(path.join(ROOT, 'nodes', `${type}.html`), 'utf8');
      for (const m of html.matchAll(/<script[^>]*\ssrc="resources\/([^/"]+)\/([^"]+)"/g)) {
        assert.equal(m[1], pkg.name, `${type}.html loads a resource of ${m[1]}`);
        assert.ok(files.includes(`resources/${m[2]}`), `resources/${m[2]} of ${type}`);
        scripts++;
      }
    }
    assert.ok(scripts >= 1, 'the point browser (resources/point-browser.js) is loaded by an editor file');
  });

  it('holds every example and everything under nodes/ and resources/ in the repository', () => {
    for (const dir of ['examples', 'nodes', 'resources']) {
      for (const f of listFiles(path.join(ROOT, dir))) assert.ok(files.includes(`${dir}/${f}`), `${dir}/${f}`);
    }
  });

  it('main and types point into the tarball, and dist/ holds nothing its sources do not make', () => {
    assert.ok(files.includes(pkg.main), pkg.main);
    assert.ok(files.includes(pkg.types), pkg.types);
    const srcDir = path.join(ROOT, 'src');
    if (!fs.existsSync(srcDir)) return; // an unpacked tarball (scripts/test-node-red-5.sh) has no sources to compare with
    const sources = new Set(listFiles(srcDir).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, '')));
    const stale = files.filter((f) => f.startsWith('dist/')).map((f) => f.slice(5).replace(/(\.d\.ts|\.js|\.js\.map|\.d\.ts\.map)$/, '')).filter((f) => !sources.has(f));
    assert.deepEqual([...new Set(stale)], [], 'dist/ files without a source in src/ (run a clean build)');
  });

  // The budget was 1 MB until the client (fd-read, fd-write, fd-cov, src/client) came: 1.01 MB then,
  // commented JS and typings included. 1.5 MB leaves room for the point browser, not for waste.
  it(`is small: under 1.5 MB unpacked`, () => {
    assert.ok(packed.unpackedSize < 1_500_000, `${packed.unpackedSize} octets`);
    console.log(`      ${packed.filename}: ${files.length} files, ${packed.size} octets packed, ${packed.unpackedSize} unpacked`);
  });
});
