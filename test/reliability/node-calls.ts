/**
 * The test helper spies on Node.prototype's error, warn, status, ...: one spy
 * for every node, so `getNode(id).error.args` holds every node's calls. These
 * keep only the calls the node `id` made.
 */
import helper from 'node-red-node-test-helper';

type Method = 'error' | 'warn' | 'status' | 'log';

/** Arguments of each call node `id` made to `method`, oldest first. */
export function callsOf(id: string, method: Method): unknown[][] {
  const node = helper.getNode(id);
  if (!node) return [];
  const spy = (node as unknown as Record<Method, { args: unknown[][]; thisValues: unknown[] } | undefined>)[method];
  if (!spy) return [];
  return spy.args.filter((_args, i) => spy.thisValues[i] === node);
}

/** The errors node `id` reported (node.error or done(err)): the Error, or the text it was given. */
export function errorsOf(id: string): unknown[] {
  return callsOf(id, 'error').map((a) => a[0]);
}

/** Their texts. */
export function errorTextsOf(id: string): string[] {
  return errorsOf(id).map((e) => (e instanceof Error ? e.message : String(e)));
}

/** The last status node `id` showed. */
export function statusOf(id: string): { fill?: string; shape?: string; text?: string } | undefined {
  return callsOf(id, 'status').at(-1)?.[0] as { fill?: string; shape?: string; text?: string } | undefined;
}
