/**
 * What the codec property tests share: one fixed seed, so every run checks
 * the same cases, a scale for the long reliability run, and "a DecodeError
 * is an answer, any other exception a failure".
 */
import * as fc from 'fast-check';
import { DecodeError } from '../../dist/protocol/decode-error';

export const SEED = 0x0bac0fd;
/**
 * Runs per property are multiplied by this: 1 in `npm test`; the long reliability run
 * (`npm run test:reliability -- --long`, RELIABILITY_LONG=1) uses 20, or CODEC_PROPERTY_SCALE.
 */
export const SCALE = Number(process.env.CODEC_PROPERTY_SCALE ?? (process.env.RELIABILITY_LONG === '1' ? 20 : 1));

export function run<Ts>(property: fc.IProperty<Ts>, numRuns: number): void {
  fc.assert(property, { seed: SEED, numRuns: Math.max(1, Math.round(numRuns * SCALE)) });
}

/** Calls `fn`; a DecodeError gives `undefined`, any other exception propagates (and fails the property). */
export function decodeOrUndefined<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DecodeError) return undefined;
    throw err;
  }
}
