/** errorMessage() and asError(): whatever a catch clause or a rejection gets. */
import assert from 'node:assert/strict';
import { asError, errorMessage } from '../../dist/util/errors';

describe('error helpers', () => {
  it('errorMessage: an Error\'s message, a message-bearing object\'s, else the value as text', () => {
    assert.equal(errorMessage(new RangeError('out of range')), 'out of range');
    assert.equal(errorMessage({ message: 'from another realm' }), 'from another realm');
    assert.equal(errorMessage('plain string'), 'plain string');
    assert.equal(errorMessage(42), '42');
    assert.equal(errorMessage(null), 'null');
    assert.equal(errorMessage(undefined), 'undefined');
  });

  it('asError: the Error itself, else a new Error with the value as its message', () => {
    const err = Object.assign(new Error('send EBADF'), { code: 'EBADF' });
    assert.equal(asError(err), err);
    const wrapped = asError('ENOTFOUND');
    assert.ok(wrapped instanceof Error);
    assert.equal(wrapped.message, 'ENOTFOUND');
    assert.equal(asError(7).message, '7');
  });
});
