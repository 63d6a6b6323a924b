/**
 * ReceivedNpdu values holding an I-Am, built with the real encoders and
 * decodeReceived() as the endpoint builds them: for device table and locator tests.
 */
import { encodeIAmApdu, encodeWhoIsApdu } from '../../dist/protocol/apdu';
import { encodeNpdu, NpduOptions } from '../../dist/protocol/npdu';
import { decodeReceived, ReceivedNpdu } from '../../dist/protocol/received-npdu';

export interface IAmOptions {
  address?: string;
  port?: number;
  /** SNET and SADR: the device sits behind a router. */
  snet?: number;
  sadr?: string;
  maxApdu?: number;
  segmentation?: number;
  vendorId?: number;
  /** The BBMD that forwarded it; null for a unicast I-Am. Default 192.168.1.10:47808. */
  via?: { address: string; port: number } | null;
}

/** An I-Am of `instance` as it arrives: a Forwarded-NPDU from the BBMD unless `via` is null. */
export function receivedIAm(instance: number, options: IAmOptions = {}): ReceivedNpdu {
  const npduOptions: NpduOptions = {};
  if (options.snet !== undefined) {
    npduOptions.snet = options.snet;
    npduOptions.sadr = options.sadr ?? '01';
  }
  const apdu = encodeIAmApdu({
    deviceInstance: instance,
    maxApdu: options.maxApdu ?? 1476,
    segmentation: options.segmentation ?? 0,
    vendorId: options.vendorId ?? 260,
  });
  const via = options.via === undefined ? { address: '192.168.1.10', port: 47808 } : options.via;
  const source = { address: options.address ?? '10.0.4.7', port: options.port ?? 47808 };
  return decodeReceived(encodeNpdu(npduOptions, apdu), source, via, via === null ? 'Original-Unicast-NPDU' : 'Forwarded-NPDU');
}

/** A Who-Is as it arrives: not an I-Am, so no table entry comes of it. */
export function receivedWhoIs(instance: number): ReceivedNpdu {
  const npdu = encodeNpdu({}, encodeWhoIsApdu({ low: instance, high: instance }));
  return decodeReceived(npdu, { address: '10.0.4.9', port: 47808 }, { address: '192.168.1.10', port: 47808 }, 'Forwarded-NPDU');
}
