#!/usr/bin/env bash
# Measures the no-cache search of a running `openlabs serve` that uses PostgreSQL. It runs rounds
# of `wrk -s bench/search.lua` with Cache-Control: no-cache. Then it sends each query of
# bench/search_queries.txt alone and records the CPU time that the server and the PostgreSQL
# processes used per search. Prints Markdown. It sends requests to 127.0.0.1 only and starts no
# server.
set -euo pipefail
export LC_ALL=C

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rounds=3
duration=5s
timeout=2s
connections=4
cpu_requests=20
port=
server_pid=
postmaster_pid=

usage() {
  cat <<EOF
Usage: bench/postgres_search.sh [options] --port PORT --server-pid PID --postmaster-pid PID

Fill the database first with \`openlabs import\` and bench/generate_content.py --database-url,
and wait until the server's assistant indexer has no queued jobs.

  --port PORT            port of the openlabs server on 127.0.0.1 (required)
  --server-pid PID       process id of that server, for its CPU time (required)
  --postmaster-pid PID   process id of the PostgreSQL postmaster; the CPU time of the
                         postmaster and of all its child processes is counted (required)
  --rounds N             wrk rounds (default: $rounds)
  --duration TIME        length of each wrk round, in wrk's format (default: $duration)
  --timeout TIME         wrk's timeout for one response, in wrk's format (default: $timeout,
                         wrk's own); a search slower than this is not counted
  --connections N        wrk connections (default: $connections)
  --cpu-requests N       requests per query for the CPU times (default: $cpu_requests)
  -h, --help             show this help

The CPU time of PostgreSQL is the run time of its live processes (from
/proc/PID/task/*/schedstat, in nanoseconds) plus the user and system time of the children
that the postmaster has reaped, such as parallel workers (in clock ticks of 10 ms), so
queries that start parallel workers are measured more coarsely.
EOF
}

fail() {
  echo "error: $*" >&2
  exit 1
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) port=${2:?"--port needs a value"}; shift ;;
    --server-pid) server_pid=${2:?"--server-pid needs a value"}; shift ;;
    --postmaster-pid) postmaster_pid=${2:?"--postmaster-pid needs a value"}; shift ;;
    --rounds) rounds=${2:?"--rounds needs a value"}; shift ;;
    --duration) duration=${2:?"--duration needs a value"}; shift ;;
    --timeout) timeout=${2:?"--timeout needs a value"}; shift ;;
    --connections) connections=${2:?"--connections needs a value"}; shift ;;
    --cpu-requests) cpu_requests=${2:?"--cpu-requests needs a value"}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) fail "unknown argument '$1'; see 'bench/postgres_search.sh -h'" ;;
  esac
  shift
done
[[ -n "$port" && -n "$server_pid" && -n "$postmaster_pid" ]] ||
  fail "--port, --server-pid and --postmaster-pid are required; see -h"
for number in "$port" "$server_pid" "$postmaster_pid" "$rounds" "$connections" "$cpu_requests"; do
  [[ "$number" =~ ^[0-9]+$ ]] || fail "'$number' is not a whole number"
done
((rounds >= 1 && connections >= 1 && cpu_requests >= 1)) ||
  fail "--rounds, --connections and --cpu-requests must be at least 1"
for pid in "$server_pid" "$postmaster_pid"; do
  [[ -d /proc/$pid ]] || fail "no process with id $pid"
done
command -v wrk >/dev/null || fail "wrk is not installed; scripts/install-deps.sh --bench installs it"
url=http://127.0.0.1:$port
curl -sSf -o /dev/null "$url/healthz" || fail "no openlabs server answers on $url/healthz"

source "$bench_dir/process_stats.sh"

# Prints the CPU time, in nanoseconds, of the postmaster, its live children and its reaped ones.
postgres_cpu_ns() {
  local total tick_ns child
  tick_ns=$((1000000000 / $(getconf CLK_TCK)))
  # Fields 16 and 17 of /proc/PID/stat are cutime and cstime. The name in field 2 ("postgres")
  # contains no space, so awk's fields match the kernel's.
  total=$(awk -v tick="$tick_ns" '{ printf "%.0f\n", ($16 + $17) * tick }' \
    "/proc/$postmaster_pid/stat")
  total=$((total + $(cpu_ns "$postmaster_pid")))
  for child in $(cat /proc/"$postmaster_pid"/task/*/children 2>/dev/null); do
    total=$((total + $(cpu_ns "$child")))
  done
  echo "$total"
}

declare -A p50=() p99=() rps=()
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((round = 1; round <= rounds; round++)); do
  echo "Round $round of $rounds" >&2
  output=$(BENCH_SEARCH_FRESH=1 BENCH_SEARCH_QUERIES="$bench_dir/search_queries.txt" \
    BENCH_DIR="$bench_dir" wrk -t2 -c"$connections" -d"$duration" --timeout "$timeout" -s "$bench_dir/search.lua" \
    "$url" 2>&1 | grep RESULT)
  echo "  $output" >&2
  read -r p50[$round] p99[$round] rps[$round] errors < <(
    awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
           printf "%.2f %.2f %.1f %d\n", v["latency_p50_us"] / 1000, v["latency_p99_us"] / 1000,
                  v["requests"] / (v["duration_us"] / 1e6), v["status_errors"] }' <<<"$output")
  ((errors == 0)) || fail "$errors searches did not answer 200"
done
load_after_rounds=$(cut -d' ' -f1-3 /proc/loadavg)

echo "Measuring the CPU time per query" >&2
rows=()
sum_server=0
sum_postgres=0
while read -r query; do
  encoded=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$query")
  curl -sS -o "${TMPDIR:-/tmp}/postgres-search.$$.json" -H 'Cache-Control: no-cache' \
    "$url/api/v1/search?q=$encoded"
  total=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["total"])' \
    "${TMPDIR:-/tmp}/postgres-search.$$.json")
  urls=()
  for ((i = 0; i < cpu_requests; i++)); do
    urls+=(-o /dev/null "$url/api/v1/search?q=$encoded")
  done
  server_before=$(cpu_ns "$server_pid")
  postgres_before=$(postgres_cpu_ns)
  started=${EPOCHREALTIME/./}
  curl -sS -H 'Cache-Control: no-cache' "${urls[@]}"
  elapsed_us=$(((${EPOCHREALTIME/./} - started) / cpu_requests))
  server_us=$((($(cpu_ns "$server_pid") - server_before) / cpu_requests / 1000))
  postgres_us=$((($(postgres_cpu_ns) - postgres_before) / cpu_requests / 1000))
  sum_server=$((sum_server + server_us))
  sum_postgres=$((sum_postgres + postgres_us))
  rows+=("| $query | $total | $((elapsed_us / 1000)) | $server_us | $postgres_us |")
done < <(grep -v '^#' "$bench_dir/search_queries.txt" | grep -v '^$')
rm -f "${TMPDIR:-/tmp}/postgres-search.$$.json"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

header=$(seq -s ' | ' 1 "$rounds")
cat <<EOF
## \`wrk -t2 -c$connections -d$duration --timeout $timeout -s bench/search.lua\`, \`Cache-Control: no-cache\`

- Server: $url; machine: $(nproc) cores; load average (1, 5, 15 min) before the rounds
  $load_before, after them $load_after_rounds, after the CPU times $load_after

| | $header | median |
|---|$(printf -- '---|%.0s' $(seq 1 "$rounds"))---|
| p50 ms | $(IFS='|'; echo "${p50[*]}" | sed 's/|/ | /g') | **$(median "${p50[@]}")** |
| p99 ms | $(IFS='|'; echo "${p99[*]}" | sed 's/|/ | /g') | **$(median "${p99[@]}")** |
| req/s | $(IFS='|'; echo "${rps[*]}" | sed 's/|/ | /g') | **$(median "${rps[@]}")** |

## CPU per search, $cpu_requests no-cache requests per query, one at a time

| query | matches | wall ms | server CPU µs | PostgreSQL CPU µs |
|---|---|---|---|---|
$(printf '%s\n' "${rows[@]}")
| **sum** | | | **$sum_server** | **$sum_postgres** |
EOF
