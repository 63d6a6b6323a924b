/**
 * Property tests of the codecs (fast-check, fixed seeds so every run checks
 * the same cases): encode/decode round trips for every BVLL function and for
 * NPDU headers, and "a decoder returns or throws DecodeError, nothing else"
 * on arbitrary and damaged input.
 */
import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import { MAX_DEVICE_INSTANCE, decodeIAm, encodeIAmApdu } from '../../dist/protocol/apdu';
import { BdtEntry, BvlcFunction, BvllFrame, FdtEntry, MAX_NPDU_LENGTH, decodeBvll, encodeBvll } from '../../dist/protocol/bvll';
import { BipAddress } from '../../dist/protocol/address';
import { DecodeError } from '../../dist/protocol/decode-error';
import { NetworkMessage, NpduHeader, NpduOptions, decodeNpdu, encodeNpdu, npduHeaderLength } from '../../dist/protocol/npdu';
import { SCALE, decodeOrUndefined, run } from '../support/property-run';

// ---- Arbitraries ------------------------------------------------------------

/** fc.record with a plain Object prototype, so that deepStrictEqual compares it with decoder output. */
function record<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true });
}

const octet = fc.integer({ min: 0, max: 255 });
const uint16 = fc.integer({ min: 0, max: 0xffff });
const dottedQuad = fc.tuple(octet, octet, octet, octet).map((parts) => parts.join('.'));
const bipAddress: fc.Arbitrary<BipAddress> = record({ address: dottedQuad, port: uint16 });

/** Bytes of 0..max octets: mostly short, sometimes up to `max`. */
function bytes(min: number, max: number): fc.Arbitrary<Buffer> {
  return fc
    .oneof(
      { arbitrary: fc.uint8Array({ minLength: min, maxLength: Math.min(max, min + 16) }), weight: 3 },
      { arbitrary: fc.uint8Array({ minLength: min, maxLength: max, size: 'max' }), weight: 1 },
      { arbitrary: fc.constantFrom(min, max).map((n) => new Uint8Array(n).fill(0x5a)), weight: 1 },
    )
    .map((b) => Buffer.from(b));
}

const npdu = bytes(1, MAX_NPDU_LENGTH);
const bdtEntry: fc.Arbitrary<BdtEntry> = record({ address: dottedQuad, port: uint16, mask: dottedQuad });
const fdtEntry: fc.Arbitrary<FdtEntry> = record({ address: dottedQuad, port: uint16, ttl: uint16, remaining: uint16 });
const entries = <T>(entry: fc.Arbitrary<T>): fc.Arbitrary<T[]> =>
  fc.oneof(fc.array(entry, { maxLength: 8 }), fc.array(entry, { maxLength: 200, size: 'max' }));

/** One arbitrary for each BVLC function, keyed by its name. */
const FRAME_ARBITRARIES: Record<string, fc.Arbitrary<BvllFrame>> = {
  'BVLC-Result': record({ function: fc.constant(BvlcFunction.Result), code: uint16 }),
  'Write-BDT': record({ function: fc.constant(BvlcFunction.WriteBdt), entries: entries(bdtEntry) }),
  'Read-BDT': record({ function: fc.constant(BvlcFunction.ReadBdt) }),
  'Read-BDT-Ack': record({ function: fc.constant(BvlcFunction.ReadBdtAck), entries: entries(bdtEntry) }),
  'Forwarded-NPDU': record({ function: fc.constant(BvlcFunction.ForwardedNpdu), origin: bipAddress, npdu }),
  'Register-Foreign-Device': record({ function: fc.constant(BvlcFunction.RegisterForeignDevice), ttl: uint16 }),
  'Read-FDT': record({ function: fc.constant(BvlcFunction.ReadFdt) }),
  'Read-FDT-Ack': record({ function: fc.constant(BvlcFunction.ReadFdtAck), entries: entries(fdtEntry) }),
  'Delete-FDT-Entry': record({ function: fc.constant(BvlcFunction.DeleteFdtEntry), address: bipAddress }),
  'Distribute-Broadcast-To-Network': record({ function: fc.constant(BvlcFunction.DistributeBroadcastToNetwork), npdu }),
  'Original-Unicast-NPDU': record({ function: fc.constant(BvlcFunction.OriginalUnicastNpdu), npdu }),
  'Original-Broadcast-NPDU': record({ function: fc.constant(BvlcFunction.OriginalBroadcastNpdu), npdu }),
  'Secure-BVLL': record({ function: fc.constant(BvlcFunction.SecureBvll), payload: bytes(0, 1600) }),
};
const anyFrame: fc.Arbitrary<BvllFrame> = fc.oneof(...Object.values(FRAME_ARBITRARIES));

/** Lower-case hex of 0..max octets, sometimes written in upper case (encodeNpdu accepts both). */
function hexOctets(min: number, max: number): fc.Arbitrary<{ written: string; canonical: string }> {
  return fc
    .tuple(fc.uint8Array({ minLength: min, maxLength: max }), fc.boolean())
    .map(([b, upper]) => {
      const canonical = Buffer.from(b).toString('hex');
      return { written: upper ? canonical.toUpperCase() : canonical, canonical };
    });
}

const networkMessage: fc.Arbitrary<NetworkMessage> = fc.oneof(
  record({ type: fc.integer({ min: 0, max: 0x7f }), vendorId: fc.constant(null) }),
  record({ type: fc.integer({ min: 0x80, max: 0xff }), vendorId: uint16 }),
);

interface NpduCase {
  expectingReply: boolean;
  priority: number;
  destination: { dnet: number; dadr: { written: string; canonical: string }; hopCount: number } | null;
  source: { snet: number; sadr: { written: string; canonical: string } } | null;
  networkMessage: NetworkMessage | null;
  body: Buffer;
}

const npduCase: fc.Arbitrary<NpduCase> = record({
  expectingReply: fc.boolean(),
  priority: fc.integer({ min: 0, max: 3 }),
  destination: fc.option(
    record({
      dnet: fc.oneof(uint16, fc.constant(0xffff)),
      dadr: fc.oneof(hexOctets(0, 8), hexOctets(0, 255)),
      hopCount: octet,
    }).map((d) => (d.dnet === 0xffff ? { ...d, dadr: { written: '', canonical: '' } } : d)), // a global broadcast has no DADR
  ),
  // SNET 65535 is not a network number (encodeNpdu refuses it).
  source: fc.option(record({ snet: fc.integer({ min: 0, max: 0xfffe }), sadr: fc.oneof(hexOctets(1, 8), hexOctets(1, 255)) })),
  networkMessage: fc.option(networkMessage),
  body: bytes(0, 64),
});

function optionsOf(c: NpduCase): NpduOptions {
  const options: NpduOptions = { expectingReply: c.expectingReply, priority: c.priority };
  if (c.destination) {
    options.dnet = c.destination.dnet;
    options.dadr = c.destination.dadr.written;
    options.hopCount = c.destination.hopCount;
  }
  if (c.source) {
    options.snet = c.source.snet;
    options.sadr = c.source.sadr.written;
  }
  if (c.networkMessage) options.networkMessage = c.networkMessage;
  return options;
}

function expectedHeader(c: NpduCase): NpduHeader {
  const control =
    c.priority |
    (c.expectingReply ? 0x04 : 0) |
    (c.destination ? 0x20 : 0) |
    (c.source ? 0x08 : 0) |
    (c.networkMessage ? 0x80 : 0);
  let apduOffset = 2;
  if (c.destination) apduOffset += 3 + c.destination.dadr.canonical.length / 2 + 1;
  if (c.source) apduOffset += 3 + c.source.sadr.canonical.length / 2;
  if (c.networkMessage) apduOffset += c.networkMessage.type >= 0x80 ? 3 : 1;
  return {
    version: 1,
    control,
    expectingReply: c.expectingReply,
    priority: c.priority,
    dnet: c.destination ? c.destination.dnet : null,
    dadr: c.destination ? c.destination.dadr.canonical : null,
    snet: c.source ? c.source.snet : null,
    sadr: c.source ? c.source.sadr.canonical : null,
    hopCount: c.destination ? c.destination.hopCount : null,
    networkMessage: c.networkMessage,
    apduOffset,
  };
}

/** The NpduOptions that re-create a decoded header. */
function optionsFromHeader(header: NpduHeader): NpduOptions {
  const options: NpduOptions = { expectingReply: header.expectingReply, priority: header.priority };
  if (header.dnet !== null) {
    options.dnet = header.dnet;
    options.dadr = header.dadr ?? '';
    options.hopCount = header.hopCount ?? 255;
  }
  if (header.snet !== null) {
    options.snet = header.snet;
    options.sadr = header.sadr ?? '';
  }
  if (header.networkMessage) options.networkMessage = header.networkMessage;
  return options;
}

type Damage =
  | { kind: 'flip'; index: number; bit: number }
  | { kind: 'flips'; flips: Array<{ index: number; bit: number }> }
  | { kind: 'truncate'; keep: number }
  | { kind: 'length'; value: number }
  | { kind: 'extend'; extra: Uint8Array }
  | { kind: 'set'; index: number; value: number };

const flip = record({ index: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) });
const damage: fc.Arbitrary<Damage> = fc.oneof(
  record({ kind: fc.constant('flip' as const), index: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  record({ kind: fc.constant('flips' as const), flips: fc.array(flip, { minLength: 2, maxLength: 6 }) }),
  record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
  record({ kind: fc.constant('length' as const), value: uint16 }),
  record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 20 }) }),
  record({ kind: fc.constant('set' as const), index: fc.nat(), value: octet }),
);

/** A damaged copy of `original` (which is left alone). `length` writes the BVLL length field. */
function damaged(original: Uint8Array, d: Damage): Buffer {
  const out = Buffer.from(original);
  switch (d.kind) {
    case 'flip':
      if (out.length > 0) out[d.index % out.length] ^= 1 << d.bit;
      return out;
    case 'flips':
      if (out.length > 0) for (const f of d.flips) out[f.index % out.length] ^= 1 << f.bit;
      return out;
    case 'truncate':
      return out.subarray(0, d.keep % (out.length + 1));
    case 'length':
      if (out.length >= 4) out.writeUInt16BE(d.value, 2);
      return out;
    case 'extend':
      return Buffer.concat([out, d.extra]);
    case 'set':
      if (out.length > 0) out[d.index % out.length] = d.value;
      return out;
  }
}

/** decodeBvll returns a frame that re-encodes to the input, or throws DecodeError. */
function checkBvll(input: Uint8Array): BvllFrame | undefined {
  const frame = decodeOrUndefined(() => decodeBvll(input));
  if (frame !== undefined) assert.deepStrictEqual(encodeBvll(frame), Buffer.from(input));
  return frame;
}

/** decodeNpdu returns a consistent header, or throws DecodeError. */
function checkNpdu(input: Uint8Array): NpduHeader | undefined {
  const header = decodeOrUndefined(() => decodeNpdu(input));
  if (header !== undefined) {
    assert.ok(header.apduOffset >= 2 && header.apduOffset <= input.length);
    assert.equal(header.version, 1);
  }
  return header;
}

/** decodeIAm returns an in-range I-Am, or throws DecodeError. */
function checkIAm(input: Uint8Array, offset?: number): void {
  const iAm = decodeOrUndefined(() => decodeIAm(input, offset));
  if (iAm !== undefined) {
    assert.ok(Number.isInteger(iAm.deviceInstance) && iAm.deviceInstance >= 0 && iAm.deviceInstance <= MAX_DEVICE_INSTANCE);
    assert.ok(Number.isInteger(iAm.maxApdu) && iAm.maxApdu >= 0 && iAm.maxApdu <= 0xffffffff);
    assert.ok(Number.isInteger(iAm.vendorId) && iAm.vendorId >= 0 && iAm.vendorId <= 0xffffffff);
    assert.match(iAm.segmentation, /^(segmented-both|segmented-transmit|segmented-receive|no-segmentation|unknown-\d+)$/);
  }
}

// ---- Properties ---------------------------------------------------------------

describe('codec properties', function () {
  this.timeout(30000 * Math.max(1, SCALE));

  describe('decodeBvll(encodeBvll(x)) deep-equals x', () => {
    for (const [name, arbitrary] of Object.entries(FRAME_ARBITRARIES)) {
      it(name, () => {
        run(
          fc.property(arbitrary, (frame) => {
            const encoded = encodeBvll(frame);
            assert.equal(encoded[0], 0x81);
            assert.equal(encoded[1], frame.function);
            assert.equal(encoded.readUInt16BE(2), encoded.length);
            assert.deepStrictEqual(decodeBvll(encoded), frame);
          }),
          2000,
        );
      });
    }
  });

  it('NPDU headers round-trip through encodeNpdu/decodeNpdu', () => {
    run(
      fc.property(npduCase, (c) => {
        const encoded = encodeNpdu(optionsOf(c), c.body);
        const expected = expectedHeader(c);
        assert.deepStrictEqual(decodeNpdu(encoded), expected);
        assert.deepStrictEqual(encoded.subarray(expected.apduOffset), c.body);
      }),
      5000,
    );
  });

  it('any NPDU decodeNpdu accepts (reserved control bits clear) is re-created exactly by encodeNpdu', () => {
    const npduish = fc
      .tuple(fc.integer({ min: 0, max: 255 }).map((c) => c & ~0x50), fc.uint8Array({ maxLength: 40 }))
      .map(([control, rest]) => Buffer.concat([Buffer.from([0x01, control]), rest]));
    run(
      fc.property(npduish, (input) => {
        const header = checkNpdu(input);
        if (header === undefined) return;
        assert.deepStrictEqual(encodeNpdu(optionsFromHeader(header), input.subarray(header.apduOffset)), input);
      }),
      5000,
    );
  });

  describe('decodeBvll returns a frame (that re-encodes to the input) or throws DecodeError, never anything else', () => {
    it('arbitrary bytes, 0..1600 octets', () => {
      run(
        fc.property(fc.oneof(fc.uint8Array({ maxLength: 32 }), fc.uint8Array({ maxLength: 1600, size: 'max' })), (input) => {
          checkBvll(input);
        }),
        3000,
      );
    });
    it('arbitrary bodies behind a well-formed header (any function 0x00..0x0F or 0xFF)', () => {
      const framed = fc
        .tuple(fc.oneof(fc.integer({ min: 0, max: 0x0f }), fc.constant(0xff)), fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 1600, size: 'max' })))
        .map(([fn, body]) => {
          const out = Buffer.alloc(4 + body.length);
          out[0] = 0x81;
          out[1] = fn;
          out.writeUInt16BE(out.length, 2);
          out.set(body, 4);
          return out;
        });
      let decoded = 0;
      run(
        fc.property(framed, (input) => {
          if (checkBvll(input) !== undefined) decoded++;
        }),
        5000,
      );
      assert.ok(decoded > 500, `only ${decoded} of 5000 decoded`);
    });
    it('valid frames with flipped bits, truncated, with wrong length fields or extra octets', () => {
      run(
        fc.property(anyFrame, damage, (frame, d) => {
          checkBvll(damaged(encodeBvll(frame), d));
        }),
        5000,
      );
    });
    it('a valid frame with a wrong length field is always refused', () => {
      run(
        fc.property(anyFrame, uint16, (frame, length) => {
          const encoded = encodeBvll(frame);
          fc.pre(length !== encoded.length);
          const input = damaged(encoded, { kind: 'length', value: length });
          assert.throws(() => decodeBvll(input), DecodeError);
        }),
        2000,
      );
    });
    it('a truncated valid frame is refused', () => {
      run(
        fc.property(anyFrame, fc.nat(), (frame, keep) => {
          const encoded = encodeBvll(frame);
          const input = encoded.subarray(0, keep % encoded.length);
          assert.throws(() => decodeBvll(input), DecodeError);
        }),
        2000,
      );
    });
  });

  describe('decodeNpdu returns a header or throws DecodeError, never anything else', () => {
    it('arbitrary bytes', () => {
      run(
        fc.property(fc.uint8Array({ maxLength: 64 }), (input) => {
          checkNpdu(input);
        }),
        5000,
      );
    });
    it('arbitrary bytes after a version octet of 1', () => {
      run(
        fc.property(fc.uint8Array({ maxLength: 300 }), (rest) => {
          checkNpdu(Buffer.concat([Buffer.from([0x01]), rest]));
        }),
        5000,
      );
    });
    it('valid NPDUs, damaged', () => {
      run(
        fc.property(npduCase, damage, (c, d) => {
          checkNpdu(damaged(encodeNpdu(optionsOf(c), c.body), d));
        }),
        5000,
      );
    });
    it('a valid NPDU truncated inside its header is refused', () => {
      run(
        fc.property(npduCase, fc.nat(), (c, keep) => {
          const header = expectedHeader(c);
          const encoded = encodeNpdu(optionsOf(c), c.body);
          assert.throws(() => decodeNpdu(encoded.subarray(0, keep % header.apduOffset)), DecodeError);
        }),
        3000,
      );
    });
  });

  describe('npduHeaderLength agrees with decodeNpdu: the same offset, or the same DecodeError', () => {
    function agree(input: Uint8Array): void {
      let expected: number | string;
      try {
        expected = decodeNpdu(input).apduOffset;
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        expected = err.message;
      }
      let actual: number | string;
      try {
        actual = npduHeaderLength(input);
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        actual = err.message;
      }
      assert.equal(actual, expected);
    }
    it('on arbitrary bytes after a version octet of 1', () => {
      run(fc.property(fc.uint8Array({ maxLength: 300 }), (rest) => agree(Buffer.concat([Buffer.from([0x01]), rest]))), 5000);
    });
    it('on arbitrary bytes', () => {
      run(fc.property(fc.uint8Array({ maxLength: 40 }), (input) => agree(input)), 3000);
    });
    it('on valid NPDUs, whole, damaged and truncated', () => {
      run(
        fc.property(npduCase, damage, fc.nat(), (c, d, keep) => {
          const encoded = encodeNpdu(optionsOf(c), c.body);
          agree(encoded);
          agree(damaged(encoded, d));
          agree(encoded.subarray(0, keep % (encoded.length + 1)));
        }),
        5000,
      );
    });
  });

  describe('decodeIAm returns an I-Am or throws DecodeError, never anything else', () => {
    const iAmFields = record({
      deviceInstance: fc.integer({ min: 0, max: MAX_DEVICE_INSTANCE }),
      maxApdu: fc.oneof(fc.constantFrom(50, 128, 206, 480, 1024, 1476), fc.nat()),
      segmentation: fc.integer({ min: 0, max: 3 }),
      vendorId: uint16,
    });
    it('encodeIAmApdu/decodeIAm round trip', () => {
      const names = ['segmented-both', 'segmented-transmit', 'segmented-receive', 'no-segmentation'];
      run(
        fc.property(iAmFields, (fields) => {
          assert.deepStrictEqual(decodeIAm(encodeIAmApdu(fields)), {
            ...fields,
            segmentation: names[fields.segmentation] ?? `unknown-${fields.segmentation}`,
          });
        }),
        5000,
      );
    });
    it('arbitrary bytes at arbitrary offsets', () => {
      run(
        fc.property(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: -3, max: 45 }), (input, offset) => {
          checkIAm(input, offset);
        }),
        5000,
      );
    });
    it('10 00 followed by arbitrary tag-like octets', () => {
      const tagLike = fc.oneof(
        fc.constantFrom(0xc4, 0xc3, 0xc5, 0xcc, 0x21, 0x22, 0x23, 0x24, 0x25, 0x20, 0x91, 0x92, 0x94, 0x99, 0x02),
        octet,
      );
      run(
        fc.property(fc.array(tagLike, { maxLength: 24 }), (rest) => {
          checkIAm(Buffer.from([0x10, 0x00, ...rest]));
        }),
        5000,
      );
    });
    it('valid I-Ams, damaged', () => {
      run(
        fc.property(iAmFields, damage, (fields, d) => {
          checkIAm(damaged(encodeIAmApdu(fields), d));
        }),
        5000,
      );
    });
    it('a truncated valid I-Am is refused', () => {
      run(
        fc.property(iAmFields, fc.nat(), (fields, keep) => {
          const apdu = encodeIAmApdu(fields);
          assert.throws(() => decodeIAm(apdu.subarray(0, keep % apdu.length)), DecodeError);
        }),
        3000,
      );
    });
  });
});
