#!/usr/bin/env bash
# Installs, once and serially, the system packages the tests need: the PostgreSQL server binaries
# (each test package starts its own cluster), redis-server (the shared rate-limit tests), and curl
# and jq (the test that runs the docs/flows.md walk-through). Test packages run in parallel, and
# parallel apt-get runs would fight over apt's lock, so `make test` runs this first. As root it
# installs with apt; otherwise it names the command to run. With the argument `bench` it also
# needs pgbench (`make bench`), from Debian's postgresql-client; with `generate`, protoc and the
# well-known .proto files (`make generate`, which CI's lint runs), from protobuf-compiler and
# libprotobuf-dev.
set -euo pipefail
need=()
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
	need+=(postgresql)
fi
if ! command -v redis-server >/dev/null 2>&1; then
	need+=(redis-server)
fi
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
