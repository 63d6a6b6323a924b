/**
 * A device reference made into where a request goes (CLIENT.md "Device
 * references"): an instance through the config node's device table (a
 * Who-Is when it is not there), an address as given (its host resolved), a
 * routed device through its router with DNET/DADR.
 */
import { ObjectReference, WILDCARD_INSTANCE, resolveDeviceObject } from '../protocol/names';
import { MAX_APDU_ACCEPTED } from '../protocol/confirmed-apdu';
import { errorMessage } from '../util/errors';
import { ClientError, ClientInputError } from './client-error';
import type { DeviceEntry, DeviceTable } from './device-table';
import type { DeviceLocator } from './device-locator';
import { DeviceReference, formatDeviceReference } from './device-reference';
import { Destination, describeDestination, destinationKey } from './destination';

export interface DeviceTarget {
  /** The device's instance, null when it was named by an address the table does not know. */
  readonly instance: number | null;
  readonly destination: Destination;
  /** The largest APDU it accepts (1476 when unknown). */
  readonly maxApdu: number;
  /** The unit of the per-device request limits. */
  readonly key: string;
  /** Whether the device may answer in segments (its I-Am said so); false when unknown. */
  readonly segmentsAnswers: boolean;
  /** False once the device rejected ReadPropertyMultiple (remembered in the table, or per client for a device known by address only). */
  readonly readPropertyMultiple: boolean;
  /** Remembers that the device rejected ReadPropertyMultiple. */
  markNoReadPropertyMultiple(): void;
  /**
   * The object to send: "device" alone becomes device:<instance>, or the wildcard
   * 4194303 for a read of a device whose instance is unknown.
   * @throws ClientError where the wildcard is not allowed (every service but reads)
   */
  objectToSend(object: ObjectReference, wildcardAllowed: boolean): ObjectReference;
  /** After all retries went unanswered: drop its table entry, so the next request looks again (DHCP). */
  forget(): void;
}

export interface DeviceTargetsOptions {
  table: DeviceTable;
  locator: DeviceLocator;
  /** IPv4 address of a host name (or of an address: itself). */
  resolveHost: (host: string) => Promise<string>;
}

/** Devices named by address (no table entry) remembered as rejecting ReadPropertyMultiple: a bounded memory. */
const MAX_NO_RPM_ADDRESSES = 1000;

export class DeviceTargets {
  /** Destination keys of devices known by address only that rejected ReadPropertyMultiple, oldest first. */
  private readonly noReadPropertyMultiple = new Set<string>();

  constructor(private readonly options: DeviceTargetsOptions) {}

  /** Where requests for `ref` go; waits for a Who-Is at most `timeoutMs` after it was sent. */
  async find(ref: DeviceReference, timeoutMs: number): Promise<DeviceTarget> {
    if (ref.kind === 'instance') return this.fromEntry(await this.options.locator.locate(ref.instance, timeoutMs));
    let ip: string;
    try {
      ip = await this.options.resolveHost(ref.host);
    } catch (err) {
      throw new ClientError(`device ${formatDeviceReference(ref)}: ${errorMessage(err)}`, 'no address');
    }
    const destination: Destination = { address: { address: ip, port: ref.port }, network: ref.network, mac: ref.mac };
    const known = this.options.table.list().find((entry) => destinationKey(entryDestination(entry)) === destinationKey(destination));
    return known ? this.fromEntry(known) : this.target(null, destination, MAX_APDU_ACCEPTED, false);
  }

  private fromEntry(entry: DeviceEntry): DeviceTarget {
    // Segmentation 0 (both) and 1 (transmit): the device may send segmented answers.
    return this.target(entry.instance, entryDestination(entry), entry.maxApdu, entry.segmentation <= 1);
  }

  private target(instance: number | null, destination: Destination, maxApdu: number, segmentsAnswers: boolean): DeviceTarget {
    const table = this.options.table;
    const noRpm = this.noReadPropertyMultiple;
    const key = instance === null ? destinationKey(destination) : `device:${instance}`;
    return {
      instance,
      destination,
      maxApdu,
      key,
      segmentsAnswers,
      get readPropertyMultiple() {
        return instance === null ? !noRpm.has(key) : table.get(instance)?.readPropertyMultiple !== false;
      },
      markNoReadPropertyMultiple() {
        if (instance !== null) {
          table.markNoReadPropertyMultiple(instance);
          return;
        }
        noRpm.delete(key);
        noRpm.add(key);
        if (noRpm.size > MAX_NO_RPM_ADDRESSES) noRpm.delete(noRpm.values().next().value as string);
      },
      objectToSend(object, wildcardAllowed) {
        const sent = resolveDeviceObject(object, instance);
        if (sent.instance === WILDCARD_INSTANCE && !wildcardAllowed) {
          throw new ClientInputError(
            `object "device" needs the instance of device ${describeDestination(destination)} here: name the device by its instance, or give the object as device:<instance>`,
          );
        }
        return sent;
      },
      forget() {
        if (instance !== null) table.drop(instance);
      },
    };
  }
}

/** "device 1201" with "10.0.4.7:47808" apart, or "device 10.0.4.7:47808" alone: for sentences. */
export function targetWords(target: DeviceTarget): { device: string; address: string | null } {
  const where = describeDestination(target.destination);
  return target.instance === null ? { device: `device ${where}`, address: null } : { device: `device ${target.instance}`, address: where };
}

function entryDestination(entry: DeviceEntry): Destination {
  return { address: { address: entry.address, port: entry.port }, network: entry.network, mac: entry.mac };
}
