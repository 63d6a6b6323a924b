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

export interface ClientHost {
  /** The registration, once the socket is bound; rejects with the bind or settings error. */
  lease(): Promise<RegistrationLease>;
  /** "host:port" of the BBMD, for sentences. */
  readonly label: string;
  warn(text: string): void;
}

export class BacnetClient {
  readonly table: DeviceTable;
  readonly locator: DeviceLocator;
  readonly points: PointClient;
  /** Many reads at once: ReadPropertyMultiple where the device takes it. */
  readonly multiple: MultipleReader;

  constructor(host: ClientHost, clock: Clock = systemClock) {
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
    const transactions = async (): Promise<TransactionManager> => (await host.lease()).endpoint.transactions;
    this.points = new PointClient(targets, transactions);
    this.multiple = new MultipleReader(targets, transactions, this.points);
  }

  /** Every NPDU the registration receives: I-Ams fill the table and end lookups. */
  observe(received: ReceivedNpdu): void {
    if (received.iAm !== null) this.locator.observe(received);
  }

  /** Ends waiting lookups; requests already sent end with the socket's release. */
  close(): void {
    this.locator.close();
  }
}
