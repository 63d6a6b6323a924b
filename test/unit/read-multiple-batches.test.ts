/**
 * How many reads become ReadPropertyMultiple batches (read-multiple.ts
 * planBatches): in order, each request within the device's maxApdu, each
 * guessed answer within one APDU unless the device segments, and no batch
 * that could have taken the next read.
 */
import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import { PROPERTY_IDENTIFIERS, numberOf } from '../../dist/protocol/names';
import { BatchItem, planBatches } from '../../dist/client/read-multiple';
import { readPropertyMultipleRequestLength } from '../../dist/protocol/services/read-property-multiple';

const PRESENT_VALUE = numberOf(PROPERTY_IDENTIFIERS, 'present-value');
const ALL = numberOf(PROPERTY_IDENTIFIERS, 'all');
const APDU_SIZES = [50, 128, 206, 480, 1024, 1476];

const item = (instance: number, property = PRESENT_VALUE, index: number | null = null): BatchItem => ({ object: { type: 0, instance }, property, index });

/** The request's service data for a batch, one specification per object as read-multiple.ts sends it. */
function requestLength(batch: readonly BatchItem[]): number {
  const specs = new Map<string, { object: BatchItem['object']; properties: { property: number; index: number | null }[] }>();
  batch.forEach((read, i) => {
    const key = read.property === ALL ? `all#${i}` : `${read.object.type}:${read.object.instance}`;
    if (!specs.has(key)) specs.set(key, { object: read.object, properties: [] });
    specs.get(key)!.properties.push({ property: read.property, index: read.index });
  });
  return readPropertyMultipleRequestLength([...specs.values()]);
}

describe('ReadPropertyMultiple batches (planBatches)', () => {
  it('20 present-values fit one batch of a 1476-octet device', () => {
    const reads = Array.from({ length: 20 }, (_, i) => item(i + 1));
    assert.deepEqual(planBatches(reads, { maxApdu: 1476, segmentsAnswers: false }), [reads]);
  });

  it('a 206-octet device that cannot segment: several batches, in order, the answer guess within 203 octets', () => {
    const reads = Array.from({ length: 40 }, (_, i) => item(i + 1));
    const batches = planBatches(reads, { maxApdu: 206, segmentsAnswers: false });
    assert.ok(batches.length >= 4, `got ${batches.length}`);
    assert.deepEqual(batches.flat(), reads);
    // Each present-value: object 5 + list tags 2 + property 2 in the request; the answer adds 2 tags and the 12-octet guess.
    for (const batch of batches) assert.ok(3 + requestLength(batch) + batch.length * 14 <= 206);
  });

  it('a device that segments takes far more per batch', () => {
    const reads = Array.from({ length: 200 }, (_, i) => item(i + 1));
    const small = planBatches(reads, { maxApdu: 480, segmentsAnswers: false }).length;
    const segmenting = planBatches(reads, { maxApdu: 480, segmentsAnswers: true }).length;
    assert.ok(segmenting < small, `${segmenting} batches segmenting, ${small} not`);
    assert.ok(planBatches(reads, { maxApdu: 480, segmentsAnswers: true }).every((batch) => 4 + requestLength(batch) <= 480));
  });

  it('reads of one object share its specification: more fit', () => {
    const sameObject = Array.from({ length: 60 }, (_, i) => item(1, PRESENT_VALUE + (i % 3), i));
    const spread = Array.from({ length: 60 }, (_, i) => item(i + 1, PRESENT_VALUE + (i % 3), i));
    assert.ok(planBatches(sameObject, { maxApdu: 480, segmentsAnswers: false }).length < planBatches(spread, { maxApdu: 480, segmentsAnswers: false }).length);
  });

  it('`all` on a small device that cannot segment goes in a batch of its own; a single read always goes', () => {
    const reads = [item(1), item(2, ALL), item(3)];
    assert.deepEqual(planBatches(reads, { maxApdu: 206, segmentsAnswers: false }), [[reads[0]], [reads[1]], [reads[2]]]);
    assert.deepEqual(planBatches(reads, { maxApdu: 1476, segmentsAnswers: false }), [reads], 'its guess fits a large APDU');
    assert.deepEqual(planBatches([item(1)], { maxApdu: 50, segmentsAnswers: false }), [[item(1)]]);
    assert.deepEqual(planBatches([], { maxApdu: 480, segmentsAnswers: false }), []);
  });

  it('property: in order, every request fits, and no batch could have taken the next read', () => {
    const read = fc.record({
      instance: fc.integer({ min: 0, max: 30 }),
      property: fc.oneof(fc.constant(PRESENT_VALUE), fc.integer({ min: 0, max: 600 })),
      index: fc.option(fc.integer({ min: 0, max: 70_000 }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(read, { maxLength: 120 }), fc.constantFrom(...APDU_SIZES), fc.boolean(), (reads, maxApdu, segmentsAnswers) => {
        const items = reads.map((r) => item(r.instance, r.property, r.index));
        const batches = planBatches(items, { maxApdu, segmentsAnswers });
        assert.deepEqual(batches.flat(), items);
        assert.ok(batches.every((batch) => batch.length > 0));
        for (const batch of batches) if (batch.length > 1) assert.ok(4 + requestLength(batch) <= maxApdu, `a request of ${4 + requestLength(batch)} octets for ${maxApdu}`);
        // Greedy: the batch and the next read together did not fit (the planner measured the same lengths).
        batches.slice(0, -1).forEach((batch, i) => {
          const next = batches[i + 1]![0]!;
          const joined = planBatches([...batch, next], { maxApdu, segmentsAnswers });
          assert.equal(joined.length, 2, 'the next read would have fitted');
        });
      }),
      { numRuns: 200 },
    );
  });
});
