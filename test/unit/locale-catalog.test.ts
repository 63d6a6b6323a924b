/**
 * The message catalogs (nodes/locales/<lang>/<type>.json): every key the
 * runtime code and the editor HTML use exists, and the registration's status
 * texts live in one catalog only (the config node translates them and pushes
 * them to its flow nodes), so a wording change is made once.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const LOCALES = path.join(ROOT, 'nodes', 'locales');
const TYPES = ['bacnet-bbmd', 'fd-broadcast', 'fd-status', 'fd-receive', 'fd-send', 'fd-read', 'fd-write', 'fd-cov'];
const FLOW_TYPES = TYPES.filter((t) => t !== 'bacnet-bbmd');
const STATES = ['registered', 'registering', 'rejected', 'unreachable', 'stopped'];

/**
 * Keys built from a template literal in src/nodes, with every value the
 * template can take. A new template fails the test until it is listed here.
 */
const TEMPLATES: Record<string, string[]> = {
  'fd-status.errors.${table}': ['fd-status.errors.read-fdt', 'fd-status.errors.read-bdt'],
  'bacnet-bbmd.errors.bind-${known}': ['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL', 'other'].map((c) => `bacnet-bbmd.errors.bind-${c}`),
  '${node.type}.status.no-config': FLOW_TYPES.map((t) => `${t}.status.no-config`),
  'status.${state}': STATES.map((s) => `bacnet-bbmd.status.${s}`),
};

type Catalog = Record<string, unknown>;

function lookup(catalog: Catalog, key: string): unknown {
  let at: unknown = catalog;
  for (const part of key.split('.')) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

function readCatalogs(lang: string): Record<string, Catalog> {
  return Object.fromEntries(TYPES.map((t) => [t, JSON.parse(fs.readFileSync(path.join(LOCALES, lang, `${t}.json`), 'utf8')) as Catalog]));
}

/** The keys src/nodes/*.ts passes to RED._ (string literals, and the listed templates). */
function runtimeKeys(): { keys: Set<string>; templates: Set<string> } {
  const keys = new Set<string>();
  const templates = new Set<string>();
  const dir = path.join(ROOT, 'src', 'nodes');
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const m of text.matchAll(/['"](?:bacnet-bbmd|fd-[a-z]+)\.(?:status|errors|warnings|test|messages)\.[A-Za-z0-9.-]+['"]/g)) {
      keys.add(m[0].slice(1, -1));
    }
    for (const m of text.matchAll(/`([^`\s]*\$\{[^`\s]*)`/g)) {
      if (/(?:^|\.)(?:status|errors|warnings|test|messages)\./.test(m[1])) templates.add(m[1]);
    }
  }
  return { keys, templates };
}

/** The keys the editor HTML uses: `_("…")` calls and data-i18n attributes. */
function editorKeys(): Set<string> {
  const keys = new Set<string>();
  for (const file of fs.readdirSync(path.join(ROOT, 'nodes')).filter((f) => f.endsWith('.html'))) {
    const text = fs.readFileSync(path.join(ROOT, 'nodes', file), 'utf8');
    for (const m of text.matchAll(/\b_\(\s*["']([^"']+)["']/g)) keys.add(m[1]);
    for (const m of text.matchAll(/data-i18n="([^"]+)"/g)) {
      for (const part of m[1].split(';')) keys.add(part.replace(/^\[[a-z]+\]/, ''));
    }
  }
  return keys;
}

/** The keys resources/point-browser.js passes to its t("…") (all under bacnet-bbmd.browser). */
function browserKeys(): string[] {
  const text = fs.readFileSync(path.join(ROOT, 'resources', 'point-browser.js'), 'utf8');
  return [...new Set([...text.matchAll(/\bt\(\s*"([A-Za-z]+)"/g)].map((m) => m[1]))].sort();
}

describe('locale catalogs', () => {
  const langs = fs.readdirSync(LOCALES);

  it('there is at least the en-US catalog, one file per node type', () => {
    assert.ok(langs.includes('en-US'));
    for (const lang of langs) for (const t of TYPES) assert.ok(fs.existsSync(path.join(LOCALES, lang, `${t}.json`)), `${lang}/${t}.json`);
  });

  it('every template key in src/nodes is listed with the values it takes', () => {
    const { templates } = runtimeKeys();
    assert.ok(templates.size > 0, 'the scan found no template keys at all');
    assert.deepEqual([...templates].sort(), Object.keys(TEMPLATES).sort());
  });

  for (const lang of langs) {
    it(`${lang}: every key the runtime and the editor use has a non-empty text`, () => {
      const catalogs = readCatalogs(lang);
      const { keys } = runtimeKeys();
      const all = [...keys, ...Object.values(TEMPLATES).flat(), ...editorKeys()];
      assert.ok(all.length > 50, `only ${all.length} keys found: the scan is broken`);
      const missing = all.filter((key) => {
        const type = key.split('.')[0];
        const text = catalogs[type] ? lookup(catalogs[type], key) : undefined;
        return typeof text !== 'string' || text.trim() === '';
      });
      assert.deepEqual(missing, []);
    });

    it(`${lang}: every string the point browser (resources/point-browser.js) asks for is in bacnet-bbmd.browser`, () => {
      const browser = lookup(readCatalogs(lang)['bacnet-bbmd'], 'bacnet-bbmd.browser') as Record<string, unknown> | undefined;
      assert.equal(typeof browser, 'object', 'bacnet-bbmd.browser');
      const keys = browserKeys();
      assert.ok(keys.length > 20, `only ${keys.length} keys found: the scan is broken`);
      const missing = keys.filter((k) => typeof browser![k] !== 'string' || (browser![k] as string).trim() === '');
      assert.deepEqual(missing, []);
      const unused = Object.keys(browser!).filter((k) => !keys.includes(k));
      assert.deepEqual(unused, [], 'strings no code asks for');
    });

    it(`${lang}: the registration's status texts are in the bacnet-bbmd catalog only`, () => {
      const catalogs = readCatalogs(lang);
      for (const state of STATES) {
        assert.equal(typeof lookup(catalogs['bacnet-bbmd'], `bacnet-bbmd.status.${state}`), 'string', state);
        for (const t of FLOW_TYPES) assert.equal(lookup(catalogs[t], `${t}.status.${state}`), undefined, `${t}.status.${state} duplicates bacnet-bbmd's`);
      }
      for (const t of FLOW_TYPES) assert.equal(typeof lookup(catalogs[t], `${t}.status.no-config`), 'string', `${t}.status.no-config`);
    });
  }
});
