#!/usr/bin/env bash
# The test command of the README: every package with the race detector, then
# the benchmarks once each (so they keep compiling and running).
set -euo pipefail
cd "$(dirname "$0")"
go test -race -count=1 ./...
go test -run '^$' -bench . -benchtime 1x ./... > /dev/null
echo "benchmarks ran"
