/**
 * fd-write: writes a property of an object of a device through the config
 * node's registration (CLIENT.md "fd-write"): msg.payload is the value (null
 * relinquishes the command at the priority), or a request object with `value`.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { ClientInputError } from '../client/client-error';
import type { WriteRequest } from '../client/point-client';
import { isValueType } from '../protocol/application-tags';
import type { ValueType } from '../protocol/primitive-values';
import { VALUE_TYPES } from '../protocol/primitive-values';
import { describeValue } from '../util/describe-value';
import { errorMessage } from '../util/errors';
import { attachToBbmd, nodeError } from './attach-to-bbmd';
import { PointDefaults, PointFields, PointInputError, isPlainObject, parsePointFields, pointRequest } from './point-request';
import { errorStatus, requestInfo, waitsForRegistration } from './point-status';
import { registerNamesRoute } from './names-route';

type WriteDef = NodeDef & PointFields & { bbmd?: string; priority?: unknown; valueType?: unknown };

/** The keys of a request object in msg.payload (CLIENT.md); any other key makes the payload a value. */
const WRITE_KEYS = ['value', 'device', 'object', 'property', 'index', 'priority', 'valueType'];

interface WriteDefaults {
  readonly point: PointDefaults;
  readonly priority: number | null;
  readonly valueType: ValueType | null;
}

export default function register(RED: NodeAPI): void {
  registerNamesRoute(RED);
  function FdWriteNode(this: Node, def: WriteDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let defaults: WriteDefaults | null = null;
    let settingsError: Error | null = null;
    try {
      defaults = { point: parsePointFields(def, 'present-value'), priority: priorityOf(def.priority, 'Priority field'), valueType: valueTypeOf(def.valueType, 'Value type field') };
    } catch (err) {
      settingsError = nodeError(RED, 'fd-write.errors.settings', errorMessage(err));
      node.error(settingsError.message);
      node.status({ fill: 'red', shape: 'ring', text: RED._('fd-write.status.bad-settings') });
    }
    const { config } = attachToBbmd(RED, node, def.bbmd, undefined, undefined, false);
    // From now on the config node's device table takes the I-Ams its registration receives.
    config?.useClient();

    node.on('input', (msg, send, done) => {
      if (!config) return done(nodeError(RED, 'fd-write.errors.no-config'));
      if (!defaults) return done(settingsError ?? new Error('fd-write: no settings'));
      let request: WriteRequest;
      try {
        request = writeRequest(defaults, (msg as { payload?: unknown }).payload);
      } catch (err) {
        if (!(err instanceof PointInputError)) throw err;
        return done(nodeError(RED, 'fd-write.errors.bad-input', err.message));
      }
      const out = msg as typeof msg & { bacnet?: unknown };
      if (waitsForRegistration(config, request)) node.status({ fill: 'yellow', shape: 'ring', text: RED._('fd-write.status.waiting') });
      config.client.points.write(request).then(
        (bacnet) => {
          node.status({ fill: 'green', shape: 'dot', text: RED._('fd-write.status.written') });
          out.bacnet = bacnet;
          send(msg);
          done();
        },
        (err: unknown) => {
          node.status(errorStatus(err));
          out.bacnet = { ...requestInfo(request, config.client.table), priority: request.priority };
          // A value that does not fit the property, or a request the device could never take, is bad input: found before it was sent.
          const key = err instanceof TypeError || err instanceof ClientInputError ? 'fd-write.errors.bad-input' : 'fd-write.errors.failed';
          done(nodeError(RED, key, errorMessage(err)));
        },
      );
    });
  }
  RED.nodes.registerType('fd-write', FdWriteNode);
}

/** The payload as a value, or as a request object (a plain object of only WRITE_KEYS, with `value`). */
function writeRequest(defaults: WriteDefaults, payload: unknown): WriteRequest {
  const isRequest = isPlainObject(payload) && 'value' in payload && Object.keys(payload).every((key) => WRITE_KEYS.includes(key));
  const override = isRequest ? payload : null;
  if (payload === undefined) throw new PointInputError('msg.payload is missing: give the value to write (null relinquishes)');
  const point = pointRequest(defaults.point, override, false);
  const priority = override && override.priority !== undefined ? priorityOf(override.priority, 'msg.payload.priority') : defaults.priority;
  const valueType = override && override.valueType !== undefined ? valueTypeOf(override.valueType, 'msg.payload.valueType') : defaults.valueType;
  return { ...point, value: override ? override.value : payload, priority, valueType };
}

function priorityOf(input: unknown, where: string): number | null {
  if (input === undefined || input === null || (typeof input === 'string' && input.trim() === '')) return null;
  const n = typeof input === 'string' && /^\s*\d+\s*$/.test(input) ? Number(input) : input;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 16) {
    throw new PointInputError(`${where}: priority must be a whole number 1..16 (or empty for none), got ${describeValue(input)}`);
  }
  return n;
}

function valueTypeOf(input: unknown, where: string): ValueType | null {
  if (input === undefined || input === null || input === '') return null;
  if (!isValueType(input)) throw new PointInputError(`${where}: valueType must be one of ${VALUE_TYPES.join(', ')}, got ${describeValue(input)}`);
  return input;
}
