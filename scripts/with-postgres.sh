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
source "$(dirname "${BASH_SOURCE[0]}")/free-port.sh"

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
pg_pid=
cleanup() {
  if [[ -n "$pg_pid" ]]; then
    kill -INT "$pg_pid" 2>/dev/null || true
    wait "$pg_pid" 2>/dev/null || true
  fi
  rm -rf "$root"
}
trap cleanup EXIT

# Starts the server on port $1 and waits until it accepts connections. Returns 1 when the port
# was taken, so that the caller tries another. Exits on any other failure.
start_postgres() {
  "${postgres_command[@]}" -D "$root/data" -c listen_addresses=127.0.0.1 -p "$1" \
    -k "$root/socket" -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
    -c max_connections=300 >"$root/server.log" 2>&1 &
  pg_pid=$!
  for _ in $(seq 1 100); do
    # Ask through this server's own socket folder, so that another server listening on the same
    # TCP port cannot respond in its place.
    if "$pg_bin/pg_isready" -q -h "$root/socket" -p "$1"; then
      return 0
    fi
    if ! kill -0 "$pg_pid" 2>/dev/null; then
      wait "$pg_pid" 2>/dev/null || true
      pg_pid=
      if grep -q "Address already in use" "$root/server.log"; then
        return 1
      fi
      echo "error: PostgreSQL failed to start:" >&2
      cat "$root/server.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "error: PostgreSQL did not become ready within 10 s:" >&2
  cat "$root/server.log" >&2
  exit 1
}

# Without OPENLABS_TEST_POSTGRES_PORT, the server takes the first free port from 55432 on.
start_on_free_port start_postgres OPENLABS_TEST_POSTGRES_PORT 55432 55531
"$pg_bin/createdb" -h "$root/socket" -p "$port" -U postgres openlabs_test

export OPENLABS_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/openlabs_test"
echo "PostgreSQL test server on 127.0.0.1:$port" >&2
set +e
"$@"
status=$?
set -e
exit $status
