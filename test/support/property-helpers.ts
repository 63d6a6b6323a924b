/**
 * What the fast-check property tests share: records with a plain prototype
 * (deepStrictEqual tells a null-prototype object from a parser's result) and
 * "returns or throws the documented error" for arbitrary input.
 */
import * as fc from 'fast-check';

/** fc.record with a plain Object prototype, so that deepStrictEqual compares it with parser or decoder output. */
export function plainRecord<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true });
}

/** Calls `fn`: its result, or undefined when it throws `errorType`; any other exception propagates (and fails the property). */
export function resultOrUndefined<T>(fn: () => T, errorType: new (...args: never[]) => Error): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (err instanceof errorType) return undefined;
    throw err;
  }
}
