#!/usr/bin/env bash
# scripts/release-check.sh DEB VERSION REVISION (make release-check; CI, as root): installs the .deb
# on this machine and checks what it installed (binary, unit, conffile, the tenantry system user),
# verifies the unit with systemd-analyze, sets up (meanwhile) a private PostgreSQL with the three roles as
# docs/operations.md says, writes the environment file as an operator would, runs the migrations
# and starts the server as its unit would: with systemctl when systemd runs this machine, else as
# the unit's User= with its EnvironmentFile=, WorkingDirectory= and ExecStart=. Then readiness, one
# sign-up through the API (register, the mailed token, /api/v1/me), SIGTERM, and purge. Everything
# it started or installed goes on exit, failed or not, and a run killed midway is cleaned up by the
# next one; it refuses to touch a tenantry package it did not install.
set -euo pipefail
deb=$(realpath "$1") want_version=$2 want_revision=$3
work=/var/tmp/tenantry-release-check
marker=$work/installed-by-release-check
unit=/lib/systemd/system/tenantry.service
t0=$EPOCHREALTIME
step() { printf '== %s (%.1fs)\n' "$*" "$(awk "BEGIN{print $EPOCHREALTIME - $t0}")"; }
fail() {
	echo "release check: $*" >&2
	exit 1
}
[ "$(id -u)" = 0 ] || fail "needs root (dpkg -i)"

server_pid=
pg_pid=
pgbin=
cleanup() {
	set +e
	[ -z "$pg_pid" ] || wait "$pg_pid" 2>/dev/null # a PostgreSQL still starting, then stopped below
	pg_pid=
	if [ -z "$server_pid" ] && [ -f "$work/server.pid" ]; then
		server_pid=$(cat "$work/server.pid") # started by a run killed midway, if still the same process
		[ "$(ps -o user= -p "$server_pid" 2>/dev/null)" = tenantry ] || server_pid=
	fi
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid"
		for _ in $(seq 100); do
			kill -0 "$server_pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$server_pid" 2>/dev/null
		wait "$server_pid" 2>/dev/null
	fi
	server_pid=
	if [ -d /run/systemd/system ] && systemctl is-active --quiet tenantry 2>/dev/null; then
		systemctl stop tenantry
	fi
	if [ -f "$work/pg/postmaster.pid" ]; then
		[ -n "$pgbin" ] || pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
		runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -m immediate -s stop
	fi
	if [ -f "$marker" ]; then
		if [ "$(dpkg-query -W -f '${db:Status-Status}' tenantry 2>/dev/null)" != not-installed ] &&
			dpkg-query -W tenantry >/dev/null 2>&1; then
			dpkg --force-unsafe-io --purge tenantry >/dev/null
		fi
		getent passwd tenantry >/dev/null && userdel tenantry
		getent group tenantry >/dev/null && groupdel tenantry
	fi
	rm -rf "$work"
}

# A previous run killed midway left its marker: clean up after it first.
if [ ! -f "$marker" ] && dpkg-query -W tenantry >/dev/null 2>&1 &&
	[ "$(dpkg-query -W -f '${db:Status-Status}' tenantry)" != not-installed ]; then
	fail "a tenantry package this check did not install is on this machine; remove it first (dpkg --purge tenantry)"
fi
if [ ! -f "$marker" ] && getent passwd tenantry >/dev/null; then
	fail "a tenantry user this check did not create exists; remove it first (userdel tenantry)"
fi
cleanup
trap cleanup EXIT
mkdir -p "$work"
touch "$marker"

# The private PostgreSQL starts in the background while the package is installed and checked.
if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then scripts/deps.sh; fi
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
install -d -o postgres -g postgres -m 0700 "$work/pg"
install -d -o postgres -g postgres -m 0755 "$work/sock" "$work/pglog"
runuser -u postgres -- sh -c '"$1/initdb" -D "$2/pg" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$2/pglog/initdb.log" 2>&1 &&
	"$1/pg_ctl" -D "$2/pg" -l "$2/pglog/pg.log" -w -s -o "-c listen_addresses='"''"' -c unix_socket_directories=$2/sock -c fsync=off -c synchronous_commit=off" start' \
	sh "$pgbin" "$work" &
pg_pid=$!

step "dpkg -i $(basename "$deb")"
dpkg --force-unsafe-io -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i failed"; }
[ -x /usr/bin/tenantry ] || fail "/usr/bin/tenantry missing"
[ -f "$unit" ] || fail "$unit missing"
dpkg-query -W -f '${Conffiles}\n' tenantry | grep -q '^ /etc/tenantry/tenantry.env ' ||
	fail "/etc/tenantry/tenantry.env is not a conffile"
[ "$(stat -c '%U:%G %a' /etc/tenantry/tenantry.env)" = "root:tenantry 640" ] ||
	fail "/etc/tenantry/tenantry.env is $(stat -c '%U:%G %a' /etc/tenantry/tenantry.env), want root:tenantry 640"
IFS=: read -r _ _ uid _ _ home shell < <(getent passwd tenantry) || fail "no tenantry user"
[ "$uid" -lt 1000 ] && [ "$shell" = /usr/sbin/nologin ] && [ "$home" = /var/lib/tenantry ] ||
	fail "tenantry user: uid $uid, home $home, shell $shell; want a system user with home /var/lib/tenantry and no login"
got=$(/usr/bin/tenantry --version)
case $got in
"tenantry $want_version (revision $want_revision"*) ;;
*) fail "tenantry --version: $got; want version $want_version, revision $want_revision" ;;
esac
echo "$got"

# The unit as systemd reads it: its settings drive the start below.
unitval() { sed -n "s/^$1=//p" "$unit" | head -1; }
user=$(unitval User) envfile=$(unitval EnvironmentFile) workdir=$(unitval WorkingDirectory) execstart=$(unitval ExecStart)
[ "$user" = tenantry ] && [ "$envfile" = /etc/tenantry/tenantry.env ] || fail "unit: User=$user EnvironmentFile=$envfile"
if command -v systemd-analyze >/dev/null; then
	step "systemd-analyze verify"
	# Without systemd running, verify still parses the unit and checks ExecStart and its settings;
	# it may only complain about the targets named in After=/WantedBy= on a machine without them.
	out=$(systemd-analyze verify "$unit" 2>&1) || { echo "$out"; fail "systemd-analyze verify failed"; }
	[ -z "$out" ] || { echo "$out"; fail "systemd-analyze verify complained"; }
fi

step "private PostgreSQL: the three roles as docs/operations.md says"
status=0
wait "$pg_pid" || status=$?
pg_pid=
[ "$status" = 0 ] || { cat "$work/pglog/initdb.log" "$work/pglog/pg.log" 2>/dev/null; fail "PostgreSQL did not start"; }
psql() { runuser -u postgres -- "$pgbin/psql" -h "$work/sock" -U postgres -X -q -v ON_ERROR_STOP=1 "$@"; }
psql -d postgres <<'SQL'
CREATE ROLE tenantry_owner  LOGIN PASSWORD 'owner'  NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
CREATE ROLE tenantry_app    LOGIN PASSWORD 'app'    NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
CREATE ROLE tenantry_system LOGIN PASSWORD 'system' NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS;
CREATE DATABASE tenantry OWNER tenantry_owner ENCODING 'UTF8' TEMPLATE template0;
SQL
psql -d tenantry -c 'CREATE EXTENSION IF NOT EXISTS btree_gist'

# The operator's configuration: the installed example with the database, keys and address set.
db() { echo "postgres://tenantry_$1:$1@/tenantry?host=$work/sock"; }
sed -i \
	-e "s|^DATABASE_URL=.*|DATABASE_URL=\"$(db app)\"|" \
	-e "s|^DATABASE_SYSTEM_URL=.*|DATABASE_SYSTEM_URL=\"$(db system)\"|" \
	-e "s|^DATABASE_OWNER_URL=.*|DATABASE_OWNER_URL=\"$(db owner)\"|" \
	-e "s|^TENANTRY_JWT_KEY=.*|TENANTRY_JWT_KEY=$(head -c 32 /dev/urandom | base64)|" \
	-e "s|^TENANTRY_SECRET_KEY=.*|TENANTRY_SECRET_KEY=$(head -c 32 /dev/urandom | base64)|" \
	-e "s|^TENANTRY_ADDR=.*|TENANTRY_ADDR=127.0.0.1:0|" \
	-e "s|^#TENANTRY_DRAIN_DELAY=.*|TENANTRY_DRAIN_DELAY=1s|" \
	"$envfile"

# as_unit CMD...: CMD as the unit's user, with only the unit's environment file, in its directory.
# Each program execs the next, so a background as_unit's $! is CMD's process.
as_unit() {
	exec setpriv --reuid="$user" --regid="$user" --init-groups -- env -i PATH=/usr/bin:/bin \
		sh -c 'set -a; . "$1"; set +a; cd "$2"; shift 2; exec "$@"' sh "$envfile" "$workdir" "$@"
}

step "tenantry migrate up (as $user)"
(as_unit /usr/bin/tenantry migrate up) >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log"; fail "migrate up failed"; }

if [ -d /run/systemd/system ]; then
	step "systemctl start tenantry"
	# TENANTRY_ADDR=127.0.0.1:0: the port is in the journal's banner.
	systemctl start tenantry
	for _ in $(seq 100); do
		base=$(journalctl -u tenantry -o cat --no-pager | sed -n 's/.* listening on \(http:[^ ]*\).*/\1/p' | tail -1)
		[ -z "$base" ] || break
		sleep 0.2
	done
else
	step "start $execstart as $user (no systemd on this machine)"
	# shellcheck disable=SC2086 # ExecStart is a command line
	as_unit $execstart >"$work/server.out" 2>"$work/server.log" &
	server_pid=$!
	echo "$server_pid" >"$work/server.pid"
	for _ in $(seq 150); do
		base=$(sed -n 's/.* listening on \(http:[^ ]*\).*/\1/p' "$work/server.out")
		[ -z "$base" ] && kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.2
	done
fi
[ -n "${base:-}" ] || { cat "$work/server.log" 2>/dev/null; fail "the server did not start"; }

step "readiness and a sign-up at $base"
for _ in $(seq 100); do
	curl -fsS -o /dev/null "$base/health/ready" && break
	sleep 0.2
done
curl -fsS -o /dev/null "$base/health/ready" || fail "/health/ready did not answer 200"
email="release-check@example.com"
code=$(curl -sS -o "$work/register.json" -w '%{http_code}' "$base/api/v1/auth/register" -H 'content-type: application/json' \
	-d "{\"user\": {\"email\": \"$email\", \"name\": \"Rel\", \"password\": \"correct horse battery\"}, \"tenant\": {\"name\": \"Release Check\", \"slug\": \"release-check\"}}")
[ "$code" = 202 ] || { cat "$work/register.json"; fail "register answered $code, want 202"; }
token=
for _ in $(seq 150); do
	token=$(grep -rhoE 'tnr_ver_[A-Za-z0-9_-]+' /var/lib/tenantry/mail 2>/dev/null | head -1) || true
	[ -z "$token" ] || break
	sleep 0.2
done
[ -n "$token" ] || fail "no verification mail under /var/lib/tenantry/mail"
code=$(curl -sS -o "$work/session.json" -w '%{http_code}' "$base/api/v1/auth/verify-email" -H 'content-type: application/json' -d "{\"token\": \"$token\"}")
[ "$code" = 200 ] || { cat "$work/session.json"; fail "verify-email answered $code, want 200"; }
access=$(sed -n 's/.*"access_token": *"\([^"]*\)".*/\1/p' "$work/session.json")
[ -n "$access" ] || { cat "$work/session.json"; fail "no access_token in the session"; }
me=$(curl -fsS "$base/api/v1/me" -H "authorization: Bearer $access") || fail "/api/v1/me failed"
case $me in *"$email"*) ;; *) fail "/api/v1/me: $me" ;; esac

step "stop (SIGTERM)"
if [ -n "$server_pid" ]; then
	kill -TERM "$server_pid"
	status=0
	wait "$server_pid" || status=$?
	server_pid=
	rm "$work/server.pid"
	[ "$status" = 0 ] || { cat "$work/server.log"; fail "the server exited with status $status after SIGTERM"; }
else
	systemctl stop tenantry
fi

step "dpkg --purge tenantry"
dpkg --force-unsafe-io --purge tenantry >/dev/null
for f in /usr/bin/tenantry "$unit" /etc/tenantry /var/lib/tenantry; do
	[ ! -e "$f" ] || fail "$f is still there after purge"
done
cleanup
trap - EXIT
step "release check passed"
