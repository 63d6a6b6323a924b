/**
 * The admin routes' permission checks (the Test endpoint, the point browser), in an embedded Node-RED runtime with
 * admin authentication (RED.init + RED.start in a child process).
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { BbmdEmulator } from '../support/bbmd-emulator';
import { USERS } from '../support/embedded-red';

const SCRIPT = path.join(__dirname, '..', 'support', 'embedded-red.js');

async function token(base: string, username: keyof typeof USERS): Promise<string> {
  const res = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: USERS[username].permissions, username, password: USERS[username].password }),
  });
  assert.equal(res.status, 200, `login as ${username}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('Test endpoint permission (embedded Node-RED with adminAuth)', function () {
  this.timeout(30_000);
  let child: ChildProcess;
  let base: string;
  let emulator: BbmdEmulator;
  let bbmdPort: number;

  before(async () => {
    emulator = new BbmdEmulator();
    bbmdPort = (await emulator.start()).port;
    child = spawn(process.execPath, [SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('embedded Node-RED did not start within 20 s')), 20_000);
      let text = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const line = text.split('\n').find((l) => l.startsWith('{"port"'));
        if (line) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { port: number }).port);
        }
      });
      child.once('exit', (code) => reject(new Error(`embedded Node-RED exited with ${code}`)));
    });
    base = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin?.end();
      await exited;
    }
    await emulator.stop();
  });

  function post(auth: string | null, body: unknown): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (auth) headers.authorization = `Bearer ${auth}`;
    return fetch(`${base}/bacnet-bbmd/perm-test/test`, { method: 'POST', headers, body: JSON.stringify(body) });
  }

  const form = (): Record<string, unknown> => ({ host: '127.0.0.1', port: bbmdPort, ttl: 60, localAddress: '127.0.0.1', localPort: 0 });

  it('refuses a request without a token (401) and contacts nobody', async () => {
    const res = await post(null, form());
    assert.equal(res.status, 401);
    assert.equal(emulator.counters.received, 0);
  });

  it('refuses a user without bacnet-bbmd.write and contacts nobody', async () => {
    const viewer = await token(base, 'viewer');
    // The token is good for reading...
    const flows = await fetch(`${base}/flows`, { headers: { authorization: `Bearer ${viewer}` } });
    assert.equal(flows.status, 200);
    // ...and Node-RED's needsPermission answers 401 to a scope without the permission.
    const res = await post(viewer, form());
    assert.equal(res.status, 401);
    assert.equal(emulator.counters.received, 0);
  });

  it('lets an admin run it, and still refuses bad input (400)', async () => {
    const admin = await token(base, 'admin');
    const bad = await post(admin, { host: '', port: 47808 });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /BBMD host is required/);
    assert.equal(emulator.counters.received, 0);
    const ok = await post(admin, form());
    assert.equal(ok.status, 200);
    const report = (await ok.json()) as { registration: { accepted: boolean }; live: boolean };
    assert.equal(report.live, false);
    assert.equal(report.registration.accepted, true);
    assert.deepEqual(emulator.fdt(), [], 'the test deleted its entry');
  });

  it('point browser: no token 401; a read-only user may list devices and objects but not send a Who-Is; an admin may', async () => {
    const admin = await token(base, 'admin');
    const viewer = await token(base, 'viewer');
    const as = (auth: string | null, url: string, method = 'GET'): Promise<Response> =>
      fetch(`${base}${url}`, { method, headers: auth ? { authorization: `Bearer ${auth}` } : {} });
    // A config node on the emulator, used by an fd-read so that its registration runs.
    const flows = [
      { id: 'browse-tab', type: 'tab', label: 'browse' },
      { id: 'browse-cfg', type: 'bacnet-bbmd', host: '127.0.0.1', port: String(bbmdPort), ttl: '60', localAddress: '127.0.0.1', localPort: '0' },
      { id: 'browse-read', type: 'fd-read', z: 'browse-tab', bbmd: 'browse-cfg', device: '1202', object: 'analog-input:1', property: 'present-value', wires: [[]] },
    ];
    const deployed = await fetch(`${base}/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}`, 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(flows),
    });
    assert.equal(deployed.status, 204, await deployed.text());
    const deadline = Date.now() + 5000;
    while (emulator.fdt().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(emulator.fdt().length, 1, 'registered');
    const distributed = (): number => emulator.counters.dbtn;

    for (const url of ['/bacnet-bbmd/browse-cfg/devices', '/bacnet-bbmd/browse-cfg/devices/abc/objects']) {
      assert.equal((await as(null, url)).status, 401, `${url} without a token`);
    }
    assert.equal((await as(null, '/bacnet-bbmd/browse-cfg/who-is', 'POST')).status, 401);

    const list = await as(viewer, '/bacnet-bbmd/browse-cfg/devices');
    assert.equal(list.status, 200);
    assert.deepEqual(await list.json(), { devices: [] });
    // Past the permission check: the route's own answer to a bad instance.
    const objects = await as(viewer, '/bacnet-bbmd/browse-cfg/devices/abc/objects');
    assert.equal(objects.status, 400);
    const before = distributed();
    assert.equal((await as(viewer, '/bacnet-bbmd/browse-cfg/who-is', 'POST')).status, 401, 'a read-only user sends no Who-Is');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(distributed(), before, 'nothing went through the BBMD');

    assert.equal((await as(admin, '/bacnet-bbmd/browse-cfg/who-is', 'POST')).status, 202);
    const sent = Date.now() + 3000;
    while (distributed() === before && Date.now() < sent) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(distributed(), before + 1, "the admin's Who-Is went through the BBMD");
  });
});
