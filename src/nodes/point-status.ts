/**
 * What fd-read and fd-write show and attach to messages (CLIENT.md): the
 * status dot, msg.bacnet for a request that failed before an answer, and
 * msg.topic.
 */
import type { NodeStatus } from 'node-red';
import type { BacnetInfo, ReadRequest } from '../client/point-client';
import { ClientError } from '../client/client-error';
import type { DeviceTable } from '../client/device-table';
import { PROPERTY_IDENTIFIERS, formatObjectReference, nameOf } from '../protocol/names';
import type { BbmdConfigNode } from './registration-user';

const STATUS_TEXT_MAX = 20;

/** Green dot with the value, at most 20 characters. */
export function valueStatus(value: unknown): NodeStatus {
  return { fill: 'green', shape: 'dot', text: shorten(statusText(value)) };
}

/**
 * Red ring with the error's class/code, "no answer", ... whole: the 20-character
 * limit is the value's (CLIENT.md), and "object/unknown-obje…" would hide the code.
 */
export function errorStatus(err: unknown): NodeStatus {
  const text = err instanceof ClientError ? err.short : 'error';
  return { fill: 'red', shape: 'ring', text };
}

/** True when the request must find its device with a Who-Is that waits for the registration (yellow ring meanwhile). */
export function waitsForRegistration(config: BbmdConfigNode, request: ReadRequest): boolean {
  const device = request.device;
  return device.kind === 'instance' && config.client.table.get(device.instance) === undefined && !config.snapshot().registered;
}

/**
 * msg.bacnet for a request that got no value: what was asked, as far as it is
 * known (a device by instance: its address from `table` while it holds the entry).
 */
export function requestInfo(request: ReadRequest, table: DeviceTable): BacnetInfo {
  const device = request.device;
  const entry = device.kind === 'instance' ? table.get(device.instance) : undefined;
  const info: BacnetInfo['device'] =
    device.kind === 'instance' ? { instance: device.instance, address: entry?.address ?? '', port: entry?.port ?? 0 } : { instance: null, address: device.host, port: device.port };
  const network = device.kind === 'address' ? device.network : (entry?.network ?? null);
  if (network !== null) {
    info.network = network;
    info.mac = (device.kind === 'address' ? device.mac : entry?.mac) ?? '';
  }
  return { device: info, object: formatObjectReference(request.object), property: nameOf(PROPERTY_IDENTIFIERS, request.property), index: request.index };
}

/** `<instance or address>/<object>/<property>`, the property with its index in brackets. */
export function topicOf(bacnet: BacnetInfo): string {
  const device = bacnet.device.instance ?? `${bacnet.device.address}:${bacnet.device.port}`;
  const property = bacnet.index === null ? String(bacnet.property) : `${bacnet.property}[${bacnet.index}]`;
  return `${device}/${bacnet.object}/${property}`;
}

function statusText(value: unknown): string {
  if (value === null) return 'null';
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

function shorten(text: string): string {
  return text.length <= STATUS_TEXT_MAX ? text : `${text.slice(0, STATUS_TEXT_MAX - 1)}…`;
}
