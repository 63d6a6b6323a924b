/**
 * The Test route's pure parts: ${VAR} substitution, checked against Node-RED's own
 * mapEnvVarProperties (the function the runtime applies to a deployed node's
 * properties), and the redaction that keeps environment values out of texts.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { hideValues, redact, substituteEnv } from '../../dist/nodes/bbmd-test-route';

/** @node-red/runtime/lib/flows/util.js of the Node-RED the tests run with. */
type FlowUtil = { mapEnvVarProperties(obj: object, prop: string, flow: { getSetting(name: string): unknown }, config: object): void };
const flowUtil = require(
  require.resolve('@node-red/runtime/lib/flows/util', { paths: [path.dirname(require.resolve('node-red/package.json'))] }),
) as FlowUtil;

/** What the runtime makes of `form` with the settings in `env`. */
function runtimeMap(form: Record<string, unknown>, env: Record<string, unknown>): Record<string, unknown> {
  const conf = structuredClone(form);
  const flow = { getSetting: (name: string): unknown => (Object.hasOwn(env, name) ? env[name] : undefined) };
  for (const p of Object.keys(conf)) flowUtil.mapEnvVarProperties(conf, p, flow, conf);
  return conf;
}

const ENV: Record<string, unknown> = { BBMD_HOST: 'bbmd.site', BBMD_PORT: '47809', EMPTY: '', 'A}x${B': 'odd', NUM: 5, 'WITH.DOT': 'dotted' };
const lookup = (name: string): unknown => (Object.hasOwn(ENV, name) ? ENV[name] : undefined);

describe('Test route: ${VAR} substitution', () => {
  const CASES: [string, unknown, unknown][] = [
    ['the whole value ${NAME}', '${BBMD_HOST}', 'bbmd.site'],
    ['the older $(NAME)', '$(BBMD_HOST)', 'bbmd.site'],
    ['${NAME} inside a longer value: left', 'x.${BBMD_HOST}', 'x.${BBMD_HOST}'],
    ['${NAME} followed by text: left', '${BBMD_HOST}:47808', '${BBMD_HOST}:47808'],
    ['two references with a space: left', '${BBMD_HOST} ${BBMD_PORT}', '${BBMD_HOST} ${BBMD_PORT}'],
    ['two references without a space: one odd name, as the runtime reads it', '${A}x${B}', 'odd'],
    ['an unset name: left as written', '${NOT_SET_ANYWHERE}', '${NOT_SET_ANYWHERE}'],
    ['a name set to the empty string: empty', '${EMPTY}', ''],
    ['a setting that is a number: the number', '${NUM}', 5],
    ['a name with a dot', '${WITH.DOT}', 'dotted'],
    ['not a string: untouched', 47808, 47808],
    ['a boolean: untouched', true, true],
    ['an empty reference: left', '${}', '${}'],
    ['white space inside: left', '${BBMD HOST}', '${BBMD HOST}'],
    ['nested in an array and an object', ['${BBMD_HOST}', { inner: '$(BBMD_PORT)' }], ['bbmd.site', { inner: '47809' }]],
  ];
  for (const [what, value, expected] of CASES) {
    it(`${what}: as Node-RED maps it`, () => {
      const { fields } = substituteEnv({ host: value }, lookup);
      assert.deepEqual(fields.host, expected);
      assert.deepEqual(fields, runtimeMap({ host: value }, ENV), 'the same as @node-red/runtime');
    });
  }

  it('for any text, the same as @node-red/runtime mapEnvVarProperties', () => {
    const names = fc.constantFrom('BBMD_HOST', 'BBMD_PORT', 'EMPTY', 'NUM', 'NOPE', 'A}x${B', 'a b', '');
    const piece = fc.oneof(
      names.map((n) => '${' + n + '}'),
      names.map((n) => '$(' + n + ')'),
      fc.constantFrom('$', '{', '}', '(', ')', ' ', 'x', '.', ':'),
      fc.string({ maxLength: 4 }),
    );
    const text = fc.array(piece, { maxLength: 4 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('host', 'port', 'ttl', 'publicAddress'), fc.oneof(text, fc.integer(), fc.boolean())), (form) => {
        assert.deepEqual(substituteEnv(form, lookup).fields, runtimeMap(form, ENV));
      }),
      { numRuns: 2000 },
    );
  });

  it('records what came from the environment and what was not set, by field', () => {
    const { substitutions, unset } = substituteEnv({ host: '${BBMD_HOST}', port: '$(BBMD_PORT)', ttl: '${NOPE}', name: 'x' }, lookup);
    assert.deepEqual(substitutions, [
      { field: 'host', reference: '${BBMD_HOST}', name: 'BBMD_HOST', value: 'bbmd.site' },
      { field: 'port', reference: '$(BBMD_PORT)', name: 'BBMD_PORT', value: '47809' },
    ]);
    assert.deepEqual(unset, [{ field: 'ttl', reference: '${NOPE}', name: 'NOPE', value: undefined }]);
  });
});

describe('Test route: redaction', () => {
  const subs = [
    { field: 'host', reference: '${BBMD_HOST}', name: 'BBMD_HOST', value: 'bbmd.site' },
    { field: 'port', reference: '${BBMD_PORT}', name: 'BBMD_PORT', value: '47809' },
  ];

  it('replaces a value, quoted or not, by its reference', () => {
    assert.equal(redact('cannot resolve BBMD host "bbmd.site": getaddrinfo ENOTFOUND bbmd.site', subs), 'cannot resolve BBMD host ${BBMD_HOST}: getaddrinfo ENOTFOUND ${BBMD_HOST}');
    assert.equal(redact('no answer from BBMD bbmd.site:47809 within 2000 ms.', subs), 'no answer from BBMD ${BBMD_HOST}:${BBMD_PORT} within 2000 ms.');
  });

  it('only whole tokens: a longer name or number that contains the value is another thing', () => {
    assert.equal(redact('bbmd.site.local and 478090 and xbbmd.site', subs), 'bbmd.site.local and 478090 and xbbmd.site');
  });

  it('hideValues: a value that survives as part of a longer word hides the whole text', () => {
    assert.equal(hideValues('no answer from bbmd.site:47809', subs), 'no answer from ${BBMD_HOST}:${BBMD_PORT}');
    assert.equal(hideValues('ENOTFOUND xbbmd.site', subs), 'not shown: the text would show a value that comes from the environment');
    // A short value (a TTL of 60) is replaced where it is a word, and otherwise left to the numbers it is part of.
    const ttl = [{ field: 'ttl', reference: '${TTL}', name: 'TTL', value: '60' }];
    assert.equal(hideValues('asked 60 s, waited 1600 ms', ttl), 'asked ${TTL} s, waited 1600 ms');
  });

  it('values with characters a regular expression would read are taken literally', () => {
    const odd = [{ field: 'host', reference: '${X}', name: 'X', value: 'a+b(c)[d]$^.*?' }];
    assert.equal(redact('got "a+b(c)[d]$^.*?" here', odd), 'got ${X} here');
  });
});
