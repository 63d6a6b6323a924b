/**
 * The wire test's confirmed requests, sent through the package's own client
 * (BacnetClient on the registration lease, as the config node does): a
 * ReadProperty of a present-value, a WriteProperty with a priority and its
 * NULL relinquish, a segmented object-list read, a read through a router, a
 * read answered with an Error-PDU and an fd-read-like array of reads sent as
 * one ReadPropertyMultiple (with errors per property in its Complex-ACK); and
 * the frames each phase must hold as
 * Wireshark decodes them. Invoke IDs and Segment-ACKs are taken from what the
 * fake devices received (their request and Segment-ACK logs).
 */
import assert from 'node:assert/strict';
import type { BacnetClient } from '../../dist/client/bacnet-client';
import type { ReadRequest } from '../../dist/client/point-client';
import { OBJECT_TYPES, PROPERTY_IDENTIFIERS, numberOf } from '../../dist/protocol/names';
import type { FakeDevice } from '../support/fake-device';
import { until } from '../support/wait';
import type { RequestSeen, SegmentAckSeen } from '../support/fake-device-server';
import type { Expected } from './frames';

/** The large device's segmented answers: max APDU 480 (segments of 475 octets) and window 2, so that its object-list takes several windows. */
export const LARGE_DEVICE_OPTIONS = { maxApdu: 480, windowSize: 2 };

const READ_PROPERTY = '12';
const WRITE_PROPERTY = '15';
const READ_PROPERTY_MULTIPLE = '14';
/** Our confirmed requests' max-APDU-length-accepted 1476 (code 5) and max-segments-accepted 64 (code 6). */
const MAX_APDU_CODE = '5';
const MAX_SEGMENTS_CODE = '6';
const PRIORITY = 8;
const SETPOINT = 23.5;
const ROUTED_NETWORK = '5';
/** The routed device's MAC 0a, one octet: Wireshark shows it as DADR/SADR (MS/TP-sized). */
const ROUTED_MAC = '10';

const prop = (name: string): number => numberOf(PROPERTY_IDENTIFIERS, name);
const type = (name: string): number => numberOf(OBJECT_TYPES, name);

/** The read-multiple phase's reads: object type, instance, property; analog-input:9 is not on the device, and an analog-input has no priority-array. */
const MULTIPLE_READS: [string, number, string][] = [
  ['analog-input', 1, 'present-value'],
  ['analog-input', 1, 'units'],
  ['analog-input', 9, 'present-value'],
  ['analog-input', 1, 'priority-array'],
];

/** What the devices saw in each phase: the requests (for their invoke IDs), Segment-ACKs, segments sent. */
export interface ConfirmedRun {
  requests: Map<string, RequestSeen[]>;
  segmentAcks: SegmentAckSeen[];
  segments: number;
}

export interface ConfirmedDevices {
  routed: FakeDevice;
  direct: FakeDevice;
  large: FakeDevice;
}

/** The phases, each a request (or two) sent and answered before the next starts. */
export async function runConfirmedPhases(client: BacnetClient, devices: ConfirmedDevices, setPhase: (phase: string) => void): Promise<ConfirmedRun> {
  const { routed, direct, large } = devices;
  const run: ConfirmedRun = { requests: new Map(), segmentAcks: [], segments: 0 };
  const phase = async <T>(name: string, device: FakeDevice, body: () => Promise<T>): Promise<T> => {
    setPhase(name);
    const before = device.server.requests.length;
    const result = await body();
    run.requests.set(name, device.server.requests.slice(before));
    return result;
  };
  const req = (device: FakeDevice, object: string, instance: number, property: string): ReadRequest => ({
    device: { kind: 'instance', instance: device.deviceInstance },
    object: { type: type(object), instance },
    property: prop(property),
    index: null,
    timeoutMs: 2000,
    retries: 0,
  });

  const pv = await phase('read-property', direct, () => client.points.read(req(direct, 'analog-input', 1, 'present-value')));
  assert.equal(pv.value, 21.5);

  const setpoint = req(direct, 'analog-value', 1, 'present-value');
  const written = await phase('write-property', direct, () => client.points.write({ ...setpoint, value: SETPOINT, valueType: null, priority: PRIORITY }));
  assert.equal(written.priority, PRIORITY);
  assert.equal(direct.objects.get('analog-value:1', 'present-value'), SETPOINT);
  await phase('relinquish', direct, () => client.points.write({ ...setpoint, value: null, valueType: null, priority: PRIORITY }));
  assert.equal(direct.objects.get('analog-value:1', 'present-value'), 20, 'relinquished: back to relinquish-default');

  const acksBefore = large.server.segmentAcks.length;
  const sentBefore = large.server.counters.segmentsSent;
  const list = await phase('segmented', large, () => client.points.read(req(large, 'device', large.deviceInstance, 'object-list')));
  assert.deepEqual(list.value, large.objects.keys());
  // Our last Segment-ACK went out before the read resolved; the device takes it a moment later.
  await until(() => large.server.counters.segmentedCompleted === 1, 2000, 'the device to take the last Segment-ACK');
  run.segmentAcks = large.server.segmentAcks.slice(acksBefore);
  run.segments = large.server.counters.segmentsSent - sentBefore;

  const name = await phase('routed', routed, () => client.points.read(req(routed, 'device', routed.deviceInstance, 'object-name')));
  assert.equal(name.value, `Fake device ${routed.deviceInstance}`);
  assert.deepEqual({ network: name.bacnet.device.network, mac: name.bacnet.device.mac }, { network: 5, mac: '0a' });

  await phase('error', direct, () =>
    assert.rejects(client.points.read(req(direct, 'analog-input', 99, 'present-value')), /refused ReadProperty of analog-input:99 present-value: object \/ unknown-object/),
  );
  // An fd-read array to one device: two values, an object and a property the device lacks, in one request.
  const outcomes = await phase('read-multiple', direct, () => client.multiple.read(MULTIPLE_READS.map(([o, i, p]) => req(direct, o, i, p))));
  assert.deepEqual(
    outcomes.map((o) => ('error' in o ? o.error.message.replace(/^.*: /, '') : o.value)),
    [21.5, 'degrees-celsius', 'object / unknown-object', 'property / unknown-property'],
  );
  for (const [name, seen] of run.requests) assert.equal(seen.length, 1, `phase ${name}: the device received one request`);
  assert.equal(run.requests.get('read-multiple')?.[0]?.service, 'ReadPropertyMultiple');
  assert.deepEqual(['write-property', 'relinquish'].map((p) => run.requests.get(p)?.[0]?.priority), [PRIORITY, PRIORITY]);
  return run;
}

/** The Segment-ACKs our reassembly owes for `segments` segments in windows of `window` (the first window holds segment 0 alone): 0, window, 2 window, ..., the last. */
export function expectedAckSequence(segments: number, window: number): number[] {
  const acks = [0];
  for (let seq = window; seq < segments - 1; seq += window) acks.push(seq);
  if (segments > 1) acks.push(segments - 1);
  return acks;
}

/** The frames of each confirmed phase, as Wireshark must decode them. */
export function confirmedExpectations(run: ConfirmedRun, devices: ConfirmedDevices, port: (d: FakeDevice) => number): Record<string, Expected[]> {
  const { routed, direct, large } = devices;
  const invokeId = (phase: string): string => String(run.requests.get(phase)?.[0]?.invokeId ?? NaN);
  const objectFields = (object: string, instance: number, property: string): Record<string, string[]> => ({
    'bacapp.objectType': [String(type(object))],
    'bacapp.instance_number': [String(instance)],
    'bacapp.property_identifier': [String(prop(property))],
  });
  const request = (what: string, device: FakeDevice, phase: string, service: string, fields: Record<string, string[]>, texts: string[] = []): Expected => ({
    what: `${what} (invoke ID ${invokeId(phase)})`,
    direction: 'sent',
    peer: port(device),
    function: 0x0a,
    length: null,
    fields: {
      'bacnet.control_expect': ['1'],
      'bacapp.type': ['0'],
      'bacapp.segmented_request': ['0'],
      'bacapp.more_segments': ['0'],
      'bacapp.SA': ['1'],
      'bacapp.response_segments': [MAX_SEGMENTS_CODE],
      'bacapp.max_adpu_size': [MAX_APDU_CODE],
      'bacapp.invoke_id': [invokeId(phase)],
      'bacapp.confirmed_service': [service],
      ...fields,
    },
    texts,
  });
  const answer = (what: string, device: FakeDevice, phase: string, apduType: string, service: string, fields: Record<string, string[]>, texts: string[] = []): Expected => ({
    what,
    direction: 'received',
    peer: port(device),
    function: 0x0a,
    length: null,
    fields: { 'bacapp.type': [apduType], 'bacapp.invoke_id': [invokeId(phase)], 'bacapp.confirmed_service': [service], ...fields },
    texts,
  });
  const unsegmented = { 'bacapp.segmented_request': ['0'], 'bacapp.more_segments': ['0'], 'bacapp.sequence_number': [], 'bacapp.window_size': [] };
  const pv = objectFields('analog-input', 1, 'present-value');
  const setpoint = objectFields('analog-value', 1, 'present-value');
  // Wireshark shows the priority [4] as a text item only.
  const priority = [`Priority: (Unsigned) ${PRIORITY}`];
  const simpleAck = (phase: string): Expected => answer('Simple-ACK WriteProperty', direct, phase, '2', WRITE_PROPERTY, {});

  const objectList = objectFields('device', large.deviceInstance, 'object-list');
  // The last segment carries Wireshark's reassembly of them all: the Complex-ACK's object, then every entry of the list.
  const listed = [`device:${large.deviceInstance}`, ...large.objects.keys()].map((key) => key.split(':'));
  const reassembled = {
    'bacapp.fragment.count': [String(run.segments)],
    'bacapp.objectType': listed.map(([t]) => String(type(t))),
    'bacapp.instance_number': listed.map(([, i]) => i),
    'bacapp.property_identifier': [String(prop('object-list'))],
  };
  const last = run.segments - 1;
  const window = String(LARGE_DEVICE_OPTIONS.windowSize);
  const segments: Expected[] = Array.from({ length: run.segments }, (_, seq) =>
    answer(`segment ${seq} of ${run.segments} of the object-list Complex-ACK`, large, 'segmented', '3', READ_PROPERTY, {
      'bacapp.segmented_request': ['1'],
      'bacapp.more_segments': [seq < last ? '1' : '0'],
      'bacapp.sequence_number': [String(seq)],
      'bacapp.window_size': [window],
      ...(seq === last ? reassembled : {}),
    }),
  );
  const segmentAcks: Expected[] = run.segmentAcks.map((ack) => ({
    what: `Segment-ACK ${ack.sequenceNumber}`,
    direction: 'sent',
    peer: port(large),
    function: 0x0a,
    length: null,
    fields: {
      'bacapp.type': ['4'],
      'bacapp.NAK': ['0'],
      'bacapp.SRV': ['0'],
      'bacapp.invoke_id': [invokeId('segmented')],
      'bacapp.sequence_number': [String(ack.sequenceNumber)],
      'bacapp.window_size': [window],
    },
  }));
  // One specification per object, in the order first named: analog-input:1 (present-value, units, priority-array), analog-input:9 (present-value).
  const multipleFields = {
    'bacapp.objectType': [String(type('analog-input')), String(type('analog-input'))],
    'bacapp.instance_number': ['1', '9'],
    'bacapp.property_identifier': ['present-value', 'units', 'priority-array', 'present-value'].map((p) => String(prop(p))),
  };
  const routedName = objectFields('device', routed.deviceInstance, 'object-name');

  return {
    'read-property': [
      request('ReadProperty analog-input:1 present-value', direct, 'read-property', READ_PROPERTY, pv),
      answer('Complex-ACK present-value 21.5', direct, 'read-property', '3', READ_PROPERTY, { ...unsegmented, ...pv, 'bacapp.present_value.real': ['21.5'] }),
    ],
    'write-property': [
      request(`WriteProperty analog-value:1 present-value ${SETPOINT} priority ${PRIORITY}`, direct, 'write-property', WRITE_PROPERTY, {
        ...setpoint,
        'bacapp.present_value.real': [String(SETPOINT)],
      }, priority),
      simpleAck('write-property'),
    ],
    relinquish: [
      request(`WriteProperty analog-value:1 present-value NULL priority ${PRIORITY}`, direct, 'relinquish', WRITE_PROPERTY, {
        ...setpoint,
        'bacapp.present_value.real': [],
        'bacapp.present_value.null': ['NULL'],
      }, priority),
      simpleAck('relinquish'),
    ],
    segmented: [request(`ReadProperty device:${large.deviceInstance} object-list`, large, 'segmented', READ_PROPERTY, objectList), ...segments, ...segmentAcks],
    routed: [
      request(`ReadProperty device:${routed.deviceInstance} object-name to DNET 5 DADR 0a`, routed, 'routed', READ_PROPERTY, {
        ...routedName,
        'bacnet.dnet': [ROUTED_NETWORK],
        'bacnet.dlen': ['1'],
        'bacnet.dadr_mstp': [ROUTED_MAC],
        'bacnet.snet': [],
      }),
      answer('Complex-ACK object-name from SNET 5 SADR 0a', routed, 'routed', '3', READ_PROPERTY, {
        ...unsegmented,
        ...routedName,
        'bacnet.snet': [ROUTED_NETWORK],
        'bacnet.slen': ['1'],
        'bacnet.sadr_mstp': [ROUTED_MAC],
        'bacnet.dnet': [],
        'bacapp.object_name': [`Fake device ${routed.deviceInstance}`],
      }),
    ],
    error: [
      request('ReadProperty analog-input:99 present-value', direct, 'error', READ_PROPERTY, objectFields('analog-input', 99, 'present-value')),
      // Error class object (1), error code unknown-object (31).
      answer('Error-PDU object / unknown-object', direct, 'error', '5', READ_PROPERTY, { 'bacapp.error_class': ['1'], 'bacapp.error_code': ['31'] }),
    ],
    'read-multiple': [
      request('ReadPropertyMultiple analog-input:1 present-value, units, priority-array; analog-input:9 present-value', direct, 'read-multiple', READ_PROPERTY_MULTIPLE, {
        ...multipleFields,
        'bacapp.error_class': [],
      }),
      // The values, then the errors in place of values: property / unknown-property (2 / 32), object / unknown-object (1 / 31).
      answer('Complex-ACK ReadPropertyMultiple with two values and two errors', direct, 'read-multiple', '3', READ_PROPERTY_MULTIPLE, {
        ...unsegmented,
        ...multipleFields,
        'bacapp.present_value.real': ['21.5'],
        'bacapp.error_class': ['2', '1'],
        'bacapp.error_code': ['32', '31'],
      }, ['units:  Degrees Celsius (62)', 'propertyAccessError']),
    ],
  };
}
