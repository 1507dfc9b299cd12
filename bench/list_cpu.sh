#!/usr/bin/env bash
# Measures the server CPU time per request of the list endpoints (labs, articles, tags) of one
# `openlabs serve` binary on a content data folder, which other load on the machine distorts less
# than latency. The server runs on the folder itself, so its migrations change it: give it a
# copy. It listens on 127.0.0.1 only and is stopped when the script exits.
set -euo pipefail
export LC_ALL=C

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
requests=30
rounds=3
port=24400
data_dir=
paths=(
  "/api/v1/tags"
  "/api/v1/labs?tags=python"
  "/api/v1/labs?tags=python,physics"
  "/api/v1/labs?tags=python&page=50"
  "/api/v1/labs?page=1"
  "/api/v1/articles?page=1"
  "/api/v1/articles?tags=python"
  "/api/v1/labs/1"
)

usage() {
  cat <<EOF
Usage: bench/list_cpu.sh [options] --data-dir DIR BINARY [PATH...]

Starts BINARY on the data folder DIR, waits until its start-up work is done, and prints, as
Markdown, the median over rounds of the server CPU time per request, in microseconds, of each
PATH (default: the list endpoints). Each round sends the requests of one path one at a time
over one connection, after one warm-up request. Needs curl.

  --data-dir DIR     data folder with openlabs.db (required; its migrations are applied)
  --requests N       requests per path and round (default: $requests)
  --rounds N         rounds per path (default: $rounds)
  --port PORT        127.0.0.1 port of the server (default: $port)
  -h, --help         show this help
EOF
}

fail() {
  echo "error: $*" >&2
  exit 1
}

binary=
custom_paths=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --data-dir) data_dir=${2:?"--data-dir needs a value"}; shift ;;
    --requests) requests=${2:?"--requests needs a value"}; shift ;;
    --rounds) rounds=${2:?"--rounds needs a value"}; shift ;;
    --port) port=${2:?"--port needs a value"}; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) fail "unknown option '$1'; see 'bench/list_cpu.sh -h'" ;;
    *) if [[ -z "$binary" ]]; then binary=$1; else custom_paths+=("$1"); fi ;;
  esac
  shift
done
[[ -n "$binary" ]] || fail "give the openlabs binary; see -h"
[[ -x "$binary" ]] || fail "openlabs binary '$binary' not found or not executable"
[[ -n "$data_dir" ]] || fail "--data-dir is required; see -h"
[[ -f "$data_dir/openlabs.db" ]] || fail "no openlabs.db in '$data_dir'"
for number in "$requests" "$rounds" "$port"; do
  [[ "$number" =~ ^[0-9]+$ ]] || fail "'$number' is not a whole number"
done
((requests >= 1 && rounds >= 1)) || fail "--requests and --rounds must be at least 1"
((${#custom_paths[@]} == 0)) || paths=("${custom_paths[@]}")

export OPENLABS_KERNEL_DIR=${OPENLABS_KERNEL_DIR:-$(dirname "$bench_dir")/kernel}
work_dir=$(mktemp -d "${TMPDIR:-/tmp}/openlabs-list-cpu.XXXXXX")
server_pid=
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

source "$bench_dir/process_stats.sh"

# Prints the number of assistant index jobs not yet done.
pending_index_jobs() {
  python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1], timeout=30).execute("SELECT COUNT(*) FROM assistant_index_jobs WHERE state IN (\x27queued\x27, \x27running\x27)").fetchone()[0])' "$1"
}

# The resync interval keeps the assistant's periodic resync out of the measurements.
cat >"$work_dir/openlabs.toml" <<EOF
[server]
listen = "127.0.0.1:$port"

[storage]
data_dir = "$data_dir"

[log]
level = "info"

[assistant]
resync_interval_seconds = 604800
EOF
"$binary" serve --config "$work_dir/openlabs.toml" 2>"$work_dir/server.log" &
server_pid=$!

echo "Waiting for the server to build its champion lists and index the assistant's documents" >&2
until grep -q "built the champion lists" "$work_dir/server.log" &&
  [[ $(pending_index_jobs "$data_dir/openlabs.db") == 0 ]]; do
  kill -0 "$server_pid" 2>/dev/null || { tail -20 "$work_dir/server.log" >&2; exit 1; }
  sleep 2
done

echo "| path | CPU µs per request |"
echo "|---|---|"
for path in "${paths[@]}"; do
  url="http://127.0.0.1:$port$path"
  status=$(curl -sS -o /dev/null -w '%{http_code}' "$url")
  [[ "$status" == 200 ]] || fail "$path returned HTTP $status"
  urls=()
  for ((i = 0; i < requests; i++)); do
    urls+=(-o /dev/null "$url")
  done
  per_round=()
  for ((round = 0; round < rounds; round++)); do
    before=$(cpu_ns "$server_pid")
    curl -sS "${urls[@]}"
    after=$(cpu_ns "$server_pid")
    per_round+=($(((after - before) / requests / 1000)))
  done
  printf '| `%s` | %s |\n' "$path" "$(median "${per_round[@]}")"
done
