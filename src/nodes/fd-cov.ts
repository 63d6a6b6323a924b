/**
 * fd-cov: follows a value (CLIENT.md "fd-cov"). Subscribes for COV
 * notifications through the config node's registration and sends one message
 * per notification; the client renews, recovers and retries; close cancels.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { ClientError } from '../client/client-error';
import type { CovFollowOptions, CovState, CovSubscription } from '../client/cov-subscription';
import { MAX_LIFETIME_S, MIN_LIFETIME_S } from '../client/cov-subscription';
import { parseDeviceReference } from '../client/device-reference';
import { isPropertySelection } from '../client/point-client';
import { parseObjectReference, parsePropertyReference } from '../protocol/names';
import { describeValue } from '../util/describe-value';
import { errorMessage } from '../util/errors';
import { releaseEndpoint } from '../transport/endpoint-registry';
import { attachToBbmd, nodeError } from './attach-to-bbmd';
import { registerNamesRoute } from './names-route';
import { PointInputError } from './point-request';
import { valueStatus } from './point-status';

interface CovDef extends NodeDef {
  bbmd?: string;
  device?: unknown;
  object?: unknown;
  property?: unknown;
  covIncrement?: unknown;
  lifetime?: unknown;
  confirmed?: unknown;
}

const DEFAULT_LIFETIME_S = 300;

/** The fields as follow() takes them. @throws PointInputError naming the field */
export function parseCovFields(def: CovDef, nodeId: string): CovFollowOptions {
  const field = <T>(name: string, parse: () => T): T => {
    try {
      return parse();
    } catch (err) {
      throw new PointInputError(`${name} field: ${errorMessage(err)}`);
    }
  };
  const empty = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
  if (empty(def.device)) throw new PointInputError('Device field: fd-cov has no input, so the device must be set');
  if (empty(def.object)) throw new PointInputError('Object field: fd-cov has no input, so the object must be set');
  const device = field('Device', () => parseDeviceReference(def.device));
  const object = field('Object', () => parseObjectReference(def.object));
  let property: number | null = null;
  if (!empty(def.property)) {
    const reference = field('Property', () => parsePropertyReference(def.property));
    if (reference.index !== null) throw new PointInputError('Property field: fd-cov follows a whole property; give it without [index]');
    if (isPropertySelection(reference.property)) throw new PointInputError('Property field: all, required and optional cannot be followed; name one property');
    property = reference.property;
  }
  let covIncrement: number | null = null;
  if (!empty(def.covIncrement)) {
    const n = typeof def.covIncrement === 'string' ? Number(def.covIncrement.trim()) : def.covIncrement;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
      throw new PointInputError(`COV increment field: empty, or a number 0 or more, got ${describeValue(def.covIncrement)}`);
    }
    covIncrement = n;
  }
  let lifetime = DEFAULT_LIFETIME_S;
  if (!empty(def.lifetime)) {
    const n = typeof def.lifetime === 'string' && /^\s*\d+\s*$/.test(def.lifetime) ? Number(def.lifetime) : def.lifetime;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < MIN_LIFETIME_S || n > MAX_LIFETIME_S) {
      throw new PointInputError(`Lifetime field: a whole number of seconds ${MIN_LIFETIME_S}..${MAX_LIFETIME_S}, got ${describeValue(def.lifetime)}`);
    }
    lifetime = n;
  }
  const confirmed = def.confirmed === true || def.confirmed === 'true';
  return { nodeId, device, object, property, covIncrement, lifetime, confirmed };
}

export default function register(RED: NodeAPI): void {
  registerNamesRoute(RED);

  function FdCovNode(this: Node, def: CovDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let options: CovFollowOptions | null = null;
    try {
      options = parseCovFields(def, node.id);
    } catch (err) {
      node.error(nodeError(RED, 'fd-cov.errors.settings', errorMessage(err)));
      node.status({ fill: 'red', shape: 'ring', text: RED._('fd-cov.status.bad-settings') });
    }
    let subscription: CovSubscription | null = null;
    const attachment = attachToBbmd(
      RED,
      node,
      def.bbmd,
      undefined,
      async () => {
        // The cancellation goes out on a hold of its own on the socket: a full deploy closes the
        // config node at the same time, and its release must not close the socket under it.
        const endpoint = attachment.currentLease()?.endpoint ?? null;
        if (endpoint) await endpoint.open();
        try {
          await subscription?.close();
        } finally {
          if (endpoint) await releaseEndpoint(endpoint);
        }
      },
      false,
    );
    const config = attachment.config;
    // From now on the config node's device table takes the I-Ams its registration receives.
    config?.useClient();
    if (!config || !options) return;
    subscription = config.client.follow(options, {
      notification(message) {
        node.status(valueStatus(message.payload));
        node.send({ payload: message.payload, statusFlags: message.statusFlags, topic: message.topic, bacnet: message.bacnet });
      },
      state(state: CovState) {
        switch (state.kind) {
          case 'subscribing':
            node.status({ fill: 'yellow', shape: 'ring', text: RED._(config.snapshot().registered ? 'fd-cov.status.subscribing' : 'fd-cov.status.waiting') });
            return;
          case 'subscribed':
            return;
          case 'failed':
            node.status({ fill: 'red', shape: 'ring', text: state.error instanceof ClientError ? state.error.short : 'error' });
            // Catch hears of a failure once per episode; the retries that follow are the client's.
            if (state.firstOfEpisode) node.error(nodeError(RED, 'fd-cov.errors.failed', state.error.message), {});
            return;
          case 'closed':
            return;
        }
      },
    });
    subscription.start();
  }
  RED.nodes.registerType('fd-cov', FdCovNode);
}
