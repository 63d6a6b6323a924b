/**
 * bacnet-bbmd: the config node. Holds the BBMD address and TTL and owns the
 * registration: the first flow node that uses it binds (or joins) the shared
 * UDP endpoint and starts registering; the last one to leave deregisters and
 * releases the socket. Thin glue over endpoint-registry and foreign-device.
 */
import type { Node, NodeAPI, NodeDef, NodeStatus } from 'node-red';
import { ForeignDeviceManager } from '../registration/foreign-device';
import { FdSnapshot, emptyCounters } from '../registration/types';
import { ListenerList } from '../util/listener-list';
import { ReceivedNpdu, copyReceived } from '../protocol/received-npdu';
import { BbmdFields, BbmdSettings, parseBbmdSettings } from '../registration/settings';
import type { NpduListener, RegistrationLease } from '../registration/registration-table';
import { EndpointError } from '../transport/endpoint-config';
import { acquireRegistration } from '../transport/endpoint-registry';
import { registerTestRoute } from './bbmd-test-route';
import { registerPointBrowserRoutes } from './point-browser-routes';
import { NodeError } from './attach-to-bbmd';
import { BbmdConfigNode, RegistrationUser, statusFor } from './registration-user';
import { errorMessage } from '../util/errors';
import { BacnetClient } from '../client/bacnet-client';

/** After a failed bind (port taken, address not up yet), try again this often while users remain. */
export const BIND_RETRY_MS = 10_000;

type BbmdNodeDef = NodeDef & BbmdFields;

class BbmdRuntime implements BbmdConfigNode {
  readonly label: string;
  /** Reads and writes through this registration (fd-read, fd-write). */
  readonly client: BacnetClient;
  /**
   * Set by the first node that reads, writes or follows: only then does the device table take
   * the I-Ams (at 200,000 distinct I-Ams a second it cost fd-receive a quarter of its speed).
   */
  private clientInUse = false;
  private readonly users = new Set<RegistrationUser>();
  private settings: BbmdSettings | null = null;
  private fault: Error | null = null;
  private current: RegistrationLease | null = null;
  private acquiring: Promise<RegistrationLease> | null = null;
  private releasing: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly receivers = new ListenerList<ReceivedNpdu>();
  private stopReceiving: (() => void) | null = null;
  private stopWatching: (() => void) | null = null;
  private readonly onChange = (snapshot: FdSnapshot): void => this.broadcastSnapshot(snapshot);
  // The first receiving node gets the decoded NPDU, any other a copy: no two messages share an object.
  // The client looks first (an I-Am fills the device table), and takes nothing away from the receivers.
  private readonly onNpdu = (received: ReceivedNpdu): void => {
    if (this.clientInUse) this.client.observe(received);
    this.receivers.emit(received, this.onReceiverError, copyReceived);
  };
  /** A flow node's receiver that throws is a bug: said, and the other receivers still get the NPDU. */
  private readonly onReceiverError = (err: unknown): void => {
    this.node.error(`a receiving node failed on an NPDU: ${errorMessage(err)}`);
  };

  constructor(
    private readonly node: Node,
    fields: BbmdFields,
    private readonly translate: (key: string, params?: Record<string, string | number>) => string,
  ) {
    try {
      this.settings = parseBbmdSettings(fields);
    } catch (err) {
      const detail = errorMessage(err);
      // Key and detail travel with the error, for programs and tests (the text is translated).
      this.fault = new NodeError('bacnet-bbmd.errors.settings', translate('bacnet-bbmd.errors.settings', { detail }), detail);
      node.error(this.fault.message);
    }
    const host = typeof fields.host === 'string' ? fields.host : String(fields.host ?? '');
    this.label = this.settings ? `${this.settings.bbmd.host}:${this.settings.bbmd.port}` : host;
    this.client = new BacnetClient({
      lease: () => this.lease(),
      label: this.label,
      warn: (text) => node.warn(text),
      publicAddress: this.settings?.publicAddress != null,
    });
  }

  /** The client, for a node that reads, writes or follows: from now on the device table takes the I-Ams. */
  useClient(): BacnetClient {
    this.clientInUse = true;
    return this.client;
  }

  addUser(user: RegistrationUser): void {
    this.users.add(user);
    // A user joining a live registration (or a failed one) hears about it now;
    // otherwise the first snapshot comes when the socket is bound.
    if (this.current || this.fault) {
      const snapshot = this.snapshot();
      user.onSnapshot(snapshot, this.statusOf(snapshot));
    }
    if (!this.current && !this.acquiring) void this.lease().catch(() => undefined);
  }

  private statusOf(snapshot: FdSnapshot): NodeStatus {
    return statusFor(snapshot, (key) => this.translate(`bacnet-bbmd.${key}`));
  }

  addReceiver(listener: NpduListener): () => void {
    this.receivers.add(listener);
    return () => {
      this.receivers.delete(listener);
    };
  }

  /**
   * A user that is only restarted (a "modified nodes" deploy: `removed` false) comes
   * back at once: the registration stays, so its socket, port and FDT entry do too.
   * A removed last user gives it back (as Node-RED's MQTT config node does).
   */
  async removeUser(user: RegistrationUser, removed = true): Promise<void> {
    if (!this.users.delete(user)) return;
    if (this.users.size === 0 && removed) await this.release();
  }

  /**
   * The registration as it stands, without waiting: the lease once the socket is
   * bound, else null (binding, bind error, closed). For per-message fast paths;
   * anything that must wait for the bind uses lease().
   */
  currentLease(): RegistrationLease | null {
    return this.current;
  }

  lease(): Promise<RegistrationLease> {
    if (this.current) return Promise.resolve(this.current);
    if (this.acquiring) return this.acquiring;
    if (!this.settings) return Promise.reject(this.fault ?? new Error('bacnet-bbmd: no settings'));
    if (this.closed) return Promise.reject(new Error(this.translate('bacnet-bbmd.errors.closed')));
    const settings = this.settings;
    const acquiring = (async (): Promise<RegistrationLease> => {
      // A release still in progress (last user gone a moment ago) must finish first.
      if (this.releasing) await this.releasing;
      return acquireRegistration({
        local: settings.local,
        bbmd: settings.bbmd,
        ttl: settings.ttl,
        publicAddress: settings.publicAddress,
        deregister: settings.deregister,
        log: { info: (m) => this.node.log(m), warn: (m) => this.node.warn(m) },
      }).catch((err: Error) => {
        // Every caller (the config node's own report, a flow node's refusal) gets it in the user's language.
        throw this.bindFault(err);
      });
    })();
    this.acquiring = acquiring;
    acquiring.then(
      (lease) => {
        this.acquiring = null;
        if (this.closed) {
          void lease.release();
          return;
        }
        this.fault = null;
        this.current = lease;
        this.stopWatching = lease.onChange(this.onChange);
        this.stopReceiving = lease.onNpdu(this.onNpdu);
        this.broadcastSnapshot(lease.manager.snapshot());
      },
      (err: Error) => {
        this.acquiring = null;
        const changed = this.fault?.message !== err.message;
        this.fault = err;
        if (changed) {
          this.node.error(err.message);
          this.broadcastSnapshot(this.snapshot());
        }
        this.scheduleRetry();
      },
    );
    return acquiring;
  }

  /** A bind error in the user's language (the endpoint's English sentence stays as the detail). */
  private bindFault(err: Error): Error {
    if (!(err instanceof EndpointError) || err.where === null) return err;
    const known = ['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL'].includes(err.code) ? err.code : 'other';
    const key = `bacnet-bbmd.errors.bind-${known}`;
    return new NodeError(key, this.translate(key, { ...err.where, detail: err.message }), err.message);
  }

  /** The live, registered manager when it talks to the BBMD `settings` names; else null. */
  liveManagerFor(settings: BbmdSettings): ForeignDeviceManager | null {
    const manager = this.current?.manager;
    if (!manager || !manager.registered) return null;
    const same = manager.bbmd.host.toLowerCase() === settings.bbmd.host.toLowerCase() && manager.bbmd.port === settings.bbmd.port;
    return same ? manager : null;
  }

  snapshot(): FdSnapshot {
    if (this.current) return this.current.manager.snapshot();
    const settings = this.settings;
    const now = Date.now();
    return {
      state: this.fault ? 'unreachable' : 'stopped',
      registered: false,
      bbmd: { host: settings?.bbmd.host ?? this.label, address: null, port: settings?.bbmd.port ?? 0 },
      local: { address: settings?.local.address ?? '0.0.0.0', port: settings?.local.port ?? 0 },
      ttl: settings?.ttl ?? 0,
      grantedTtl: null,
      lastResult: null,
      since: now,
      lastAck: null,
      nextAttempt: null,
      rtt: null,
      attempts: 0,
      error: this.fault?.message ?? null,
      counters: emptyCounters(),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.users.clear();
    this.client.close();
    await this.release();
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closed || this.users.size === 0 || !this.settings) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed && this.users.size > 0 && !this.current) void this.lease().catch(() => undefined);
    }, BIND_RETRY_MS);
  }

  /** Gives the registration back (deregistering, releasing the socket); safe to call more than once. */
  private release(): Promise<void> {
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    if (this.releasing) return this.releasing;
    const work = (async () => {
      const pending = this.acquiring;
      if (pending) await pending.catch(() => undefined);
      const lease = this.current;
      this.current = null;
      if (lease) {
        this.stopWatching?.();
        this.stopWatching = null;
        this.stopReceiving?.();
        this.stopReceiving = null;
        await lease.release();
      }
    })();
    this.releasing = work.finally(() => {
      this.releasing = null;
    });
    return this.releasing;
  }

  /** Every user hears of it, with the status dot translated once here (one catalog, as MQTT's config node does). */
  private broadcastSnapshot(snapshot: FdSnapshot): void {
    // fd-cov subscribes again when the registration recovers.
    this.client.registrationChanged(snapshot.registered);
    const status = this.statusOf(snapshot);
    for (const user of this.users) {
      try {
        user.onSnapshot(snapshot, status);
      } catch (err) {
        this.node.warn(`status update failed: ${errorMessage(err)}`);
      }
    }
  }
}

export type BbmdNode = Node & { bbmd: BbmdRuntime };

export default function register(RED: NodeAPI): void {
  registerTestRoute(RED);
  registerPointBrowserRoutes(RED);

  function BacnetBbmdNode(this: BbmdNode, def: BbmdNodeDef): void {
    RED.nodes.createNode(this, def);
    const runtime = new BbmdRuntime(this, def, (key, params) => RED._(key, params));
    this.bbmd = runtime;
    this.on('close', (_removed: boolean, done: () => void) => {
      runtime.close().then(done, (err: Error) => {
        this.warn(err.message);
        done();
      });
    });
  }
  RED.nodes.registerType('bacnet-bbmd', BacnetBbmdNode);
}
