/**
 * The Test endpoint's permission check, in an embedded Node-RED runtime with
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
});
