/**
 * Node-RED embedded (RED.init + RED.start) with this package and admin
 * authentication, for tests that need the real admin API (the test helper runs
 * no authentication). Run as a child process: prints `{"port":N}` on stdout once
 * listening on 127.0.0.1, stops cleanly on SIGTERM or when stdin closes.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

export const USERS = {
  admin: { password: 'admin-secret', permissions: '*' },
  viewer: { password: 'viewer-secret', permissions: 'read' },
} as const;

const ROOT = path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const nodeRedDir = path.dirname(require.resolve('node-red/package.json'));
  // Node-RED's own dependencies, resolved from node-red (not ours). require() is untyped here.
  const bcrypt = require(require.resolve('bcryptjs', { paths: [nodeRedDir] }));
  const express = require(require.resolve('express', { paths: [nodeRedDir] }));
  const RED = require('node-red');
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bacnet-fd-red-'));
  fs.mkdirSync(path.join(userDir, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(userDir, 'node_modules', 'node-red-contrib-bacnet-fd'), 'dir');
  const app = express();
  const server = http.createServer(app);
  RED.init(server, {
    userDir,
    httpAdminRoot: '/',
    uiHost: '127.0.0.1',
    credentialSecret: false,
    logging: { console: { level: 'warn' } },
    editorTheme: { tours: false },
    adminAuth: {
      type: 'credentials',
      users: Object.entries(USERS).map(([username, u]) => ({ username, password: bcrypt.hashSync(u.password, 4), permissions: u.permissions })),
    },
  });
  app.use('/', RED.httpAdmin);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await RED.start();
  const { port } = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await RED.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(userDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
