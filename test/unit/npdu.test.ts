import { strict as assert } from 'node:assert';
import { DecodeError } from '../../dist/protocol/decode-error';
import { h, throwsDecode } from '../support/codec-assert';
import { GLOBAL_NETWORK, NPDU_VERSION, NpduHeader, NpduOptions, decodeNpdu, encodeNpdu } from '../../dist/protocol/npdu';

/** A header with every optional part absent; override what the case has. */
function header(fields: Partial<NpduHeader>): NpduHeader {
  return {
    version: 1,
    control: 0,
    expectingReply: false,
    priority: 0,
    dnet: null,
    dadr: null,
    snet: null,
    sadr: null,
    hopCount: null,
    networkMessage: null,
    apduOffset: 2,
    ...fields,
  };
}

/** [description, NPDU hex, header length, decoded header]. */
const HEADERS: Array<[string, string, number, NpduHeader]> = [
  ['local Who-Is', '01 00 10 08', 2, header({})],
  ['local, expecting reply', '01 04 00 05 01 0c', 2, header({ control: 0x04, expectingReply: true })],
  ['local, priority 1 (urgent)', '01 01 10 08', 2, header({ control: 0x01, priority: 1 })],
  ['local, priority 2 (critical equipment)', '01 02 10 08', 2, header({ control: 0x02, priority: 2 })],
  ['local, expecting reply, priority 3 (life safety)', '01 07 00 05', 2, header({ control: 0x07, expectingReply: true, priority: 3 })],
  [
    'global broadcast Who-Is',
    '01 20 FF FF 00 FF 10 08',
    6,
    header({ control: 0x20, dnet: 65535, dadr: '', hopCount: 255, apduOffset: 6 }),
  ],
  [
    'remote broadcast to network 5, hop count 16',
    '01 20 00 05 00 10 10 08',
    6,
    header({ control: 0x20, dnet: 5, dadr: '', hopCount: 16, apduOffset: 6 }),
  ],
  [
    'unicast to MS/TP MAC 0x22 on network 7',
    '01 24 00 07 01 22 ff 00 05 01 0c',
    7,
    header({ control: 0x24, expectingReply: true, dnet: 7, dadr: '22', hopCount: 255, apduOffset: 7 }),
  ],
  [
    'routed I-Am from MAC 0x0a on network 5',
    '01 08 00 05 01 0a 10 00 c4 02 00 16 2e 22 05 c4 91 03 22 01 04',
    6,
    header({ control: 0x08, snet: 5, sadr: '0a', apduOffset: 6 }),
  ],
  [
    'routed I-Am from a B/IP device (6-octet SADR) on network 2001',
    '01 08 07 d1 06 c0 a8 01 0a ba c0 10 00',
    11,
    header({ control: 0x08, snet: 2001, sadr: 'c0a8010abac0', apduOffset: 11 }),
  ],
  [
    'DNET and SNET both (a routed reply to a routed request)',
    '01 2c 00 07 01 22 00 05 01 0a fe 00 05 01 0c',
    11,
    header({
      control: 0x2c,
      expectingReply: true,
      dnet: 7,
      dadr: '22',
      snet: 5,
      sadr: '0a',
      hopCount: 254,
      apduOffset: 11,
    }),
  ],
  [
    'global broadcast I-Am relayed by a router (SNET too)',
    '01 28 ff ff 00 00 05 02 00 10 fe 10 00',
    11,
    header({ control: 0x28, dnet: 65535, dadr: '', snet: 5, sadr: '0010', hopCount: 254, apduOffset: 11 }),
  ],
  [
    'Who-Is-Router-To-Network (0x00), no network number',
    '01 80 00',
    3,
    header({ control: 0x80, networkMessage: { type: 0x00, vendorId: null }, apduOffset: 3 }),
  ],
  [
    'Who-Is-Router-To-Network (0x00) for network 5',
    '01 80 00 00 05',
    3,
    header({ control: 0x80, networkMessage: { type: 0x00, vendorId: null }, apduOffset: 3 }),
  ],
  [
    'I-Am-Router-To-Network (0x01) as a global broadcast',
    '01 a0 ff ff 00 ff 01 00 05 00 06',
    7,
    header({
      control: 0xa0,
      dnet: 65535,
      dadr: '',
      hopCount: 255,
      networkMessage: { type: 0x01, vendorId: null },
      apduOffset: 7,
    }),
  ],
  [
    'Reject-Message-To-Network (0x03) from a router on network 5',
    '01 88 00 05 01 0a 03 01 00 07',
    7,
    header({ control: 0x88, snet: 5, sadr: '0a', networkMessage: { type: 0x03, vendorId: null }, apduOffset: 7 }),
  ],
  [
    'proprietary network message 0x80 of vendor 260',
    '01 80 80 01 04 de ad',
    5,
    header({ control: 0x80, networkMessage: { type: 0x80, vendorId: 260 }, apduOffset: 5 }),
  ],
  [
    'proprietary network message 0xFF of vendor 65535, expecting reply',
    '01 84 ff ff ff',
    5,
    header({ control: 0x84, expectingReply: true, networkMessage: { type: 0xff, vendorId: 65535 }, apduOffset: 5 }),
  ],
  [
    'proprietary network message to a remote network with SNET',
    '01 a8 00 07 01 22 00 05 01 0a 20 81 00 0f 99',
    14,
    header({
      control: 0xa8,
      dnet: 7,
      dadr: '22',
      snet: 5,
      sadr: '0a',
      hopCount: 32,
      networkMessage: { type: 0x81, vendorId: 15 },
      apduOffset: 14,
    }),
  ],
];

describe('npdu', () => {
  it('constants', () => {
    assert.equal(NPDU_VERSION, 1);
    assert.equal(GLOBAL_NETWORK, 0xffff);
  });

  describe('decodeNpdu', () => {
    for (const [name, hex, headerLength, expected] of HEADERS) {
      it(`${name}: ${hex}`, () => {
        assert.equal(expected.apduOffset, headerLength);
        assert.deepEqual(decodeNpdu(h(hex)), expected);
      });
    }

    it('the header alone (no APDU behind it) is enough', () => {
      assert.deepEqual(decodeNpdu(h('0120ffff00ff')), header({ control: 0x20, dnet: 65535, dadr: '', hopCount: 255, apduOffset: 6 }));
      assert.deepEqual(decodeNpdu(h('0100')), header({}));
    });

    it('accepts a Uint8Array subarray with an offset', () => {
      const backing = h('ee ee 01 08 00 05 01 0a 10 00');
      assert.deepEqual(decodeNpdu(backing.subarray(2)), header({ control: 0x08, snet: 5, sadr: '0a', apduOffset: 6 }));
      assert.deepEqual(
        decodeNpdu(new Uint8Array(backing.buffer, backing.byteOffset + 2, 8)),
        header({ control: 0x08, snet: 5, sadr: '0a', apduOffset: 6 }),
      );
    });

    describe('truncation at every octet of the header throws DecodeError', () => {
      for (const [name, hex, headerLength] of HEADERS) {
        it(name, () => {
          const bytes = h(hex);
          for (let n = 0; n < headerLength; n++) {
            assert.throws(
              () => decodeNpdu(bytes.subarray(0, n)),
              (err: unknown) => err instanceof DecodeError && /^truncated NPDU: /.test(err.message),
              `${n} octets of ${hex}`,
            );
          }
          // And exactly the header decodes.
          assert.equal(decodeNpdu(bytes.subarray(0, headerLength)).apduOffset, headerLength);
        });
      }
    });

    it('says which part was truncated', () => {
      throwsDecode(() => decodeNpdu(h('')), 'truncated NPDU: 0 octets, at least 2 needed', 0);
      throwsDecode(() => decodeNpdu(h('01')), 'truncated NPDU: 1 octets, at least 2 needed', 0);
      throwsDecode(() => decodeNpdu(h('0120ffff')), 'truncated NPDU: DNET and DLEN needs 3 octets at offset 2, 2 left', 2);
      throwsDecode(() => decodeNpdu(h('0120000702aa')), 'truncated NPDU: DADR needs 2 octets at offset 5, 1 left', 5);
      throwsDecode(() => decodeNpdu(h('01080005')), 'truncated NPDU: SNET and SLEN needs 3 octets at offset 2, 2 left', 2);
      throwsDecode(() => decodeNpdu(h('0108000506c0a8010aba')), 'truncated NPDU: SADR needs 6 octets at offset 5, 5 left', 5);
      throwsDecode(() => decodeNpdu(h('0120ffff00')), 'truncated NPDU: hop count needs 1 octets at offset 5, 0 left', 5);
      throwsDecode(() => decodeNpdu(h('0180')), 'truncated NPDU: network message type needs 1 octets at offset 2, 0 left', 2);
      throwsDecode(() => decodeNpdu(h('01808001')), 'truncated NPDU: vendor ID needs 2 octets at offset 3, 1 left', 3);
    });

    it('a version other than 1 throws DecodeError', () => {
      throwsDecode(() => decodeNpdu(h('00001008')), "NPDU version 0x00 is not BACnet's 0x01");
      throwsDecode(() => decodeNpdu(h('02001008')), "NPDU version 0x02 is not BACnet's 0x01");
      throwsDecode(() => decodeNpdu(h('81050006003c')), "NPDU version 0x81 is not BACnet's 0x01");
    });

    it('SLEN 0 throws DecodeError', () => {
      throwsDecode(() => decodeNpdu(h('01080005001000')), 'NPDU source address length (SLEN) is 0', 4);
      throwsDecode(() => decodeNpdu(h('0128ffff0000050000ff1000')), 'NPDU source address length (SLEN) is 0', 7);
    });
  });

  describe('encodeNpdu', () => {
    const apdu = h('1008');
    const cases: Array<[string, NpduOptions, string]> = [
      ['local, no options', {}, '01 00 1008'],
      ['expecting reply, priority 3', { expectingReply: true, priority: 3 }, '01 07 1008'],
      ['global broadcast (hop count defaults to 255)', { dnet: 0xffff, dadr: '' }, '01 20 ffff 00 ff 1008'],
      ['global broadcast with dadr omitted', { dnet: 0xffff }, '01 20 ffff 00 ff 1008'],
      ['remote unicast, hop count 16', { dnet: 7, dadr: '22', hopCount: 16 }, '01 20 0007 01 22 10 1008'],
      ['upper-case DADR', { dnet: 7, dadr: 'C0A8010ABAC0' }, '01 20 0007 06 c0a8010abac0 ff 1008'],
      ['SNET/SADR', { snet: 5, sadr: '0a' }, '01 08 0005 01 0a 1008'],
      [
        'DNET and SNET',
        { expectingReply: true, dnet: 7, dadr: '22', snet: 5, sadr: '0a', hopCount: 254 },
        '01 2c 0007 01 22 0005 01 0a fe 1008',
      ],
      ['Who-Is-Router-To-Network', { networkMessage: { type: 0, vendorId: null } }, '01 80 00 1008'],
      ['proprietary network message', { networkMessage: { type: 0x80, vendorId: 260 } }, '01 80 80 0104 1008'],
    ];
    for (const [name, options, hex] of cases) {
      it(`${name}: ${hex}`, () => {
        const npdu = encodeNpdu(options, apdu);
        assert.deepEqual(npdu, h(hex));
        const decoded = decodeNpdu(npdu);
        assert.deepEqual(npdu.subarray(decoded.apduOffset), apdu);
        assert.equal(decoded.expectingReply, options.expectingReply ?? false);
        assert.equal(decoded.priority, options.priority ?? 0);
        assert.equal(decoded.dnet, options.dnet ?? null);
        assert.equal(decoded.dadr, options.dnet === undefined ? null : (options.dadr ?? '').toLowerCase());
        assert.equal(decoded.snet, options.snet ?? null);
        assert.equal(decoded.sadr, options.sadr ?? null);
        assert.equal(decoded.hopCount, options.dnet === undefined ? null : (options.hopCount ?? 255));
        assert.deepEqual(decoded.networkMessage, options.networkMessage ?? null);
      });
    }

    it('with no body is the header alone', () => {
      assert.deepEqual(encodeNpdu({ dnet: 0xffff }), h('0120ffff00ff'));
      assert.deepEqual(encodeNpdu({}), h('0100'));
    });

    it('refuses values that do not fit', () => {
      assert.throws(() => encodeNpdu({ priority: 4 }), { name: 'RangeError', message: 'priority must be 0..3, got 4' });
      assert.throws(() => encodeNpdu({ priority: -1 }), RangeError);
      assert.throws(() => encodeNpdu({ priority: 1.5 }), RangeError);
      assert.throws(() => encodeNpdu({ dnet: 0x10000 }), { name: 'RangeError', message: 'DNET must be 0..65535, got 65536' });
      assert.throws(() => encodeNpdu({ snet: -1, sadr: '0a' }), { name: 'RangeError', message: 'SNET must be 0..65535, got -1' });
      assert.throws(() => encodeNpdu({ snet: 5 }), { name: 'RangeError', message: 'SADR must not be empty when SNET is given' });
      assert.throws(() => encodeNpdu({ snet: 5, sadr: '' }), RangeError);
      assert.throws(() => encodeNpdu({ dnet: 5, hopCount: 256 }), { name: 'RangeError', message: 'hop count must be 0..255, got 256' });
      assert.throws(
        () => encodeNpdu({ networkMessage: { type: 0x100, vendorId: null } }),
        { name: 'RangeError', message: 'network message type must be 0..255, got 256' },
      );
      assert.throws(
        () => encodeNpdu({ networkMessage: { type: 0x80, vendorId: 0x10000 } }),
        { name: 'RangeError', message: 'vendor ID must be 0..65535, got 65536' },
      );
      assert.throws(() => encodeNpdu({ dnet: 5, dadr: 'abc' }), { name: 'TypeError', message: 'DADR must be hex octets (at most 255), got "abc"' });
      assert.throws(() => encodeNpdu({ dnet: 5, dadr: 'zz' }), TypeError);
      assert.throws(() => encodeNpdu({ snet: 5, sadr: '0x0a' }), TypeError);
      assert.throws(() => encodeNpdu({ dnet: 5, dadr: '00'.repeat(256) }), TypeError);
      assert.equal(encodeNpdu({ dnet: 5, dadr: '00'.repeat(255) }).length, 2 + 3 + 255 + 1);
    });
  });
});
