/**
 * Many reads at once (CLIENT.md "fd-read" arrays, "Confirmed requests"):
 * grouped per device into ReadPropertyMultiple batches that fit the device's
 * maxApdu, split again in halves on the aborts that mean "too big", read
 * with ReadProperty where the device rejects ReadPropertyMultiple (and that
 * remembered). `all`, `required` and `optional` give an object keyed by
 * property name. Every read gets its value or its error, in the given order.
 */
import { MAX_APDU_ACCEPTED, SERVICE } from '../protocol/confirmed-apdu';
import {
  DEVICE_OBJECT_TYPE,
  ObjectReference,
  REJECT_REASONS,
  WILDCARD_INSTANCE,
  formatObjectReference,
  formatPropertyReference,
  numberOf,
} from '../protocol/names';
import { PropertyValue, decodePropertyValue } from '../protocol/property-values';
import {
  ReadAccessResult,
  ReadAccessResultItem,
  ReadAccessSpecification,
  decodeReadPropertyMultipleAck,
  encodeReadPropertyMultipleRequest,
  readPropertyMultipleAckEstimate,
  readPropertyMultipleRequestLength,
} from '../protocol/services/read-property-multiple';
import { errorMessage } from '../util/errors';
import { ClientError, RequestWords, requestFailed } from './client-error';
import { DeviceTarget, DeviceTargets, targetWords } from './device-target';
import { BacnetInfo, PointClient, ReadRequest, bacnetInfo, isPropertySelection, isTooBig, sendConfirmed } from './point-client';
import { MAX_SEGMENTS } from './segment-reassembly';
import type { TransactionManager } from './transaction-manager';

/** The value of `all`, `required` or `optional`: each property's value by its name (`"priority-array"`, or a number when proprietary). */
export type PropertyValues = Record<string, PropertyValue>;

/** One read's outcome: its value and where it came from, or why it failed. */
export type MultipleReadOutcome = { value: PropertyValue | PropertyValues; bacnet: BacnetInfo } | { error: Error };

/** One read on its way: where it sits in the caller's list, and the object as sent. */
export interface BatchItem {
  readonly object: ObjectReference;
  readonly property: number;
  readonly index: number | null;
}

interface Item extends BatchItem {
  readonly at: number;
  readonly request: ReadRequest;
}

/**
 * What one value is guessed to take in the answer (a real 5 octets, a short
 * name 20): a guess; an Abort for a batch that was too big splits it.
 */
const VALUE_OCTETS_GUESS = 12;
/** What `all`/`required`/`optional` is guessed to add: such a read usually takes a batch of its own on a device that cannot segment. */
const SELECTION_OCTETS_GUESS = 400;
/** APDU headers: a confirmed request 4, a Complex-ACK 3, a segment of one 5. */
const REQUEST_HEADER_OCTETS = 4;
const ACK_HEADER_OCTETS = 3;
const SEGMENT_HEADER_OCTETS = 5;
/** Devices read at once, and batches (or fallback reads) per device at once: the socket's per-device limit is 2. */
const DEVICES_AT_ONCE = 4;
const REQUESTS_PER_DEVICE = 2;
const UNRECOGNIZED_SERVICE = numberOf(REJECT_REASONS, 'unrecognized-service');

export class MultipleReader {
  constructor(
    private readonly targets: DeviceTargets,
    /** The socket's transaction manager, once the socket is bound. */
    private readonly transactions: () => Promise<TransactionManager>,
    /** ReadProperty, for devices without ReadPropertyMultiple and single reads too big for one APDU. */
    private readonly points: PointClient,
  ) {}

  /** Every read's outcome in the order given; never rejects for a read that failed. */
  async read(requests: readonly ReadRequest[]): Promise<MultipleReadOutcome[]> {
    const outcomes = new Array<MultipleReadOutcome>(requests.length);
    const devices = await this.group(requests, outcomes);
    await eachLimited([...devices.values()], DEVICES_AT_ONCE, async ({ target, items }) => {
      const batches = planBatches(items, target);
      await eachLimited(batches, REQUESTS_PER_DEVICE, (batch) => this.readBatch(target, batch, outcomes));
    });
    return outcomes;
  }

  /** The reads by device (found a few at a time; one lookup per device named); a device not found fails its reads. */
  private async group(requests: readonly ReadRequest[], outcomes: MultipleReadOutcome[]): Promise<Map<string, { target: DeviceTarget; items: Item[] }>> {
    const byReference = new Map<string, number[]>();
    requests.forEach((request, at) => {
      const key = JSON.stringify(request.device);
      byReference.set(key, [...(byReference.get(key) ?? []), at]);
    });
    const devices = new Map<string, { target: DeviceTarget; items: Item[] }>();
    await eachLimited([...byReference.values()], DEVICES_AT_ONCE, async (positions) => {
      const first = requests[positions[0]!]!;
      let target: DeviceTarget;
      try {
        target = await this.targets.find(first.device, first.timeoutMs);
      } catch (err) {
        for (const at of positions) outcomes[at] = { error: asError(err) };
        return;
      }
      // Two references may name one device (its instance and its address): one group, one set of limits.
      let group = devices.get(target.key);
      if (!group) devices.set(target.key, (group = { target, items: [] }));
      for (const at of positions) {
        const request = requests[at]!;
        group.items.push({ at, request, object: target.objectToSend(request.object, true), property: request.property, index: request.index });
      }
    });
    for (const group of devices.values()) group.items.sort((a, b) => a.at - b.at);
    return devices;
  }

  private async readBatch(target: DeviceTarget, batch: Item[], outcomes: MultipleReadOutcome[]): Promise<void> {
    if (!target.readPropertyMultiple) return this.readEach(target, batch, outcomes);
    const groups = specGroups(batch);
    const words = batchWords(target, batch);
    let answer: ReadAccessResult[];
    try {
      const data = encodeReadPropertyMultipleRequest(groups.map((group) => group.spec));
      const ack = await sendConfirmed(await this.transactions(), target, words, SERVICE.readPropertyMultiple, data, batch[0]!.request);
      if (ack === null) throw new ClientError(`${words.device} answered ReadPropertyMultiple of ${words.what} without a value`, 'no value');
      answer = decodeAck(ack, words);
    } catch (err) {
      return this.batchFailed(target, batch, err, outcomes);
    }
    if (answer.length !== groups.length) {
      const wrong = new ClientError(`${words.device} answered ReadPropertyMultiple of ${words.what} with ${answer.length} objects for ${groups.length}`, 'wrong answer');
      for (const item of batch) outcomes[item.at] = { error: wrong };
      return;
    }
    groups.forEach((group, i) => matchGroup(target, group.items, answer[i]!, outcomes));
  }

  /**
   * Too big (the three aborts) or refused as a whole (an Error-PDU, as some
   * devices answer when one property fails): halves, down to one read, which
   * then goes by ReadProperty (too big) or keeps its error. Rejected as a
   * service: the device has no ReadPropertyMultiple. Anything else (silence,
   * busy): every read of the batch fails with it.
   */
  private async batchFailed(target: DeviceTarget, batch: Item[], err: unknown, outcomes: MultipleReadOutcome[]): Promise<void> {
    const failure = err instanceof ClientError ? err.failure : null;
    if (failure?.kind === 'reject' && failure.reason === UNRECOGNIZED_SERVICE) {
      target.markNoReadPropertyMultiple();
      return this.readEach(target, batch, outcomes);
    }
    const tooBig = isTooBig(err);
    if ((tooBig || failure?.kind === 'error') && batch.length > 1) {
      const half = Math.ceil(batch.length / 2);
      await this.readBatch(target, batch.slice(0, half), outcomes);
      await this.readBatch(target, batch.slice(half), outcomes);
      return;
    }
    if (tooBig && !isPropertySelection(batch[0]!.property)) return this.readEach(target, batch, outcomes);
    for (const item of batch) outcomes[item.at] = { error: asError(err) };
  }

  /** Each read by ReadProperty (a whole array too big for one APDU element by element); a selection cannot be. */
  private async readEach(target: DeviceTarget, items: Item[], outcomes: MultipleReadOutcome[]): Promise<void> {
    await eachLimited(items, REQUESTS_PER_DEVICE, async (item) => {
      if (isPropertySelection(item.property)) {
        const { device } = targetWords(target);
        const what = itemWhat(item);
        outcomes[item.at] = {
          error: new ClientError(`${device} does not take ReadPropertyMultiple, and ${what} is read only with it`, 'no ReadPropertyMultiple'),
        };
        return;
      }
      try {
        outcomes[item.at] = await this.points.read(item.request);
      } catch (err) {
        outcomes[item.at] = { error: asError(err) };
      }
    });
  }
}

/**
 * `items` in batches for `target`, in order: each request fits the device's
 * maxApdu, and each answer, as guessed, fits one APDU, or the device's
 * segments. A batch of one is always allowed (an Abort tells the rest).
 */
export function planBatches<T extends BatchItem>(items: readonly T[], target: Pick<DeviceTarget, 'maxApdu' | 'segmentsAnswers'>): T[][] {
  const apdu = Math.min(target.maxApdu, MAX_APDU_ACCEPTED);
  const requestLimit = target.maxApdu - REQUEST_HEADER_OCTETS;
  const answerLimit = target.segmentsAnswers ? (apdu - SEGMENT_HEADER_OCTETS) * MAX_SEGMENTS : apdu - ACK_HEADER_OCTETS;
  const batches: T[][] = [];
  let batch: T[] = [];
  // Both lengths add up per read access specification: only the one that grows is measured again.
  const groups = new Map<string, T[]>();
  let request = 0;
  let answer = 0;
  items.forEach((item, i) => {
    const key = groupKey(item, i);
    const before = groups.get(key) ?? [];
    const old = measure(before);
    const grown = measure([...before, item]);
    if (batch.length > 0 && (request - old.request + grown.request > requestLimit || answer - old.answer + grown.answer > answerLimit)) {
      batches.push(batch);
      batch = [];
      groups.clear();
      const alone = measure([item]);
      request = alone.request;
      answer = alone.answer;
      groups.set(key, [item]);
    } else {
      request += grown.request - old.request;
      answer += grown.answer - old.answer;
      groups.set(key, [...before, item]);
    }
    batch.push(item);
  });
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** Octets of one object's specification in the request, and of its results in the answer as guessed. */
function measure(group: readonly BatchItem[]): { request: number; answer: number } {
  if (group.length === 0) return { request: 0, answer: 0 };
  const spec = [{ object: group[0]!.object, properties: group.map(({ property, index }) => ({ property, index })) }];
  const selections = group.filter((item) => isPropertySelection(item.property)).length;
  return { request: readPropertyMultipleRequestLength(spec), answer: readPropertyMultipleAckEstimate(spec, VALUE_OCTETS_GUESS) + selections * SELECTION_OCTETS_GUESS };
}

/** The batch's read access specifications: one per object (in first-seen order), a selection always alone, since its answer has as many results as the object has properties. */
function specGroups(batch: Item[]): { spec: ReadAccessSpecification; items: Item[] }[] {
  const groups = new Map<string, { spec: ReadAccessSpecification; items: Item[] }>();
  for (const item of batch) {
    const key = groupKey(item, item.at);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { spec: { object: item.object, properties: [] }, items: [] }));
    group.spec.properties.push({ property: item.property, index: item.index });
    group.items.push(item);
  }
  return [...groups.values()];
}

/** The object's key; a selection read gets one of its own (`unique`: its position). */
function groupKey(item: BatchItem, unique: number): string {
  const object = formatObjectReference(item.object);
  return isPropertySelection(item.property) ? `${object}#${unique}` : object;
}

/** One object's results, by position, into its reads' outcomes. */
function matchGroup(target: DeviceTarget, items: Item[], result: ReadAccessResult, outcomes: MultipleReadOutcome[]): void {
  const sent = items[0]!.object;
  // The wildcard Device instance is answered with the device's own.
  const sameObject = result.object.type === sent.type && (result.object.instance === sent.instance || (sent.type === DEVICE_OBJECT_TYPE && sent.instance === WILDCARD_INSTANCE));
  const words = (item: Item): RequestWords => ({ ...targetWords(target), service: 'ReadPropertyMultiple', what: itemWhat(item) });
  const wrong = (item: Item, why: string): MultipleReadOutcome => ({
    error: new ClientError(`${words(item).device} answered ReadPropertyMultiple of ${words(item).what} with ${why}`, 'wrong answer'),
  });
  if (!sameObject) {
    for (const item of items) outcomes[item.at] = wrong(item, `another object (${formatObjectReference(result.object)})`);
    return;
  }
  const first = items[0]!;
  if (isPropertySelection(first.property)) {
    outcomes[first.at] = selectionOutcome(target, first, result, words(first));
    return;
  }
  items.forEach((item, i) => {
    const answered = result.results[i];
    if (answered === undefined) outcomes[item.at] = wrong(item, 'no result for it');
    else if (answered.property !== item.property || answered.index !== item.index) outcomes[item.at] = wrong(item, `another property (${formatPropertyReference(answered)})`);
    else outcomes[item.at] = itemOutcome(target, item, answered, words(item));
  });
}

function itemOutcome(target: DeviceTarget, item: Item, answered: ReadAccessResultItem, words: RequestWords): MultipleReadOutcome {
  if ('error' in answered) return { error: requestFailed(words, { kind: 'error', ...answered.error }) };
  try {
    return { value: decodePropertyValue(answered.value, item.object.type, item.property, item.index), bacnet: bacnetInfo(target, item.object, item) };
  } catch (err) {
    return { error: new ClientError(`${words.device} answered ReadPropertyMultiple of ${words.what} with a value that does not decode: ${errorMessage(err)}`, 'bad value') };
  }
}

/**
 * `all`/`required`/`optional`: each property's value by name. A device
 * that cannot read the object answers one error for the selection itself;
 * a property it could not read is left out (its error has no place in the object).
 */
function selectionOutcome(target: DeviceTarget, item: Item, result: ReadAccessResult, words: RequestWords): MultipleReadOutcome {
  const only = result.results.length === 1 ? result.results[0]! : null;
  if (only !== null && only.property === item.property && 'error' in only) return { error: requestFailed(words, { kind: 'error', ...only.error }) };
  const values: PropertyValues = {};
  for (const answered of result.results) {
    if (!('value' in answered)) continue;
    const name = formatPropertyReference(answered);
    try {
      values[name] = decodePropertyValue(answered.value, result.object.type, answered.property, answered.index);
    } catch (err) {
      return { error: new ClientError(`${words.device} answered ReadPropertyMultiple of ${words.what} with a value of ${name} that does not decode: ${errorMessage(err)}`, 'bad value') };
    }
  }
  return { value: values, bacnet: bacnetInfo(target, item.object, item) };
}

function decodeAck(data: Buffer, words: RequestWords): ReadAccessResult[] {
  try {
    return decodeReadPropertyMultipleAck(data);
  } catch (err) {
    throw new ClientError(`${words.device} answered ReadPropertyMultiple of ${words.what} with an answer that does not decode: ${errorMessage(err)}`, 'bad answer');
  }
}

/** "analog-input:1 present-value", or "analog-input:1 present-value and 19 more" for a batch. */
function batchWords(target: DeviceTarget, batch: Item[]): RequestWords {
  const first = itemWhat(batch[0]!);
  return { ...targetWords(target), service: 'ReadPropertyMultiple', what: batch.length === 1 ? first : `${first} and ${batch.length - 1} more` };
}

function itemWhat(item: BatchItem): string {
  return `${formatObjectReference(item.object)} ${formatPropertyReference(item)}`;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(errorMessage(err));
}

/** Runs `fn` on each item, at most `limit` at once; `fn` reports its own failures. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
