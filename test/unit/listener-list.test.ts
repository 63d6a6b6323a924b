/**
 * The receive path's listener list (a copy-on-write array) and the message ids
 * fd-receive gives its messages.
 */
import assert from 'node:assert/strict';
import { ListenerList } from '../../dist/listener-list';
import { MessageIds, messageIds } from '../../dist/message-id';

describe('ListenerList', () => {
  it('calls each listener once per value, in the order they were added; adding one twice keeps one', () => {
    const list = new ListenerList<number>();
    const calls: string[] = [];
    const a = (v: number): void => void calls.push(`a${v}`);
    const b = (v: number): void => void calls.push(`b${v}`);
    list.add(a);
    list.add(b);
    list.add(a);
    assert.equal(list.size, 2);
    list.emit(1);
    list.delete(a);
    list.emit(2);
    list.delete(a);
    assert.deepEqual(calls, ['a1', 'b1', 'b2']);
    assert.equal(list.size, 1);
  });

  it('a listener that throws does not keep the value from the others, and its error goes to onError', () => {
    const list = new ListenerList<string>();
    const got: string[] = [];
    const errors: unknown[] = [];
    list.add(() => {
      throw new Error('receiver bug');
    });
    list.add((v) => void got.push(v));
    list.emit('x', (err) => errors.push(err));
    list.emit('y');
    assert.deepEqual(got, ['x', 'y']);
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as Error).message, 'receiver bug');
  });

  it('a listener added or removed during a call changes the next delivery, not this one', () => {
    const list = new ListenerList<number>();
    const calls: string[] = [];
    const late = (v: number): void => void calls.push(`late${v}`);
    const second = (v: number): void => void calls.push(`second${v}`);
    const first = (v: number): void => {
      calls.push(`first${v}`);
      list.delete(second);
      list.add(late);
    };
    list.add(first);
    list.add(second);
    list.emit(1);
    list.emit(2);
    assert.deepEqual(calls, ['first1', 'second1', 'first2', 'late2']);
  });
});

describe('MessageIds', () => {
  it('gives 16 lower-case hex digits, like RED.util.generateId(), none repeated', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const id = messageIds.next();
      assert.match(id, /^[0-9a-f]{16}$/);
      seen.add(id);
    }
    assert.equal(seen.size, 100_000);
  });

  it('counts after its random prefix, and draws a new prefix when the counter wraps', () => {
    const prefixes = ['0a0b0c0d', 'deadbeef'];
    const ids = new MessageIds(() => prefixes.shift() ?? 'ffffffff', 0xfffffffe);
    assert.equal(ids.next(), '0a0b0c0dfffffffe');
    assert.equal(ids.next(), '0a0b0c0dffffffff');
    assert.equal(ids.next(), 'deadbeef00000000', 'the counter wrapped: a new prefix');
    assert.equal(ids.next(), 'deadbeef00000001');
  });
});
