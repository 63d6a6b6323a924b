// @ts-check
/**
 * Preloaded (node -r) into node-red-dev by scripts/scorecard.js.
 *
 * node-red-dev's checks P08 (a similar package name in the flow library) and
 * N01 (node type names used by another package) fetch the flow library's
 * catalogue from catalogue.nodered.org. Where that host cannot be reached, the
 * failed request would abort the whole validation and every later check
 * (keywords, Node-RED and Node.js versions, node definitions, examples,
 * dependencies) would go unchecked. This wraps node-red-dev's own axios: the
 * real request goes out first; only when it fails without any answer from the
 * server (the host is unreachable) does P08/N01 get an empty catalogue, and the
 * fact is printed and recorded in $SCORECARD_UNCHECKED (a JSON file) so that the
 * report can say those two checks were not made. Nothing else is changed.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const CATALOGUE_HOST = 'catalogue.nodered.org';
const devRoot = path.dirname(require.resolve('node-red-dev/package.json'));
const axios = require(require.resolve('axios', { paths: [path.join(devRoot, 'src', 'libs')] }));
const realGet = axios.get.bind(axios);
let told = false;

axios.get = async function get(url, ...rest) {
  try {
    return await realGet(url, ...rest);
  } catch (err) {
    const unreachable = err && !err.response && typeof url === 'string' && new URL(url).hostname === CATALOGUE_HOST;
    if (!unreachable) throw err;
    if (!told) {
      told = true;
      const reason = err.code || err.message;
      process.stdout.write(
        `[scorecard] ${CATALOGUE_HOST} cannot be reached (${reason}): P08 and N01 (names already used in the flow library) are NOT checked here.\n`,
      );
      if (process.env.SCORECARD_UNCHECKED) {
        fs.writeFileSync(process.env.SCORECARD_UNCHECKED, JSON.stringify({ checks: ['P08', 'N01'], reason, url }));
      }
    }
    return { status: 0, data: { modules: [] } };
  }
};
