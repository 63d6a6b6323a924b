/**
 * The device table (CLIENT.md "Device references"): what an I-Am puts in it,
 * where a device's address comes from, least recently seen dropped first, the
 * two-address warning, drop for DHCP.
 */
import assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { DeviceTable, describeDeviceAddress } from '../../dist/client/device-table';
import { decodeReceived } from '../../dist/protocol/received-npdu';
import { FakeClock } from '../support/fake-clock';
import { receivedIAm, receivedWhoIs } from '../support/received-i-am';

function table(maxEntries?: number): { clock: FakeClock; devices: DeviceTable; warnings: string[] } {
  const clock = new FakeClock();
  const warnings: string[] = [];
  const devices = new DeviceTable({ clock, maxEntries, warn: (text) => warnings.push(text) });
  return { clock, devices, warnings };
}

describe('DeviceTable', () => {
  it('records a forwarded I-Am at its origin address, not the BBMD that relayed it', () => {
    const { clock, devices } = table();
    const entry = devices.observe(receivedIAm(1234, { address: '10.0.4.7', port: 47809, maxApdu: 480, segmentation: 3, vendorId: 5 }));
    assert.deepEqual(entry, {
      instance: 1234,
      address: '10.0.4.7',
      port: 47809,
      network: null,
      mac: null,
      maxApdu: 480,
      segmentation: 3,
      vendorId: 5,
      lastSeen: clock.now(),
      name: null,
      readPropertyMultiple: true,
    });
    assert.equal(devices.get(1234), entry);
  });

  it('records a unicast I-Am at its UDP source', () => {
    const { devices } = table();
    const entry = devices.observe(receivedIAm(7, { address: '172.16.0.3', port: 47808, via: null }));
    assert.equal(entry?.address, '172.16.0.3');
    assert.equal(entry?.port, 47808);
  });

  it('records a routed device with its network and MAC from SNET/SADR, at the router address', () => {
    const { devices } = table();
    const entry = devices.observe(receivedIAm(2001, { address: '10.0.9.1', snet: 5, sadr: '0A', maxApdu: 206 }));
    assert.equal(entry?.address, '10.0.9.1');
    assert.equal(entry?.network, 5);
    assert.equal(entry?.mac, '0a');
    assert.equal(entry?.maxApdu, 206);
    assert.equal(describeDeviceAddress(entry!), '10.0.9.1:47808 network 5 mac 0a');
  });

  it('keeps each segmentation code of the I-Am, and reads an undefined one as no-segmentation', () => {
    const { devices } = table();
    for (const segmentation of [0, 1, 2, 3]) {
      assert.equal(devices.observe(receivedIAm(100 + segmentation, { segmentation }))?.segmentation, segmentation);
    }
    const odd = receivedIAm(200, { segmentation: 3 });
    const at = odd.npdu.indexOf(Buffer.from([0x91, 0x03]));
    assert.ok(at > 0);
    odd.npdu[at + 1] = 0x07; // enumerated 7: no such segmentation value
    const reread = decodeReceived(odd.npdu, odd.source, odd.via, odd.bvlcFunction);
    assert.equal(reread.iAm?.segmentation, 'unknown-7');
    assert.equal(devices.observe(reread)?.segmentation, 3);
  });

  it('takes nothing from a message that is not an I-Am, nor from an I-Am of the unconfigured instance 4194303', () => {
    const { devices } = table();
    assert.equal(devices.observe(receivedWhoIs(5)), null);
    assert.equal(devices.observe(receivedIAm(4194303)), null);
    assert.equal(devices.size, 0);
    assert.deepEqual(devices.list(), []);
  });

  it('refreshes lastSeen on each sighting, and looking does not refresh it', async () => {
    const { clock, devices } = table();
    devices.observe(receivedIAm(1));
    const first = clock.now();
    await clock.advance(60_000);
    assert.equal(devices.get(1)?.lastSeen, first);
    devices.observe(receivedIAm(1));
    assert.equal(devices.get(1)?.lastSeen, first + 60_000);
  });

  it('drops the least recently seen first when full; get() does not count as seen', () => {
    const { devices } = table(3);
    for (const instance of [1, 2, 3]) devices.observe(receivedIAm(instance));
    assert.ok(devices.get(1));
    devices.observe(receivedIAm(4));
    assert.deepEqual(devices.list().map((e) => e.instance), [2, 3, 4]);
    devices.observe(receivedIAm(2)); // seen again: 3 is now the oldest
    devices.observe(receivedIAm(5));
    assert.deepEqual(devices.list().map((e) => e.instance), [2, 4, 5]);
    assert.equal(devices.size, 3);
  });

  it('holds what a model LRU holds, for any sequence of sightings', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 60 }), (max, sightings) => {
        const { devices } = table(max);
        let model: number[] = [];
        for (const instance of sightings) {
          devices.observe(receivedIAm(instance));
          model = [...model.filter((i) => i !== instance), instance].slice(-max);
        }
        assert.deepEqual(devices.list().map((e) => e.instance), [...model].sort((a, b) => a - b));
      }),
      { numRuns: 200 },
    );
  });

  it('warns naming both addresses when an instance moves, and the newest wins', () => {
    const { devices, warnings } = table();
    devices.observe(receivedIAm(1201, { address: '10.0.4.7' }));
    devices.observe(receivedIAm(1201, { address: '10.0.4.7' }));
    assert.deepEqual(warnings, []);
    devices.observe(receivedIAm(1201, { address: '10.0.4.8', port: 47809 }));
    assert.equal(warnings.length, 1);
    assert.equal(
      warnings[0],
      'device 1201 answered from 10.0.4.8:47809 after 10.0.4.7:47808; using the newest (two devices with one instance, or one that moved)',
    );
    assert.equal(devices.get(1201)?.address, '10.0.4.8');
    devices.observe(receivedIAm(1201, { address: '10.0.9.1', port: 47809, snet: 5, sadr: '0a' }));
    assert.match(warnings[1], /from 10\.0\.9\.1:47809 network 5 mac 0a after 10\.0\.4\.8:47809;/);
  });

  it('keeps the name and the ReadPropertyMultiple verdict at the same address, and forgets them at a new one', () => {
    const { devices } = table();
    devices.observe(receivedIAm(9, { address: '10.0.4.7' }));
    devices.setName(9, 'AHU-1');
    devices.markNoReadPropertyMultiple(9);
    devices.observe(receivedIAm(9, { address: '10.0.4.7' }));
    assert.equal(devices.get(9)?.name, 'AHU-1');
    assert.equal(devices.get(9)?.readPropertyMultiple, false);
    devices.observe(receivedIAm(9, { address: '10.0.4.99' }));
    assert.equal(devices.get(9)?.name, null);
    assert.equal(devices.get(9)?.readPropertyMultiple, true);
    devices.setName(404, 'nobody'); // not held: nothing happens
    devices.markNoReadPropertyMultiple(404);
    assert.equal(devices.get(404), undefined);
  });

  it('drop() forgets a device so the next request looks for it again', () => {
    const { devices } = table();
    devices.observe(receivedIAm(3));
    devices.observe(receivedIAm(4));
    devices.drop(3);
    devices.drop(3);
    assert.equal(devices.get(3), undefined);
    assert.deepEqual(devices.list().map((e) => e.instance), [4]);
  });

  it('lists copies ordered by instance', () => {
    const { devices } = table();
    for (const instance of [30, 10, 20]) devices.observe(receivedIAm(instance));
    const listed = devices.list();
    assert.deepEqual(listed.map((e) => e.instance), [10, 20, 30]);
    listed[0].name = 'changed';
    assert.equal(devices.get(10)?.name, null);
  });

  it('holds 10,000 entries by default and refuses a maxEntries that is not a positive integer', () => {
    const { devices } = table();
    for (let instance = 0; instance < 10_001; instance++) devices.observe(receivedIAm(instance));
    assert.equal(devices.size, 10_000);
    assert.equal(devices.get(0), undefined);
    for (const bad of [0, -1, 1.5, NaN]) {
      assert.throws(() => new DeviceTable({ clock: new FakeClock(), maxEntries: bad }), /at least 1 entry, got maxEntries/);
    }
  });
});
