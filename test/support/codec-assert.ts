/**
 * What the codec tests share: octets from spaced hex, and assertions that a
 * call throws exactly the documented error with exactly the given message.
 */
import { strict as assert } from 'node:assert';
import { DecodeError } from '../../dist/protocol/decode-error';

/** Octets from hex text; white space is ignored ("81 05 00 06"). */
export function h(hex: string): Buffer {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex');
}

/** Asserts that `fn` throws an instance of `type` whose message is exactly `message`. */
export function throwsExactly(fn: () => unknown, type: new (...args: never[]) => Error, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
    assert.equal(err.message, message);
    return true;
  });
}

/** Asserts that `fn` throws a DecodeError with exactly `message` (or one matching it), at `offset` when given. */
export function throwsDecode(fn: () => unknown, message: string | RegExp, offset?: number): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DecodeError, `expected DecodeError, got ${String(err)}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    if (offset !== undefined) assert.equal(err.offset, offset);
    return true;
  });
}

/** Asserts that `fn` throws a RangeError with exactly `message`. */
export function throwsRange(fn: () => unknown, message: string): void {
  throwsExactly(fn, RangeError, message);
}
