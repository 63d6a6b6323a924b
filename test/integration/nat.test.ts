/**
 * NAT on 127.0.0.1: a public address given without a port means the bound
 * port (a NAT that keeps ports), end to end through the shared endpoint, the
 * BBMD emulator's NAT quirk and the config editor's Test.
 */
import assert from 'node:assert/strict';
import type { BipAddress } from '../../dist/protocol/address';
import { testWithLiveRegistration, testWithTemporarySocket } from '../../dist/registration/bbmd-probe';
import { BvlcFunction } from '../../dist/protocol/bvll';
import { parseBbmdSettings } from '../../dist/registration/settings';
import { acquireRegistration, openEndpoints } from '../../dist/transport/endpoint-registry';
import { BbmdEmulator } from '../support/bbmd-emulator';
import { LOOPBACK, freePort, until } from '../support/wait';

const PUBLIC = '203.0.113.9';

describe('NAT: a public address without a port (127.0.0.1)', function () {
  this.timeout(20_000);
  let emulator: BbmdEmulator | null = null;
  afterEach(async () => {
    await emulator?.stop();
    emulator = null;
    assert.deepEqual(openEndpoints(), [], 'every endpoint closed');
  });

  async function start(nat: BipAddress | null, maxTtl: number | null = null): Promise<BipAddress> {
    emulator = new BbmdEmulator({ quirks: { nat, maxTtl } });
    return emulator.start();
  }

  it('the granted-TTL check, the live Test and the Delete find our entry under the public address and the bound port', async () => {
    const localPort = await freePort();
    // A NAT that keeps the port: the BBMD sees the public address with our bound port.
    const bbmd = await start({ address: PUBLIC, port: localPort }, 3600);
    const settings = parseBbmdSettings({ host: LOOPBACK, port: bbmd.port, ttl: 7200, localAddress: LOOPBACK, localPort, publicAddress: PUBLIC });
    const lease = await acquireRegistration({ ...settings, local: { address: LOOPBACK, port: localPort } });
    try {
      await until(() => lease.manager.snapshot().grantedTtl !== null, 3000, 'the granted TTL');
      assert.equal(lease.manager.snapshot().grantedTtl, 3600);
      assert.deepEqual(lease.manager.addressSeenByBbmd, { address: PUBLIC, port: localPort });
      const report = await testWithLiveRegistration(lease.manager);
      assert.deepEqual(report.own, { address: PUBLIC, port: localPort });
      assert.deepEqual(report.fdt.ownEntry && { address: report.fdt.ownEntry.address, port: report.fdt.ownEntry.port }, { address: PUBLIC, port: localPort });
      const deleted = emulator!.waitForFunction(BvlcFunction.DeleteFdtEntry, 3000);
      await lease.release();
      assert.deepEqual((await deleted).frame.address, { address: PUBLIC, port: localPort });
      assert.deepEqual(emulator!.fdt(), [], 'the Delete named our entry');
    } finally {
      await lease.release();
    }
  });

  it("the Test's temporary socket names the public address with its own port, never the port the form gives", async () => {
    const bbmd = await start(null);
    // No NAT here: the BBMD sees 127.0.0.1 and the temporary socket's port, whatever the form says.
    const pub = await testWithTemporarySocket(
      parseBbmdSettings({ host: LOOPBACK, port: bbmd.port, localAddress: LOOPBACK, publicAddress: '127.0.0.2' }),
    );
    const seen = pub.fdt.entries?.find((e) => e.address === LOOPBACK);
    assert.ok(seen, JSON.stringify(pub.fdt));
    assert.deepEqual(pub.own, { address: '127.0.0.2', port: seen.port });
    // A port in the form maps the deployed socket: the temporary one must not name (and delete) that entry.
    const ported = await testWithTemporarySocket(
      parseBbmdSettings({ host: LOOPBACK, port: bbmd.port, localAddress: LOOPBACK, publicAddress: '127.0.0.1:47900' }),
    );
    assert.equal(ported.own?.address, LOOPBACK);
    assert.notEqual(ported.own?.port, 47900);
    assert.ok(ported.fdt.ownEntry, 'its own entry found');
    assert.deepEqual(ported.deleteResult, { code: 0, name: 'Successful-Completion' });
  });
});
