/**
 * One shared UDP endpoint: a socket on a local (address, port), held by every
 * config node that names it, with its registrations (one per BBMD address).
 * A datagram walks down once: socket -> decode (BVLL, NPDU, APDU) -> router ->
 * a manager or the receivers. The socket's confirmed-request client sees every
 * NPDU first: answers to its requests, and requests sent to us (server duty).
 */
import type * as dgram from 'node:dgram';
import { CovNotifications } from '../client/cov-notifications';
import { ServerDuty } from '../client/server-duty';
import { TransactionManager } from '../client/transaction-manager';
import { systemClock } from '../util/clock';
import type { FdLogger } from '../registration/types';
import { RegistrationConfig, RegistrationLease, RegistrationTable } from '../registration/registration-table';
import { DatagramRouter } from './datagram-router';
import { decodeDatagram } from './datagram';
import type { LocalEndpointConfig } from './endpoint-config';
import { resolveHost } from './resolver';
import { UdpSocket } from './udp-socket';

export class UdpEndpoint extends UdpSocket {
  /** Datagrams received. */
  received = 0;

  /** Confirmed requests sent from this socket (CLIENT.md: the transaction table belongs to the socket). */
  readonly transactions = new TransactionManager({ clock: systemClock, socket: this });
  /** Answers confirmed requests sent to this socket. */
  readonly serverDuty = new ServerDuty(this);
  /** COV notifications to the subscriptions on this socket (process IDs are unique per socket). */
  readonly covNotifications = new CovNotifications(systemClock, this.transactions);

  private refs = 0;
  private readonly registrations: RegistrationTable;
  private readonly router: DatagramRouter;

  constructor(config: LocalEndpointConfig, log?: FdLogger) {
    super(config, log);
    this.registrations = new RegistrationTable(this, `UDP socket ${this.key}`, resolveHost);
    this.router = new DatagramRouter(this.registrations);
    this.serverDuty.notifications.add((notification) => this.covNotifications.handleConfirmed(notification));
  }

  /** Datagrams that could not be decoded, on this socket. */
  get malformed(): number {
    return this.router.malformed;
  }

  /** Holds taken on this endpoint and not yet given back. */
  get refCount(): number {
    return this.refs;
  }

  /** Managers on this endpoint, for diagnostics and tests. */
  get managerCount(): number {
    return this.registrations.size;
  }

  /** Takes a hold on the endpoint, binding the socket for the first one. */
  async open(): Promise<void> {
    this.refs++;
    if (this.isOpen) return;
    try {
      await this.bind();
    } catch (err) {
      this.refs--;
      throw err;
    }
  }

  /** Gives a hold back; the last one closes the socket and waits for 'close'. */
  async close(): Promise<void> {
    this.refs = Math.max(0, this.refs - 1);
    if (this.refs > 0) return;
    this.transactions.close();
    await this.unbind();
  }

  /**
   * Takes a hold on the registration with `config.bbmd` on this endpoint (one per BBMD
   * address), starting its manager; `afterRelease` runs once the hold is given back.
   */
  acquireRegistration(config: RegistrationConfig, afterRelease?: () => Promise<void>): Promise<RegistrationLease> {
    return this.registrations.acquire(config, afterRelease);
  }

  protected onDatagram(data: Buffer, rinfo: dgram.RemoteInfo): void {
    this.received++;
    const from = { address: rinfo.address, port: rinfo.port };
    const datagram = decodeDatagram(data, from);
    // Before the router: receivers may get this very object, and the client copies what it keeps.
    if (datagram.kind === 'npdu' && datagram.received !== null && datagram.received.apdu !== null) {
      const received = datagram.received;
      // Unconfirmed COV notifications still go on to the router: fd-receive may want them too.
      if (!this.transactions.handle(received) && !this.serverDuty.handle(received)) this.covNotifications.handleUnconfirmed(received);
    }
    this.router.route(datagram, from);
  }
}
