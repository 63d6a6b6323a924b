/**
 * The point browser's admin routes (CLIENT.md "The point browser"), for the
 * browse button of fd-read, fd-write and fd-cov:
 *   GET  /bacnet-bbmd/:id/devices                     bacnet-bbmd.read
 *   POST /bacnet-bbmd/:id/who-is                      bacnet-bbmd.write
 *   GET  /bacnet-bbmd/:id/devices/:instance/objects   bacnet-bbmd.read
 * `:id` is a deployed bacnet-bbmd node (else 404); every refusal is JSON
 * `{ error: sentence }`. The work itself is src/client/point-browser.ts.
 */
import type { NodeAPI } from 'node-red';
import type { Request, Response } from 'express';
import type { BacnetClient } from '../client/bacnet-client';
import { DeviceNotFoundError } from '../client/device-locator';
import { ClientError } from '../client/client-error';
import { BrowserError, MAX_PAGE } from '../client/object-listing';
import { DecodeError } from '../protocol/decode-error';
import { errorMessage } from '../util/errors';
import { NODE_ID } from './bbmd-test-route';

/** What the routes need of a deployed config node (BbmdRuntime in bacnet-bbmd.ts). */
export interface BrowsableBbmd {
  readonly label: string;
  /** Marks the client in use (its device table then takes the I-Ams) and gives it. */
  useClient(): BacnetClient;
  /** Non-null once a flow node's use bound the socket: the browser never binds one itself. */
  currentLease(): unknown;
}

interface DeployedNode {
  type: string;
  bbmd?: BrowsableBbmd;
}

type Answer = { status: number; body: unknown };

const DIGITS = /^\d{1,10}$/;

let registeredFor: NodeAPI | null = null;

/** Registers the routes once per runtime. */
export function registerPointBrowserRoutes(RED: NodeAPI): void {
  if (registeredFor === RED) return;
  registeredFor = RED;
  const read = RED.auth.needsPermission('bacnet-bbmd.read');
  const write = RED.auth.needsPermission('bacnet-bbmd.write');
  const handle = (work: (bbmd: BrowsableBbmd, req: Request) => Answer | Promise<Answer>) => (req: Request, res: Response) => {
    void (async (): Promise<Answer> => {
      const found = deployedBbmd(RED, String(req.params.id));
      if ('status' in found) return found;
      try {
        return await work(found, req);
      } catch (err) {
        return failure(err);
      }
    })().then(({ status, body }) => res.status(status).json(body));
  };
  RED.httpAdmin.get('/bacnet-bbmd/:id/devices', read, handle((bbmd) => ({ status: 200, body: { devices: bbmd.useClient().browser.devices() } })));
  RED.httpAdmin.post(
    '/bacnet-bbmd/:id/who-is',
    write,
    handle((bbmd) => {
      const client = bbmd.useClient();
      if (bbmd.currentLease() === null) return unregistered(bbmd);
      client.browser.whoIs();
      return { status: 202, body: {} };
    }),
  );
  RED.httpAdmin.get(
    '/bacnet-bbmd/:id/devices/:instance/objects',
    read,
    handle(async (bbmd, req) => {
      const instance = wholeParameter('device instance', req.params.instance, '');
      const offset = wholeParameter('offset', req.query.offset, '0');
      const limit = wholeParameter('limit', req.query.limit, String(MAX_PAGE));
      const client = bbmd.useClient();
      if (bbmd.currentLease() === null) return unregistered(bbmd);
      return { status: 200, body: await client.browser.objects(instance, offset, limit) };
    }),
  );
}

/** The deployed bacnet-bbmd node of `id`, else the 404 (or 400 for an id no node can have). */
function deployedBbmd(RED: NodeAPI, id: string): BrowsableBbmd | Answer {
  if (!NODE_ID.test(id)) return { status: 400, body: { error: 'the config node id must be 1..64 letters, digits, ".", "_" or "-"' } };
  const node = RED.nodes.getNode(id) as unknown as DeployedNode | null;
  if (!node || node.type !== 'bacnet-bbmd' || !node.bbmd) {
    return { status: 404, body: { error: `no deployed bacnet-bbmd config node has id ${id}: deploy it first` } };
  }
  return node.bbmd;
}

function unregistered(bbmd: BrowsableBbmd): Answer {
  return {
    status: 503,
    body: { error: `bacnet-bbmd ${bbmd.label} has no registration: no deployed fd-read, fd-write, fd-cov or other node uses it yet, or its socket could not be bound` },
  };
}

/** A whole-number parameter (its default when absent); range checks are the browser's. */
function wholeParameter(what: string, value: unknown, fallback: string): number {
  const text = value === undefined ? fallback : value;
  if (typeof text !== 'string' || !DIGITS.test(text)) {
    throw new BrowserError(`${what} must be a whole number, got ${JSON.stringify(text)}`, 'bad-input');
  }
  return Number(text);
}

/**
 * The answer for what went wrong: 400 bad input, 429 busy or too soon, 504 no I-Am or no
 * answer, 502 the device refused or answered wrongly, 503 the socket or registration failed
 * (or the device's queue here is full).
 */
function failure(err: unknown): Answer {
  const error = errorMessage(err);
  if (err instanceof BrowserError) return { status: err.kind === 'bad-input' ? 400 : 429, body: { error } };
  if (err instanceof DeviceNotFoundError) return { status: 504, body: { error } };
  if (err instanceof ClientError) {
    const kind = err.failure?.kind;
    if (kind === 'timeout') return { status: 504, body: { error } };
    if (kind === 'busy' || kind === 'send' || kind === 'closed') return { status: 503, body: { error } };
    return { status: 502, body: { error } };
  }
  // A DecodeError is the device's malformed answer; anything else is our side: the socket or the registration
  // (a Who-Is that could not go out, a bind error).
  return { status: err instanceof DecodeError ? 502 : 503, body: { error } };
}
