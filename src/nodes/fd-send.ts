/**
 * fd-send: sends msg.payload (an NPDU) as Original-Unicast-NPDU to
 * msg.destination over the shared socket, so that replies reach fd-receive.
 * Unicast needs no BBMD: it works whether or not the registration is up.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { BACNET_PORT, BipAddress, isIPv4, isPort, parseHostPort } from '../protocol/address';
import { BvlcFunction, encodeNpduFrame } from '../protocol/bvll';
import { describeValue } from '../util/describe-value';
import { PayloadError, parseNpduPayload } from '../protocol/npdu-payload';
import { resolveHost } from '../transport/resolver';
import { attachToBbmd, nodeError } from './attach-to-bbmd';
import { errorMessage } from '../util/errors';

interface SendDef extends NodeDef {
  bbmd?: string;
}

export class DestinationError extends Error {}

/** msg.destination as {address, port} or "host[:port]"; the host may need resolving. */
export function parseDestination(value: unknown): { host: string; port: number } {
  if (typeof value === 'string') {
    try {
      return parseHostPort(value, BACNET_PORT);
    } catch (err) {
      throw new DestinationError(errorMessage(err));
    }
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { address, port } = value as { address?: unknown; port?: unknown };
    if (typeof address !== 'string' || address.trim() === '') {
      throw new DestinationError('msg.destination.address must be an IPv4 address or a host name');
    }
    const portValue = port === undefined || port === null || port === '' ? BACNET_PORT : typeof port === 'string' ? Number(port) : port;
    if (!isPort(portValue)) throw new DestinationError(`msg.destination.port must be 1..65535, got ${describeValue(port)}`);
    return { ...parseHostPortChecked(address.trim()), port: portValue };
  }
  throw new DestinationError(
    `msg.destination is ${value === undefined ? 'missing' : `a ${value === null ? 'null' : typeof value}`}; expected {address, port} or "host:port"`,
  );
}

function parseHostPortChecked(host: string): { host: string } {
  try {
    parseHostPort(host, BACNET_PORT);
  } catch (err) {
    throw new DestinationError(errorMessage(err).replace(/^bad host in/, 'bad msg.destination.address'));
  }
  if (host.includes(':')) throw new DestinationError('msg.destination.address must not carry a port: put it in msg.destination.port');
  return { host };
}

/**
 * A host name goes through the shared resolver (resolver.ts): one lookup per name in
 * flight, answers reused for 30 s, and no message waits more than 5 s for a name.
 */
async function resolveDestination(destination: { host: string; port: number }): Promise<BipAddress> {
  if (isIPv4(destination.host)) return { address: destination.host, port: destination.port };
  try {
    return { address: await resolveHost(destination.host), port: destination.port };
  } catch (err) {
    throw new DestinationError(`cannot resolve ${describeValue(destination.host)}: ${errorMessage(err)}`);
  }
}

export default function register(RED: NodeAPI): void {
  function FdSendNode(this: Node, def: SendDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const { config } = attachToBbmd(RED, node, def.bbmd);

    node.on('input', (msg, _send, done) => {
      if (!config) {
        done(nodeError(RED, 'fd-send.errors.no-config'));
        return;
      }
      let frame: Buffer;
      let destination: { host: string; port: number };
      try {
        frame = encodeNpduFrame(BvlcFunction.OriginalUnicastNpdu, parseNpduPayload(msg.payload));
      } catch (err) {
        if (!(err instanceof PayloadError)) throw err;
        done(nodeError(RED, 'fd-send.errors.bad-payload', err.message));
        return;
      }
      try {
        destination = parseDestination((msg as { destination?: unknown }).destination);
      } catch (err) {
        if (!(err instanceof DestinationError)) throw err;
        done(nodeError(RED, 'fd-send.errors.bad-destination', err.message));
        return;
      }
      Promise.all([config.lease(), resolveDestination(destination)])
        .then(([lease, to]) => lease.endpoint.send(frame, to))
        .then(
          () => done(),
          (err: Error) =>
            done(nodeError(RED, err instanceof DestinationError ? 'fd-send.errors.bad-destination' : 'fd-send.errors.not-sent', err.message)),
        );
    });
  }
  RED.nodes.registerType('fd-send', FdSendNode);
}
