/**
 * The shared UDP endpoint on 127.0.0.1: one socket per local endpoint, one
 * registration per (endpoint, BBMD), routing by source, bind errors, and
 * nothing left open after the last release.
 */
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
// The module object itself (not a namespace copy), so that a test can watch dns.lookup().
import dns = require('node:dns');
import { BipAddress } from '../../dist/protocol/address';
import { BvlcFunction, decodeBvll, encodeBvll } from '../../dist/protocol/bvll';
import type { ReceivedNpdu } from '../../dist/protocol/received-npdu';
import type { RegistrationConfig, RegistrationLease } from '../../dist/registration/registration-table';
import { EndpointError } from '../../dist/transport/endpoint-config';
import { acquireRegistration, openEndpoints } from '../../dist/transport/endpoint-registry';
import { bindErrorMessage } from '../../dist/transport/udp-socket';
import { BbmdEmulator } from '../support/bbmd-emulator';
import { LOOPBACK, freePort, until } from '../support/wait';


/** A port that was free a moment ago. */

/** Waits until `check` holds, polling every 5 ms, at most `ms`. */

/** A hand-driven BBMD: ACKs Registers and Deletes, and sends whatever the test asks, from its own port. */
class RawBbmd {
  readonly socket = dgram.createSocket('udp4');
  readonly received: { fn: number; raw: Buffer; from: BipAddress }[] = [];
  address: BipAddress = { address: LOOPBACK, port: 0 };

  async start(): Promise<BipAddress> {
    this.socket.on('message', (raw, rinfo) => {
      const from = { address: rinfo.address, port: rinfo.port };
      const frame = decodeBvll(raw);
      this.received.push({ fn: frame.function, raw, from });
      if (frame.function === BvlcFunction.RegisterForeignDevice || frame.function === BvlcFunction.DeleteFdtEntry) {
        this.send(encodeBvll({ function: BvlcFunction.Result, code: 0 }), from);
      }
    });
    await new Promise<void>((resolve) => this.socket.bind(0, LOOPBACK, resolve));
    this.address = { address: LOOPBACK, port: this.socket.address().port };
    return this.address;
  }

  send(raw: Buffer, to: BipAddress): void {
    assert.equal(to.address, LOOPBACK);
    this.socket.send(raw, to.port, to.address);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

function config(bbmd: BipAddress, local: { address?: string; port?: number } = {}, extra: Partial<RegistrationConfig> = {}): RegistrationConfig {
  return {
    local: { address: local.address ?? LOOPBACK, port: local.port ?? 0 },
    bbmd: { host: bbmd.address, port: bbmd.port },
    ttl: 60,
    ...extra,
  };
}

describe('UDP endpoint (127.0.0.1)', function () {
  this.timeout(20_000);
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    assert.deepEqual(openEndpoints(), [], 'every endpoint closed');
  });

  async function emulator(options: ConstructorParameters<typeof BbmdEmulator>[0] = {}): Promise<BbmdEmulator> {
    const e = new BbmdEmulator(options);
    await e.start();
    cleanups.push(() => e.stop());
    return e;
  }

  async function lease(c: RegistrationConfig): Promise<RegistrationLease> {
    const l = await acquireRegistration(c);
    cleanups.push(() => l.release());
    return l;
  }

  it('registers with the emulator and deregisters with the bound address on release', async () => {
    const bbmd = await emulator();
    const l = await acquireRegistration(config(bbmd.boundAddress as BipAddress));
    await until(() => l.manager.registered, 2000, 'registered');
    const local = l.endpoint.boundAddress();
    assert.equal(local.address, LOOPBACK);
    assert.deepEqual(bbmd.fdt().map((e) => `${e.address}:${e.port}`), [`${LOOPBACK}:${local.port}`]);
    const deleted = bbmd.waitForFunction(BvlcFunction.DeleteFdtEntry, 2000);
    await l.release();
    const d = await deleted;
    assert.deepEqual(d.frame.address, local);
    assert.deepEqual(bbmd.fdt(), []);
    assert.equal(l.endpoint.isOpen, false);
  });

  it('bound to 0.0.0.0, deletes with the route address, never 0.0.0.0', async () => {
    const bbmd = await emulator();
    const l = await acquireRegistration(config(bbmd.boundAddress as BipAddress, { address: '0.0.0.0' }));
    await until(() => l.manager.registered, 2000, 'registered');
    const deleted = bbmd.waitForFunction(BvlcFunction.DeleteFdtEntry, 2000);
    await l.release();
    const d = await deleted;
    assert.deepEqual(d.frame.address, { address: LOOPBACK, port: l.endpoint.boundAddress().port });
  });

  it('two managers on one endpoint, registered with two BBMDs, each see only their own results', async () => {
    const a = await emulator();
    const b = await emulator({ quirks: { nakAllRegistrations: true } });
    const la = await lease(config(a.boundAddress as BipAddress));
    const lb = await lease(config(b.boundAddress as BipAddress));
    assert.equal(la.endpoint, lb.endpoint, 'one socket');
    assert.notEqual(la.manager, lb.manager, 'two registrations');
    assert.equal(la.endpoint.managerCount, 2);
    await until(() => la.manager.registered && lb.manager.currentState === 'rejected', 2000, 'A registered, B rejected');
    assert.equal(la.manager.snapshot().counters.naks, 0);
    assert.equal(lb.manager.snapshot().counters.naks, 1);
    assert.equal(la.manager.snapshot().counters.spoofed, 0);
  });

  it('two users of one endpoint and BBMD share one registration; only the last to leave deregisters', async () => {
    const bbmd = await emulator();
    const port = await freePort();
    const one = await acquireRegistration(config(bbmd.boundAddress as BipAddress, { port }));
    const two = await acquireRegistration(config(bbmd.boundAddress as BipAddress, { port }));
    assert.equal(one.manager, two.manager);
    await until(() => one.manager.registered, 2000, 'registered');
    assert.equal(bbmd.fdt().length, 1, 'one FDT entry');
    assert.equal(bbmd.counters.registrations, 1, 'one Register');
    await one.release();
    await one.release(); // idempotent
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(bbmd.counters.deletes, 0, 'no Delete while a user remains');
    assert.equal(two.manager.registered, true);
    assert.ok(two.endpoint.isOpen);
    await two.release();
    assert.equal(bbmd.counters.deletes, 1);
    assert.equal(two.endpoint.isOpen, false);
    // The port is free again at once.
    const again = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.bind(port, LOOPBACK, () => resolve());
    });
    await new Promise<void>((resolve) => again.close(() => resolve()));
  });

  it('100 acquire/release cycles on one fixed port never hit EADDRINUSE and leave no handle behind', async () => {
    const bbmd = await emulator();
    const port = await freePort();
    const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
    for (let i = 0; i < 100; i++) {
      const l = await acquireRegistration(config(bbmd.boundAddress as BipAddress, { port }));
      assert.equal(l.endpoint.boundAddress().port, port);
      if (i % 10 === 0) await until(() => l.manager.registered, 2000, `registered in cycle ${i}`);
      await l.release();
    }
    assert.deepEqual(openEndpoints(), []);
    await until(
      () => (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length <= handles,
      2000,
      'handles back to the start',
    );
  });

  it('concurrent acquires of one endpoint share one bind', async () => {
    const bbmd = await emulator();
    const port = await freePort();
    const leases = await Promise.all(Array.from({ length: 5 }, () => acquireRegistration(config(bbmd.boundAddress as BipAddress, { port }))));
    assert.ok(leases.every((l) => l.endpoint === leases[0].endpoint && l.manager === leases[0].manager));
    assert.equal(leases[0].endpoint.refCount, 5);
    await Promise.all(leases.map((l) => l.release()));
    assert.equal(leases[0].endpoint.isOpen, false);
  });

  it('a port taken by another program gives EADDRINUSE naming the address, port and the fix', async () => {
    const squatter = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => squatter.bind(0, LOOPBACK, resolve));
    cleanups.push(() => new Promise((resolve) => squatter.close(() => resolve())));
    const port = squatter.address().port;
    await assert.rejects(acquireRegistration(config({ address: LOOPBACK, port: 47808 }, { port })), (err: EndpointError) => {
      assert.ok(err instanceof EndpointError);
      assert.equal(err.code, 'EADDRINUSE');
      assert.match(err.message, new RegExp(`cannot bind UDP 127\\.0\\.0\\.1:${port}: the port is already in use by another program`));
      assert.match(err.message, /Choose another local port .*or 0 for an automatic one/);
      return true;
    });
    assert.deepEqual(openEndpoints(), []);
  });

  it('explains EACCES and EADDRNOTAVAIL with the fix', () => {
    const where = { address: '10.1.2.3', port: 47 };
    const eacces = bindErrorMessage(Object.assign(new Error('bind EACCES'), { code: 'EACCES' }), where);
    assert.match(eacces, /cannot bind UDP 10\.1\.2\.3:47: permission denied\. Ports below 1024 need extra privileges/);
    const notAvail = bindErrorMessage(Object.assign(new Error('bind EADDRNOTAVAIL'), { code: 'EADDRNOTAVAIL' }), where);
    assert.match(notAvail, /10\.1\.2\.3 is not an address of this machine\. Use 0\.0\.0\.0/);
  });

  it('sends to an address literal without a DNS lookup, and still resolves a name', async () => {
    const bbmd = new RawBbmd();
    await bbmd.start();
    cleanups.push(() => bbmd.stop());
    const l = await lease(config(bbmd.address));
    await until(() => l.manager.registered, 2000, 'registered');
    const before = bbmd.received.length;
    const frame = encodeBvll({ function: BvlcFunction.OriginalUnicastNpdu, npdu: Buffer.from([1, 0, 0x10, 0x08]) });
    const sent = (to: BipAddress): Promise<Error | null> => new Promise((resolve) => l.endpoint.sendNow(frame, to, resolve));
    // The socket's lookup answers a literal itself (see literalLookup) and passes a name to dns.lookup().
    const lookups: string[] = [];
    const realLookup = dns.lookup;
    (dns as { lookup: unknown }).lookup = (host: string, ...rest: unknown[]): unknown => {
      lookups.push(host);
      return (realLookup as (...args: unknown[]) => unknown)(host, ...rest);
    };
    try {
      assert.equal(await sent({ address: LOOPBACK, port: bbmd.address.port }), null);
      assert.deepEqual(lookups, [], 'no lookup for a literal');
      // 'localhost' resolves from the hosts file: no query leaves the machine.
      assert.equal(await sent({ address: 'localhost', port: bbmd.address.port }), null);
      assert.deepEqual(lookups, ['localhost']);
    } finally {
      (dns as { lookup: unknown }).lookup = realLookup;
    }
    // (The manager's own Read-FDT after registering may come in between: only the unicasts are ours.)
    const unicasts = (): number => bbmd.received.slice(before).filter((r) => r.fn === BvlcFunction.OriginalUnicastNpdu).length;
    await until(() => unicasts() === 2, 2000, 'both datagrams');
  });

  it('refuses a bad local endpoint before binding', async () => {
    await assert.rejects(acquireRegistration(config({ address: LOOPBACK, port: 47808 }, { address: 'localhost' })), /local address must be an IPv4 address/);
    await assert.rejects(acquireRegistration(config({ address: LOOPBACK, port: 47808 }, { port: 70000 })), /local port must be an integer 0\.\.65535/);
    await assert.rejects(acquireRegistration({ ...config({ address: LOOPBACK, port: 47808 }), ttl: 0 }), /TTL must be an integer 1\.\.65535/);
    assert.deepEqual(openEndpoints(), []);
  });

  describe('routing', () => {
    let a: RawBbmd;
    let b: RawBbmd;
    beforeEach(async () => {
      a = new RawBbmd();
      b = new RawBbmd();
      await a.start();
      await b.start();
      cleanups.push(() => a.stop(), () => b.stop());
    });

    async function twoRegistrations(): Promise<{ la: RegistrationLease; lb: RegistrationLease; gotA: ReceivedNpdu[]; gotB: ReceivedNpdu[]; local: BipAddress }> {
      const la = await lease(config(a.address));
      const lb = await lease(config(b.address));
      await until(() => la.manager.registered && lb.manager.registered, 2000, 'both registered');
      const gotA: ReceivedNpdu[] = [];
      const gotB: ReceivedNpdu[] = [];
      la.onNpdu((r) => gotA.push(r));
      lb.onNpdu((r) => gotB.push(r));
      return { la, lb, gotA, gotB, local: la.endpoint.boundAddress() };
    }

    it('a Forwarded-NPDU reaches only the receivers registered with the BBMD that forwarded it', async () => {
      const { la, lb, gotA, gotB, local } = await twoRegistrations();
      const origin = { address: LOOPBACK, port: 47999 };
      a.send(encodeBvll({ function: BvlcFunction.ForwardedNpdu, origin, npdu: Buffer.from('01001000c4020004b12205c4910322010a', 'hex') }), local);
      await until(() => gotA.length === 1, 2000, 'delivery to A');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(gotB.length, 0);
      assert.deepEqual(gotA[0].source, origin);
      assert.deepEqual(gotA[0].via, a.address);
      assert.equal(gotA[0].bvlcFunction, 'Forwarded-NPDU');
      assert.equal(gotA[0].npdu.toString('hex'), '01001000c4020004b12205c4910322010a');
      assert.equal(la.manager.snapshot().counters.received, 1);
      assert.equal(lb.manager.snapshot().counters.received, 0);
    });

    it('a unicast NPDU reaches the receivers of every registration on the endpoint', async () => {
      const { gotA, gotB, local } = await twoRegistrations();
      const device = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => device.bind(0, LOOPBACK, resolve));
      cleanups.push(() => new Promise((resolve) => device.close(() => resolve())));
      device.send(encodeBvll({ function: BvlcFunction.OriginalUnicastNpdu, npdu: Buffer.from('01001008', 'hex') }), local.port, LOOPBACK);
      await until(() => gotA.length === 1 && gotB.length === 1, 2000, 'delivery to both');
      assert.deepEqual(gotA[0].source, { address: LOOPBACK, port: device.address().port });
      assert.equal(gotA[0].via, null);
      assert.equal(gotA[0].bvlcFunction, 'Original-Unicast-NPDU');
    });

    it('results and Forwarded-NPDUs from a stranger are counted as spoofed and go nowhere', async () => {
      const { la, lb, gotA, gotB, local } = await twoRegistrations();
      const stranger = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => stranger.bind(0, LOOPBACK, resolve));
      cleanups.push(() => new Promise((resolve) => stranger.close(() => resolve())));
      stranger.send(encodeBvll({ function: BvlcFunction.Result, code: 0x30 }), local.port, LOOPBACK);
      stranger.send(
        encodeBvll({ function: BvlcFunction.ForwardedNpdu, origin: { address: LOOPBACK, port: 1 }, npdu: Buffer.from('01001008', 'hex') }),
        local.port,
        LOOPBACK,
      );
      await until(() => la.manager.snapshot().counters.spoofed === 2 && lb.manager.snapshot().counters.spoofed === 2, 2000, 'spoofed counted');
      assert.equal(la.manager.registered, true);
      assert.equal(lb.manager.registered, true);
      assert.equal(gotA.length + gotB.length, 0);
    });

    it('malformed datagrams are counted and dropped; the next good one is still delivered', async () => {
      const { la, gotA, local } = await twoRegistrations();
      // Broken BVLL frames.
      for (const junk of ['', '81', '8105', '82040006', '810a0009010020', 'ffffffffffff', '810d0004']) {
        a.send(Buffer.from(junk, 'hex'), local);
      }
      // Well-formed BVLL around a broken NPDU or APDU.
      const origin = { address: LOOPBACK, port: 2 };
      for (const npdu of ['0200', '0120ffff', '01', '0100', '0100f0', '01000000']) {
        a.send(encodeBvll({ function: BvlcFunction.ForwardedNpdu, origin, npdu: Buffer.from(npdu, 'hex') }), local);
      }
      // I-Ams whose fields do not decode are well-formed NPDUs: delivered with iAm null, not counted.
      const undecodable = ['01001000c40200', '01001000c40200162e2205c4910322'];
      for (const npdu of undecodable) a.send(encodeBvll({ function: BvlcFunction.ForwardedNpdu, origin, npdu: Buffer.from(npdu, 'hex') }), local);
      a.send(encodeBvll({ function: BvlcFunction.ForwardedNpdu, origin, npdu: Buffer.from('01001008', 'hex') }), local);
      await until(() => gotA.length === 3, 2000, 'the two I-Ams and the good frame');
      assert.deepEqual(gotA.map((r) => r.npdu.toString('hex')), [...undecodable, '01001008']);
      assert.deepEqual(gotA.map((r) => r.iAm), [null, null, null]);
      assert.equal(la.manager.snapshot().counters.malformed, 13);
      assert.equal(la.endpoint.malformed, 13);
      assert.equal(la.manager.registered, true);
    });

    it('a receiver that throws does not stop delivery to the others', async () => {
      const { la, gotA, local } = await twoRegistrations();
      la.onNpdu(() => {
        throw new Error('receiver bug');
      });
      const also: ReceivedNpdu[] = [];
      la.onNpdu((r) => also.push(r));
      a.send(encodeBvll({ function: BvlcFunction.ForwardedNpdu, origin: { address: LOOPBACK, port: 3 }, npdu: Buffer.from('01001008', 'hex') }), local);
      await until(() => gotA.length === 1 && also.length === 1, 2000, 'both receivers');
    });

    it('nothing crosses to another endpoint', async () => {
      const { gotA } = await twoRegistrations();
      const other = await lease(config(a.address, { port: await freePort() }));
      await until(() => other.manager.registered, 2000, 'other registered');
      const gotOther: ReceivedNpdu[] = [];
      other.onNpdu((r) => gotOther.push(r));
      a.send(encodeBvll({ function: BvlcFunction.ForwardedNpdu, origin: { address: LOOPBACK, port: 4 }, npdu: Buffer.from('01001008', 'hex') }), other.endpoint.boundAddress());
      await until(() => gotOther.length === 1, 2000, 'delivery on the other endpoint');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(gotA.length, 0);
    });
  });
});
