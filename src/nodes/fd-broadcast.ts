/**
 * fd-broadcast: sends msg.payload (an NPDU) to the whole BACnet network
 * through the BBMD as Distribute-Broadcast-To-Network, or builds a Who-Is
 * itself in "who-is" mode. Bounded by maxRate so a looping flow cannot flood
 * a building. Errors go to done(err) for a Catch node.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { MAX_DEVICE_INSTANCE, encodeGlobalWhoIs } from '../protocol/apdu';
import { describeValue } from '../util/describe-value';
import { BVLL_HEADER_LENGTH, BvlcFunction, encodeNpduFrame, writeNpduInto } from '../protocol/bvll';
import { PayloadError, parseNpduPayload } from '../protocol/npdu-payload';
import { RateLimiter } from './rate-limiter';
import { SettingsError, integer } from '../registration/settings';
import { NodeError, attachToBbmd, nodeError } from './attach-to-bbmd';
import { errorMessage } from '../util/errors';

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
  if (mode !== 'npdu' && mode !== 'who-is') throw new SettingsError('mode', `mode must be "npdu" or "who-is", got ${describeValue(mode)}`);
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

/** Spare frames kept per NPDU length: more than a loop turn's worth of broadcasts in flight at once. */
const SPARE_FRAMES_PER_LENGTH = 256;
/** Octets of spare frames kept in all. */
const SPARE_FRAME_OCTETS = 256 * 1024;

/**
 * DBTN frames for npdu mode, used again once the socket is done with them: a new
 * frame per message is most of what npdu mode allocates (a Buffer object and pool
 * space for a dozen octets). A frame only ever goes to dgram, never to the flow, and
 * comes back from the send's callback, when dgram no longer reads it. A spare frame
 * of an NPDU's length already holds the right header; only the NPDU is copied in.
 */
class DbtnFrames {
  private readonly spare: (Buffer[] | undefined)[] = [];
  private octets = 0;

  take(npdu: Buffer): Buffer {
    const frame = this.spare[npdu.length]?.pop();
    if (frame === undefined) return encodeNpduFrame(BvlcFunction.DistributeBroadcastToNetwork, npdu);
    this.octets -= frame.length;
    writeNpduInto(frame, npdu);
    return frame;
  }

  give(frame: Buffer): void {
    const length = frame.length - BVLL_HEADER_LENGTH;
    const list = (this.spare[length] ??= []);
    if (list.length >= SPARE_FRAMES_PER_LENGTH || this.octets + frame.length > SPARE_FRAME_OCTETS) return;
    list.push(frame);
    this.octets += frame.length;
  }
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
      settingsError = nodeError(RED, 'fd-broadcast.errors.settings', errorMessage(err));
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
    const { config, currentLease } = attachToBbmd(RED, node, def.bbmd);
    const whoIs = settings.whoIs;
    // In who-is mode every message sends the same frame: encode it once, at deploy.
    const whoIsFrame = whoIs ? encodeNpduFrame(BvlcFunction.DistributeBroadcastToNetwork, whoIs) : null;
    const frames = whoIs ? null : new DbtnFrames();

    node.on('input', (msg, _send, done) => {
      if (!config) {
        done(nodeError(RED, 'fd-broadcast.errors.no-config'));
        return;
      }
      let npdu: Buffer;
      if (whoIs) {
        npdu = whoIs;
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
      // Registered now (the usual case): send at once, done() from the socket's callback,
      // no promise chain per message. parseNpduPayload() has checked what encodeNpduFrame()
      // would refuse, so it cannot throw here.
      const manager = currentLease()?.manager;
      if (manager?.registered) {
        const frame = whoIsFrame ?? (frames as DbtnFrames).take(npdu);
        const sent = manager.broadcastFrameNow(frame, (err) => {
          if (frame !== whoIsFrame) frames?.give(frame);
          if (err) done(nodeError(RED, 'fd-broadcast.errors.not-sent', err.message));
          else done();
        });
        if (sent) return;
      }
      // Binding, registering (the broadcast waits, bounded), or refused: the manager says which.
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
