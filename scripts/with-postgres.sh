#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server and OPENLABS_TEST_POSTGRES_URL pointing at it.
# The server runs as the postgres user in a temporary folder, listens only on 127.0.0.1 and a
# private socket, and is stopped when the command ends.
#
# Usage: scripts/with-postgres.sh COMMAND [ARGS...]
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [[ -z "$pg_bin" ]]; then
  echo "error: PostgreSQL is not installed; run scripts/install-deps.sh first" >&2
  exit 1
fi
# Succeeds when something accepts TCP connections on 127.0.0.1:$1.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Without OPENLABS_TEST_POSTGRES_PORT, take the first free port from 55432 on, so that two test
# runs on one machine do not share a server.
port=${OPENLABS_TEST_POSTGRES_PORT:-}
if [[ -z "$port" ]]; then
  for candidate in $(seq 55432 55531); do
    if ! port_in_use "$candidate"; then
      port=$candidate
      break
    fi
  done
  if [[ -z "$port" ]]; then
    echo "error: no free port in 55432-55531; set OPENLABS_TEST_POSTGRES_PORT" >&2
    exit 1
  fi
fi
root=$(mktemp -d /tmp/openlabs-pg.XXXXXX)
chmod 755 "$root"
mkdir -p "$root/data" "$root/socket"

run_as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then
    setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
  else
    "$@"
  fi
}

if [[ $(id -u) -eq 0 ]]; then
  chown -R postgres:postgres "$root/data" "$root/socket"
fi
chmod 700 "$root/data"

run_as_postgres "$pg_bin/initdb" -D "$root/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
  >"$root/initdb.log" 2>&1 || { cat "$root/initdb.log" >&2; exit 1; }

# The postmaster runs as a direct child (setpriv execs it, so $! is its pid) so that stopping it
# leaves nothing behind.
postgres_command=("$pg_bin/postgres")
if [[ $(id -u) -eq 0 ]]; then
  postgres_command=(setpriv --reuid=postgres --regid=postgres --init-groups -- "$pg_bin/postgres")
fi
"${postgres_command[@]}" -D "$root/data" -c listen_addresses=127.0.0.1 -p "$port" \
  -k "$root/socket" -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
  -c max_connections=300 >"$root/server.log" 2>&1 &
pg_pid=$!

cleanup() {
  kill -INT "$pg_pid" 2>/dev/null || true
  wait "$pg_pid" 2>/dev/null || true
  rm -rf "$root"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  # Ask through this server's own socket folder, so that another server listening on the same
  # TCP port cannot respond in its place.
  if "$pg_bin/pg_isready" -q -h "$root/socket" -p "$port"; then
    break
  fi
  if ! kill -0 "$pg_pid" 2>/dev/null; then
    echo "error: PostgreSQL failed to start:" >&2
    cat "$root/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
"$pg_bin/createdb" -h "$root/socket" -p "$port" -U postgres openlabs_test

export OPENLABS_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/openlabs_test"
echo "PostgreSQL test server on 127.0.0.1:$port" >&2
set +e
"$@"
status=$?
set -e
exit $status
