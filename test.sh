#!/usr/bin/env bash
# The test command of the README: every package with the race detector, then
# the benchmarks once each (so they keep compiling and running). With
# HELPDESK_E2E=1 (CI sets it) it also installs Debian's chromium if missing and
# runs the browser end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")"
go test -race -count=1 -timeout 30m ./...
go test -run '^$' -bench . -benchtime 1x -short ./... > /dev/null
echo "benchmarks ran"
if [ "${HELPDESK_E2E:-}" = 1 ]; then
  .ci/install-chromium.sh
  go test -tags e2e -count=1 ./e2e/
fi
