/**
 * Plumbing for tests in node-red-node-test-helper: the node files Node-RED
 * loads, the core Catch node, and reading what helper nodes received or what
 * a node reported through done(err).
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import helper from 'node-red-node-test-helper';

export type Msg = Record<string, unknown> & { payload?: unknown; topic?: unknown; error?: { message: string } };
export type FlowNode = Parameters<typeof helper.load>[1][number];
export type NodeModule = (RED: unknown) => void;

/** nodes/<type>.js for each type: the files Node-RED itself loads. */
export function packageNodes(...types: string[]): NodeModule[] {
  // require() is untyped here; each module goes straight to the helper.
  return types.map((type) => require(path.join(__dirname, '..', '..', 'nodes', `${type}.js`)) as NodeModule);
}

/** The core Catch node, found through node-red itself (wherever npm placed @node-red/nodes). */
export function catchNode(): NodeModule {
  const coreNodes = path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(require.resolve('node-red/package.json'))] }));
  return require(path.join(coreNodes, 'core/common/25-catch.js')) as NodeModule;
}

/** Collects every message the (helper) node `id` receives. */
export function collect(id: string): Msg[] {
  const got: Msg[] = [];
  const node = helper.getNode(id);
  assert.ok(node, `no node ${id}`);
  node.on('input', (msg: Msg) => got.push(msg));
  return got;
}

type SpiedMethod = { getCalls(): { thisValue: unknown; args: unknown[] }[] };

/**
 * The arguments of every call node `id` made to one of its methods. The helper spies
 * on Node.prototype, so a spy's own `args` hold the calls of every node: filter by
 * the calling node.
 */
export function callsOf(id: string, method: 'error' | 'status' | 'warn' | 'log' | 'send'): unknown[][] {
  const node = helper.getNode(id);
  if (!node) return [];
  const spy = (node as unknown as Record<string, SpiedMethod | undefined>)[method];
  if (!spy) return [];
  return spy.getCalls().filter((call) => call.thisValue === node).map((call) => call.args);
}

/** The errors node `id` reported (node.error or done(err)): the Error, or the text it was given. */
export function errorsOf(id: string): unknown[] {
  return callsOf(id, 'error').map((a) => a[0]);
}

/** Their texts. */
export function errorTextsOf(id: string): string[] {
  return errorsOf(id).map((e) => (e instanceof Error ? e.message : String(e)));
}

/** The last error node `id` reported (through done(err) or node.error), with the i18n key and detail. */
export function lastError(id: string): Error & { key?: string; detail?: string } {
  const calls = callsOf(id, 'error');
  assert.ok(calls.length > 0, `no error on ${id}`);
  return calls[calls.length - 1][0] as Error & { key?: string; detail?: string };
}

/** The last status node `id` showed. */
export function lastStatus(id: string): { fill?: string; shape?: string; text?: string } | undefined {
  return statusOf(id);
}

/** The last status node `id` showed (the same as lastStatus). */
export function statusOf(id: string): { fill?: string; shape?: string; text?: string } | undefined {
  const calls = callsOf(id, 'status');
  return calls.length > 0 ? (calls[calls.length - 1][0] as { fill?: string; shape?: string; text?: string }) : undefined;
}
