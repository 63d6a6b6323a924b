/**
 * What every flow node of this package does with its bacnet-bbmd config node:
 * find it, attach as a user, mirror the registration in its status dot, and
 * on close detach (waiting for the deregistration when it was the last user).
 */
import type { Node, NodeAPI, NodeStatus } from 'node-red';
import type { FdSnapshot } from '../registration/types';
import type { RegistrationLease } from '../registration/registration-table';
import type { BbmdNode } from './bacnet-bbmd';
import type { BbmdConfigNode } from './registration-user';
import { errorMessage } from '../util/errors';

export interface Attachment {
  /** The config node, or null when the flow node names none (its status says so). */
  config: BbmdConfigNode | null;
  /**
   * The config node's registration as it stands, without waiting (null while binding,
   * after a bind error, or with no config node): for per-message fast paths.
   */
  currentLease(): RegistrationLease | null;
}

/**
 * Attaches `node` to the config node `configId`. `onSnapshot` gets every
 * registration change after the status dot is updated. The node's close
 * handler is installed here; `onClose` runs first for the node's own cleanup.
 */
export function attachToBbmd(
  RED: NodeAPI,
  node: Node,
  configId: unknown,
  onSnapshot: (snapshot: FdSnapshot) => void = () => undefined,
  /** The node's own cleanup, awaited before the node gives up its user hold on the config node. */
  onClose: () => void | Promise<void> = () => undefined,
  /** False for nodes whose status shows their own results (fd-read, fd-write) rather than the registration. */
  mirrorStatus = true,
): Attachment {
  const configNode = typeof configId === 'string' && configId !== '' ? (RED.nodes.getNode(configId) as BbmdNode | null) : null;
  const runtime = configNode?.bbmd ?? null;
  const config: BbmdConfigNode | null = runtime;
  const user = {
    onSnapshot(snapshot: FdSnapshot, status: NodeStatus): void {
      if (mirrorStatus) node.status(status);
      onSnapshot(snapshot);
    },
  };
  if (config) {
    config.addUser(user);
  } else {
    node.status({ fill: 'red', shape: 'ring', text: RED._(`${node.type}.status.no-config`) });
  }
  node.on('close', (removed: boolean, done: () => void) => {
    Promise.resolve()
      .then(onClose)
      .catch((err: unknown) => node.warn(errorMessage(err)))
      .then(() => (config ? config.removeUser(user, removed) : undefined))
      .then(done, (err: Error) => {
        node.warn(err.message);
        done();
      });
  });
  return { config, currentLease: runtime ? () => runtime.currentLease() : () => null };
}

/** An Error whose message is translated and that keeps the i18n key and detail for programs and tests. */
export class NodeError extends Error {
  constructor(
    readonly key: string,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'NodeError';
  }
}

export function nodeError(RED: NodeAPI, key: string, detail?: string, params: Record<string, string | number> = {}): NodeError {
  return new NodeError(key, RED._(key, { ...params, detail: detail ?? '' }), detail);
}
