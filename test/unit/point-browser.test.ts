/**
 * The point browser's work, with a fake clock and fake readers (CLIENT.md
 * "The point browser"): pages of the object-list, nothing read twice within a
 * minute, one listing at a time, the Who-Is interval, device names read in
 * the background a few at a time.
 */
import assert from 'node:assert/strict';
import { DeviceTable } from '../../dist/client/device-table';
import { BrowserError, CACHE_MS, MAX_CACHED_DEVICES, ObjectListing } from '../../dist/client/object-listing';
import type { ReadRequest } from '../../dist/client/point-client';
import type { MultipleReadOutcome } from '../../dist/client/read-multiple';
import { NAME_READS_AT_ONCE, PointBrowser, WHO_IS_INTERVAL_MS } from '../../dist/client/point-browser';
import { PROPERTY_IDENTIFIERS, formatObjectReference, nameOf } from '../../dist/protocol/names';
import type { PropertyValue } from '../../dist/protocol/property-values';
import { FakeClock, flush } from '../support/fake-clock';
import { receivedIAm } from '../support/received-i-am';

/** A device of `objects` (its object-list), each with a name, analog ones with a value and units. */
function fakeDevice(instance: number, objects: string[]) {
  const reads: string[] = [];
  const value = (req: ReadRequest): PropertyValue | Error => {
    const property = nameOf(PROPERTY_IDENTIFIERS, req.property);
    const object = formatObjectReference(req.object);
    reads.push(`${object} ${property}${req.index === null ? '' : `[${req.index}]`}`);
    if (req.device.kind !== 'instance' || req.device.instance !== instance) return new Error(`device ${JSON.stringify(req.device)} not found`);
    if (property === 'object-list') {
      if (req.index === 0) return objects.length;
      return req.index !== null && req.index <= objects.length ? objects[req.index - 1]! : new Error('property / invalid-array-index');
    }
    if (!objects.includes(object)) return new Error('object / unknown-object');
    if (property === 'object-name') return `name of ${object}`;
    if (property === 'present-value') return object.startsWith('analog') ? 21.5 : 'active';
    if (property === 'units' && object.startsWith('analog')) return 'degrees-celsius';
    return new Error('property / unknown-property');
  };
  return {
    reads,
    readOne: async (req: ReadRequest): Promise<PropertyValue> => {
      const v = value(req);
      if (v instanceof Error) throw v;
      return v;
    },
    readMany: async (requests: ReadRequest[]): Promise<MultipleReadOutcome[]> =>
      requests.map((req) => {
        const v = value(req);
        return v instanceof Error ? { error: v } : { value: v, bacnet: { device: { instance, address: '10.0.4.7', port: 47808 }, object: '', property: '', index: null } };
      }),
  };
}

const OBJECTS = ['device:7', 'analog-input:1', 'analog-input:2', 'binary-value:1', 'analog-value:3'];

function listing(clock: FakeClock, device = fakeDevice(7, OBJECTS), named: [number, string][] = []) {
  return new ObjectListing({ clock, readOne: device.readOne, readMany: device.readMany, deviceNamed: (i, n) => named.push([i, n]) });
}

describe('point browser: object listing (fake clock)', () => {
  it('gives a page with object-name, present-value and units (units only where the type has them), and learns the device name', async () => {
    const clock = new FakeClock();
    const named: [number, string][] = [];
    const device = fakeDevice(7, OBJECTS);
    const page = await listing(clock, device, named).list(7, 0, 100);
    assert.equal(page.total, 5);
    assert.deepEqual(page.objects, [
      { object: 'device:7', name: 'name of device:7' },
      { object: 'analog-input:1', name: 'name of analog-input:1', presentValue: 21.5, units: 'degrees-celsius' },
      { object: 'analog-input:2', name: 'name of analog-input:2', presentValue: 21.5, units: 'degrees-celsius' },
      { object: 'binary-value:1', name: 'name of binary-value:1', presentValue: 'active' },
      { object: 'analog-value:3', name: 'name of analog-value:3', presentValue: 21.5, units: 'degrees-celsius' },
    ]);
    assert.deepEqual(named, [[7, 'name of device:7']]);
    assert.ok(!device.reads.includes('device:7 present-value'), 'a Device object is not asked for a present-value');
    assert.ok(!device.reads.includes('binary-value:1 units'), 'a binary object is not asked for units');
  });

  it('reads nothing twice within a minute, and everything again after it', async () => {
    const clock = new FakeClock();
    const device = fakeDevice(7, OBJECTS);
    const browser = listing(clock, device);
    const first = await browser.list(7, 0, 100);
    const readsAfterFirst = device.reads.length;
    assert.equal(readsAfterFirst, 1 + 5 + 5 + 4 + 3, 'length, 5 elements, 5 names, 4 values, 3 units');
    await clock.advance(CACHE_MS - 1);
    assert.deepEqual(await browser.list(7, 0, 100), first);
    assert.deepEqual(await browser.list(7, 1, 2), { total: 5, objects: first.objects.slice(1, 3) });
    assert.equal(device.reads.length, readsAfterFirst, 'the same minute: from the cache');
    await clock.advance(1);
    await browser.list(7, 0, 100);
    assert.equal(device.reads.length, 2 * readsAfterFirst, 'a minute later: read again');
  });

  it('reads only the page asked for; an offset past the end gives no objects', async () => {
    const clock = new FakeClock();
    const device = fakeDevice(7, OBJECTS);
    const browser = listing(clock, device);
    const page = await browser.list(7, 2, 2);
    assert.deepEqual(
      page.objects.map((o) => o.object),
      ['analog-input:2', 'binary-value:1'],
    );
    assert.deepEqual(
      device.reads.filter((r) => r.includes('object-list')),
      ['device:7 object-list[0]', 'device:7 object-list[3]', 'device:7 object-list[4]'],
    );
    assert.deepEqual(await browser.list(7, 5, 10), { total: 5, objects: [] });
  });

  it('refuses a bad instance, offset or limit before reading', async () => {
    const clock = new FakeClock();
    const device = fakeDevice(7, OBJECTS);
    const browser = listing(clock, device);
    for (const [instance, offset, limit, words] of [
      [7, 0, 0, /limit must be a whole number 1\.\.100, got 0/],
      [7, 0, 101, /limit must be a whole number 1\.\.100, got 101/],
      [7, -1, 10, /offset must be a whole number/],
      [7, 0.5, 10, /offset must be a whole number/],
      [4194303, 0, 10, /device instance must be a whole number 0\.\.4194302/],
    ] as const) {
      await assert.rejects(browser.list(instance, offset, limit), (err: Error) => err instanceof BrowserError && err.kind === 'bad-input' && words.test(err.message));
    }
    assert.deepEqual(device.reads, []);
  });

  it('runs one listing at a time: one more waits its turn, the same page is shared, a third is refused as busy', async () => {
    const clock = new FakeClock();
    const device = fakeDevice(7, OBJECTS);
    let inFlight = 0;
    let most = 0;
    const slow = async (requests: ReadRequest[]): Promise<MultipleReadOutcome[]> => {
      inFlight++;
      most = Math.max(most, inFlight);
      await clock.advance(0);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return device.readMany(requests);
    };
    const browser = new ObjectListing({ clock, readOne: device.readOne, readMany: slow, deviceNamed: () => undefined });
    const a = browser.list(7, 0, 2);
    const again = browser.list(7, 0, 2);
    const b = browser.list(7, 2, 2);
    await assert.rejects(browser.list(7, 4, 1), (err: Error) => err instanceof BrowserError && err.kind === 'busy' && /another object listing is running/.test(err.message));
    const [pageA, pageAgain, pageB] = await Promise.all([a, again, b]);
    assert.equal(pageA, pageAgain, 'the same page asked twice shares one reading');
    assert.deepEqual(pageB.objects.map((o) => o.object), ['analog-input:2', 'binary-value:1']);
    assert.equal(most, 1, 'never two listings reading at once');
    assert.deepEqual((await browser.list(7, 4, 1)).objects.map((o) => o.object), ['analog-value:3'], 'free again afterwards');
  });

  it('leaves out what an object lacks, but fails a page whose every detail failed (the device stopped answering)', async () => {
    const clock = new FakeClock();
    const device = fakeDevice(7, OBJECTS);
    let silent = false;
    const readMany = async (requests: ReadRequest[]): Promise<MultipleReadOutcome[]> =>
      silent && requests.some((r) => r.property !== 76) ? requests.map(() => ({ error: new Error('device 7 did not answer') })) : device.readMany(requests);
    const browser = new ObjectListing({ clock, readOne: device.readOne, readMany, deviceNamed: () => undefined });
    silent = true;
    await assert.rejects(browser.list(7, 0, 2), /device 7 did not answer/);
    silent = false;
    assert.equal((await browser.list(7, 0, 2)).objects[1]!.name, 'name of analog-input:1', 'nothing wrong was cached');
  });

  it('fails the page when the device gives a length that is not a count, or an element that is not an object', async () => {
    const clock = new FakeClock();
    const bad = (value: PropertyValue, index: number) =>
      new ObjectListing({
        clock,
        readOne: async () => (index === 0 ? value : 3),
        readMany: async (requests) => requests.map(() => ({ value, bacnet: { device: { instance: 7, address: '', port: 0 }, object: '', property: '', index: null } })),
        deviceNamed: () => undefined,
      });
    await assert.rejects(bad('many', 0).list(7, 0, 10), /device 7 gave "many" as the length of its object-list, not a count/);
    await assert.rejects(bad(12, 1).list(7, 0, 10), /device 7 gave 12 as object-list\[1\], not an object identifier/);
  });

  it(`remembers at most ${MAX_CACHED_DEVICES} devices, the least recently browsed forgotten first`, async () => {
    const clock = new FakeClock();
    const devices = new Map<number, ReturnType<typeof fakeDevice>>();
    for (let i = 0; i <= MAX_CACHED_DEVICES; i++) devices.set(i, fakeDevice(i, [`device:${i}`]));
    const of = (req: ReadRequest) => devices.get((req.device as { instance: number }).instance)!;
    const browser = new ObjectListing({
      clock,
      readOne: (req) => of(req).readOne(req),
      readMany: async (requests) => of(requests[0]!).readMany(requests),
      deviceNamed: () => undefined,
    });
    for (let i = 0; i <= MAX_CACHED_DEVICES; i++) await browser.list(i, 0, 1);
    const before = devices.get(0)!.reads.length;
    await browser.list(MAX_CACHED_DEVICES, 0, 1);
    await browser.list(1, 0, 1);
    assert.equal(devices.get(1)!.reads.length, before, 'device 1 still cached');
    await browser.list(0, 0, 1);
    assert.equal(devices.get(0)!.reads.length, 2 * before, 'device 0, the oldest, was forgotten and read again');
  });
});

describe('point browser: devices and Who-Is (fake clock)', () => {
  function browserWith(clock: FakeClock, readOne: (req: ReadRequest) => Promise<PropertyValue>) {
    const table = new DeviceTable({ clock });
    let whoIs = 0;
    const warnings: string[] = [];
    const browser = new PointBrowser({
      clock,
      table,
      label: '192.168.1.10:47808',
      warn: (text) => warnings.push(text),
      readOne,
      readMany: async () => [],
      whoIs: async () => {
        whoIs++;
      },
    });
    return { table, browser, whoIs: () => whoIs, warnings };
  }

  it('lists the table as CLIENT.md says, routed devices with network and mac', () => {
    const clock = new FakeClock();
    const { table, browser } = browserWith(clock, () => new Promise(() => undefined));
    table.observe(receivedIAm(1201, { address: '10.0.4.7', vendorId: 5, maxApdu: 480, segmentation: 3, snet: 5, sadr: '0a' }));
    table.observe(receivedIAm(1200, { address: '10.0.4.8', segmentation: 0 }));
    assert.deepEqual(browser.devices(), [
      { instance: 1200, name: null, address: '10.0.4.8', port: 47808, vendorId: 260, maxApdu: 1476, segmentation: 'segmented-both', lastSeen: clock.now() },
      { instance: 1201, name: null, address: '10.0.4.7', port: 47808, network: 5, mac: '0a', vendorId: 5, maxApdu: 480, segmentation: 'no-segmentation', lastSeen: clock.now() },
    ]);
  });

  it(`reads names in the background, ${NAME_READS_AT_ONCE} at a time, each at most once a minute`, async () => {
    const clock = new FakeClock();
    const asked: number[] = [];
    const pending: (() => void)[] = [];
    const { table, browser } = browserWith(clock, (req) => {
      const instance = (req.device as { instance: number }).instance;
      asked.push(instance);
      return new Promise((resolve, reject) => pending.push(() => (instance === 3 ? reject(new Error('no answer')) : resolve(`Device ${instance}`))));
    });
    for (const instance of [1, 2, 3, 4]) table.observe(receivedIAm(instance, { address: `10.0.4.${instance}` }));
    browser.devices();
    assert.deepEqual(asked, [1, 2], 'two at once');
    for (let i = 0; i < 10 && pending.length > 0; i++) {
      pending.shift()!();
      await flush();
    }
    assert.deepEqual(asked, [1, 2, 3, 4]);
    assert.deepEqual(
      browser.devices().map((d) => d.name),
      ['Device 1', 'Device 2', null, 'Device 4'],
    );
    assert.deepEqual(asked, [1, 2, 3, 4], 'device 3 not asked again within the minute');
    await clock.advance(CACHE_MS);
    browser.devices();
    assert.deepEqual(asked, [1, 2, 3, 4, 3], 'a minute later, once more');
    browser.close();
  });

  it(`sends a Who-Is at most every ${WHO_IS_INTERVAL_MS / 1000} s`, async () => {
    const clock = new FakeClock();
    const { browser, whoIs } = browserWith(clock, async () => 'x');
    browser.whoIs();
    await clock.advance(WHO_IS_INTERVAL_MS - 100);
    assert.throws(
      () => browser.whoIs(),
      (err: Error) => err instanceof BrowserError && err.kind === 'too-soon' && err.message === 'a Who-Is went out through 192.168.1.10:47808 4.9 s ago: at most one every 5 s',
    );
    await clock.advance(100);
    browser.whoIs();
    await flush();
    assert.equal(whoIs(), 2);
  });

  it('says when a Who-Is could not be sent', async () => {
    const clock = new FakeClock();
    const warnings: string[] = [];
    const browser = new PointBrowser({
      clock,
      table: new DeviceTable({ clock }),
      label: 'x',
      warn: (text) => warnings.push(text),
      readOne: async () => 0,
      readMany: async () => [],
      whoIs: async () => {
        throw new Error('the broadcast queue is full');
      },
    });
    browser.whoIs();
    await flush();
    assert.deepEqual(warnings, ["the point browser's Who-Is was not sent: the broadcast queue is full"]);
  });
});
