/**
 * Reliability 5: bad input, one table. Every editor field of every node and
 * every msg property the nodes read, tried with wrong types, out-of-range,
 * empty and huge values, in a real Node-RED runtime (test helper) against the
 * emulator. For each: the error has the expected i18n key and a detail that
 * says what is accepted, rendered with the package's real en-US catalog (the
 * helper's own RED._ returns bare keys, which would hide the detail); the text
 * is of a readable length however big the input; nothing is sent; and the node
 * goes on working (a good message is sent, or the corrected setting is
 * deployed as a modified node and works, without a restart).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import helper from 'node-red-node-test-helper';
import type { FdSnapshot } from '../../dist/registration/types';
import { openEndpoints } from '../../dist/transport/endpoint-registry';
import { BbmdEmulator } from '../support/bbmd-emulator';
import { FlowNode, NodeModule, callsOf, catchNode, collect, errorsOf, packageNodes, statusOf } from '../support/red-helper';
import { LOOPBACK, closeSocket, pause, rawSocket, record, until } from './support';

helper.init(require.resolve('node-red'));

// ---- the package's en-US catalog, as Node-RED would render it --------------------------

const LOCALES = path.join(__dirname, '..', '..', 'nodes', 'locales', 'en-US');
const catalog: Record<string, unknown> = {};
for (const file of fs.readdirSync(LOCALES).filter((f) => f.endsWith('.json'))) {
  merge(catalog, JSON.parse(fs.readFileSync(path.join(LOCALES, file), 'utf8')) as Record<string, unknown>);
}

function merge(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(from)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) merge((into[k] ??= {}) as Record<string, unknown>, v as Record<string, unknown>);
    else into[k] = v;
  }
}

function template(key: string): string {
  const text = key.split('.').reduce<unknown>((at, part) => (at as Record<string, unknown> | undefined)?.[part], catalog);
  assert.equal(typeof text, 'string', `no catalog text for ${key}`);
  return text as string;
}

/** RED._ as i18next renders it: __name__ replaced by the parameter. */
function translate(key: string, params: Record<string, unknown> = {}): string {
  const text = key.split('.').reduce<unknown>((at, part) => (at as Record<string, unknown> | undefined)?.[part], catalog);
  if (typeof text !== 'string') return key;
  return text.replace(/__(\w+)__/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** The detail inside a message rendered from `key`, or null when the message is not that key's text. */
function detailOf(key: string, message: string): string | null {
  const pattern = template(key)
    .split(/(__\w+__)/)
    .map((part) => (part === '__detail__' ? '([\\s\\S]*)' : /^__\w+__$/.test(part) ? '[\\s\\S]*?' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const m = new RegExp(`^${pattern}$`).exec(message);
  return m ? (m[1] ?? '') : null;
}

const withCatalog = (mod: NodeModule): NodeModule => (RED: unknown) => {
  (RED as { _: typeof translate })._ = translate;
  return mod(RED);
};
// The helper finds the core Catch node by identity: only the package's modules are wrapped.
const NODES = [...packageNodes('bacnet-bbmd', 'fd-broadcast', 'fd-status', 'fd-receive', 'fd-send').map(withCatalog), catchNode()];

// ---- the table ------------------------------------------------------------------------

type NodeType = 'bacnet-bbmd' | 'fd-broadcast' | 'fd-status' | 'fd-receive' | 'fd-send';

interface Row {
  node: NodeType;
  /** An editor field, or "msg.<property>". */
  field: string;
  what: string;
  value: unknown;
  /** The i18n key of the error; null: accepted (works as documented). 'raw' for an untranslated system error. */
  key: string | null | 'raw';
  /** What the detail must say (the accepted values, or what to do). */
  detail?: RegExp;
  /** Other fields of the node (a Who-Is range needs who-is mode, ...). */
  with?: Record<string, unknown>;
  /** A known problem, reported to whoever owns the file: the row must still fail, or the mark must go. */
  known?: string;
}

const HUGE = 'x'.repeat(1_000_000);
const HUGE_DIGITS = '9'.repeat(100_000);
const WHOIS = { mode: 'who-is' };

const INT_BBMD_PORT = /BBMD port must be a whole number 1\.\.65535/;
const INT_TTL = /TTL \(seconds\) must be a whole number 1\.\.65535/;
const INT_LOCAL_PORT = /local port \(0 = automatic\) must be a whole number 0\.\.65535/;
const INT_RECV = /receive buffer size \(bytes\) must be a whole number 0\.\.2147483647/;
const HOST = /BBMD host .*(is required: an IPv4 address or a host name|is neither an IPv4 address nor a host name)/;
const LOCAL_ADDRESS = /local address .*is not an IPv4 address \(0\.0\.0\.0 = every interface\)/;
const PUBLIC = /public address .*must be "a\.b\.c\.d" or "a\.b\.c\.d:port"/;
const DEREGISTER = /deregister must be true or false/;
const MODE = /mode must be "npdu" or "who-is"/;
const WHOIS_LOW = /Who-Is low limit must be a whole number 0\.\.4194303/;
const WHOIS_HIGH = /Who-Is high limit must be a whole number 0\.\.4194303/;
const MAX_RATE = /max rate \(broadcasts per second, 0 = no limit\) must be a whole number 0\.\.100000/;
const FILTER = /filter must be "all", "broadcasts" or "i-am"/;
const DEDUP = /dedup must be true or false/;
const PAYLOAD_FORMS = /expected a Buffer, a Uint8Array, an array of byte values \(0\.\.255\) or a hex string/;
const DESTINATION = /expected \{address, port\} or "host:port"|expected "host" or "host:port"|must be an IPv4 address or a host name|expected an IPv4 address or a host name|must be 1\.\.65535|expected a number 1\.\.65535|must not carry a port/;

const SETTINGS: Row[] = [
  // bacnet-bbmd: host
  { node: 'bacnet-bbmd', field: 'host', what: 'empty', value: '', key: 'bacnet-bbmd.errors.settings', detail: HOST },
  { node: 'bacnet-bbmd', field: 'host', what: 'blank', value: '   ', key: 'bacnet-bbmd.errors.settings', detail: HOST },
  { node: 'bacnet-bbmd', field: 'host', what: 'missing', value: undefined, key: 'bacnet-bbmd.errors.settings', detail: HOST },
  { node: 'bacnet-bbmd', field: 'host', what: 'an unset ${ENV_VAR}', value: '${BACNET_FD_RELIABILITY_UNSET}', key: 'bacnet-bbmd.errors.settings', detail: HOST },
  { node: 'bacnet-bbmd', field: 'host', what: 'not a host name', value: 'bbmd site!', key: 'bacnet-bbmd.errors.settings', detail: HOST },
  { node: 'bacnet-bbmd', field: 'host', what: 'an address out of range', value: '256.1.1.1', key: 'bacnet-bbmd.errors.settings', detail: HOST },
  { node: 'bacnet-bbmd', field: 'host', what: 'with a port', value: '127.0.0.1:47808', key: 'bacnet-bbmd.errors.settings', detail: HOST },
  { node: 'bacnet-bbmd', field: 'host', what: 'a number', value: 42, key: 'bacnet-bbmd.errors.settings', detail: HOST },
  { node: 'bacnet-bbmd', field: 'host', what: 'a boolean', value: true, key: 'bacnet-bbmd.errors.settings', detail: /BBMD host must be text/ },
  { node: 'bacnet-bbmd', field: 'host', what: 'an object', value: { a: 1 }, key: 'bacnet-bbmd.errors.settings', detail: /BBMD host must be text/ },
  { node: 'bacnet-bbmd', field: 'host', what: 'huge (1 MB)', value: HUGE, key: 'bacnet-bbmd.errors.settings', detail: HOST },
  // port
  { node: 'bacnet-bbmd', field: 'port', what: '0', value: '0', key: 'bacnet-bbmd.errors.settings', detail: INT_BBMD_PORT },
  { node: 'bacnet-bbmd', field: 'port', what: '65536', value: 65536, key: 'bacnet-bbmd.errors.settings', detail: INT_BBMD_PORT },
  { node: 'bacnet-bbmd', field: 'port', what: 'negative', value: '-1', key: 'bacnet-bbmd.errors.settings', detail: INT_BBMD_PORT },
  { node: 'bacnet-bbmd', field: 'port', what: 'fractional', value: '4780.8', key: 'bacnet-bbmd.errors.settings', detail: INT_BBMD_PORT },
  { node: 'bacnet-bbmd', field: 'port', what: 'text', value: 'bacnet', key: 'bacnet-bbmd.errors.settings', detail: INT_BBMD_PORT },
  { node: 'bacnet-bbmd', field: 'port', what: 'NaN', value: NaN, key: 'bacnet-bbmd.errors.settings', detail: INT_BBMD_PORT },
  { node: 'bacnet-bbmd', field: 'port', what: 'a boolean', value: true, key: 'bacnet-bbmd.errors.settings', detail: INT_BBMD_PORT },
  { node: 'bacnet-bbmd', field: 'port', what: 'an array', value: [47808], key: 'bacnet-bbmd.errors.settings', detail: INT_BBMD_PORT },
  { node: 'bacnet-bbmd', field: 'port', what: 'huge (100,000 digits)', value: HUGE_DIGITS, key: 'bacnet-bbmd.errors.settings', detail: INT_BBMD_PORT },
  // ttl
  { node: 'bacnet-bbmd', field: 'ttl', what: '0', value: '0', key: 'bacnet-bbmd.errors.settings', detail: INT_TTL },
  { node: 'bacnet-bbmd', field: 'ttl', what: '65536', value: '65536', key: 'bacnet-bbmd.errors.settings', detail: INT_TTL },
  { node: 'bacnet-bbmd', field: 'ttl', what: 'fractional', value: 1.5, key: 'bacnet-bbmd.errors.settings', detail: INT_TTL },
  { node: 'bacnet-bbmd', field: 'ttl', what: 'text', value: 'sixty', key: 'bacnet-bbmd.errors.settings', detail: INT_TTL },
  { node: 'bacnet-bbmd', field: 'ttl', what: 'an exponent', value: '6e1', key: 'bacnet-bbmd.errors.settings', detail: INT_TTL },
  { node: 'bacnet-bbmd', field: 'ttl', what: 'an object', value: {}, key: 'bacnet-bbmd.errors.settings', detail: INT_TTL },
  { node: 'bacnet-bbmd', field: 'ttl', what: 'Infinity', value: Infinity, key: 'bacnet-bbmd.errors.settings', detail: INT_TTL },
  // localAddress
  { node: 'bacnet-bbmd', field: 'localAddress', what: 'a host name', value: 'localhost', key: 'bacnet-bbmd.errors.settings', detail: LOCAL_ADDRESS },
  { node: 'bacnet-bbmd', field: 'localAddress', what: 'three octets', value: '10.0.0', key: 'bacnet-bbmd.errors.settings', detail: LOCAL_ADDRESS },
  { node: 'bacnet-bbmd', field: 'localAddress', what: 'IPv6', value: '::1', key: 'bacnet-bbmd.errors.settings', detail: LOCAL_ADDRESS },
  { node: 'bacnet-bbmd', field: 'localAddress', what: 'a boolean', value: false, key: 'bacnet-bbmd.errors.settings', detail: /local address must be text/ },
  { node: 'bacnet-bbmd', field: 'localAddress', what: 'huge (1 MB)', value: HUGE, key: 'bacnet-bbmd.errors.settings', detail: LOCAL_ADDRESS },
  {
    node: 'bacnet-bbmd',
    field: 'localAddress',
    what: 'not an address of this machine (TEST-NET-1)',
    value: '192.0.2.1',
    key: 'raw',
    detail: /cannot bind UDP 192\.0\.2\.1:0: 192\.0\.2\.1 is not an address of this machine\. Use 0\.0\.0\.0 \(every interface\) or one of this machine's own addresses/,
  },
  // localPort
  { node: 'bacnet-bbmd', field: 'localPort', what: 'negative', value: -1, key: 'bacnet-bbmd.errors.settings', detail: INT_LOCAL_PORT },
  { node: 'bacnet-bbmd', field: 'localPort', what: '65536', value: '65536', key: 'bacnet-bbmd.errors.settings', detail: INT_LOCAL_PORT },
  { node: 'bacnet-bbmd', field: 'localPort', what: 'text', value: 'auto', key: 'bacnet-bbmd.errors.settings', detail: INT_LOCAL_PORT },
  { node: 'bacnet-bbmd', field: 'localPort', what: 'a boolean', value: true, key: 'bacnet-bbmd.errors.settings', detail: INT_LOCAL_PORT },
  // publicAddress
  { node: 'bacnet-bbmd', field: 'publicAddress', what: 'a host name', value: 'gateway.example', key: 'bacnet-bbmd.errors.settings', detail: PUBLIC },
  { node: 'bacnet-bbmd', field: 'publicAddress', what: 'port 0', value: '203.0.113.5:0', key: 'bacnet-bbmd.errors.settings', detail: PUBLIC },
  { node: 'bacnet-bbmd', field: 'publicAddress', what: 'port 70000', value: '203.0.113.5:70000', key: 'bacnet-bbmd.errors.settings', detail: PUBLIC },
  { node: 'bacnet-bbmd', field: 'publicAddress', what: 'a number', value: 5, key: 'bacnet-bbmd.errors.settings', detail: PUBLIC },
  { node: 'bacnet-bbmd', field: 'publicAddress', what: 'an object', value: { address: '203.0.113.5' }, key: 'bacnet-bbmd.errors.settings', detail: /public address must be text/ },
  { node: 'bacnet-bbmd', field: 'publicAddress', what: 'huge (1 MB)', value: HUGE, key: 'bacnet-bbmd.errors.settings', detail: PUBLIC },
  // deregister
  { node: 'bacnet-bbmd', field: 'deregister', what: '"yes"', value: 'yes', key: 'bacnet-bbmd.errors.settings', detail: DEREGISTER },
  { node: 'bacnet-bbmd', field: 'deregister', what: '1', value: 1, key: 'bacnet-bbmd.errors.settings', detail: DEREGISTER },
  { node: 'bacnet-bbmd', field: 'deregister', what: 'an object', value: {}, key: 'bacnet-bbmd.errors.settings', detail: DEREGISTER },
  // recvBufferSize
  { node: 'bacnet-bbmd', field: 'recvBufferSize', what: 'negative', value: '-1', key: 'bacnet-bbmd.errors.settings', detail: INT_RECV },
  { node: 'bacnet-bbmd', field: 'recvBufferSize', what: '2^31', value: 2 ** 31, key: 'bacnet-bbmd.errors.settings', detail: INT_RECV },
  { node: 'bacnet-bbmd', field: 'recvBufferSize', what: 'text', value: '1 MiB', key: 'bacnet-bbmd.errors.settings', detail: INT_RECV },
  { node: 'bacnet-bbmd', field: 'recvBufferSize', what: 'fractional', value: 1024.5, key: 'bacnet-bbmd.errors.settings', detail: INT_RECV },
  {
    node: 'bacnet-bbmd',
    field: 'recvBufferSize',
    what: 'the largest (2^31 - 1): the kernel caps it, a warning names the fix',
    value: 2 ** 31 - 1,
    key: null,
    detail: /the kernel gave a receive buffer of \d+ bytes, not 2147483647.*Raise net\.core\.rmem_max/,
  },

  // fd-broadcast: mode, whoIsLow, whoIsHigh, maxRate
  { node: 'fd-broadcast', field: 'mode', what: 'misspelt', value: 'whois', key: 'fd-broadcast.errors.settings', detail: MODE },
  { node: 'fd-broadcast', field: 'mode', what: 'a number', value: 1, key: 'fd-broadcast.errors.settings', detail: MODE },
  { node: 'fd-broadcast', field: 'mode', what: 'a boolean', value: true, key: 'fd-broadcast.errors.settings', detail: MODE },
  { node: 'fd-broadcast', field: 'mode', what: 'null', value: null, key: 'fd-broadcast.errors.settings', detail: MODE },
  { node: 'fd-broadcast', field: 'mode', what: 'huge (1 MB)', value: HUGE, key: 'fd-broadcast.errors.settings', detail: MODE },
  { node: 'fd-broadcast', field: 'whoIsLow', what: 'negative', value: '-1', with: { ...WHOIS, whoIsHigh: '10' }, key: 'fd-broadcast.errors.settings', detail: WHOIS_LOW },
  { node: 'fd-broadcast', field: 'whoIsLow', what: 'text', value: 'first', with: { ...WHOIS, whoIsHigh: '10' }, key: 'fd-broadcast.errors.settings', detail: WHOIS_LOW },
  { node: 'fd-broadcast', field: 'whoIsLow', what: 'a boolean', value: true, with: { ...WHOIS, whoIsHigh: '10' }, key: 'fd-broadcast.errors.settings', detail: WHOIS_LOW },
  { node: 'fd-broadcast', field: 'whoIsLow', what: 'above the high limit', value: '11', with: { ...WHOIS, whoIsHigh: '10' }, key: 'fd-broadcast.errors.settings', detail: /Who-Is low limit 11 is above the high limit 10/ },
  { node: 'fd-broadcast', field: 'whoIsLow', what: 'without a high limit', value: '1', with: { ...WHOIS, whoIsHigh: '' }, key: 'fd-broadcast.errors.settings', detail: /give both Who-Is limits \(low and high\) or neither/ },
  { node: 'fd-broadcast', field: 'whoIsHigh', what: '4194304', value: 4194304, with: { ...WHOIS, whoIsLow: '0' }, key: 'fd-broadcast.errors.settings', detail: WHOIS_HIGH },
  { node: 'fd-broadcast', field: 'whoIsHigh', what: 'fractional', value: '1.5', with: { ...WHOIS, whoIsLow: '0' }, key: 'fd-broadcast.errors.settings', detail: WHOIS_HIGH },
  { node: 'fd-broadcast', field: 'whoIsHigh', what: 'an object', value: {}, with: { ...WHOIS, whoIsLow: '0' }, key: 'fd-broadcast.errors.settings', detail: WHOIS_HIGH },
  { node: 'fd-broadcast', field: 'whoIsHigh', what: 'huge (100,000 digits)', value: HUGE_DIGITS, with: { ...WHOIS, whoIsLow: '0' }, key: 'fd-broadcast.errors.settings', detail: WHOIS_HIGH },
  { node: 'fd-broadcast', field: 'maxRate', what: 'negative', value: '-1', key: 'fd-broadcast.errors.settings', detail: MAX_RATE },
  { node: 'fd-broadcast', field: 'maxRate', what: 'over 100000', value: 100001, key: 'fd-broadcast.errors.settings', detail: MAX_RATE },
  { node: 'fd-broadcast', field: 'maxRate', what: 'fractional', value: 0.5, key: 'fd-broadcast.errors.settings', detail: MAX_RATE },
  { node: 'fd-broadcast', field: 'maxRate', what: 'text', value: 'fast', key: 'fd-broadcast.errors.settings', detail: MAX_RATE },
  { node: 'fd-broadcast', field: 'maxRate', what: 'a boolean', value: false, key: 'fd-broadcast.errors.settings', detail: MAX_RATE },

  // fd-receive: filter, dedup
  { node: 'fd-receive', field: 'filter', what: 'unknown', value: 'everything', key: 'fd-receive.errors.settings', detail: FILTER },
  { node: 'fd-receive', field: 'filter', what: 'a number', value: 2, key: 'fd-receive.errors.settings', detail: FILTER },
  { node: 'fd-receive', field: 'filter', what: 'null', value: null, key: 'fd-receive.errors.settings', detail: FILTER },
  { node: 'fd-receive', field: 'filter', what: 'huge (1 MB)', value: HUGE, key: 'fd-receive.errors.settings', detail: FILTER },
  { node: 'fd-receive', field: 'dedup', what: '"yes"', value: 'yes', key: 'fd-receive.errors.settings', detail: DEDUP },
  { node: 'fd-receive', field: 'dedup', what: '0', value: 0, key: 'fd-receive.errors.settings', detail: DEDUP },
  { node: 'fd-receive', field: 'dedup', what: 'an object', value: { on: true }, key: 'fd-receive.errors.settings', detail: DEDUP },

  // fd-status: emitOnDeploy
  ...(['yes', 1, 0, 'no', {}] as unknown[]).map(
    (value): Row => ({
      node: 'fd-status',
      field: 'emitOnDeploy',
      what: JSON.stringify(value),
      value,
      key: 'fd-status.errors.settings',
      detail: /emitOnDeploy must be true or false/,
    }),
  ),
];

const GOOD_NPDU = '0120ffff00ff1008';

const MESSAGES: Row[] = [
  // fd-broadcast and fd-send: msg.payload, the same rules
  ...(['fd-broadcast', 'fd-send'] as const).flatMap((node): Row[] => {
    const key = `${node}.errors.bad-payload`;
    return [
      { node, field: 'msg.payload', what: 'missing', value: undefined, key, detail: PAYLOAD_FORMS },
      { node, field: 'msg.payload', what: 'null', value: null, key, detail: PAYLOAD_FORMS },
      { node, field: 'msg.payload', what: 'a number', value: 1, key, detail: PAYLOAD_FORMS },
      { node, field: 'msg.payload', what: 'NaN', value: NaN, key, detail: PAYLOAD_FORMS },
      { node, field: 'msg.payload', what: 'a boolean', value: true, key, detail: PAYLOAD_FORMS },
      { node, field: 'msg.payload', what: 'a BigInt', value: BigInt(1), key, detail: PAYLOAD_FORMS },
      { node, field: 'msg.payload', what: 'an object', value: { npdu: GOOD_NPDU }, key, detail: PAYLOAD_FORMS },
      { node, field: 'msg.payload', what: 'a Uint16Array', value: new Uint16Array([0x0120]), key, detail: PAYLOAD_FORMS },
      { node, field: 'msg.payload', what: 'a function', value: () => 1, key, detail: PAYLOAD_FORMS },
      { node, field: 'msg.payload', what: 'an empty Buffer', value: Buffer.alloc(0), key, detail: /the NPDU is empty/ },
      { node, field: 'msg.payload', what: 'an empty array', value: [], key, detail: /the NPDU is empty/ },
      { node, field: 'msg.payload', what: 'an empty string', value: '', key, detail: /the NPDU is empty/ },
      { node, field: 'msg.payload', what: 'only "0x"', value: '0x', key, detail: /the NPDU is empty/ },
      { node, field: 'msg.payload', what: 'a BVLL frame', value: Buffer.from(`8109000c${GOOD_NPDU}`, 'hex'), key, detail: /not the BACnet NPDU version 0x01 \(send the NPDU, not a whole BVLL frame/ },
      { node, field: 'msg.payload', what: 'a truncated NPDU header', value: '01', key, detail: /NPDU header|truncated NPDU/ },
      { node, field: 'msg.payload', what: 'a routed NPDU cut inside DADR', value: '0120ffff05', key, detail: /NPDU header|truncated NPDU/ },
      { node, field: 'msg.payload', what: 'a byte of 256', value: [1, 0, 256], key, detail: /element 2 of the byte array is 256, not a byte \(an integer 0\.\.255\)/ },
      { node, field: 'msg.payload', what: 'a BigInt in the array', value: [1, 0, BigInt(8)], key, detail: /element 2 of the byte array is 8n?, not a byte/ },
      { node, field: 'msg.payload', what: 'a JSON Buffer with text in it', value: { type: 'Buffer', data: [1, 'x'] }, key, detail: /element 1 of the byte array is "x", not a byte/ },
      { node, field: 'msg.payload', what: 'a non-hex digit', value: '01 2g', key, detail: /"g", which is not a hex digit/ },
      { node, field: 'msg.payload', what: 'an odd number of digits', value: '01 2', key, detail: /odd number of digits \(3\); write two digits per octet/ },
      { node, field: 'msg.payload', what: '1498 octets', value: Buffer.alloc(1498, 1), key, detail: /1498 octets, over the B\/IPv4 limit of 1497/ },
      { node, field: 'msg.payload', what: 'a huge Buffer (1 MB)', value: Buffer.alloc(1 << 20, 1), key, detail: /1048576 octets, over the B\/IPv4 limit of 1497/ },
      { node, field: 'msg.payload', what: 'a huge array (1,000,000 numbers)', value: new Array<number>(1_000_000).fill(1), key, detail: /1000000 octets, over the B\/IPv4 limit of 1497/ },
      { node, field: 'msg.payload', what: 'a huge hex string (2 MB)', value: '01'.repeat(1 << 20), key, detail: /over 1497 octets, the B\/IPv4 limit/ },
      { node, field: 'msg.payload', what: 'huge text (1 MB)', value: HUGE, key, detail: /over 1497 octets, the B\/IPv4 limit/ },
    ];
  }),
  // fd-send: msg.destination
  ...(
    [
      ['missing', undefined],
      ['null', null],
      ['a number', 47808],
      ['a boolean', true],
      ['an array', ['127.0.0.1', 47808]],
      ['an empty string', ''],
      ['a bad host', 'not a host!'],
      ['port 0', '127.0.0.1:0'],
      ['port 65536', '127.0.0.1:65536'],
      ['a non-numeric port', '127.0.0.1:bacnet'],
      ['an object without an address', { port: 47808 }],
      ['an object with a numeric address', { address: 127001, port: 47808 }],
      ['an object with a port in the address', { address: '127.0.0.1:47808' }],
      ['an object with port 0', { address: '127.0.0.1', port: 0 }],
      ['an object with a fractional port', { address: '127.0.0.1', port: 1.5 }],
      ['an object with a text port', { address: '127.0.0.1', port: 'bacnet' }],
      ['an object with a BigInt port', { address: '127.0.0.1', port: BigInt(47808) }],
      ['huge (1 MB)', HUGE],
      ['an object with a huge address (1 MB)', { address: HUGE, port: 47808 }],
    ] as [string, unknown][]
  ).map(([what, value]): Row => ({ node: 'fd-send', field: 'msg.destination', what, value, key: 'fd-send.errors.bad-destination', detail: DESTINATION })),
  // fd-status: any message is a request for the snapshot (its topic and payload are replaced)
  ...(
    [
      ['a message with no payload', undefined],
      ['a number topic', 42],
      ['an object topic', { a: 1 }],
      ['a huge topic (1 MB)', HUGE],
    ] as [string, unknown][]
  ).map(([what, value]): Row => ({ node: 'fd-status', field: 'msg.topic', what, value, key: null })),
  { node: 'fd-status', field: 'msg.payload', what: 'a huge payload (1 MB Buffer)', value: Buffer.alloc(1 << 20), key: null },
];

/** An error text must be readable however big the input was. */
const MAX_MESSAGE_LENGTH = 600;

// ---- the runner -------------------------------------------------------------------------

const state = (): string | undefined => (helper.getNode('cfg') as unknown as { bbmd?: { snapshot(): FdSnapshot } } | null)?.bbmd?.snapshot().state;

describe('reliability: bad input, every field and msg property (one table)', function () {
  this.timeout(180_000);
  let emulator: BbmdEmulator;
  let bbmdPort: number;

  before(async () => {
    await helper.startServer();
    emulator = new BbmdEmulator();
    bbmdPort = (await emulator.start()).port;
  });

  after(async () => {
    await helper.unload();
    await emulator.stop();
    await helper.stopServer();
  });

  const GOOD_CONFIG = (): Record<string, unknown> => ({
    host: LOOPBACK,
    port: String(bbmdPort),
    ttl: '60',
    localAddress: LOOPBACK,
    localPort: '0',
    publicAddress: '',
    deregister: true,
    recvBufferSize: '65536',
  });
  const GOOD: Record<NodeType, Record<string, unknown>> = {
    'bacnet-bbmd': {},
    'fd-broadcast': { mode: 'npdu', whoIsLow: '', whoIsHigh: '', maxRate: '0' },
    'fd-status': { emitOnDeploy: true },
    'fd-receive': { filter: 'all', dedup: true },
    'fd-send': {},
  };

  /** The flow for a row: the config node, the node under test, a Catch node and helper outputs. */
  function flow(node: NodeType, props: Record<string, unknown>, config: Record<string, unknown>): FlowNode[] {
    const nodes: FlowNode[] = [
      { id: 'tab', type: 'tab', label: 'bad input' },
      { id: 'cfg', type: 'bacnet-bbmd', ...config },
      { id: 'catcher', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['errors']] },
      { id: 'errors', type: 'helper', z: 'tab' },
      { id: 'out', type: 'helper', z: 'tab' },
    ];
    if (node === 'bacnet-bbmd') {
      // The config node's users: a status node (reports the error) and a broadcaster (refuses to send).
      nodes.push({ id: 'user', type: 'fd-status', z: 'tab', bbmd: 'cfg', emitOnDeploy: true, wires: [['out']] });
      nodes.push({ id: 'bc', type: 'fd-broadcast', z: 'tab', bbmd: 'cfg', mode: 'who-is', maxRate: '0' });
    } else {
      nodes.push({ id: 'user', type: node, z: 'tab', bbmd: 'cfg', ...GOOD[node], ...props, wires: [['out']] });
    }
    return nodes;
  }

  /** Checks one error text: the key's catalog text around a detail that matches. Returns a problem, or null. */
  function checkText(row: Row, message: string): string | null {
    if (message.length > MAX_MESSAGE_LENGTH) return `error text of ${message.length} characters (over ${MAX_MESSAGE_LENGTH}): ${message.slice(0, 160)}…`;
    if (row.key === 'raw') return row.detail?.test(message) ? null : `error ${JSON.stringify(message)} does not match ${row.detail}`;
    const detail = detailOf(row.key as string, message);
    if (detail === null) return `error ${JSON.stringify(message.slice(0, 300))} is not the text of ${row.key}`;
    if (row.detail && !row.detail.test(detail)) return `detail ${JSON.stringify(detail.slice(0, 300))} does not match ${row.detail}`;
    return null;
  }

  /** Runs a settings row; returns the problems found (empty: as expected). */
  async function settingsRow(row: Row): Promise<string[]> {
    const problems: string[] = [];
    const config = { ...GOOD_CONFIG(), ...(row.node === 'bacnet-bbmd' ? { [row.field]: row.value } : {}) };
    if (row.node === 'bacnet-bbmd' && row.value === undefined) delete config[row.field];
    const props = row.node === 'bacnet-bbmd' ? {} : { ...row.with, [row.field]: row.value };
    const received = emulator.counters.received;
    await helper.load(NODES, flow(row.node, props, config));
    const errorSource = row.node === 'bacnet-bbmd' ? 'cfg' : 'user';
    if (row.key === null) {
      // Accepted: it works, and any warning says what to do.
      await until(() => state() === 'registered', 3000, 'registered').catch(() => problems.push(`not registered (state ${state()})`));
      if (row.detail) {
        const warnings = callsOf('cfg', 'warn').map((a) => String(a[0]));
        if (!warnings.some((w) => row.detail?.test(w))) problems.push(`no warning matching ${row.detail}: ${JSON.stringify(warnings)}`);
      }
      if (errorsOf('cfg').length + errorsOf('user').length > 0) problems.push(`errors: ${JSON.stringify([...errorsOf('cfg'), ...errorsOf('user')]).slice(0, 300)}`);
      await helper.unload();
      return problems;
    }
    // A settings error is reported as the node is made; a bind error once the bind has failed.
    await until(() => errorsOf(errorSource).length > 0, row.key === 'raw' ? 3000 : 300, 'the error').catch(() => undefined);
    const errors = errorsOf(errorSource).map((e) => (e instanceof Error ? e.message : String(e)));
    if (errors.length === 0) {
      problems.push(`no error on ${errorSource}`);
    } else {
      const problem = checkText(row, errors[0]);
      if (problem) problems.push(problem);
    }
    // The status says so: a red dot or ring.
    const status = statusOf('user');
    if (status?.fill !== 'red') problems.push(`status ${JSON.stringify(status)}, not red`);
    // The node goes on working: it answers, with the error, instead of failing silently.
    const out = collect('out');
    const caught = collect('errors');
    helper.getNode(row.node === 'bacnet-bbmd' ? 'bc' : 'user')?.receive({ payload: GOOD_NPDU, destination: { address: LOOPBACK, port: 9 } } as never);
    if (row.node === 'bacnet-bbmd') helper.getNode('user')?.receive({} as never);
    await pause(30);
    // What done(err) gave the Catch node, as the node reported it (the Error, with its key and detail).
    const doneError = (id: string): { message?: string; key?: string; detail?: string } | undefined =>
      errorsOf(id).at(-1) as { message?: string; key?: string; detail?: string } | undefined;
    if (row.node === 'bacnet-bbmd') {
      await until(() => caught.length >= 1 && out.length >= 1, 2000, 'answers').catch(() => undefined);
      const snapshot = out.at(-1)?.payload as FdSnapshot | undefined;
      if (snapshot?.state !== 'unreachable' || snapshot.error !== errors[0]) problems.push(`fd-status reported ${JSON.stringify(snapshot?.state)} / ${JSON.stringify(snapshot?.error)?.slice(0, 200)}`);
      const refused = doneError('bc');
      if (caught.length !== 1 || refused?.key !== 'fd-broadcast.errors.not-sent' || refused.detail !== errors[0]) {
        problems.push(`fd-broadcast said ${JSON.stringify(refused?.message?.slice(0, 200))}`);
      }
    } else if (row.node === 'fd-broadcast') {
      await until(() => caught.length >= 1, 2000, 'done(err)').catch(() => undefined);
      const refused = doneError('user');
      if (caught.length !== 1 || refused?.key !== row.key || refused.message !== errors[0]) problems.push(`an input gave ${JSON.stringify(refused?.message?.slice(0, 200))}, not the settings error`);
    }
    // Nothing was sent, no socket was opened.
    if (emulator.counters.received !== received) problems.push(`${emulator.counters.received - received} datagrams reached the emulator`);
    if (openEndpoints().length > 0 && row.key !== 'raw') problems.push(`sockets open: ${openEndpoints().join(', ')}`);
    // Corrected and deployed as a modified node: it works, without a restart.
    const fixed = row.node === 'bacnet-bbmd' ? flow(row.node, {}, GOOD_CONFIG()) : flow(row.node, GOOD[row.node], GOOD_CONFIG());
    await helper.setFlows(fixed, 'nodes');
    const dbtn = emulator.counters.dbtn;
    if (row.node === 'fd-receive' || row.node === 'fd-status' || row.node === 'bacnet-bbmd') {
      await until(() => state() === 'registered', 3000, 'registered after the fix').catch(() => problems.push(`not registered after the fix (state ${state()})`));
    }
    if (row.node === 'fd-broadcast' || row.node === 'bacnet-bbmd') {
      helper.getNode(row.node === 'bacnet-bbmd' ? 'bc' : 'user')?.receive({ payload: GOOD_NPDU } as never);
      await until(() => emulator.counters.dbtn === dbtn + 1, 3000, 'a broadcast after the fix').catch(() => problems.push('no broadcast after the fix'));
    }
    await helper.unload();
    return problems;
  }

  async function messageRows(node: NodeType, rows: Row[], report: (row: Row, problems: string[]) => void): Promise<void> {
    const sink = await rawSocket();
    let sunk = 0;
    sink.on('message', () => sunk++);
    try {
      await helper.load(NODES, flow(node, GOOD[node], GOOD_CONFIG()));
      await until(() => state() === 'registered', 3000, 'registered');
      // The FDT read that follows the first ACK is done before the rows start counting datagrams.
      await pause(100);
      const user = helper.getNode('user');
      const caught = collect('errors');
      const out = collect('out');
      const good = { payload: GOOD_NPDU, destination: { address: LOOPBACK, port: sink.port } };
      for (const row of rows) {
        const problems: string[] = [];
        const sent = { dbtn: emulator.counters.dbtn, sunk, received: emulator.counters.received };
        const caughtBefore = caught.length;
        const outBefore = out.length;
        const msg: Record<string, unknown> = { ...good, _row: row.what };
        if (row.value === undefined) delete msg[row.field.slice(4)];
        else msg[row.field.slice(4)] = row.value;
        user?.receive(msg as never);
        if (row.key === null) {
          await until(() => out.length > outBefore, 2000, 'the snapshot').catch(() => problems.push('no snapshot'));
          const answer = out[outBefore];
          if ((answer?.payload as FdSnapshot | undefined)?.state !== 'registered' || answer?.topic !== 'registered') problems.push(`answered ${JSON.stringify(answer?.topic)}`);
        } else {
          await until(() => caught.length > caughtBefore, 2000, 'done(err)').catch(() => undefined);
          const errors = caught.slice(caughtBefore);
          if (errors.length !== 1) problems.push(`${errors.length} errors reached the Catch node`);
          // The Error done(err) got (the Catch node sees "<name>: <message>"), with its key and detail for programs.
          const reported = errorsOf('user').at(-1) as { message?: string; key?: string; detail?: string } | undefined;
          const message = reported?.message ?? '';
          const problem = checkText(row, message);
          if (problem) problems.push(problem);
          if (reported?.key !== row.key) problems.push(`reported key ${JSON.stringify(reported?.key)}`);
          if (reported?.detail !== undefined && detailOf(row.key as string, message) !== reported.detail) problems.push('the detail on the error is not the one in its text');
          const caughtText = (errors[0]?.error as { message?: string } | undefined)?.message ?? '';
          if (!caughtText.endsWith(message)) problems.push(`the Catch node got ${JSON.stringify(caughtText.slice(0, 200))}`);
          await pause(20);
          if (emulator.counters.dbtn !== sent.dbtn || sunk !== sent.sunk || emulator.counters.received !== sent.received) problems.push('something was sent');
        }
        // The node goes on working: a good message right after.
        const before = { dbtn: emulator.counters.dbtn, sunk, out: out.length };
        user?.receive({ ...good } as never);
        if (node === 'fd-broadcast') await until(() => emulator.counters.dbtn === before.dbtn + 1, 2000, 'DBTN').catch(() => problems.push('the next good message was not broadcast'));
        if (node === 'fd-send') await until(() => sunk === before.sunk + 1, 2000, 'unicast').catch(() => problems.push('the next good message was not sent'));
        if (node === 'fd-status') await until(() => out.length === before.out + 1, 2000, 'snapshot').catch(() => problems.push('no snapshot for the next message'));
        report(row, problems);
      }
      assert.equal(state(), 'registered');
    } finally {
      await helper.unload();
      await closeSocket(sink);
    }
  }

  it(`${SETTINGS.length} editor-field values and ${MESSAGES.length} msg values: a clear error naming what is accepted, nothing sent, the node goes on working`, async () => {
    const failures: string[] = [];
    const knownStill: string[] = [];
    const counts: Record<string, number> = {};
    const report = (row: Row, problems: string[]): void => {
      counts[row.node] = (counts[row.node] ?? 0) + 1;
      const label = `${row.node} ${row.field} = ${row.what}`;
      if (row.known) {
        if (problems.length > 0) knownStill.push(`${label}: ${problems[0]}`);
        else failures.push(`${label}: works now; remove the "known" mark (${row.known})`);
      } else if (problems.length > 0) {
        failures.push(`${label}: ${problems.join('; ')}`);
      }
    };
    for (const row of SETTINGS) report(row, await settingsRow(row));
    for (const node of ['fd-broadcast', 'fd-send', 'fd-status'] as const) {
      await messageRows(
        node,
        MESSAGES.filter((r) => r.node === node),
        report,
      );
    }
    assert.deepEqual(openEndpoints(), []);
    record('badInput', {
      rows: SETTINGS.length + MESSAGES.length,
      byNode: counts,
      knownIssues: knownStill,
    });
    if (knownStill.length > 0) console.log(`      known issues (reported, not fixed here):\n${knownStill.map((k) => `        - ${k}`).join('\n')}`);
    assert.deepEqual(failures, [], `\n${failures.join('\n')}`);
  });
});
