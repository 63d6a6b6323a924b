import { strict as assert } from 'node:assert';
import {
  BACNET_PORT,
  BIP_ADDRESS_LENGTH,
  encodeBipAddress,
  formatBipAddress,
  isHostname,
  isIPv4,
  isPort,
  parseBipAddress,
  parseHostPort,
  readBipAddress,
  sameBipAddress,
  writeBipAddress,
} from '../../dist/protocol/address';
import { DecodeError } from '../../dist/protocol/decode-error';
import { h, throwsExactly } from '../support/codec-assert';

describe('address', () => {
  describe('constants', () => {
    it('BACnet port is 0xBAC0 and the B/IP address form is 6 octets', () => {
      assert.equal(BACNET_PORT, 0xbac0);
      assert.equal(BACNET_PORT, 47808);
      assert.equal(BIP_ADDRESS_LENGTH, 6);
    });
  });

  describe('isIPv4', () => {
    for (const good of ['0.0.0.0', '10.0.0.1', '127.0.0.1', '192.168.1.254', '255.255.255.255', '1.22.199.249']) {
      it(`accepts ${good}`, () => assert.equal(isIPv4(good), true));
    }
    for (const bad of [
      '',
      '10.0.0',
      '10.0.0.1.2',
      '256.0.0.1',
      '10.0.0.300',
      '01.0.0.1',
      '10.00.0.1',
      '10.0.0.-1',
      ' 10.0.0.1',
      '10.0.0.1 ',
      '10..0.1',
      '10.0.0.1:47808',
      'a.b.c.d',
      'bbmd.example.com',
      '::1',
      '0x0a.0.0.1',
    ]) {
      it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(isIPv4(bad), false));
    }
  });

  describe('isHostname', () => {
    for (const good of [
      'localhost',
      'bbmd',
      'bbmd.example.com',
      'bbmd.example.com.',
      'a-b.c-d',
      'x1',
      '10.0.0.1',
      'A'.repeat(63),
      `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`, // 253 octets
    ]) {
      it(`accepts ${JSON.stringify(good.length > 40 ? `${good.slice(0, 20)}...(${good.length})` : good)}`, () =>
        assert.equal(isHostname(good), true));
    }
    for (const bad of [
      '',
      '.',
      '-bbmd',
      'bbmd-',
      'bb_md',
      'bbmd..example',
      '.bbmd',
      'bb md',
      'bbmd:47808',
      'a'.repeat(64),
      `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`, // 254 octets
      'bücher.example',
    ]) {
      it(`rejects ${JSON.stringify(bad.length > 40 ? `${bad.slice(0, 20)}...(${bad.length})` : bad)}`, () =>
        assert.equal(isHostname(bad), false));
    }
    // RFC 1123 2.1 says a host name never has the dotted-decimal form, and RFC 3696 2 says the top-level
    // label is never all-numeric; isHostname() accepts these, so parseBbmdSettings()/parseHostPort()
    // pass them on to dns.lookup(), which reads them as inet_aton forms: "010.0.0.1" (a typo for 10.0.0.1)
    // becomes 8.0.0.1 (octal), "10.0.0" becomes 10.0.0.0, "0x7f.1" becomes 127.0.0.1.
    it('rejects numeric dotted names that are not an IPv4 address (010.0.0.1 would resolve as 8.0.0.1)', () => {
      for (const bad of ['010.0.0.1', '10.0.0', '1.2.3.4.5', '999.1.1.1', '0x7f.1', '127.1']) {
        assert.equal(isHostname(bad), false, bad);
        assert.throws(() => parseHostPort(bad), TypeError, bad);
      }
    });
  });

  describe('isPort', () => {
    it('accepts integers 1..65535', () => {
      for (const p of [1, 47808, 65535]) assert.equal(isPort(p), true, String(p));
    });
    it('accepts 0 only with allowZero', () => {
      assert.equal(isPort(0), false);
      assert.equal(isPort(0, true), true);
    });
    it('rejects out-of-range, fractional and non-numbers', () => {
      for (const p of [-1, 65536, 1.5, NaN, Infinity, '47808', null, undefined, 47808n]) {
        assert.equal(isPort(p), false, String(p));
        assert.equal(isPort(p, true), false, String(p));
      }
    });
  });

  describe('parseHostPort', () => {
    const cases: Array<[string, string, number]> = [
      ['10.0.0.1', '10.0.0.1', 47808],
      ['10.0.0.1:47809', '10.0.0.1', 47809],
      ['bbmd.example.com', 'bbmd.example.com', 47808],
      ['bbmd.example.com:1', 'bbmd.example.com', 1],
      ['localhost:65535', 'localhost', 65535],
      ['  bbmd:47808  ', 'bbmd', 47808],
    ];
    for (const [text, host, port] of cases) {
      it(`parses ${JSON.stringify(text)}`, () => assert.deepEqual(parseHostPort(text), { host, port }));
    }
    it('uses the given default port when none is written', () => {
      assert.deepEqual(parseHostPort('bbmd', 47809), { host: 'bbmd', port: 47809 });
      assert.deepEqual(parseHostPort('bbmd:47810', 47809), { host: 'bbmd', port: 47810 });
    });

    it('rejects an empty or blank text', () => {
      throwsExactly(() => parseHostPort(''), TypeError, 'empty address: expected "host" or "host:port"');
      throwsExactly(() => parseHostPort('   '), TypeError, 'empty address: expected "host" or "host:port"');
    });
    const badPorts = ['bbmd:', 'bbmd:0', 'bbmd:65536', 'bbmd:99999', 'bbmd:123456', 'bbmd:-1', 'bbmd:47808x', 'bbmd:0x10', 'bbmd:4.5', '10.0.0.1: 47808'];
    for (const text of badPorts) {
      it(`rejects the port of ${JSON.stringify(text)}`, () =>
        throwsExactly(
          () => parseHostPort(text),
          TypeError,
          `bad port in ${JSON.stringify(text)}: expected a number 1..65535 after the colon`,
        ));
    }
    const badHosts = [':47808', '-bbmd', 'bb_md:47808', 'bbmd..example', 'two words', '[::1]:47808'];
    for (const text of badHosts) {
      it(`rejects the host of ${JSON.stringify(text)}`, () =>
        throwsExactly(
          () => parseHostPort(text),
          TypeError,
          `bad host in ${JSON.stringify(text)}: expected an IPv4 address or a host name`,
        ));
    }
  });

  describe('parseBipAddress', () => {
    it('parses "a.b.c.d" with the default port', () => {
      assert.deepEqual(parseBipAddress('203.0.113.7'), { address: '203.0.113.7', port: 47808 });
      assert.deepEqual(parseBipAddress('203.0.113.7', 47809), { address: '203.0.113.7', port: 47809 });
    });
    it('parses "a.b.c.d:port"', () => {
      assert.deepEqual(parseBipAddress('203.0.113.7:50000'), { address: '203.0.113.7', port: 50000 });
      assert.deepEqual(parseBipAddress(' 0.0.0.0:1 '), { address: '0.0.0.0', port: 1 });
    });
    for (const text of ['bbmd.example.com', 'localhost:47808', '010.0.0.1', '10.0.0', '10.0.0.1.5:47808']) {
      it(`rejects the host name / non-IPv4 ${JSON.stringify(text)}`, () =>
        throwsExactly(
          () => parseBipAddress(text),
          TypeError,
          `bad address ${JSON.stringify(text)}: expected "a.b.c.d" or "a.b.c.d:port"`,
        ));
    }
    it('passes on the port and emptiness errors of parseHostPort', () => {
      throwsExactly(() => parseBipAddress(''), TypeError, 'empty address: expected "host" or "host:port"');
      throwsExactly(
        () => parseBipAddress('10.0.0.1:0'),
        TypeError,
        'bad port in "10.0.0.1:0": expected a number 1..65535 after the colon',
      );
      throwsExactly(
        () => parseBipAddress('10.0.0.1_:1'),
        TypeError,
        'bad address "10.0.0.1_:1": expected "a.b.c.d" or "a.b.c.d:port"',
      );
    });
  });

  describe('6-octet form', () => {
    it('encodes 192.168.1.10:47808 as c0 a8 01 0a ba c0', () => {
      assert.deepEqual(encodeBipAddress({ address: '192.168.1.10', port: 47808 }), h('c0a8010abac0'));
    });
    it('encodes the extremes', () => {
      assert.deepEqual(encodeBipAddress({ address: '0.0.0.0', port: 0 }), h('000000000000'));
      assert.deepEqual(encodeBipAddress({ address: '255.255.255.255', port: 65535 }), h('ffffffffffff'));
    });
    it('writeBipAddress writes at an offset, returns the offset after it and touches nothing else', () => {
      const target = new Uint8Array(10).fill(0xee);
      assert.equal(writeBipAddress({ address: '127.0.0.2', port: 36400 }, target, 3), 9);
      assert.deepEqual(Buffer.from(target), h('eeeeee 7f0000028e30 ee'));
    });
    it('writeBipAddress refuses what is not an IPv4 address or a port', () => {
      const target = new Uint8Array(6);
      throwsExactly(
        () => writeBipAddress({ address: 'bbmd', port: 47808 }, target, 0),
        TypeError,
        'not an IPv4 address: "bbmd"',
      );
      throwsExactly(
        () => writeBipAddress({ address: '10.0.0.1', port: 65536 }, target, 0),
        RangeError,
        'not a UDP port (0..65535): 65536',
      );
      throwsExactly(
        () => writeBipAddress({ address: '10.0.0.1', port: -1 }, target, 0),
        RangeError,
        'not a UDP port (0..65535): -1',
      );
      throwsExactly(
        () => encodeBipAddress({ address: '10.0.0.256', port: 1 }),
        TypeError,
        'not an IPv4 address: "10.0.0.256"',
      );
    });
    it('readBipAddress reads at an offset', () => {
      assert.deepEqual(readBipAddress(h('8108000a 7f0000028e30'), 4), { address: '127.0.0.2', port: 36400 });
      assert.deepEqual(readBipAddress(h('c0a8010abac0'), 0), { address: '192.168.1.10', port: 47808 });
      assert.deepEqual(readBipAddress(h('ffffffffffff'), 0), { address: '255.255.255.255', port: 65535 });
    });
    it('read and write are inverse', () => {
      for (const bip of [
        { address: '10.0.0.1', port: 47808 },
        { address: '172.16.254.3', port: 1 },
        { address: '0.0.0.0', port: 0 },
      ]) {
        assert.deepEqual(readBipAddress(encodeBipAddress(bip), 0), bip);
      }
    });
    it('readBipAddress on short input throws DecodeError saying how much was left', () => {
      const cases: Array<[string, number, string, number]> = [
        ['', 0, 'B/IP address needs 6 octets at offset 0, 0 left', 0],
        ['c0a8010aba', 0, 'B/IP address needs 6 octets at offset 0, 5 left', 0],
        ['8108000a7f0000028e', 4, 'B/IP address needs 6 octets at offset 4, 5 left', 4],
        ['c0a8010abac0', 1, 'B/IP address needs 6 octets at offset 1, 5 left', 1],
        ['c0a8010abac0', 9, 'B/IP address needs 6 octets at offset 9, 0 left', 9],
      ];
      for (const [hex, offset, message, errOffset] of cases) {
        assert.throws(
          () => readBipAddress(h(hex), offset),
          (err: unknown) => {
            assert.ok(err instanceof DecodeError);
            assert.equal(err.name, 'DecodeError');
            assert.equal(err.message, message);
            assert.equal(err.offset, errOffset);
            return true;
          },
        );
      }
    });
    it('readBipAddress at a negative offset throws DecodeError', () => {
      assert.throws(
        () => readBipAddress(h('c0a8010abac0'), -1),
        (err: unknown) => err instanceof DecodeError && /needs 6 octets at offset -1/.test(err.message),
      );
    });
  });

  describe('formatBipAddress and sameBipAddress', () => {
    it('formats as a.b.c.d:port', () => {
      assert.equal(formatBipAddress({ address: '10.0.0.1', port: 47808 }), '10.0.0.1:47808');
    });
    it('compares address and port', () => {
      const a = { address: '10.0.0.1', port: 47808 };
      assert.equal(sameBipAddress(a, { address: '10.0.0.1', port: 47808 }), true);
      assert.equal(sameBipAddress(a, { address: '10.0.0.1', port: 47809 }), false);
      assert.equal(sameBipAddress(a, { address: '10.0.0.2', port: 47808 }), false);
    });
  });
});
