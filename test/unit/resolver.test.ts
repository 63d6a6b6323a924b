/**
 * HostResolver with a fake lookup and a fake clock: one lookup per name in
 * flight, answers kept 30 s and failures 5 s, callers freed after 5 s while the
 * lookup keeps its slot, literals answered at once, and no timer left behind.
 */
import { strict as assert } from 'node:assert';
import {
  HostResolver,
  RESOLVE_CACHE_MS,
  RESOLVE_FAILURE_CACHE_MS,
  RESOLVE_TIMEOUT_MS,
  defaultResolver,
  resolveHost,
} from '../../dist/transport/resolver';
import { FakeClock, flush } from '../support/fake-clock';

/** A lookup the test answers by hand, recording every call. */
class FakeLookup {
  readonly calls: string[] = [];
  private readonly pending: { host: string; resolve: (a: string) => void; reject: (e: Error) => void }[] = [];

  readonly fn = (host: string): Promise<string> => {
    this.calls.push(host);
    return new Promise<string>((resolve, reject) => this.pending.push({ host, resolve, reject }));
  };

  answer(address: string): void {
    const next = this.pending.shift();
    assert.ok(next, 'a lookup is waiting');
    next.resolve(address);
  }

  fail(err: Error): void {
    const next = this.pending.shift();
    assert.ok(next, 'a lookup is waiting');
    next.reject(err);
  }

  get waiting(): number {
    return this.pending.length;
  }
}

/** Where a promise stands now, without waiting for it. */
async function state<T>(promise: Promise<T>): Promise<{ value?: T; error?: Error; pending: boolean }> {
  const out: { value?: T; error?: Error; pending: boolean } = { pending: true };
  promise.then(
    (value) => Object.assign(out, { value, pending: false }),
    (error: Error) => Object.assign(out, { error, pending: false }),
  );
  await flush();
  return out;
}

describe('HostResolver', () => {
  let clock: FakeClock;
  let lookup: FakeLookup;
  let resolver: HostResolver;

  beforeEach(() => {
    clock = new FakeClock();
    lookup = new FakeLookup();
    resolver = new HostResolver({ clock, lookup: lookup.fn });
  });

  it('the bounds: 5 s per caller, answers kept 30 s, failures 5 s', () => {
    assert.equal(RESOLVE_TIMEOUT_MS, 5000);
    assert.equal(RESOLVE_CACHE_MS, 30_000);
    assert.equal(RESOLVE_FAILURE_CACHE_MS, 5000);
  });

  it('an IPv4 literal is answered at once: no lookup, no timer', async () => {
    assert.equal(await resolver.resolve('192.168.1.10'), '192.168.1.10');
    assert.deepEqual(lookup.calls, []);
    assert.equal(clock.history.length, 0);
  });

  it('single flight: concurrent callers share one lookup, and the slot is freed when it ends', async () => {
    const callers = [resolver.resolve('bbmd.site'), resolver.resolve('bbmd.site'), resolver.resolve('BBMD.Site')];
    assert.deepEqual(lookup.calls, ['bbmd.site']);
    assert.equal(resolver.lookupsInFlight, 1);
    lookup.answer('10.0.0.7');
    assert.deepEqual(await Promise.all(callers), ['10.0.0.7', '10.0.0.7', '10.0.0.7']);
    assert.equal(resolver.lookupsInFlight, 0);
    assert.equal(clock.pending, 0, 'every caller timer cleared');
    // Another name is another lookup.
    const other = resolver.resolve('other.site');
    assert.deepEqual(lookup.calls, ['bbmd.site', 'other.site']);
    lookup.answer('10.0.0.8');
    assert.equal(await other, '10.0.0.8');
  });

  it('cache hit: within 30 s the answer comes without a lookup and without a timer', async () => {
    const first = resolver.resolve('bbmd.site');
    lookup.answer('10.0.0.7');
    assert.equal(await first, '10.0.0.7');
    const timersSoFar = clock.history.length;
    await clock.advance(RESOLVE_CACHE_MS - 1);
    assert.equal(await resolver.resolve('bbmd.site'), '10.0.0.7');
    assert.deepEqual(lookup.calls, ['bbmd.site']);
    assert.equal(clock.history.length, timersSoFar, 'a cache hit sets no timer');
  });

  it('cache expiry: after 30 s the name is looked up again (checked on read, no timer kept for it)', async () => {
    const first = resolver.resolve('bbmd.site');
    lookup.answer('10.0.0.7');
    await first;
    assert.equal(clock.pending, 0, 'no expiry timer');
    await clock.advance(RESOLVE_CACHE_MS);
    const again = resolver.resolve('bbmd.site');
    assert.deepEqual(lookup.calls, ['bbmd.site', 'bbmd.site']);
    lookup.answer('10.0.0.9');
    assert.equal(await again, '10.0.0.9');
    assert.equal(clock.pending, 0);
  });

  it('timeout: the caller is freed after 5 s with a clear error; the lookup keeps its single slot until it ends', async () => {
    const caller = resolver.resolve('slow.site');
    await clock.advance(RESOLVE_TIMEOUT_MS - 1);
    assert.equal((await state(caller)).pending, true);
    await clock.advance(1);
    const s = await state(caller);
    assert.equal(s.pending, false);
    assert.match(String(s.error?.message), /^no answer from the name resolver within 5 s$/);
    assert.equal((s.error as NodeJS.ErrnoException).code, 'ETIMEOUT');
    assert.equal(clock.pending, 0);
    // The lookup is still running: a new caller joins it rather than starting another.
    assert.equal(resolver.lookupsInFlight, 1);
    const late = resolver.resolve('slow.site');
    assert.deepEqual(lookup.calls, ['slow.site']);
    await clock.advance(1000);
    lookup.answer('10.0.0.5');
    assert.equal(await late, '10.0.0.5', 'the late caller gets the answer when it comes');
    assert.equal(resolver.lookupsInFlight, 0);
    assert.equal(clock.pending, 0, 'the late caller\'s timer cleared');
    // ...and it is kept.
    assert.equal(await resolver.resolve('slow.site'), '10.0.0.5');
    assert.equal(lookup.calls.length, 1);
  });

  it('a lookup that never ends: each caller is still freed after 5 s, and only one lookup is ever started', async () => {
    const results: Promise<{ error?: Error }>[] = [];
    for (let i = 0; i < 5; i++) {
      results.push(state(resolver.resolve('dead.site')));
      await clock.advance(RESOLVE_TIMEOUT_MS);
    }
    for (const r of await Promise.all(results)) assert.match(String(r.error?.message), /within 5 s/);
    assert.deepEqual(lookup.calls, ['dead.site']);
    assert.equal(clock.pending, 0);
  });

  it('failure: the callers get the lookup\'s error; it is kept 5 s, then the name is looked up again', async () => {
    const callers = [resolver.resolve('nowhere.site'), resolver.resolve('nowhere.site')];
    const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.site'), { code: 'ENOTFOUND' });
    lookup.fail(notFound);
    for (const c of callers) await assert.rejects(c, /ENOTFOUND/);
    assert.equal(clock.pending, 0);
    await clock.advance(RESOLVE_FAILURE_CACHE_MS - 1);
    await assert.rejects(resolver.resolve('nowhere.site'), /ENOTFOUND/);
    assert.equal(lookup.calls.length, 1, 'a failure is not looked up again at once');
    await clock.advance(1);
    const again = resolver.resolve('nowhere.site');
    assert.equal(lookup.calls.length, 2);
    lookup.answer('10.0.0.3');
    assert.equal(await again, '10.0.0.3');
  });

  it('a lookup that ends after its callers timed out still stores its failure', async () => {
    const caller = state(resolver.resolve('late-fail.site'));
    await clock.advance(RESOLVE_TIMEOUT_MS);
    assert.match(String((await caller).error?.message), /within 5 s/);
    lookup.fail(new Error('getaddrinfo EAI_AGAIN late-fail.site'));
    await flush();
    await assert.rejects(resolver.resolve('late-fail.site'), /EAI_AGAIN/);
    assert.equal(lookup.calls.length, 1);
  });

  it('an answer that is not an IPv4 address, and a lookup that throws, are failures', async () => {
    const odd = resolver.resolve('odd.site');
    lookup.answer('::1');
    await assert.rejects(odd, /resolved to "::1", not an IPv4 address/);
    const throwing = new HostResolver({
      clock,
      lookup: () => {
        throw new Error('lookup bug');
      },
    });
    await assert.rejects(throwing.resolve('x.site'), /lookup bug/);
    assert.equal(throwing.lookupsInFlight, 0);
    assert.equal(clock.pending, 0);
  });

  it('keeps at most maxEntries names: the oldest goes first', async () => {
    const small = new HostResolver({ clock, lookup: lookup.fn, maxEntries: 2 });
    for (const [host, address] of [['a.site', '10.0.0.1'], ['b.site', '10.0.0.2'], ['c.site', '10.0.0.3']]) {
      const p = small.resolve(host);
      lookup.answer(address);
      await p;
    }
    assert.equal(lookup.calls.length, 3);
    assert.equal(await small.resolve('c.site'), '10.0.0.3');
    assert.equal(await small.resolve('b.site'), '10.0.0.2');
    assert.equal(lookup.calls.length, 3, 'b and c still kept');
    const a = small.resolve('a.site');
    assert.equal(lookup.calls.length, 4, 'a was dropped');
    lookup.answer('10.0.0.1');
    await a;
    assert.equal(lookup.waiting, 0);
  });

  it('the shared instance and resolveHost(host) (the Resolver signature) answer literals at once', async () => {
    assert.ok(defaultResolver instanceof HostResolver);
    const resolver: (host: string) => Promise<string> = resolveHost;
    assert.equal(await resolver('127.0.0.1'), '127.0.0.1');
  });
});
