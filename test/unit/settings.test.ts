/**
 * The config node's settings as parseBbmdSettings() checks them: here, the NAT
 * public address, whose port may be left out (it then means the bound port).
 */
import assert from 'node:assert/strict';
import { SettingsError, parseBbmdSettings } from '../../dist/registration/settings';

describe('parseBbmdSettings: publicAddress', () => {
  const parse = (publicAddress: unknown) => parseBbmdSettings({ host: '192.168.1.10', publicAddress }).publicAddress;

  it('"a.b.c.d" carries no port (the manager uses the bound one), "a.b.c.d:port" its port', () => {
    assert.deepEqual(parse('203.0.113.9'), { address: '203.0.113.9', port: null });
    assert.deepEqual(parse('  203.0.113.9  '), { address: '203.0.113.9', port: null });
    assert.deepEqual(parse('203.0.113.9:47900'), { address: '203.0.113.9', port: 47900 });
    assert.deepEqual(parse('203.0.113.9:47808'), { address: '203.0.113.9', port: 47808 });
  });

  it('empty or missing is no public address', () => {
    for (const value of ['', '   ', undefined, null]) assert.equal(parse(value), null);
  });

  for (const value of ['gateway.example', '203.0.113.9:', '203.0.113.9:0', '203.0.113.9:65536', ':47808', '203.0.113']) {
    it(`refuses ${JSON.stringify(value)} naming the field and the accepted forms`, () => {
      assert.throws(
        () => parse(value),
        (err: SettingsError) => err instanceof SettingsError && err.field === 'publicAddress' && /must be "a\.b\.c\.d" or "a\.b\.c\.d:port"/.test(err.message),
      );
    });
  }
});
