/**
 * ReadProperty and WriteProperty for one config node (CLIENT.md): the device
 * found (device-target.ts), the request sent through the socket's transaction
 * manager, the answer decoded into CLIENT.md's values, failures in its
 * sentences. Whole arrays too big for one APDU are read element by element.
 */
import { SERVICE } from '../protocol/confirmed-apdu';
import { ABORT_REASONS, ObjectReference, PROPERTY_IDENTIFIERS, formatObjectReference, formatPropertyReference, nameOf, numberOf } from '../protocol/names';
import { PropertyValue, decodePropertyValue } from '../protocol/property-values';
import { encodePropertyValue } from '../protocol/property-encoding';
import type { ValueType } from '../protocol/primitive-values';
import { decodeReadPropertyAck, encodeReadPropertyRequest } from '../protocol/services/read-property';
import { encodeWritePropertyRequest } from '../protocol/services/write-property';
import { ClientError, ClientInputError, RequestWords, requestFailed } from './client-error';
import type { DeviceReference } from './device-reference';
import { DeviceTarget, DeviceTargets, targetWords } from './device-target';
import { TransactionError } from './transaction-error';
import type { TransactionManager } from './transaction-manager';

/** What fd-read asks for, parsed. */
export interface ReadRequest {
  readonly device: DeviceReference;
  readonly object: ObjectReference;
  readonly property: number;
  readonly index: number | null;
  readonly timeoutMs: number;
  readonly retries: number;
}

export interface WriteRequest extends ReadRequest {
  /** The value as a flow gives it (CLIENT.md "Values"); null writes NULL (relinquish). */
  readonly value: unknown;
  readonly valueType: ValueType | null;
  /** 1..16, or null for none. */
  readonly priority: number | null;
}

/** msg.bacnet (CLIENT.md): where the value came from, as sent. */
export interface BacnetInfo {
  device: { instance: number | null; address: string; port: number; network?: number; mac?: string };
  object: string;
  property: string | number;
  index: number | null;
  priority?: number | null;
}

export interface ReadResult {
  readonly value: PropertyValue;
  readonly bacnet: BacnetInfo;
}

/** Aborts after which a whole array is read element by element. */
const TOO_BIG = new Set(['segmentation-not-supported', 'buffer-overflow', 'apdu-too-long'].map((name) => numberOf(ABORT_REASONS, name)));
/** The property identifiers all (8), required (105) and optional (80): ReadPropertyMultiple only. */
const SELECTIONS = new Set(['all', 'required', 'optional'].map((name) => numberOf(PROPERTY_IDENTIFIERS, name)));
/** Octets of a confirmed request's APDU header (unsegmented). */
const REQUEST_HEADER_OCTETS = 4;

export class PointClient {
  constructor(
    private readonly targets: DeviceTargets,
    /** The socket's transaction manager, once the socket is bound. */
    private readonly transactions: () => Promise<TransactionManager>,
  ) {}

  /** @throws ClientInputError for `all`, `required` or `optional` (read-multiple.ts reads those) */
  async read(request: ReadRequest): Promise<ReadResult> {
    if (isPropertySelection(request.property)) {
      throw new ClientInputError(`${formatPropertyReference(request)} is read with ReadPropertyMultiple only, not ReadProperty`);
    }
    const target = await this.targets.find(request.device, request.timeoutMs);
    const object = target.objectToSend(request.object, true);
    // Each read names what it asked for: an element read of a whole array names its index.
    const read = (index: number | null): Promise<PropertyValue> =>
      this.readOnce(target, this.words(target, 'ReadProperty', object, { ...request, index }), object, request, index);
    let value: PropertyValue;
    try {
      value = await read(request.index);
    } catch (err) {
      if (request.index !== null || !isTooBig(err)) throw err;
      value = await this.readElements(read, err as ClientError);
    }
    return { value, bacnet: this.bacnet(target, object, request) };
  }

  async write(request: WriteRequest): Promise<BacnetInfo> {
    // Bad values are found before anything is sent, even a Who-Is.
    const value = encodePropertyValue(request.object.type, request.property, request.value, request.valueType, request.index);
    const target = await this.targets.find(request.device, request.timeoutMs);
    const object = target.objectToSend(request.object, false);
    const words = this.words(target, 'WriteProperty', object, request);
    const data = encodeWritePropertyRequest({ object, property: request.property, index: request.index, value, priority: request.priority });
    if (REQUEST_HEADER_OCTETS + data.length > target.maxApdu) {
      throw new ClientInputError(`${words.service} of ${words.what} is ${REQUEST_HEADER_OCTETS + data.length} octets, more than ${words.device} accepts (${target.maxApdu})`);
    }
    await this.send(target, words, SERVICE.writeProperty, data, request);
    return { ...this.bacnet(target, object, request), priority: request.priority };
  }

  private async readOnce(target: DeviceTarget, words: RequestWords, object: ObjectReference, request: ReadRequest, index: number | null): Promise<PropertyValue> {
    const data = encodeReadPropertyRequest({ object: object as { type: number; instance: number }, property: request.property, index });
    const answer = await this.send(target, words, SERVICE.readProperty, data, request);
    if (answer === null) throw new ClientError(`${words.device} answered ${words.service} of ${words.what} without a value`, 'no value');
    const ack = decodeReadPropertyAck(answer);
    if (ack.property !== request.property || ack.index !== index) {
      throw new ClientError(`${words.device} answered ${words.service} of ${words.what} for another property (${formatPropertyReference(ack)})`, 'wrong answer');
    }
    return decodePropertyValue(ack.value, object.type, request.property, index);
  }

  /** The whole array: its length (index 0), then each element in turn; one failure fails it. */
  private async readElements(read: (index: number) => Promise<PropertyValue>, tooBig: ClientError): Promise<PropertyValue[]> {
    let length: PropertyValue;
    try {
      length = await read(0);
    } catch {
      // Not an array after all (or index 0 refused): the first failure is the one to report.
      throw tooBig;
    }
    if (typeof length !== 'number' || !Number.isInteger(length) || length < 0) throw tooBig;
    const elements: PropertyValue[] = [];
    for (let i = 1; i <= length; i++) elements.push(await read(i));
    return elements;
  }

  private async send(target: DeviceTarget, words: RequestWords, service: number, data: Buffer, request: ReadRequest): Promise<Buffer | null> {
    return sendConfirmed(await this.transactions(), target, words, service, data, request);
  }

  private words(target: DeviceTarget, service: string, object: ObjectReference, request: ReadRequest): RequestWords {
    const property = formatPropertyReference({ property: request.property, index: request.index });
    return { ...targetWords(target), service, what: `${formatObjectReference(object)} ${property}` };
  }

  private bacnet(target: DeviceTarget, object: ObjectReference, request: ReadRequest): BacnetInfo {
    return bacnetInfo(target, object, request);
  }
}

/**
 * Sends one confirmed request to `target`; a failure becomes its sentence
 * (and silence after every retry drops the device's table entry).
 */
export async function sendConfirmed(
  transactions: TransactionManager,
  target: DeviceTarget,
  words: RequestWords,
  service: number,
  data: Buffer,
  timing: Pick<ReadRequest, 'timeoutMs' | 'retries'>,
): Promise<Buffer | null> {
  try {
    return await transactions.request({
      destination: target.destination,
      deviceKey: target.key,
      service,
      data,
      timeoutMs: timing.timeoutMs,
      retries: timing.retries,
    });
  } catch (err) {
    if (!(err instanceof TransactionError)) throw err;
    if (err.failure.kind === 'timeout') target.forget();
    throw requestFailed(words, err.failure);
  }
}

/** msg.bacnet for a request to `target` of `object` as sent. */
export function bacnetInfo(target: DeviceTarget, object: ObjectReference, request: Pick<ReadRequest, 'property' | 'index'>): BacnetInfo {
  const { destination } = target;
  const device: BacnetInfo['device'] = { instance: target.instance, address: destination.address.address, port: destination.address.port };
  if (destination.network !== null) {
    device.network = destination.network;
    device.mac = destination.mac ?? '';
  }
  return { device, object: formatObjectReference(object), property: nameOf(PROPERTY_IDENTIFIERS, request.property), index: request.index };
}

/** True for `all`, `required` and `optional`, which only ReadPropertyMultiple reads. */
export function isPropertySelection(property: number): boolean {
  return SELECTIONS.has(property);
}

/** True for the aborts that mean the answer was too big for one APDU (CLIENT.md "Confirmed requests"). */
export function isTooBig(err: unknown): boolean {
  return err instanceof ClientError && err.failure?.kind === 'abort' && TOO_BIG.has(err.failure.reason);
}
