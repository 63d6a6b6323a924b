/**
 * fd-status: emits the registration snapshot as msg.payload (msg.topic = the
 * state) on every change of the registration, at deploy (emitOnDeploy), and
 * whenever a message arrives at its input (the message's other properties kept).
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { FdSnapshot } from '../registration/types';
import { describeValue } from '../util/describe-value';
import { SettingsError } from '../registration/settings';
import { attachToBbmd, nodeError } from './attach-to-bbmd';
import { errorMessage } from '../util/errors';

interface StatusDef extends NodeDef {
  bbmd?: string;
  emitOnDeploy?: unknown;
}

/** emitOnDeploy: true, false, "true", "false", or empty/missing (true). */
export function parseEmitOnDeploy(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new SettingsError('emitOnDeploy', `emitOnDeploy must be true or false, got ${describeValue(value)}`);
}

export default function register(RED: NodeAPI): void {
  function FdStatusNode(this: Node, def: StatusDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let emitOnDeploy: boolean;
    try {
      emitOnDeploy = parseEmitOnDeploy(def.emitOnDeploy);
    } catch (err) {
      // A node whose settings are wrong says so, and does not start a registration.
      const error = nodeError(RED, 'fd-status.errors.settings', errorMessage(err));
      node.error(error.message);
      node.status({ fill: 'red', shape: 'ring', text: RED._('fd-status.status.bad-settings') });
      node.on('input', (_msg, _send, done) => done(error));
      return;
    }
    // The first snapshot is the one at deploy; every later one is a change.
    let first = true;
    const { config } = attachToBbmd(RED, node, def.bbmd, (snapshot: FdSnapshot) => {
      if (!first || emitOnDeploy) node.send({ topic: snapshot.state, payload: snapshot });
      first = false;
    });

    node.on('input', (msg, send, done) => {
      if (!config) {
        done(nodeError(RED, 'fd-status.errors.no-config'));
        return;
      }
      if (msg.topic === 'read-fdt' || msg.topic === 'read-bdt') {
        // Diagnostics: the BBMD's table as msg.payload, or a clear error for a Catch node.
        const table = msg.topic;
        config
          .lease()
          .then((lease): Promise<unknown[]> => (table === 'read-fdt' ? lease.manager.readFdt() : lease.manager.readBdt()))
          .then(
            (entries) => {
              msg.payload = entries;
              send(msg);
              done();
            },
            (err: Error) => done(nodeError(RED, `fd-status.errors.${table}`, err.message)),
          );
        return;
      }
      const snapshot = config.snapshot();
      msg.topic = snapshot.state;
      msg.payload = snapshot;
      send(msg);
      done();
    });
  }
  RED.nodes.registerType('fd-status', FdStatusNode);
}
