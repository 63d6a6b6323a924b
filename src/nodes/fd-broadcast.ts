/**
 * fd-broadcast: sends msg.payload (an NPDU) to the whole BACnet network
 * through the BBMD as Distribute-Broadcast-To-Network, or builds a Who-Is
 * itself in "who-is" mode. Bounded by maxRate so a looping flow cannot flood
 * a building. Errors go to done(err) for a Catch node.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { MAX_DEVICE_INSTANCE, encodeGlobalWhoIs } from '../apdu';
import { PayloadError, parseNpduPayload } from '../npdu-payload';
import { RateLimiter } from '../rate-limiter';
import { SettingsError, integer } from '../settings';
import { NodeError, attachToBbmd, nodeError } from './flow-node';

interface BroadcastDef extends NodeDef {
  bbmd?: string;
  mode?: unknown;
  whoIsLow?: unknown;
  whoIsHigh?: unknown;
  maxRate?: unknown;
}

export const DEFAULT_MAX_RATE = 20;

/** The node's own settings, checked once at deploy (not per message). */
export function parseBroadcastSettings(def: BroadcastDef): { whoIs: Buffer | null; maxRate: number } {
  const mode = def.mode === undefined || def.mode === '' ? 'npdu' : def.mode;
  if (mode !== 'npdu' && mode !== 'who-is') throw new SettingsError('mode', `mode must be "npdu" or "who-is", got ${JSON.stringify(mode)}`);
  const maxRate = integer(def.maxRate, 'maxRate', 'max rate (broadcasts per second, 0 = no limit)', 0, 100000, DEFAULT_MAX_RATE);
  if (mode === 'npdu') return { whoIs: null, maxRate };
  const low = optionalInstance(def.whoIsLow, 'whoIsLow', 'Who-Is low limit');
  const high = optionalInstance(def.whoIsHigh, 'whoIsHigh', 'Who-Is high limit');
  if ((low === null) !== (high === null)) {
    throw new SettingsError(low === null ? 'whoIsLow' : 'whoIsHigh', 'give both Who-Is limits (low and high) or neither');
  }
  if (low !== null && high !== null && low > high) {
    throw new SettingsError('whoIsLow', `Who-Is low limit ${low} is above the high limit ${high}`);
  }
  return { whoIs: encodeGlobalWhoIs(low === null || high === null ? undefined : { low, high }), maxRate };
}

function optionalInstance(value: unknown, field: string, label: string): number | null {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return null;
  return integer(value, field, label, 0, MAX_DEVICE_INSTANCE, 0);
}

export default function register(RED: NodeAPI): void {
  function FdBroadcastNode(this: Node, def: BroadcastDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let settings: ReturnType<typeof parseBroadcastSettings> | null = null;
    let settingsError: NodeError | null = null;
    try {
      settings = parseBroadcastSettings(def);
    } catch (err) {
      settingsError = nodeError(RED, 'fd-broadcast.errors.settings', (err as Error).message);
      node.error(settingsError.message);
    }
    if (settingsError || !settings) {
      // A node that cannot send does not start a registration either.
      const error = settingsError ?? new Error('fd-broadcast: no settings');
      node.status({ fill: 'red', shape: 'ring', text: RED._('fd-broadcast.status.bad-settings') });
      node.on('input', (_msg, _send, done) => done(error));
      return;
    }
    const limiter = new RateLimiter(settings.maxRate, () => performance.now());
    const { config } = attachToBbmd(RED, node, def.bbmd);

    node.on('input', (msg, _send, done) => {
      if (!config) {
        done(nodeError(RED, 'fd-broadcast.errors.no-config'));
        return;
      }
      let npdu: Buffer;
      if (settings.whoIs) {
        npdu = settings.whoIs;
      } else {
        try {
          npdu = parseNpduPayload(msg.payload);
        } catch (err) {
          if (!(err instanceof PayloadError)) throw err;
          done(nodeError(RED, 'fd-broadcast.errors.bad-payload', err.message));
          return;
        }
      }
      if (!limiter.tryTake()) {
        done(nodeError(RED, 'fd-broadcast.errors.rate', undefined, { rate: limiter.perSecond }));
        return;
      }
      config
        .lease()
        .then((lease) => lease.manager.broadcast(npdu))
        .then(
          () => done(),
          (err: Error) => done(nodeError(RED, 'fd-broadcast.errors.not-sent', err.message)),
        );
    });
  }
  RED.nodes.registerType('fd-broadcast', FdBroadcastNode);
}
