#!/usr/bin/env bash
# Installs, once and serially, the system packages the tests need: the PostgreSQL server binaries
# (each test package starts its own cluster), redis-server (the shared rate-limit tests), curl
# and jq (the test that runs the docs/flows.md walk-through), and Debian's chromium (the browser
# tests, internal/testkit/browser, drive /usr/bin/chromium). It also installs the npm packages those
# browser tests inject into pages (axe-core), pinned by tools/browser/package-lock.json, with
# `npm ci` when tools/browser/node_modules lacks them. Test packages run in parallel, and
# parallel apt-get runs would fight over apt's lock, so `make test` runs this first. As root it
# installs with apt; otherwise it names the command to run. With the argument `bench` it also
# needs pgbench (`make bench`), from Debian's postgresql-client; with `generate`, protoc and the
# well-known .proto files (`make generate`, which CI's lint runs), from protobuf-compiler and
# libprotobuf-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != generate ] && [ ! -f tools/browser/node_modules/axe-core/axe.min.js ]; then
	echo "installing tools/browser's npm packages (axe-core) with npm ci"
	npm ci --prefix tools/browser --no-audit --no-fund --silent
fi
need=()
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
	need+=(postgresql)
fi
if ! command -v redis-server >/dev/null 2>&1; then
	need+=(redis-server)
fi
[ -x /usr/bin/chromium ] || need+=(chromium)
for tool in curl jq; do
	command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
if [ "${1:-}" = bench ] && ! ls /usr/lib/postgresql/*/bin/pgbench >/dev/null 2>&1 && ! command -v pgbench >/dev/null 2>&1; then
	need+=(postgresql-client)
fi
if [ "${1:-}" = generate ]; then
	need=()
	command -v protoc >/dev/null 2>&1 || need+=(protobuf-compiler)
	[ -f /usr/include/google/protobuf/timestamp.proto ] || need+=(libprotobuf-dev)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "missing system packages: ${need[*]}; install them with: sudo apt-get install -y ${need[*]}" >&2
	exit 1
fi
echo "installing ${need[*]} with apt"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq -o DPkg::Lock::Timeout=300 "${need[@]}"
