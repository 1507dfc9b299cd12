#!/usr/bin/env bash
# Compares the idle memory of two `openlabs serve` binaries side by side and writes
# bench/idle-memory.md. Each round starts each binary on SQLite, reads VmRSS 1 s after the first
# /healthz 200, runs the load of bench/run.sh (wrk on GET /api/v1/users/{id}, GET /healthz and
# POST /api/v1/auth/login, three times), and reads VmRSS again 0.5 s and 5 s after the load.
# Servers listen on 127.0.0.1 only and are stopped before the next one starts.
#
# Usage: bench/idle_memory.sh BEFORE_BINARY AFTER_BINARY [ROUNDS] [PORT]
set -euo pipefail
export LC_ALL=C

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
before=${1:?"usage: $0 BEFORE_BINARY AFTER_BINARY [ROUNDS] [PORT]"}
after=${2:?"usage: $0 BEFORE_BINARY AFTER_BINARY [ROUNDS] [PORT]"}
rounds=${3:-3}
port=${4:-24090}
output=$bench_dir/idle-memory.md
work_dir=$(mktemp -d)
server_pid=""

cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work_dir"
}
trap cleanup EXIT

# The binaries need the notebook kernel; a copied binary finds it through this variable.
export OPENLABS_KERNEL_DIR=${OPENLABS_KERNEL_DIR:-$(dirname "$bench_dir")/kernel}

rss_mib() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# Runs one round of one binary and writes "start soon idle threads" to $work_dir/round. It runs
# in this shell, not in a subshell, so that the exit trap can stop a server it leaves running.
measure() {
  local binary=$1 data_dir=$work_dir/data-$RANDOM
  mkdir -p "$data_dir"
  cat >"$work_dir/openlabs.toml" <<EOF
[server]
listen = "127.0.0.1:$port"

[storage]
data_dir = "$data_dir"

[log]
level = "warn"

[auth]
login_attempts_per_account = 100000
login_attempts_per_address = 1000000
login_window_seconds = 60
EOF
  "$binary" serve --config "$work_dir/openlabs.toml" 2>>"$work_dir/server.log" &
  server_pid=$!
  local base=http://127.0.0.1:$port
  for _ in $(seq 1 500); do
    curl -sf "$base/healthz" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work_dir/server.log" >&2; exit 1; }
    sleep 0.02
  done
  sleep 1
  local start
  start=$(rss_mib "$server_pid")

  local login=bench$RANDOM$RANDOM password=pw-$RANDOM$RANDOM-secret
  curl -sf -o "$work_dir/register.json" -H 'Content-Type: application/json' --data-binary \
    "{\"username\":\"$login\",\"email\":\"$login@example.org\",\"password\":\"$password\",\"name\":\"Bench\",\"surname\":\"User\"}" \
    "$base/api/v1/auth/register"
  local user_id
  user_id=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["user"]["id"])' \
    <"$work_dir/register.json")
  for _ in 1 2 3; do
    wrk -t2 -c64 -d5s "$base/api/v1/users/$user_id" >/dev/null
    wrk -t2 -c64 -d5s "$base/healthz" >/dev/null
    BENCH_LOGIN=$login BENCH_PASSWORD=$password BENCH_DIR=$bench_dir \
      wrk -t2 -c8 -d5s --timeout 10s -s "$bench_dir/login.lua" "$base/api/v1/auth/login" >/dev/null
  done
  sleep 0.5
  local soon idle threads
  soon=$(rss_mib "$server_pid")
  sleep 4.5
  idle=$(rss_mib "$server_pid")
  threads=$(awk '/^Threads:/ { print $2 }' "/proc/$server_pid/status")
  kill -TERM "$server_pid"
  wait "$server_pid" || true
  server_pid=""
  echo "$start $soon $idle $threads" >"$work_dir/round"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
rows=""
declare -A idle_values
for round in $(seq 1 "$rounds"); do
  for label in before after; do
    binary=$before
    [[ $label == after ]] && binary=$after
    echo "round $round: $label" >&2
    measure "$binary"
    read -r start soon idle threads <"$work_dir/round"
    rows+="| $round | $label | $start | $soon | $idle | $threads |"$'\n'
    idle_values[$label]+="$idle "
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

cat >"$output" <<EOF
# Idle memory of two builds, side by side

Written by \`bench/idle_memory.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores,
load average $load_before before and $load_after after.

- before: \`$before\`
- after: \`$after\`

VmRSS of \`openlabs serve\` on SQLite. "Start" is 1 s after the first /healthz 200. The load is
the one of bench/run.sh, three times: wrk -t2 -c64 for 5 s on GET /api/v1/users/{id} and on
GET /healthz, then wrk -t2 -c8 for 5 s on POST /api/v1/auth/login. "0.5 s after" may still
include password hashes that were running when wrk stopped (64 MiB each). "Idle" is 5 s after
the load.

| round | binary | start, MiB | 0.5 s after the load, MiB | idle after the load, MiB | threads |
|---|---|---|---|---|---|
$rows
Median idle after the load: before $(median <<<"${idle_values[before]}") MiB, after $(median <<<"${idle_values[after]}") MiB.
EOF
echo "wrote $output" >&2
