/**
 * fd-read: reads a property of an object of a device through the config
 * node's registration (CLIENT.md "fd-read"). One read per message; an array
 * in msg.payload asks for many (ReadPropertyMultiple per device where it
 * takes it), each element getting its value or its error.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { BacnetInfo, ReadRequest, isPropertySelection } from '../client/point-client';
import { errorMessage } from '../util/errors';
import { attachToBbmd, nodeError } from './attach-to-bbmd';
import { PointDefaults, PointFields, PointInputError, READ_KEYS, isPlainObject, parsePointFields, pointRequest } from './point-request';
import { errorStatus, requestInfo, topicOf, valueStatus, waitsForRegistration } from './point-status';
import { registerNamesRoute } from './names-route';
import type { BbmdConfigNode } from './registration-user';

type ReadDef = NodeDef & PointFields & { bbmd?: string };

export default function register(RED: NodeAPI): void {
  registerNamesRoute(RED);
  function FdReadNode(this: Node, def: ReadDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let defaults: PointDefaults | null = null;
    let settingsError: Error | null = null;
    try {
      defaults = parsePointFields(def, 'present-value');
    } catch (err) {
      settingsError = nodeError(RED, 'fd-read.errors.settings', errorMessage(err));
      node.error(settingsError.message);
      node.status({ fill: 'red', shape: 'ring', text: RED._('fd-read.status.bad-settings') });
    }
    const { config } = attachToBbmd(RED, node, def.bbmd, undefined, undefined, false);
    // From now on the config node's device table takes the I-Ams its registration receives.
    config?.useClient();

    node.on('input', (msg, send, done) => {
      if (!config) return done(nodeError(RED, 'fd-read.errors.no-config'));
      if (!defaults) return done(settingsError ?? new Error('fd-read: no settings'));
      const payload = (msg as { payload?: unknown }).payload;
      if (Array.isArray(payload)) {
        if (payload.length === 0) return done(nodeError(RED, 'fd-read.errors.bad-input', 'msg.payload is an empty array: give at least one read'));
        readMany(config, defaults, payload).then((results) => {
          const failed = results.filter((r) => 'error' in r).length;
          if (failed === results.length && results.length > 0) {
            node.status({ fill: 'red', shape: 'ring', text: RED._('fd-read.status.all-failed', { count: failed }) });
            return done(nodeError(RED, 'fd-read.errors.failed', String(results[0]?.error)));
          }
          node.status(failed === 0 ? { fill: 'green', shape: 'dot', text: RED._('fd-read.status.values', { count: results.length }) } : { fill: 'yellow', shape: 'dot', text: RED._('fd-read.status.some-failed', { failed, count: results.length }) });
          (msg as { payload?: unknown }).payload = results;
          send(msg);
          done();
        }, done);
        return;
      }
      let request: ReadRequest;
      try {
        request = pointRequest(defaults, requestObject(payload), true);
      } catch (err) {
        if (!(err instanceof PointInputError)) throw err;
        return done(nodeError(RED, 'fd-read.errors.bad-input', err.message));
      }
      if (waitsForRegistration(config, request)) node.status({ fill: 'yellow', shape: 'ring', text: RED._('fd-read.status.waiting') });
      readOne(config, request).then(
        (result) => {
          node.status(valueStatus(result.value));
          deliver(msg, result);
          send(msg);
          done();
        },
        (err: unknown) => {
          node.status(errorStatus(err));
          (msg as { bacnet?: unknown }).bacnet = requestInfo(request, config.client.table);
          done(nodeError(RED, 'fd-read.errors.failed', errorMessage(err)));
        },
      );
    });
  }
  RED.nodes.registerType('fd-read', FdReadNode);
}

/** A request object in msg.payload, or null when the payload is something else (an inject's timestamp). */
function requestObject(payload: unknown): Record<string, unknown> | null {
  if (!isPlainObject(payload)) return null;
  const unknown = Object.keys(payload).filter((key) => !(READ_KEYS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw new PointInputError(`msg.payload has ${unknown.map((k) => JSON.stringify(k)).join(', ')}; a read takes ${READ_KEYS.join(', ')}`);
  }
  return payload;
}

/** One read: ReadProperty, or for `all`/`required`/`optional` ReadPropertyMultiple (CLIENT.md: only it reads those). */
async function readOne(config: BbmdConfigNode, request: ReadRequest): Promise<{ value: unknown; bacnet: BacnetInfo }> {
  if (!isPropertySelection(request.property)) return config.client.points.read(request);
  const [outcome] = await config.client.multiple.read([request]);
  if (outcome === undefined) throw new Error('fd-read: no outcome for the read');
  if ('error' in outcome) throw outcome.error;
  return outcome;
}

function deliver(msg: NodeMessage, result: { value: unknown; bacnet: BacnetInfo }): void {
  const out = msg as NodeMessage & { bacnet?: unknown };
  out.payload = result.value;
  out.bacnet = result.bacnet;
  if (out.topic === undefined || out.topic === '') out.topic = topicOf(result.bacnet);
}

type ArrayResult = Record<string, unknown> & ({ value: unknown } | { error: string });

/**
 * Every element read (grouped per device into ReadPropertyMultiple where the
 * device takes it), in order; a bad element gets its error and does not stop the others.
 */
async function readMany(config: BbmdConfigNode, defaults: PointDefaults, elements: unknown[]): Promise<ArrayResult[]> {
  const results: ArrayResult[] = new Array<ArrayResult>(elements.length);
  const echo = (element: unknown): Record<string, unknown> => (isPlainObject(element) ? { ...element } : { request: element });
  const requests: ReadRequest[] = [];
  const positions: number[] = [];
  elements.forEach((element, at) => {
    try {
      if (!isPlainObject(element)) throw new PointInputError(`element ${at} is not an object { device?, object?, property?, index? }`);
      requests.push(pointRequest(defaults, requestObject(element), true));
      positions.push(at);
    } catch (err) {
      results[at] = { ...echo(element), error: errorMessage(err) };
    }
  });
  const outcomes = requests.length === 0 ? [] : await config.client.multiple.read(requests);
  outcomes.forEach((outcome, i) => {
    const at = positions[i]!;
    results[at] = 'error' in outcome ? { ...echo(elements[at]), error: errorMessage(outcome.error) } : { ...echo(elements[at]), value: outcome.value };
  });
  return results;
}
