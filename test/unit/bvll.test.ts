import { strict as assert } from 'node:assert';
import {
  BVLL_HEADER_LENGTH,
  BVLL_TYPE_BIPV4,
  BvlcFunction,
  BvllFrame,
  FORWARDED_HEADER_LENGTH,
  MAX_FRAME_LENGTH,
  MAX_NPDU_LENGTH,
  ResultCode,
  bvlcFunctionName,
  decodeBvll,
  encodeBvll,
  encodeDeleteFdtEntry,
  encodeNpduFrame,
  encodeRegisterForeignDevice,
  resultCodeName,
} from '../../dist/protocol/bvll';
import { DecodeError } from '../../dist/protocol/decode-error';
import { h, throwsDecode, throwsRange } from '../support/codec-assert';

/** An NPDU of `size` octets: a local NPDU header and filler. */
function npduOfSize(size: number): Buffer {
  const out = Buffer.alloc(size, 0xa5);
  out[0] = 0x01;
  if (size > 1) out[1] = 0x00;
  return out;
}

/** A BVLL header for a frame of `length` octets in all. */
function headerHex(fn: number, length: number): string {
  return `81${fn.toString(16).padStart(2, '0')}${length.toString(16).padStart(4, '0')}`;
}

const WHO_IS_NPDU = h('0120ffff00ff1008');

/** [description, exact bytes, decoded frame] for each BVLC function 0x00..0x0B. */
const STANDARD_FRAMES: Array<[string, string, BvllFrame]> = [
  ['BVLC-Result success', '81 00 0006 0000', { function: BvlcFunction.Result, code: 0x0000 }],
  ['BVLC-Result Register-Foreign-Device NAK', '81 00 0006 0030', { function: BvlcFunction.Result, code: 0x0030 }],
  ['BVLC-Result DBTN NAK', '81 00 0006 0060', { function: BvlcFunction.Result, code: 0x0060 }],
  ['BVLC-Result with a non-standard code', '81 00 0006 0099', { function: BvlcFunction.Result, code: 0x0099 }],
  [
    'Write-BDT with two entries',
    '81 01 0018  c0a8010a bac0 ffffffff  0a000001 bac1 ffffff00',
    {
      function: BvlcFunction.WriteBdt,
      entries: [
        { address: '192.168.1.10', port: 47808, mask: '255.255.255.255' },
        { address: '10.0.0.1', port: 47809, mask: '255.255.255.0' },
      ],
    },
  ],
  ['Write-BDT with no entries', '81 01 0004', { function: BvlcFunction.WriteBdt, entries: [] }],
  ['Read-BDT', '81 02 0004', { function: BvlcFunction.ReadBdt }],
  [
    'Read-BDT-Ack with masks',
    '81 03 0018  7f000001 bac1 ffffffff  c0a80201 bac0 ffff0000',
    {
      function: BvlcFunction.ReadBdtAck,
      entries: [
        { address: '127.0.0.1', port: 47809, mask: '255.255.255.255' },
        { address: '192.168.2.1', port: 47808, mask: '255.255.0.0' },
      ],
    },
  ],
  ['Read-BDT-Ack of an empty table', '81 03 0004', { function: BvlcFunction.ReadBdtAck, entries: [] }],
  [
    'Forwarded-NPDU of a global Who-Is',
    '81 04 0012  7f000002 8e30  0120ffff00ff1008',
    { function: BvlcFunction.ForwardedNpdu, origin: { address: '127.0.0.2', port: 36400 }, npdu: WHO_IS_NPDU },
  ],
  ['Register-Foreign-Device TTL 60', '81 05 0006 003c', { function: BvlcFunction.RegisterForeignDevice, ttl: 60 }],
  ['Register-Foreign-Device TTL 0', '81 05 0006 0000', { function: BvlcFunction.RegisterForeignDevice, ttl: 0 }],
  ['Register-Foreign-Device TTL 65535', '81 05 0006 ffff', { function: BvlcFunction.RegisterForeignDevice, ttl: 65535 }],
  ['Read-FDT', '81 06 0004', { function: BvlcFunction.ReadFdt }],
  [
    'Read-FDT-Ack with entries',
    '81 07 0018  7f000001 bac2 003c 003e  0a000005 bac0 0e10 0e2e',
    {
      function: BvlcFunction.ReadFdtAck,
      entries: [
        { address: '127.0.0.1', port: 47810, ttl: 60, remaining: 62 },
        { address: '10.0.0.5', port: 47808, ttl: 3600, remaining: 3630 },
      ],
    },
  ],
  ['Read-FDT-Ack of an empty table', '81 07 0004', { function: BvlcFunction.ReadFdtAck, entries: [] }],
  [
    'Delete-FDT-Entry',
    '81 08 000a  c0a8010a bac0',
    { function: BvlcFunction.DeleteFdtEntry, address: { address: '192.168.1.10', port: 47808 } },
  ],
  [
    'Distribute-Broadcast-To-Network of a global Who-Is',
    '81 09 000c  01 20 ff ff 00 ff 10 08',
    { function: BvlcFunction.DistributeBroadcastToNetwork, npdu: WHO_IS_NPDU },
  ],
  [
    'Original-Unicast-NPDU of a local Who-Is',
    '81 0a 0008  01 00 10 08',
    { function: BvlcFunction.OriginalUnicastNpdu, npdu: h('01001008') },
  ],
  [
    'Original-Broadcast-NPDU of a global Who-Is',
    '81 0b 000c  01 20 ff ff 00 ff 10 08',
    { function: BvlcFunction.OriginalBroadcastNpdu, npdu: WHO_IS_NPDU },
  ],
  [
    'Original-Unicast-NPDU of a 1-octet NPDU',
    '81 0a 0005  01',
    { function: BvlcFunction.OriginalUnicastNpdu, npdu: h('01') },
  ],
];

describe('bvll', () => {
  describe('constants', () => {
    it('match Annex J', () => {
      assert.equal(BVLL_TYPE_BIPV4, 0x81);
      assert.equal(BVLL_HEADER_LENGTH, 4);
      assert.equal(MAX_NPDU_LENGTH, 1497);
      assert.equal(FORWARDED_HEADER_LENGTH, 10);
      assert.equal(MAX_FRAME_LENGTH, 1507);
      assert.deepEqual(
        [
          BvlcFunction.Result,
          BvlcFunction.WriteBdt,
          BvlcFunction.ReadBdt,
          BvlcFunction.ReadBdtAck,
          BvlcFunction.ForwardedNpdu,
          BvlcFunction.RegisterForeignDevice,
          BvlcFunction.ReadFdt,
          BvlcFunction.ReadFdtAck,
          BvlcFunction.DeleteFdtEntry,
          BvlcFunction.DistributeBroadcastToNetwork,
          BvlcFunction.OriginalUnicastNpdu,
          BvlcFunction.OriginalBroadcastNpdu,
          BvlcFunction.SecureBvll,
        ],
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
      );
      assert.deepEqual(
        [
          ResultCode.Success,
          ResultCode.WriteBdtNak,
          ResultCode.ReadBdtNak,
          ResultCode.RegisterForeignDeviceNak,
          ResultCode.ReadFdtNak,
          ResultCode.DeleteFdtEntryNak,
          ResultCode.DistributeBroadcastToNetworkNak,
        ],
        [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60],
      );
    });
  });

  describe('every standard function encodes to the exact bytes and decodes back', () => {
    for (const [name, hex, frame] of STANDARD_FRAMES) {
      it(`${name}: ${hex.replace(/\s+/g, ' ')}`, () => {
        const bytes = h(hex);
        assert.deepEqual(encodeBvll(frame), bytes);
        assert.deepEqual(decodeBvll(bytes), frame);
      });
    }
    it('covers each function 0x00..0x0B', () => {
      const seen = new Set(STANDARD_FRAMES.map(([, , frame]) => frame.function));
      for (let fn = 0x00; fn <= 0x0b; fn++) assert.ok(seen.has(fn as BvllFrame['function']), `function 0x${fn.toString(16)}`);
    });
  });

  describe('convenience encoders', () => {
    it('encodeRegisterForeignDevice(60) is 81 05 00 06 00 3C', () => {
      assert.deepEqual(encodeRegisterForeignDevice(60), h('81050006003C'));
      assert.deepEqual(encodeRegisterForeignDevice(3600), h('810500060e10'));
      assert.deepEqual(encodeRegisterForeignDevice(65535), h('81050006ffff'));
    });
    it('encodeDeleteFdtEntry is 81 08 00 0A + the B/IP address', () => {
      assert.deepEqual(encodeDeleteFdtEntry({ address: '127.0.0.2', port: 36400 }), h('8108000a7f0000028e30'));
      assert.deepEqual(encodeDeleteFdtEntry({ address: '10.1.2.3', port: 47808 }), h('8108000a0a010203bac0'));
    });
    it('encodeNpduFrame: DBTN of a global Who-Is is 81 09 00 0C 01 20 FF FF 00 FF 10 08', () => {
      assert.deepEqual(
        encodeNpduFrame(BvlcFunction.DistributeBroadcastToNetwork, WHO_IS_NPDU),
        h('8109000C0120FFFF00FF1008'),
      );
      assert.deepEqual(encodeNpduFrame(BvlcFunction.OriginalUnicastNpdu, h('01001008')), h('810a000801001008'));
      assert.deepEqual(encodeNpduFrame(BvlcFunction.OriginalBroadcastNpdu, new Uint8Array([1, 0, 0x10, 8])), h('810b000801001008'));
    });
    it('encodeNpduFrame copies the NPDU (later changes to it do not show)', () => {
      const npdu = h('01001008');
      const frame = encodeNpduFrame(BvlcFunction.OriginalUnicastNpdu, npdu);
      npdu[3] = 0x00;
      assert.deepEqual(frame, h('810a000801001008'));
    });
  });

  describe('Secure-BVLL (0x0C)', () => {
    it('is recognised, its payload kept as it came, and not decoded', () => {
      const frame = decodeBvll(h('810c0009 0102030405'));
      assert.deepEqual(frame, { function: BvlcFunction.SecureBvll, payload: h('0102030405') });
    });
    it('may have an empty payload', () => {
      assert.deepEqual(decodeBvll(h('810c0004')), { function: BvlcFunction.SecureBvll, payload: Buffer.alloc(0) });
    });
    it('re-encodes to the same bytes', () => {
      const bytes = h('810c000b ffeeddccbbaa99');
      assert.deepEqual(encodeBvll(decodeBvll(bytes)), bytes);
    });
  });

  describe('decoded NPDUs are views of the datagram', () => {
    it('an Original-Unicast-NPDU npdu shares memory with the input', () => {
      const bytes = h('810a000801001008');
      const frame = decodeBvll(bytes);
      assert.equal(frame.function, BvlcFunction.OriginalUnicastNpdu);
      if (frame.function !== BvlcFunction.OriginalUnicastNpdu) return;
      assert.ok(Buffer.isBuffer(frame.npdu));
      bytes[7] = 0x09;
      assert.deepEqual(frame.npdu, h('01001009'));
    });
    it('accepts a plain Uint8Array (not a Buffer), including a subarray with an offset', () => {
      const backing = new Uint8Array([0xee, 0xee, 0x81, 0x05, 0x00, 0x06, 0x00, 0x3c, 0xee]);
      assert.deepEqual(decodeBvll(backing.subarray(2, 8)), { function: BvlcFunction.RegisterForeignDevice, ttl: 60 });
    });
  });

  describe('resultCodeName', () => {
    const names: Array<[number, string]> = [
      [0x0000, 'Successful-Completion'],
      [0x0010, 'Write-Broadcast-Distribution-Table-NAK'],
      [0x0020, 'Read-Broadcast-Distribution-Table-NAK'],
      [0x0030, 'Register-Foreign-Device-NAK'],
      [0x0040, 'Read-Foreign-Device-Table-NAK'],
      [0x0050, 'Delete-Foreign-Device-Table-Entry-NAK'],
      [0x0060, 'Distribute-Broadcast-To-Network-NAK'],
    ];
    for (const [code, name] of names) {
      it(`0x${code.toString(16).padStart(4, '0')} is ${name}`, () => assert.equal(resultCodeName(code), name));
    }
    it('other codes give Unknown-0xNNNN (upper-case, 4 digits)', () => {
      assert.equal(resultCodeName(0x0099), 'Unknown-0x0099');
      assert.equal(resultCodeName(0x0001), 'Unknown-0x0001');
      assert.equal(resultCodeName(0x0070), 'Unknown-0x0070');
      assert.equal(resultCodeName(0xabcd), 'Unknown-0xABCD');
      assert.equal(resultCodeName(0xffff), 'Unknown-0xFFFF');
    });
  });

  describe('bvlcFunctionName', () => {
    const names = [
      'BVLC-Result',
      'Write-Broadcast-Distribution-Table',
      'Read-Broadcast-Distribution-Table',
      'Read-Broadcast-Distribution-Table-Ack',
      'Forwarded-NPDU',
      'Register-Foreign-Device',
      'Read-Foreign-Device-Table',
      'Read-Foreign-Device-Table-Ack',
      'Delete-Foreign-Device-Table-Entry',
      'Distribute-Broadcast-To-Network',
      'Original-Unicast-NPDU',
      'Original-Broadcast-NPDU',
      'Secure-BVLL',
    ];
    names.forEach((name, code) => {
      it(`0x${code.toString(16).padStart(2, '0')} is ${name}`, () => assert.equal(bvlcFunctionName(code), name));
    });
    it('other codes give Unknown-0xNN', () => {
      assert.equal(bvlcFunctionName(0x0d), 'Unknown-0x0D');
      assert.equal(bvlcFunctionName(0x7f), 'Unknown-0x7F');
      assert.equal(bvlcFunctionName(0xff), 'Unknown-0xFF');
    });
  });

  describe('malformed input throws DecodeError saying what was wrong', () => {
    it('empty datagram', () => {
      throwsDecode(() => decodeBvll(Buffer.alloc(0)), 'truncated BVLL header: 0 octets, at least 4 needed');
      throwsDecode(() => decodeBvll(new Uint8Array(0)), 'truncated BVLL header: 0 octets, at least 4 needed');
    });
    it('1, 2 and 3 octets', () => {
      throwsDecode(() => decodeBvll(h('81')), 'truncated BVLL header: 1 octets, at least 4 needed');
      throwsDecode(() => decodeBvll(h('810a')), 'truncated BVLL header: 2 octets, at least 4 needed');
      throwsDecode(() => decodeBvll(h('810600')), 'truncated BVLL header: 3 octets, at least 4 needed');
    });
    it('wrong type octet', () => {
      throwsDecode(() => decodeBvll(h('82050006003c')), 'not a B/IPv4 BVLL frame: type octet 0x82, expected 0x81');
      throwsDecode(() => decodeBvll(h('00050006003c')), 'not a B/IPv4 BVLL frame: type octet 0x00, expected 0x81');
      throwsDecode(() => decodeBvll(h('0120ffff00ff1008')), 'not a B/IPv4 BVLL frame: type octet 0x01, expected 0x81');
    });
    it('length field larger than the datagram', () => {
      throwsDecode(() => decodeBvll(h('81050007003c')), 'BVLL length field says 7 octets, the datagram has 6', 2);
      throwsDecode(() => decodeBvll(h('810affff01001008')), 'BVLL length field says 65535 octets, the datagram has 8', 2);
    });
    it('length field smaller than the datagram', () => {
      throwsDecode(() => decodeBvll(h('81050004003c')), 'BVLL length field says 4 octets, the datagram has 6', 2);
      throwsDecode(() => decodeBvll(h('810a0000 01001008')), 'BVLL length field says 0 octets, the datagram has 8', 2);
      // Trailing octets after a correct frame (two frames in one datagram, padding) are not silently ignored.
      throwsDecode(() => decodeBvll(h('81060004 00')), 'BVLL length field says 4 octets, the datagram has 5', 2);
    });
    it('fixed-size functions with the wrong size', () => {
      throwsDecode(() => decodeBvll(h('81000005 00')), 'BVLC-Result must be 6 octets, got 5');
      throwsDecode(() => decodeBvll(h('81000004')), 'BVLC-Result must be 6 octets, got 4');
      throwsDecode(() => decodeBvll(h('81000008 00000000')), 'BVLC-Result must be 6 octets, got 8');
      throwsDecode(() => decodeBvll(h('81020006 0000')), 'Read-Broadcast-Distribution-Table must be 4 octets, got 6');
      throwsDecode(() => decodeBvll(h('81050004')), 'Register-Foreign-Device must be 6 octets, got 4');
      throwsDecode(() => decodeBvll(h('81050005 00')), 'Register-Foreign-Device must be 6 octets, got 5');
      throwsDecode(() => decodeBvll(h('81050008 003c0000')), 'Register-Foreign-Device must be 6 octets, got 8');
      throwsDecode(() => decodeBvll(h('81060005 00')), 'Read-Foreign-Device-Table must be 4 octets, got 5');
      throwsDecode(() => decodeBvll(h('81080009 7f0000028e')), 'Delete-Foreign-Device-Table-Entry must be 10 octets, got 9');
      throwsDecode(() => decodeBvll(h('81080004')), 'Delete-Foreign-Device-Table-Entry must be 10 octets, got 4');
      throwsDecode(
        () => decodeBvll(h('8108000b 7f0000028e3000')),
        'Delete-Foreign-Device-Table-Entry must be 10 octets, got 11',
      );
    });
    it('entry lists that are not a multiple of 10 octets', () => {
      throwsDecode(
        () => decodeBvll(h('8101000d 7f000001bac1ffffff')),
        'Write-Broadcast-Distribution-Table body of 9 octets is not a whole number of 10-octet entries',
        4,
      );
      throwsDecode(
        () => decodeBvll(h('8103000f 7f000001bac1ffffffff 00')),
        'Read-Broadcast-Distribution-Table-Ack body of 11 octets is not a whole number of 10-octet entries',
        4,
      );
      throwsDecode(
        () => decodeBvll(h('81070013 7f000001bac2003c003e 7f0000039a')),
        'Read-Foreign-Device-Table-Ack body of 15 octets is not a whole number of 10-octet entries',
        4,
      );
      throwsDecode(
        () => decodeBvll(h('81070005 00')),
        'Read-Foreign-Device-Table-Ack body of 1 octets is not a whole number of 10-octet entries',
        4,
      );
    });
    it('NPDU-carrying frames with no NPDU', () => {
      throwsDecode(() => decodeBvll(h('81090004')), 'Distribute-Broadcast-To-Network carries no NPDU', 4);
      throwsDecode(() => decodeBvll(h('810a0004')), 'Original-Unicast-NPDU carries no NPDU', 4);
      throwsDecode(() => decodeBvll(h('810b0004')), 'Original-Broadcast-NPDU carries no NPDU', 4);
      throwsDecode(
        () => decodeBvll(h('8104000a 7f0000028e30')),
        'truncated Forwarded-NPDU: 10 octets, at least 11 needed',
      );
      throwsDecode(() => decodeBvll(h('81040007 7f0000')), 'truncated Forwarded-NPDU: 7 octets, at least 11 needed');
      throwsDecode(() => decodeBvll(h('81040004')), 'truncated Forwarded-NPDU: 4 octets, at least 11 needed');
    });
    it('an NPDU of 1497 octets is accepted, 1498 is not', () => {
      for (const fn of [0x09, 0x0a, 0x0b]) {
        const name = bvlcFunctionName(fn);
        const ok = Buffer.concat([h(headerHex(fn, 4 + 1497)), npduOfSize(1497)]);
        const frame = decodeBvll(ok);
        assert.equal(frame.function, fn);
        assert.ok('npdu' in frame);
        if ('npdu' in frame) assert.deepEqual(frame.npdu, npduOfSize(1497));
        assert.deepEqual(encodeBvll(frame), ok);

        const tooLong = Buffer.concat([h(headerHex(fn, 4 + 1498)), npduOfSize(1498)]);
        throwsDecode(() => decodeBvll(tooLong), `${name} carries 1498 octets of NPDU, over the limit of 1497`, 4);
      }
      const fwdOk = Buffer.concat([h(headerHex(0x04, 10 + 1497)), h('7f0000028e30'), npduOfSize(1497)]);
      assert.equal(fwdOk.length, MAX_FRAME_LENGTH);
      assert.deepEqual(decodeBvll(fwdOk), {
        function: BvlcFunction.ForwardedNpdu,
        origin: { address: '127.0.0.2', port: 36400 },
        npdu: npduOfSize(1497),
      });
      const fwdLong = Buffer.concat([h(headerHex(0x04, 10 + 1498)), h('7f0000028e30'), npduOfSize(1498)]);
      throwsDecode(() => decodeBvll(fwdLong), 'Forwarded-NPDU carries 1498 octets of NPDU, over the limit of 1497', 10);
    });
    it('unknown functions 0x0D and 0xFF', () => {
      throwsDecode(() => decodeBvll(h('810d0004')), 'unknown BVLC function 0x0D', 1);
      throwsDecode(() => decodeBvll(h('810d0008 01001008')), 'unknown BVLC function 0x0D', 1);
      throwsDecode(() => decodeBvll(h('81ff0004')), 'unknown BVLC function 0xFF', 1);
    });
    it('DecodeError is an Error named DecodeError', () => {
      try {
        decodeBvll(h('81'));
        assert.fail('no error');
      } catch (err) {
        assert.ok(err instanceof Error);
        assert.ok(err instanceof DecodeError);
        assert.equal(err.name, 'DecodeError');
      }
    });
  });

  describe('encoder refusals', () => {
    it('TTL outside 0..65535 or not an integer is a RangeError', () => {
      throwsRange(() => encodeRegisterForeignDevice(65536), 'TTL must be an integer 0..65535, got 65536');
      throwsRange(() => encodeRegisterForeignDevice(-1), 'TTL must be an integer 0..65535, got -1');
      throwsRange(() => encodeRegisterForeignDevice(1.5), 'TTL must be an integer 0..65535, got 1.5');
      throwsRange(() => encodeRegisterForeignDevice(NaN), 'TTL must be an integer 0..65535, got NaN');
    });
    it('result codes and FDT numbers outside 16 bits are a RangeError', () => {
      throwsRange(() => encodeBvll({ function: BvlcFunction.Result, code: 0x10000 }), 'result code must be an integer 0..65535, got 65536');
      throwsRange(
        () =>
          encodeBvll({
            function: BvlcFunction.ReadFdtAck,
            entries: [{ address: '10.0.0.1', port: 47808, ttl: 65536, remaining: 0 }],
          }),
        'FDT TTL must be an integer 0..65535, got 65536',
      );
      throwsRange(
        () =>
          encodeBvll({
            function: BvlcFunction.ReadFdtAck,
            entries: [{ address: '10.0.0.1', port: 47808, ttl: 60, remaining: -1 }],
          }),
        'FDT remaining time must be an integer 0..65535, got -1',
      );
    });
    it('an empty NPDU is a RangeError', () => {
      for (const fn of [BvlcFunction.DistributeBroadcastToNetwork, BvlcFunction.OriginalUnicastNpdu, BvlcFunction.OriginalBroadcastNpdu] as const) {
        throwsRange(() => encodeNpduFrame(fn, new Uint8Array(0)), 'NPDU is empty');
        throwsRange(() => encodeBvll({ function: fn, npdu: Buffer.alloc(0) }), 'NPDU is empty');
      }
      throwsRange(
        () => encodeBvll({ function: BvlcFunction.ForwardedNpdu, origin: { address: '10.0.0.1', port: 47808 }, npdu: Buffer.alloc(0) }),
        'NPDU is empty',
      );
    });
    it('a 1498-octet NPDU is a RangeError, 1497 is fine', () => {
      const message = 'NPDU of 1498 octets is over the B/IPv4 limit of 1497';
      for (const fn of [BvlcFunction.DistributeBroadcastToNetwork, BvlcFunction.OriginalUnicastNpdu, BvlcFunction.OriginalBroadcastNpdu] as const) {
        throwsRange(() => encodeNpduFrame(fn, npduOfSize(1498)), message);
        assert.equal(encodeNpduFrame(fn, npduOfSize(1497)).length, 1501);
      }
      throwsRange(
        () => encodeBvll({ function: BvlcFunction.ForwardedNpdu, origin: { address: '10.0.0.1', port: 47808 }, npdu: npduOfSize(1498) }),
        message,
      );
    });
    it('a Secure-BVLL payload too long for the length field is a RangeError', () => {
      throwsRange(
        () => encodeBvll({ function: BvlcFunction.SecureBvll, payload: Buffer.alloc(0xffff - 3) }),
        'BVLL frame of 65536 octets does not fit the 16-bit length field',
      );
      assert.equal(encodeBvll({ function: BvlcFunction.SecureBvll, payload: Buffer.alloc(0xffff - 4) }).length, 0xffff);
    });
    it('bad addresses and masks are a TypeError', () => {
      assert.throws(
        () => encodeBvll({ function: BvlcFunction.DeleteFdtEntry, address: { address: 'bbmd.example.com', port: 47808 } }),
        TypeError,
      );
      assert.throws(
        () => encodeBvll({ function: BvlcFunction.ReadBdtAck, entries: [{ address: '10.0.0.1', port: 47808, mask: '255.255.255' }] }),
        { name: 'TypeError', message: 'broadcast distribution mask must be dotted-quad, got "255.255.255"' },
      );
      assert.throws(
        () => encodeBvll({ function: BvlcFunction.WriteBdt, entries: [{ address: '10.0.0.1', port: 47808, mask: '255.255.255.256' }] }),
        { name: 'TypeError', message: 'broadcast distribution mask must be dotted-quad, got "255.255.255.256"' },
      );
      assert.throws(
        () => encodeBvll({ function: BvlcFunction.WriteBdt, entries: [{ address: '10.0.0.1', port: 47808, mask: '255.255.255.-0' }] }),
        TypeError,
      );
    });
  });
});
