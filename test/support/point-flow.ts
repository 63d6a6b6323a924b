/**
 * The flow fd-read and fd-write tests deploy in node-red-node-test-helper: a
 * config node on the demo site's BBMD, the node under test wired to a helper
 * node `out`, a Catch node on it wired to `errors`. And asking it one
 * message and waiting for where it went.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import helper from 'node-red-node-test-helper';
import assert from 'node:assert/strict';
import { openEndpoints } from '../../dist/transport/endpoint-registry';
import { DemoSite, DemoSiteOptions, startDemoSite } from './bbmd-emulator';
import { FlowNode, Msg, NodeModule, collect, errorsOf } from './red-helper';
import { LOOPBACK, until } from './wait';

/** The flow: `point` (id "point") of `type` with `fields` (timeout 500, retries 1 unless given). */
export function pointFlow(site: DemoSite, type: 'fd-read' | 'fd-write', fields: Record<string, unknown>): FlowNode[] {
  return [
    { id: 'tab', type: 'tab', label: 'test' },
    { id: 'cfg', type: 'bacnet-bbmd', host: LOOPBACK, port: String(site.address.port), ttl: '60', localAddress: LOOPBACK, localPort: '0' },
    { id: 'point', type, z: 'tab', bbmd: 'cfg', timeout: 500, retries: 1, wires: [['out']], ...fields },
    { id: 'out', type: 'helper', z: 'tab' },
    { id: 'catcher', type: 'catch', z: 'tab', scope: ['point'], uncaught: false, wires: [['errors']] },
    { id: 'errors', type: 'helper', z: 'tab' },
  ];
}

/** What the node reported through done(err): "<i18n key>: <detail>" (the helper has no catalogs to translate with). */
export function reported(id = 'point'): string[] {
  return errorsOf(id).map((e) => {
    const err = e as { key?: string; detail?: string };
    return `${err.key}: ${err.detail}`;
  });
}

/** Sends messages to "point" and collects what reaches `out` and Catch. */
export class PointProbe {
  readonly out: Msg[] = collect('out');
  readonly errors: Msg[] = collect('errors');

  /** Sends `msg` and waits for one more message out or at Catch; returns it and where it went. */
  async ask(msg: Record<string, unknown>, ms = 5000): Promise<{ ok: boolean; msg: Msg }> {
    const before = this.out.length + this.errors.length;
    const outBefore = this.out.length;
    helper.getNode('point')!.receive(msg as never);
    await until(() => this.out.length + this.errors.length > before, ms, `an answer to ${JSON.stringify(msg)}`);
    return this.out.length > outBefore ? { ok: true, msg: this.out[this.out.length - 1]! } : { ok: false, msg: this.errors[this.errors.length - 1]! };
  }

  /** Sends `msg` and expects a message out: its payload. */
  async value(msg: Record<string, unknown>): Promise<unknown> {
    const answer = await this.ask(msg);
    if (!answer.ok) throw new Error(`expected a value for ${JSON.stringify(msg)}, got the error ${String(answer.msg.error?.message)}; reported ${reported().join(' | ')}`);
    return answer.msg.payload;
  }

  /** Sends `msg` and expects Catch: the last sentence the node reported. */
  async failure(msg: Record<string, unknown>): Promise<string> {
    const answer = await this.ask(msg);
    if (answer.ok) throw new Error(`expected an error for ${JSON.stringify(msg)}, got the value ${JSON.stringify(answer.msg.payload)}`);
    return reported().at(-1)!;
  }
}

/**
 * `modules` with RED._ translating through the package's en-US catalogs (the
 * helper's RED._ gives the key back), so a test can read a status's counts.
 */
export function withMessages(modules: NodeModule[]): NodeModule[] {
  const catalogs = new Map<string, unknown>();
  const translate = (key: string, subs: Record<string, unknown> = {}): string => {
    // Each catalog nodes/locales/en-US/<type>.json holds its keys under "<type>".
    const ns = key.split('.')[0];
    if (!catalogs.has(ns!)) {
      const file = path.join(__dirname, '..', '..', 'nodes', 'locales', 'en-US', `${ns}.json`);
      catalogs.set(ns!, fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {});
    }
    let text: unknown = catalogs.get(ns!);
    for (const part of key.split('.')) text = (text as Record<string, unknown> | undefined)?.[part];
    return typeof text === 'string' ? text.replace(/__(\w+)__/g, (_, name: string) => String(subs[name] ?? '')) : key;
  };
  return modules.map((module) => (RED: unknown) => {
    (RED as { _: typeof translate })._ = translate;
    module(RED);
  });
}

/** The node's fields, or a function of the started site (for a device's port). */
export type Fields = Record<string, unknown> | ((site: DemoSite) => Record<string, unknown>);

/** One test's demo site and deployed flow (pointSuite). */
export interface PointSuite {
  readonly site: DemoSite;
  readonly probe: PointProbe;
  /** Starts the demo site (`options`, default 2 devices) and deploys the point flow with `fields` (and `more` nodes). */
  deploy(fields: Fields, options?: DemoSiteOptions, more?: FlowNode[]): Promise<void>;
}

/**
 * The hooks of a describe() that deploys the point flow of `type` on a demo
 * site per test: the runtime started once, and after each test the flow
 * unloaded, the site stopped and no socket left open.
 */
export function pointSuite(nodes: NodeModule[], type: 'fd-read' | 'fd-write'): PointSuite {
  let site: DemoSite | null = null;
  let probe: PointProbe | null = null;
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(async () => {
    await helper.unload();
    await site?.stop();
    site = null;
    probe = null;
    assert.deepEqual(openEndpoints(), []);
  });
  return {
    get site(): DemoSite {
      assert.ok(site, 'deploy() first');
      return site;
    },
    get probe(): PointProbe {
      assert.ok(probe, 'deploy() first');
      return probe;
    },
    async deploy(fields, options = { devices: 2 }, more = []) {
      site = await startDemoSite(options);
      await helper.load(nodes, [...pointFlow(site, type, typeof fields === 'function' ? fields(site) : fields), ...more]);
      probe = new PointProbe();
    },
  };
}
