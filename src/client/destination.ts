/**
 * Where a confirmed request goes: a B/IP address, and for a device behind a
 * router its network and MAC (DNET/DADR in our request, SNET/SADR in its
 * answer). Pure.
 */
import type { BipAddress } from '../protocol/address';
import type { ReceivedNpdu } from '../protocol/received-npdu';

export interface Destination {
  readonly address: BipAddress;
  /** The remote network behind the router at `address`; null for a device on the B/IP network itself. */
  readonly network: number | null;
  /** The device's MAC on `network`, hex; null when `network` is. */
  readonly mac: string | null;
}

/** One text per destination, for the transaction table and invoke IDs. */
export function destinationKey(destination: Destination): string {
  const { address, network, mac } = destination;
  const bip = `${address.address}:${address.port}`;
  return network === null ? bip : `${bip}/${network}/${(mac ?? '').toLowerCase()}`;
}

/** The destination an answer came from: its origin address, and SNET/SADR when a router added them. */
export function answerSource(received: ReceivedNpdu): Destination {
  return { address: received.source, network: received.header.snet, mac: received.header.sadr };
}

/** "10.0.4.7:47808", with " network 5 MAC 0a" for a routed device: for sentences. */
export function describeDestination(destination: Destination): string {
  const bip = `${destination.address.address}:${destination.address.port}`;
  return destination.network === null ? bip : `${bip} network ${destination.network} MAC ${destination.mac ?? ''}`;
}
