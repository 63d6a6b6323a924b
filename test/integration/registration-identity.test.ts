/**
 * One FDT entry per BBMD however it is written: users of one endpoint that name
 * one BBMD by an address and by names share one manager (one Register/Delete
 * owner), merged when a name resolves and again when its address changes; a BBMD
 * echoing our own broadcast back is not delivered. Real sockets on 127.0.0.1
 * (and a second emulator on 127.0.0.2, also loopback).
 */
import assert from 'node:assert/strict';
import type { ReceivedNpdu } from '../../dist/protocol/received-npdu';
import type { RegistrationConfig, RegistrationLease } from '../../dist/registration/registration-table';
import { acquireRegistration, openEndpoints } from '../../dist/transport/endpoint-registry';
import { BbmdEmulator } from '../support/bbmd-emulator';
import { LOOPBACK, freePort, until } from '../support/wait';

const SECOND_LOOPBACK = '127.0.0.2';

describe('registration identity: one FDT entry per BBMD address', function () {
  this.timeout(20_000);
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    assert.deepEqual(openEndpoints(), [], 'every endpoint closed');
  });

  async function emulator(host = LOOPBACK, port = 0): Promise<BbmdEmulator> {
    const e = new BbmdEmulator({ host, port });
    await e.start();
    cleanups.push(() => e.stop());
    return e;
  }

  /** A resolver the test controls: what each name resolves to now, and how often it was asked. */
  function names(table: Record<string, string>): { resolver: (host: string) => Promise<string>; table: Record<string, string>; asked: string[] } {
    const asked: string[] = [];
    return {
      table,
      asked,
      resolver: async (host: string) => {
        asked.push(host);
        const address = table[host];
        if (address === undefined) throw new Error(`ENOTFOUND ${host}`);
        return address;
      },
    };
  }

  async function lease(config: RegistrationConfig): Promise<RegistrationLease> {
    const l = await acquireRegistration(config);
    cleanups.push(() => l.release());
    return l;
  }

  const warnings: string[] = [];
  const log = { info: () => undefined, warn: (m: string) => warnings.push(m) };
  beforeEach(() => {
    warnings.length = 0;
  });

  it('an address and a name of one BBMD share one manager: one Register stream, and the first to leave sends no Delete', async () => {
    const bbmd = await emulator();
    const port = await freePort();
    const dns = names({ 'bbmd.test': LOOPBACK });
    const local = { address: LOOPBACK, port };
    const byAddress = await acquireRegistration({ local, bbmd: { host: LOOPBACK, port: bbmd.address!.port }, ttl: 60, log });
    const byName = await acquireRegistration({ local, bbmd: { host: 'bbmd.test', port: bbmd.address!.port }, ttl: 60, resolver: dns.resolver, log });
    await until(() => byName.manager === byAddress.manager, 3000, 'the name merged into the address');
    assert.equal(byAddress.endpoint.managerCount, 1, 'one manager on the endpoint');
    await until(() => byName.manager.registered, 2000, 'registered');
    assert.deepEqual(
      bbmd.fdt().map((e) => `${e.address}:${e.port}`),
      [`${LOOPBACK}:${port}`],
    );
    assert.equal(bbmd.counters.registrations, 1, 'one Register: the name’s manager sent nothing');
    await byAddress.release();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(bbmd.counters.deletes, 0, 'no Delete while the name’s user remains');
    assert.equal(bbmd.fdt().length, 1, 'the entry stays');
    assert.equal(byName.manager.registered, true);
    await byName.release();
    assert.equal(bbmd.counters.deletes, 1, 'the last one deletes');
  });

  it('a name first, then the address: the address joins the registration the name resolved to', async () => {
    const bbmd = await emulator();
    const dns = names({ 'bbmd.test': LOOPBACK });
    const port = await freePort();
    const local = { address: LOOPBACK, port };
    const byName = await lease({ local, bbmd: { host: 'bbmd.test', port: bbmd.address!.port }, ttl: 60, resolver: dns.resolver, log });
    await until(() => byName.manager.registered, 2000, 'registered');
    const byAddress = await lease({ local, bbmd: { host: LOOPBACK, port: bbmd.address!.port }, ttl: 30, deregister: false, log });
    assert.equal(byAddress.manager, byName.manager);
    assert.equal(byAddress.endpoint.managerCount, 1);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /settings are in force: TTL 60 s \(this config node asks 30 s\); deregister true \(this config node asks false\)/);
  });

  it('two names of one BBMD share one manager; a Delete’s 0000 is never taken as another’s Register ACK', async () => {
    const bbmd = await emulator();
    const dns = names({ 'one.test': LOOPBACK, 'two.test': LOOPBACK });
    const port = await freePort();
    const local = { address: LOOPBACK, port };
    const one = await acquireRegistration({ local, bbmd: { host: 'one.test', port: bbmd.address!.port }, ttl: 60, resolver: dns.resolver, log });
    const two = await lease({ local, bbmd: { host: 'two.test', port: bbmd.address!.port }, ttl: 60, resolver: dns.resolver, log });
    await until(() => one.manager === two.manager && two.manager.registered, 3000, 'one registration');
    const changes: string[] = [];
    const stop = two.onChange((s) => changes.push(s.state));
    await one.release();
    await new Promise((r) => setTimeout(r, 200));
    stop();
    assert.equal(bbmd.counters.deletes, 0);
    assert.deepEqual(changes, [], 'the remaining user saw no change');
    assert.equal(two.manager.registered, true);
  });

  it('a name whose address changes moves to the registration of the new address; users that named the old one stay there', async () => {
    const port = await freePort();
    const bbmdPort = await freePort();
    const first = await emulator(LOOPBACK, bbmdPort);
    const second = await emulator(SECOND_LOOPBACK, bbmdPort);
    const dns = names({ 'bbmd.test': LOOPBACK });
    const local = { address: LOOPBACK, port };
    // TTL 2: a renewal (and so a new resolution) every second.
    const byName = await lease({ local, bbmd: { host: 'bbmd.test', port: bbmdPort }, ttl: 2, resolver: dns.resolver, log });
    await until(() => byName.manager.registered, 2000, 'the name registered with the first BBMD');
    const oldAddress = await lease({ local, bbmd: { host: LOOPBACK, port: bbmdPort }, ttl: 2, log });
    const newAddress = await lease({ local, bbmd: { host: SECOND_LOOPBACK, port: bbmdPort }, ttl: 2, log });
    assert.equal(oldAddress.manager, byName.manager, 'the old address joined the name');
    assert.notEqual(newAddress.manager, byName.manager);
    const heardBySecond = second.counters.registrations;

    dns.table['bbmd.test'] = SECOND_LOOPBACK;
    await until(() => byName.manager === newAddress.manager, 4000, 'the name merged into the new address');
    await until(() => oldAddress.manager.registered && oldAddress.manager !== byName.manager, 4000, 'the old address kept a registration of its own');
    assert.equal(oldAddress.manager.resolvedBbmd?.address, LOOPBACK);
    assert.equal(byName.endpoint.managerCount, 2, 'one manager per BBMD address');
    // Both BBMDs keep exactly our one entry.
    await until(() => first.fdt().length === 1 && second.fdt().length === 1, 3000, 'one entry at each BBMD');
    assert.ok(second.counters.registrations > heardBySecond);
    assert.equal(first.counters.deletes + second.counters.deletes, 0, 'nothing deleted on the way');
  });

  it('an unresolvable name keeps its own registration until it resolves', async () => {
    const bbmd = await emulator();
    const dns = names({});
    const port = await freePort();
    const local = { address: LOOPBACK, port };
    const byAddress = await lease({ local, bbmd: { host: LOOPBACK, port: bbmd.address!.port }, ttl: 60, log });
    const byName = await lease({ local, bbmd: { host: 'later.test', port: bbmd.address!.port }, ttl: 60, resolver: dns.resolver, log });
    await until(() => byName.manager.currentState === 'unreachable', 3000, 'the name cannot be resolved');
    assert.notEqual(byName.manager, byAddress.manager);
    assert.equal(byAddress.endpoint.managerCount, 2);
    const states: string[] = [];
    byName.onChange((s) => states.push(s.state));
    dns.table['later.test'] = LOOPBACK;
    // The retry after the failed resolution comes within the first backoff (1 s ± 20 %).
    await until(() => byName.manager === byAddress.manager, 3000, 'merged once resolved');
    assert.equal(byAddress.endpoint.managerCount, 1);
    assert.ok(states.includes('registered'), `the user heard of its new registration: ${states.join(', ')}`);
  });

  it('a Forwarded-NPDU whose origin is our own FDT entry (a BBMD echoing our broadcast) is not delivered', async () => {
    const bbmd = await emulator();
    bbmd.setQuirks({ echoToSender: true });
    // Two fixed ports: two sockets (port 0 twice would name one shared endpoint).
    const config = (port: number): RegistrationConfig => ({ local: { address: LOOPBACK, port }, bbmd: { host: LOOPBACK, port: bbmd.address!.port }, ttl: 60 });
    const sender = await lease(config(await freePort()));
    const peer = await lease(config(await freePort()));
    assert.notEqual(sender.endpoint, peer.endpoint, 'two sockets, two FDT entries');
    await until(() => sender.manager.registered && peer.manager.registered && sender.manager.addressSeenByBbmd !== null, 2000, 'both registered');
    const toSender: ReceivedNpdu[] = [];
    const toPeer: ReceivedNpdu[] = [];
    sender.onNpdu((r) => toSender.push(r));
    peer.onNpdu((r) => toPeer.push(r));
    const forwardedBefore = bbmd.counters.forwarded;
    await sender.manager.broadcast(Buffer.from('0120ffff00ff1008', 'hex'));
    await until(() => toPeer.length === 1 && bbmd.counters.forwarded === forwardedBefore + 2, 2000, 'forwarded to both, the sender included');
    assert.deepEqual(toPeer[0].source, sender.manager.addressSeenByBbmd, 'the peer hears the sender');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(toSender, [], 'the sender does not hear itself');
  });
});
