/**
 * The usual frame of a node test in node-red-node-test-helper: the helper's
 * server for the suite, a fresh BBMD emulator on 127.0.0.1 for each test, and
 * after each test the flows unloaded, the emulator stopped and no socket of
 * ours left open. Call it inside a describe(); read `.emulator` and `.port`
 * inside the tests.
 */
import assert from 'node:assert/strict';
import helper from 'node-red-node-test-helper';
import { openEndpoints } from '../../dist/transport/endpoint-registry';
import { BbmdEmulator, BbmdEmulatorOptions } from './bbmd-emulator';

export interface EmulatorPerTest {
  readonly emulator: BbmdEmulator;
  readonly port: number;
}

export function emulatorPerTest(options: () => BbmdEmulatorOptions = () => ({})): EmulatorPerTest {
  let emulator: BbmdEmulator | null = null;
  let port = 0;
  before(() => helper.startServer());
  after(() => helper.stopServer());
  beforeEach(async () => {
    emulator = new BbmdEmulator(options());
    port = (await emulator.start()).port;
  });
  afterEach(async () => {
    await helper.unload();
    await emulator?.stop();
    assert.deepEqual(openEndpoints(), [], 'unload released every socket');
  });
  return {
    get emulator(): BbmdEmulator {
      if (emulator === null) throw new Error('emulatorPerTest: no emulator outside a test');
      return emulator;
    },
    get port(): number {
      return port;
    },
  };
}
