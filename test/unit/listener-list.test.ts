/**
 * The receive path's listener list (a copy-on-write array) and the message ids
 * fd-receive gives its messages.
 */
import assert from 'node:assert/strict';
import { decodeBvll } from '../../dist/protocol/bvll';
import { ListenerList } from '../../dist/util/listener-list';
import { MessageIds, messageIds } from '../../dist/receive/message-id';
import { copyReceived, decodeReceived } from '../../dist/protocol/received-npdu';
import { sharedObjects } from '../support/shared-objects';

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

describe('one decoded NPDU for several receivers', () => {
  it('emit() with a copy function gives the first listener the value and every other its own copy', () => {
    const list = new ListenerList<{ n: number }>();
    const got: { n: number }[] = [];
    for (let i = 0; i < 3; i++) list.add((v) => void got.push(v));
    const value = { n: 1 };
    list.emit(value, undefined, (v) => ({ ...v }));
    assert.equal(got[0], value);
    assert.notEqual(got[1], value);
    assert.notEqual(got[2], got[1]);
    assert.deepEqual(got, [value, value, value]);
  });

  it('copyReceived() shares no object or octet with the original and equals it', () => {
    // A Forwarded-NPDU with a routed source (SNET/SADR) and an I-Am: every nested object there is.
    // 81 04 001f | origin 10.0.0.1:47808 | NPDU 01 08, SNET 5, SADR 0a | I-Am device 1201, 1476, no segmentation, vendor 260
    const frame = decodeBvll(Buffer.from('8104001f' + '0a000001bac0' + '0108000501' + '0a' + '1000c4020004b12205c4910322' + '0104', 'hex'));
    if (frame.function !== 0x04) throw new Error('not a Forwarded-NPDU');
    const original = decodeReceived(frame.npdu, frame.origin, { address: '10.0.0.2', port: 47808 }, 'Forwarded-NPDU');
    assert.ok(original.iAm && original.apdu && original.header.snet === 5);
    const copy = copyReceived(original);
    assert.deepEqual(copy, original);
    assert.deepEqual(sharedObjects(copy, original), []);
    const network = decodeReceived(Buffer.from('0180010002', 'hex'), { address: '10.0.0.3', port: 47808 }, null, 'Original-Broadcast-NPDU');
    assert.ok(network.header.networkMessage);
    assert.deepEqual(sharedObjects(copyReceived(network), network), []);
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
