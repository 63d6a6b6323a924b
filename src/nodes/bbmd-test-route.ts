/**
 * The config editor's Test button: POST /bacnet-bbmd/:id/test with the form's
 * fields. Contacts only the host and port given; uses the deployed node's live
 * registration when it is registered with that BBMD, else a temporary socket
 * (src/registration/bbmd-probe.ts). Bounded: one test per config node, MAX_CONCURRENT_TESTS in
 * all. Environment variables are substituted as the runtime does for a deployed
 * node, and their values are never shown in an error or report.
 */
import type { NodeAPI } from 'node-red';
import { BbmdTestReport, testWithLiveRegistration, testWithTemporarySocket } from '../registration/bbmd-probe';
import { describeValue } from '../util/describe-value';
import type { ForeignDeviceManager } from '../registration/foreign-device';
import { BbmdFields, BbmdSettings, SettingsError, parseBbmdSettings } from '../registration/settings';
import { errorMessage } from '../util/errors';

/**
 * Tests running at once across all config nodes. Each holds a socket, a registration
 * and up to ~8 s of the BBMD's attention; an editor user clicking several nodes' Test
 * buttons needs no more, and a script hammering the endpoint gets no more.
 */
export const MAX_CONCURRENT_TESTS = 2;

/** Config node ids with a Test running. */
const testsRunning = new Set<string>();
/** What a Node-RED node id can be, checked before an admin route looks one up (the point browser's routes too). */
export const NODE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * What runTest needs of a deployed node: its type and, for a bacnet-bbmd, the live
 * registration (BbmdRuntime.liveManagerFor in bacnet-bbmd.ts).
 */
interface DeployedNode {
  type: string;
  bbmd?: { liveManagerFor(settings: BbmdSettings): ForeignDeviceManager | null };
}

type RouteAnswer = { status: number; body: BbmdTestReport | { error: string } };

// ---- ${VAR}: as Node-RED 4.1 maps a node's properties --------------------------------

/**
 * @node-red/runtime/lib/flows/util.js (4.1) mapEnvVarProperties: a string property
 * whose WHOLE value is `${NAME}` (or the older `$(NAME)`), NAME with no white space,
 * is replaced by the setting NAME when it is defined, and left as it is when not.
 * `${NAME}` inside a longer string is not replaced. Arrays and objects are walked.
 */
const ENV_PROPERTY = /^\${(\S+)}$/;
const ENV_PROPERTY_OLD = /^\$\((\S+)\)$/;

/** A form field whose value came from (or should have come from) the environment. */
export interface Substitution {
  /** The form's field (top level) the reference sits in. */
  field: string;
  /** As written: `${NAME}` or `$(NAME)`. */
  reference: string;
  name: string;
  /** The setting's value; undefined when NAME is not set (the reference then stays, as in the runtime). */
  value: unknown;
}

/**
 * The form with environment variables substituted as the runtime substitutes a deployed
 * node's properties; `lookup` is the runtime's getSetting for that node. Pure.
 */
export function substituteEnv(
  form: Record<string, unknown>,
  lookup: (name: string) => unknown,
): { fields: Record<string, unknown>; substitutions: Substitution[]; unset: Substitution[] } {
  const substitutions: Substitution[] = [];
  const unset: Substitution[] = [];
  const map = (value: unknown, field: string): unknown => {
    if (Buffer.isBuffer(value)) return value;
    if (Array.isArray(value)) return value.map((inner) => map(inner, field));
    if (typeof value === 'string') {
      if (value[0] !== '$' || !(ENV_PROPERTY_OLD.test(value) || ENV_PROPERTY.test(value))) return value;
      const name = value.substring(2, value.length - 1);
      const found = lookup(name);
      (found === undefined ? unset : substitutions).push({ field, reference: value, name, value: found });
      return found === undefined ? value : found;
    }
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(value)) out[key] = map(inner, field);
      return out;
    }
    return value;
  };
  const fields: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(form)) fields[field] = map(value, field);
  return { fields, substitutions, unset };
}

/**
 * The runtime's lookup for `id`: for a deployed bacnet-bbmd, RED.util.getSetting on the
 * node itself (its flow's and the global environment, NR_NODE_*, settings.envVarExcludes),
 * exactly what the runtime used for its properties. For a node not deployed yet there is
 * no flow to ask: the process environment, minus envVarExcludes, as the global flow gives
 * it (environment variables set in the editor's global settings apply once deployed).
 */
function envLookup(RED: NodeAPI, id: string, deployed: DeployedNode | null, form: Record<string, unknown>): (name: string) => unknown {
  // getSetting is typed to return string; it returns whatever the setting holds, or undefined.
  const getSetting = RED.util.getSetting as unknown as (node: object, name: string) => unknown;
  if (deployed) return (name) => getSetting(deployed, name);
  const excludes = (RED.settings as unknown as { envVarExcludes?: unknown }).envVarExcludes;
  const excluded = new Set(Array.isArray(excludes) ? excludes.map(String) : []);
  const node = { id, name: typeof form.name === 'string' ? form.name : undefined };
  return (name) => (name.startsWith('NR_NODE_') ? getSetting(node, name) : excluded.has(name) ? undefined : process.env[name]);
}

// ---- values from the environment, kept out of every text ------------------------------

/** A text with every value that came from the environment replaced by its reference (`${NAME}`). */
export function redact(text: string, substitutions: Substitution[]): string {
  let out = text;
  // Longest first, so that a value inside another is not replaced before it.
  const forms = substitutions
    .flatMap((s) => valueForms(s.value).map((form) => ({ form, reference: s.reference })))
    .sort((a, b) => b.form.length - a.form.length);
  for (const { form, reference } of forms) {
    // Only as a whole token: a port 47808 is replaced, the 4780 in 47808 is not.
    const token = new RegExp(`(?<![A-Za-z0-9_.-])${escapeRegExp(form)}(?![A-Za-z0-9_-]|\\.[A-Za-z0-9])`, 'g');
    out = out.replace(token, () => reference);
  }
  return out;
}

/**
 * A text for a report: values replaced by their references (redact), and, should one
 * still show (glued into a longer word, a form not foreseen), the text is not given at
 * all. Values shorter than 3 characters (a TTL of 60, port 0) are left to redact() alone:
 * they are in every other number, and a secret is longer.
 */
export function hideValues(text: string, substitutions: Substitution[]): string {
  const out = redact(text, substitutions);
  const leaked = substitutions.some((s) => valueForms(s.value).some((form) => form.trim().length >= 3 && out.includes(form.trim())));
  return leaked ? 'not shown: the text would show a value that comes from the environment' : out;
}

/** The forms an error quotes a value in: as described (quoted), as it is, trimmed. */
function valueForms(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const raw = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  const forms = new Set([describeValue(value), describeValue(raw.trim()), raw, raw.trim()]);
  return [...forms].filter((form) => form.trim() !== '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * A settings error for the form, naming references rather than values. parseBbmdSettings
 * quotes only the value of the field it refuses, so that field's value is the one to hide.
 */
function settingsErrorText(err: Error, substitutions: Substitution[], unset: Substitution[]): string {
  const field = err instanceof SettingsError ? err.field : null;
  const fromEnv = substitutions.filter((s) => s.field === field);
  let text = err.message;
  if (fromEnv.length > 0 || field === null) {
    const hide = field === null ? substitutions : fromEnv;
    text = redact(text, hide);
    // The last guard: a value that survived the replacement (in a form not foreseen) is not shown at all.
    if (hide.some((s) => valueForms(s.value).some((form) => text.includes(form.trim())))) {
      text = fromEnv.length > 0
        ? `${field}: the value of ${fromEnv[0].reference} is not valid for this field (not shown: it comes from the environment)`
        : 'a setting that comes from the environment is not valid (not shown)';
    }
  }
  const missing = unset.find((s) => s.field === field);
  if (missing) text += ` (no environment variable ${missing.name} is set)`;
  return text;
}

/**
 * The report with the values that came from the environment shown as their references:
 * the BBMD's host (and its address, when the host was an address), and every word in the
 * error texts. What the BBMD or the socket report (FDT and BDT entries, our own address,
 * ports as numbers) is data about the site, shown as it is.
 */
function redactReport(report: BbmdTestReport, substitutions: Substitution[]): BbmdTestReport {
  if (substitutions.length === 0) return report;
  const host = substitutions.find((s) => s.field === 'host');
  const hostValue = typeof host?.value === 'string' ? host.value.trim() : null;
  const hidden = (text: string | null): string | null => (text !== null && host && text === hostValue ? host.reference : text);
  const words = (text: string | null): string | null => (text === null ? null : hideValues(text, substitutions));
  return {
    ...report,
    bbmd: { ...report.bbmd, host: hidden(report.bbmd.host) ?? '', address: hidden(report.bbmd.address) },
    registration: { ...report.registration, error: words(report.registration.error) },
    fdt: { ...report.fdt, error: words(report.fdt.error) },
    bdt: { ...report.bdt, error: words(report.bdt.error) },
  };
}

// ---- the route -------------------------------------------------------------------------

async function runTest(RED: NodeAPI, id: string, body: unknown): Promise<RouteAnswer> {
  if (!NODE_ID.test(id)) return { status: 400, body: { error: 'bad config node id' } };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { status: 400, body: { error: 'expected a JSON object with the BBMD settings' } };
  }
  const deployed = RED.nodes.getNode(id) as unknown as DeployedNode | null;
  if (deployed && deployed.type !== 'bacnet-bbmd') {
    return { status: 400, body: { error: `node ${id} is a ${deployed.type} node, not a bacnet-bbmd config node: nothing to test` } };
  }
  const form = body as Record<string, unknown>;
  const { fields, substitutions, unset } = substituteEnv(form, envLookup(RED, id, deployed, form));
  let settings: BbmdSettings;
  try {
    settings = parseBbmdSettings(fields as BbmdFields);
  } catch (err) {
    return { status: 400, body: { error: settingsErrorText(err as Error, substitutions, unset) } };
  }
  if (testsRunning.has(id)) return { status: 409, body: { error: 'a test of this BBMD config node is already running' } };
  if (testsRunning.size >= MAX_CONCURRENT_TESTS) {
    return {
      status: 429,
      body: { error: `${testsRunning.size} tests of BBMD config nodes are already running (at most ${MAX_CONCURRENT_TESTS} at once): try again when one ends` },
    };
  }
  testsRunning.add(id);
  try {
    const live = deployed?.bbmd?.liveManagerFor(settings) ?? null;
    const report = live ? await testWithLiveRegistration(live) : await testWithTemporarySocket(settings);
    return { status: 200, body: redactReport(report, substitutions) };
  } catch (err) {
    return { status: 500, body: { error: hideValues(errorMessage(err), substitutions) } };
  } finally {
    testsRunning.delete(id);
  }
}

/** Registers POST /bacnet-bbmd/:id/test (needs bacnet-bbmd.write). */
export function registerTestRoute(RED: NodeAPI): void {
  RED.httpAdmin.post('/bacnet-bbmd/:id/test', RED.auth.needsPermission('bacnet-bbmd.write'), (req, res) => {
    void runTest(RED, String(req.params.id), req.body).then(({ status, body }) => res.status(status).json(body));
  });
}
