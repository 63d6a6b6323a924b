/**
 * Which Node.js and Node-RED the node tests run on. `npm test` runs them with
 * this repository's Node-RED 4.1; scripts/test-node-red-5.sh runs them again
 * with Node-RED 5 on Node.js 22 and sets EXPECT_NODE_MAJOR and
 * EXPECT_NODE_RED_MAJOR, so a module resolution that silently picked the wrong
 * Node-RED fails here instead of passing.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import helper from 'node-red-node-test-helper';

const nodeRedPackage = require.resolve('node-red/package.json');
const nodeRedVersion: string = require(nodeRedPackage).version;
const coreNodesVersion: string = require(
  require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(nodeRedPackage)] }),
).version;

helper.init(require.resolve('node-red'));

describe(`runtime: Node.js ${process.version}, Node-RED ${nodeRedVersion}`, function () {
  before(() => {
    console.log(`      node-red ${nodeRedVersion} from ${path.dirname(nodeRedPackage)}`);
  });

  it('the Node-RED the helper starts is the one node-red resolves to, with its own core nodes', async () => {
    await helper.startServer();
    try {
      const RED = (helper as unknown as { _RED: { version(): string } })._RED;
      assert.equal(RED.version().replace(/^v/, '').split('-')[0], nodeRedVersion.split('-')[0]);
      assert.equal(coreNodesVersion, nodeRedVersion);
    } finally {
      await helper.stopServer();
    }
  });

  it('the Node.js and Node-RED majors are the ones this run expects', () => {
    const node = Number(process.versions.node.split('.')[0]);
    const nodeRed = Number(nodeRedVersion.split('.')[0]);
    if (process.env.EXPECT_NODE_MAJOR) assert.equal(node, Number(process.env.EXPECT_NODE_MAJOR), 'Node.js major');
    if (process.env.EXPECT_NODE_RED_MAJOR) assert.equal(nodeRed, Number(process.env.EXPECT_NODE_RED_MAJOR), 'Node-RED major');
    assert.ok(node >= 20, `Node.js ${process.version} is below the supported 20`);
    assert.ok(nodeRed >= 4, `Node-RED ${nodeRedVersion} is below the supported 4.1`);
  });
});
