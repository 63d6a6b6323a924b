/**
 * fd-receive: one message for every NPDU that reaches this foreign device
 * (broadcasts the BBMD forwards, unicast replies, local broadcasts), with the
 * originating device, how it came, the decoded NPDU header, the APDU's type and
 * service, and the I-Am fields for an I-Am. Optional filter and duplicate drop.
 */
import { performance } from 'node:perf_hooks';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { describeValue } from '../util/describe-value';
import { DEFAULT_DUPLICATE_WINDOW_MS, DuplicateFilter } from '../receive/duplicate-filter';
import { messageIds } from '../receive/message-id';
import { ReceivedNpdu, isBroadcast } from '../protocol/received-npdu';
import { SettingsError } from '../registration/settings';
import { attachToBbmd, nodeError } from './attach-to-bbmd';
import { errorMessage } from '../util/errors';

interface ReceiveDef extends NodeDef {
  bbmd?: string;
  filter?: unknown;
  dedup?: unknown;
}

export type ReceiveFilter = 'all' | 'broadcasts' | 'i-am';

export function parseReceiveSettings(def: ReceiveDef): { filter: ReceiveFilter; dedup: boolean } {
  const filter = def.filter === undefined || def.filter === '' ? 'all' : def.filter;
  if (filter !== 'all' && filter !== 'broadcasts' && filter !== 'i-am') {
    throw new SettingsError('filter', `filter must be "all", "broadcasts" or "i-am", got ${describeValue(filter)}`);
  }
  const dedup = def.dedup === undefined || def.dedup === '' ? true : def.dedup;
  if (dedup !== true && dedup !== false && dedup !== 'true' && dedup !== 'false') {
    throw new SettingsError('dedup', `dedup must be true or false, got ${describeValue(dedup)}`);
  }
  return { filter, dedup: dedup === true || dedup === 'true' };
}

/**
 * The message fd-receive sends for one NPDU (DESIGN.md, fd-receive). It comes with its
 * `_msgid` (see message-id.ts: Node-RED's own generator would cost more than the rest).
 */
export function receiveMessage(received: ReceivedNpdu): NodeMessage {
  const { header } = received;
  const source: Record<string, unknown> = { address: received.source.address, port: received.source.port };
  if (header.snet !== null) {
    source.network = header.snet;
    source.mac = header.sadr;
  }
  const msg: Record<string, unknown> = {
    _msgid: messageIds.next(),
    payload: received.npdu,
    source,
    bvlc: { function: received.bvlcFunction, via: received.via },
    npdu: header,
    apdu: received.apdu,
  };
  // msg.iAm is there for every I-Am: null for one whose fields are not a readable Device I-Am.
  if (received.iAm !== null || isIAmApdu(received)) msg.iAm = received.iAm;
  return msg as NodeMessage;
}

function isIAmApdu(received: ReceivedNpdu): boolean {
  return received.apdu !== null && received.apdu.type === 'Unconfirmed-Request' && received.apdu.service === 'I-Am';
}

/** "i-am" passes the I-Ams the node can describe (msg.iAm set); an undecodable one only passes "all" or "broadcasts". */
export function passesFilter(received: ReceivedNpdu, filter: ReceiveFilter): boolean {
  if (filter === 'all') return true;
  if (filter === 'i-am') return received.iAm !== null;
  return isBroadcast(received);
}

export default function register(RED: NodeAPI): void {
  function FdReceiveNode(this: Node, def: ReceiveDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let settings: ReturnType<typeof parseReceiveSettings>;
    try {
      settings = parseReceiveSettings(def);
    } catch (err) {
      const error = nodeError(RED, 'fd-receive.errors.settings', errorMessage(err));
      node.error(error.message);
      node.status({ fill: 'red', shape: 'ring', text: RED._('fd-receive.status.bad-settings') });
      return;
    }
    const duplicates = settings.dedup ? new DuplicateFilter(() => performance.now()) : null;
    // While the duplicate table holds entries (or a burst's memory), forget the expired ones
    // every window even when no NPDU comes to do it, so that memory goes back once it is over.
    let pruneTimer: NodeJS.Timeout | null = null;
    const prune = (): void => {
      pruneTimer = null;
      duplicates?.prune();
      if (duplicates?.needsPruning) armPrune();
    };
    const armPrune = (): void => {
      pruneTimer = setTimeout(prune, DEFAULT_DUPLICATE_WINDOW_MS);
      pruneTimer.unref();
    };
    let stopReceiving: (() => void) | null = null;
    const { config } = attachToBbmd(RED, node, def.bbmd, undefined, () => {
      stopReceiving?.();
      if (pruneTimer) clearTimeout(pruneTimer);
      pruneTimer = null;
    });
    if (!config) {
      // No input to fail on later: say it once, at deploy.
      node.error(nodeError(RED, 'fd-receive.errors.no-config').message);
      return;
    }
    const filter = settings.filter;
    stopReceiving = config.addReceiver((received) => {
      if (!passesFilter(received, filter)) return;
      if (duplicates) {
        if (duplicates.isDuplicate(received)) return;
        if (pruneTimer === null) armPrune();
      }
      node.send(receiveMessage(received));
    });
  }
  RED.nodes.registerType('fd-receive', FdReceiveNode);
}
