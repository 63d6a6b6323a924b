/**
 * The client of one bacnet-bbmd config node: its device table (filled from
 * the I-Ams its registration receives), the Who-Is lookups through its BBMD,
 * and ReadProperty/ReadPropertyMultiple/WriteProperty through the socket's transaction manager.
 * Knows nothing of Node-RED: the config node gives it its registration.
 */
import { encodeGlobalWhoIs } from '../protocol/apdu';
import type { ReceivedNpdu } from '../protocol/received-npdu';
import type { RegistrationLease } from '../registration/registration-table';
import { resolveHost } from '../transport/resolver';
import { Clock, systemClock } from '../util/clock';
import { DeviceLocator } from './device-locator';
import { DeviceTable } from './device-table';
import { DeviceTargets } from './device-target';
import type { TransactionManager } from './transaction-manager';
import { PointClient } from './point-client';
import { MultipleReader } from './read-multiple';
import { CovFollowOptions, CovListener, CovSubscription } from './cov-subscription';
import { PointBrowser } from './point-browser';

export interface ClientHost {
  /** The registration, once the socket is bound; rejects with the bind or settings error. */
  lease(): Promise<RegistrationLease>;
  /** "host:port" of the BBMD, for sentences. */
  readonly label: string;
  warn(text: string): void;
  /** The config node has a publicAddress (NAT between us and the BBMD): COV subscriptions renew at least every 25 s. */
  readonly publicAddress?: boolean;
}

export class BacnetClient {
  readonly table: DeviceTable;
  readonly locator: DeviceLocator;
  readonly points: PointClient;
  /** Many reads at once: ReadPropertyMultiple where the device takes it. */
  readonly multiple: MultipleReader;
  /** The editor's point browser (devices, Who-Is, object listings). */
  readonly browser: PointBrowser;
  private readonly subscriptions = new Set<CovSubscription>();
  private readonly targets: DeviceTargets;
  /** The registration as last heard of (registrationChanged). */
  private registered = false;

  constructor(
    private readonly host: ClientHost,
    private readonly clock: Clock = systemClock,
    /** The backoff's jitter, uniform in [0, 1). */
    private readonly random: () => number = Math.random,
  ) {
    this.table = new DeviceTable({ clock, warn: (text) => host.warn(text) });
    this.locator = new DeviceLocator({
      table: this.table,
      clock,
      // A global Who-Is for one instance reaches devices behind routers too; it waits for the registration as any broadcast does.
      sendWhoIs: async (instance) => {
        const lease = await host.lease();
        await lease.manager.broadcast(encodeGlobalWhoIs({ low: instance, high: instance }));
      },
      bbmdText: () => host.label,
    });
    const targets = new DeviceTargets({ table: this.table, locator: this.locator, resolveHost });
    this.targets = targets;
    const transactions = async (): Promise<TransactionManager> => (await host.lease()).endpoint.transactions;
    this.points = new PointClient(targets, transactions);
    this.multiple = new MultipleReader(targets, transactions, this.points);
    this.browser = new PointBrowser({
      clock,
      table: this.table,
      label: host.label,
      warn: (text) => host.warn(text),
      readOne: async (request) => (await this.points.read(request)).value,
      readMany: (requests) => this.multiple.read(requests),
      whoIs: async () => {
        const lease = await host.lease();
        await lease.manager.broadcast(encodeGlobalWhoIs());
      },
    });
  }

  /**
   * A COV subscription (fd-cov), not yet started: call start(), and close()
   * before the flow node gives up its user hold on the config node (the
   * cancellation goes out through that hold's lease).
   * @throws RangeError for a lifetime outside 60..86400 s or a bad covIncrement
   */
  follow(options: CovFollowOptions, listener: CovListener): CovSubscription {
    const subscription = new CovSubscription(options, listener, {
      clock: this.clock,
      random: this.random,
      targets: this.targets,
      socket: async () => {
        const { endpoint } = await this.host.lease();
        return { transactions: endpoint.transactions, covNotifications: endpoint.covNotifications };
      },
      publicAddress: this.host.publicAddress === true,
      warn: (text) => this.host.warn(text),
      closed: (closed) => this.subscriptions.delete(closed),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Every NPDU the registration receives: I-Ams fill the table and end lookups, and renew the device's subscriptions. */
  observe(received: ReceivedNpdu): void {
    if (received.iAm === null) return;
    this.locator.observe(received);
    for (const subscription of this.subscriptions) subscription.deviceAnnounced(received);
  }

  /** Each snapshot's `registered`: going from false to true subscribes again (the device may have dropped us meanwhile). */
  registrationChanged(registered: boolean): void {
    const recovered = registered && !this.registered;
    this.registered = registered;
    if (recovered) for (const subscription of this.subscriptions) subscription.registrationRecovered();
  }

  /** Ends waiting lookups; requests already sent end with the socket's release. */
  close(): void {
    this.locator.close();
    this.browser.close();
  }
}
