/**
 * decodeReceived: what fd-receive is given for each arriving NPDU. An I-Am whose
 * fields do not decode as a Device I-Am is still a well-formed NPDU with an
 * Unconfirmed-Request APDU: delivered with iAm null, never counted malformed.
 */
import { strict as assert } from 'node:assert';
import { encodeIAmApdu } from '../../dist/protocol/apdu';
import { DecodeError } from '../../dist/protocol/decode-error';
import { decodeReceived } from '../../dist/protocol/received-npdu';
import { passesFilter, receiveMessage } from '../../dist/nodes/fd-receive';

const FROM = { address: '192.168.1.20', port: 47808 };
const VIA = { address: '192.168.1.10', port: 47808 };

const npdu = (hex: string): Buffer => Buffer.from(hex.replace(/ /g, ''), 'hex');

/** I-Am APDUs that are I-Ams (10 00) but not Device I-Ams we can read. */
const UNDECODABLE_I_AMS: [string, string][] = [
  ['another object type (analog-input 1)', '01 00 10 00 c4 00000001 22 05c4 91 03 22 0104'],
  ['an object identifier of 3 octets', '01 00 10 00 c3 0004b1 22 05c4 91 03 22 0104'],
  ['truncated inside the object identifier', '01 00 10 00 c4 02 00'],
  ['truncated before the vendor identifier', '01 00 10 00 c4 020004b1 22 05c4 91 03'],
  ['a vendor identifier above 65535', '01 00 10 00 c4 020004b1 22 05c4 91 03 23 010000'],
  ['no fields at all', '01 00 10 00'],
  ['a context tag where the max APDU should be', '01 00 10 00 c4 020004b1 29 05 91 03 22 0104'],
];

describe('decodeReceived', () => {
  it('a Device I-Am carries its fields', () => {
    const bytes = Buffer.concat([npdu('0100'), encodeIAmApdu({ deviceInstance: 1201, maxApdu: 1476, segmentation: 3, vendorId: 260 })]);
    const r = decodeReceived(bytes, FROM, VIA, 'Forwarded-NPDU');
    assert.deepEqual(r.apdu, { type: 'Unconfirmed-Request', service: 'I-Am' });
    assert.deepEqual(r.iAm, { deviceInstance: 1201, maxApdu: 1476, segmentation: 'no-segmentation', vendorId: 260 });
  });

  for (const [what, hex] of UNDECODABLE_I_AMS) {
    it(`an I-Am with ${what}: delivered as an I-Am APDU with iAm null, not thrown`, () => {
      const r = decodeReceived(npdu(hex), FROM, VIA, 'Forwarded-NPDU');
      assert.deepEqual(r.apdu, { type: 'Unconfirmed-Request', service: 'I-Am' });
      assert.equal(r.iAm, null);
      assert.equal(r.header.apduOffset, 2);
      assert.deepEqual(r.source, FROM);
      assert.deepEqual(r.via, VIA);
    });
  }

  it('a routed I-Am (SNET/SADR) that does not decode: the header is still read, iAm null', () => {
    const r = decodeReceived(npdu('01 08 0005 01 0a 10 00 c4 00400001 22 05c4 91 03 22 0104'), FROM, null, 'Original-Unicast-NPDU');
    assert.equal(r.header.snet, 5);
    assert.equal(r.header.sadr, '0a');
    assert.equal(r.iAm, null);
  });

  for (const [what, hex] of [
    ['a bad NPDU version', '0200'],
    ['no APDU', '0100'],
    ['an unknown APDU type', '0100f0'],
    ['a Confirmed-Request truncated before its service', '01000000'],
  ] as const) {
    it(`still throws DecodeError for ${what}`, () => {
      assert.throws(() => decodeReceived(npdu(hex), FROM, null, 'Original-Unicast-NPDU'), DecodeError);
    });
  }
});

describe('fd-receive with an I-Am that does not decode', () => {
  const undecodable = (): ReturnType<typeof decodeReceived> => decodeReceived(npdu('01 00 10 00 c4 00000001 22 05c4 91 03 22 0104'), FROM, VIA, 'Forwarded-NPDU');

  it('msg.iAm is null: said to be an I-Am, with no fields to describe', () => {
    const msg = receiveMessage(undecodable()) as Record<string, unknown>;
    assert.ok('iAm' in msg);
    assert.equal(msg.iAm, null);
    assert.deepEqual(msg.apdu, { type: 'Unconfirmed-Request', service: 'I-Am' });
  });

  it('filter "all" and "broadcasts" pass it; filter "i-am" (an I-Am the node can describe) does not', () => {
    assert.equal(passesFilter(undecodable(), 'all'), true);
    assert.equal(passesFilter(undecodable(), 'broadcasts'), true);
    assert.equal(passesFilter(undecodable(), 'i-am'), false);
  });

  it('anything that is not an I-Am has no msg.iAm at all', () => {
    const whoIs = decodeReceived(npdu('01001008'), FROM, null, 'Original-Unicast-NPDU');
    assert.equal('iAm' in (receiveMessage(whoIs) as Record<string, unknown>), false);
  });
});
