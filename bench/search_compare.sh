#!/usr/bin/env bash
# Compares the search of two `openlabs serve` binaries side by side on copies of one content
# database (a data folder that bench/content.sh or `openlabs import` plus
# bench/generate_content.py filled). Both servers run at once; each round runs
# `wrk -s bench/search.lua` with Cache-Control: no-cache against one and then the other, in
# alternating order. Then it sends each query of bench/search_queries.txt to each server alone
# and records the CPU time that the server used per search, which other load on the machine
# distorts less than latency. Servers listen on 127.0.0.1 only and are stopped when the script
# exits.
set -euo pipefail
export LC_ALL=C

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rounds=5
duration=5s
connections=4
cpu_requests=20
port_base=24300
work_parent=${TMPDIR:-/tmp}
data_dir=

usage() {
  cat <<EOF
Usage: bench/search_compare.sh [options] --data-dir DIR BEFORE_BINARY AFTER_BINARY

Runs both binaries on copies of the data folder DIR and prints, as Markdown, the p50 and p99
latency and the requests per second of no-cache searches per round with their medians, and the
server CPU time per search of each query. Needs wrk and curl.

  --data-dir DIR       data folder with openlabs.db to copy (required; not changed)
  --rounds N           interleaved wrk rounds (default: $rounds, minimum 3)
  --duration TIME      length of each wrk run, in wrk's format (default: $duration)
  --connections N      wrk connections (default: $connections)
  --cpu-requests N     requests per query for the CPU times (default: $cpu_requests)
  --port-base PORT     first of the two 127.0.0.1 ports used (default: $port_base)
  --work-dir DIR       parent of the temporary folder for the copies (default: \$TMPDIR, else /tmp)
  -h, --help           show this help

Before measuring, it waits until each server has built its champion lists and indexed every
document for the assistant, so that neither does that work during the rounds.
EOF
}

fail() {
  echo "error: $*" >&2
  exit 1
}

binaries=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --data-dir) data_dir=${2:?"--data-dir needs a value"}; shift ;;
    --rounds) rounds=${2:?"--rounds needs a value"}; shift ;;
    --duration) duration=${2:?"--duration needs a value"}; shift ;;
    --connections) connections=${2:?"--connections needs a value"}; shift ;;
    --cpu-requests) cpu_requests=${2:?"--cpu-requests needs a value"}; shift ;;
    --port-base) port_base=${2:?"--port-base needs a value"}; shift ;;
    --work-dir) work_parent=${2:?"--work-dir needs a value"}; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) fail "unknown option '$1'; see 'bench/search_compare.sh -h'" ;;
    *) binaries+=("$1") ;;
  esac
  shift
done
((${#binaries[@]} == 2)) || fail "give two binaries, BEFORE and AFTER; see -h"
[[ -n "$data_dir" ]] || fail "--data-dir is required; see -h"
[[ -f "$data_dir/openlabs.db" ]] || fail "no openlabs.db in '$data_dir'"
for number in "$rounds" "$connections" "$cpu_requests" "$port_base"; do
  [[ "$number" =~ ^[0-9]+$ ]] || fail "'$number' is not a whole number"
done
((rounds >= 3)) || fail "--rounds must be at least 3, got $rounds"
((connections >= 1 && cpu_requests >= 1)) || fail "--connections and --cpu-requests must be at least 1"
((port_base >= 1024 && port_base <= 65534)) || fail "--port-base must be 1024 to 65534"
for binary in "${binaries[@]}"; do
  [[ -x "$binary" ]] || fail "openlabs binary '$binary' not found or not executable"
done
command -v wrk >/dev/null || fail "wrk is not installed; scripts/install-deps.sh --bench installs it"
labels=(before after)

# A copied binary finds the notebook kernel through this variable.
export OPENLABS_KERNEL_DIR=${OPENLABS_KERNEL_DIR:-$(dirname "$bench_dir")/kernel}

work_dir=$(mktemp -d "$work_parent/openlabs-search.XXXXXX")
declare -A server_pid=() port=()

cleanup() {
  local label
  for label in "${labels[@]}"; do
    if [[ -n "${server_pid[$label]:-}" ]]; then
      kill -TERM "${server_pid[$label]}" 2>/dev/null || true
      wait "${server_pid[$label]}" 2>/dev/null || true
    fi
  done
  rm -rf "$work_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

source "$bench_dir/process_stats.sh"

# Prints the number of assistant index jobs not yet done in database $1.
pending_index_jobs() {
  python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1], timeout=30).execute("SELECT COUNT(*) FROM assistant_index_jobs WHERE state IN (\x27queued\x27, \x27running\x27)").fetchone()[0])' "$1"
}

# Starts binary $2 as server $1 on port $3 on a copy of the data folder and waits until its
# background work is done.
start_server() {
  local label=$1 binary=$2 dir=$work_dir/$1
  port[$label]=$3
  mkdir -p "$dir"
  echo "Copying $data_dir for $label" >&2
  cp -r --reflink=auto "$data_dir" "$dir/data"
  # Log level info for the champion-list line that the wait below reads; the resync interval
  # keeps the assistant's periodic resync out of the rounds.
  cat >"$dir/openlabs.toml" <<EOF
[server]
listen = "127.0.0.1:${port[$label]}"

[storage]
data_dir = "$dir/data"

[log]
level = "info"

[assistant]
resync_interval_seconds = 604800
EOF
  "$binary" serve --config "$dir/openlabs.toml" 2>"$dir/server.log" &
  server_pid[$label]=$!
}

wait_for_background_work() {
  local label=$1 dir=$work_dir/$1 waited=0
  echo "Waiting for $label to build its champion lists and index the assistant's documents" >&2
  until grep -q "built the champion lists" "$dir/server.log" &&
    [[ $(pending_index_jobs "$dir/data/openlabs.db") == 0 ]]; do
    kill -0 "${server_pid[$label]}" 2>/dev/null || { tail -20 "$dir/server.log" >&2; exit 1; }
    sleep 5
    waited=$((waited + 5))
    ((waited % 60 != 0)) || echo "  still waiting for $label after $waited s" >&2
  done
}

# Runs one wrk round against server $1 and records p50, p99 (ms) and requests per second.
wrk_round() {
  local label=$1 round=$2 output
  output=$(BENCH_SEARCH_FRESH=1 BENCH_SEARCH_QUERIES="$bench_dir/search_queries.txt" \
    BENCH_DIR="$bench_dir" wrk -t2 -c"$connections" -d"$duration" -s "$bench_dir/search.lua" \
    "http://127.0.0.1:${port[$label]}" 2>&1 | grep RESULT)
  read -r p50[$label,$round] p99[$label,$round] rps[$label,$round] errors < <(
    awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
           printf "%.2f %.2f %.0f %d\n", v["latency_p50_us"] / 1000, v["latency_p99_us"] / 1000,
                  v["requests"] / (v["duration_us"] / 1e6), v["status_errors"] }' <<<"$output")
  ((errors == 0)) || fail "$errors searches to $label did not answer 200"
}

# Records the server CPU time per search, in microseconds, of each query for server $1.
cpu_per_query() {
  local label=$1 pid=${server_pid[$1]} query encoded before after i
  while read -r query; do
    encoded=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$query")
    local urls=()
    for ((i = 0; i < cpu_requests; i++)); do
      urls+=(-o /dev/null "http://127.0.0.1:${port[$label]}/api/v1/search?q=$encoded")
    done
    before=$(cpu_ns "$pid")
    curl -sS -H 'Cache-Control: no-cache' "${urls[@]}"
    after=$(cpu_ns "$pid")
    cpu_us[$label,$query]=$(((after - before) / cpu_requests / 1000))
  done < <(grep -v '^#' "$bench_dir/search_queries.txt" | grep -v '^$')
}

declare -A p50=() p99=() rps=() cpu_us=()
start_server before "${binaries[0]}" "$port_base"
start_server after "${binaries[1]}" $((port_base + 1))
wait_for_background_work before
wait_for_background_work after
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

for ((round = 1; round <= rounds; round++)); do
  echo "Round $round of $rounds" >&2
  if ((round % 2)); then order=(before after); else order=(after before); fi
  for label in "${order[@]}"; do
    wrk_round "$label" "$round"
  done
done
for label in "${labels[@]}"; do
  cpu_per_query "$label"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

row() {
  local name=$1 label=$3 values=() round
  local -n cell=$2
  for ((round = 1; round <= rounds; round++)); do
    values+=("${cell[$label,$round]}")
  done
  printf '| %s | %s | **%s** |\n' "$name" "$(IFS='|'; echo "${values[*]}" | sed 's/|/ | /g')" \
    "$(median "${values[@]}")"
}

header=$(seq -s ' | ' 1 "$rounds")
cat <<EOF
## \`wrk -t2 -c$connections -d$duration -s bench/search.lua\`, \`Cache-Control: no-cache\`, interleaved rounds

- before: \`${binaries[0]}\`; after: \`${binaries[1]}\`; data folder: \`$data_dir\`
- Machine: $(nproc) cores; load average (1, 5, 15 min) before the rounds $load_before, after $load_after

| | $header | median |
|---|$(printf -- '---|%.0s' $(seq 1 "$rounds"))---|
$(row "before: p50 ms" p50 before)
$(row "after: p50 ms" p50 after)
$(row "before: p99 ms" p99 before)
$(row "after: p99 ms" p99 after)
$(row "before: req/s" rps before)
$(row "after: req/s" rps after)

## Server CPU per search, $cpu_requests requests per query, one at a time

| query | before µs | after µs |
|---|---|---|
EOF
total_before=0
total_after=0
while read -r query; do
  printf '| %s | %s | %s |\n' "$query" "${cpu_us[before,$query]}" "${cpu_us[after,$query]}"
  total_before=$((total_before + cpu_us[before,$query]))
  total_after=$((total_after + cpu_us[after,$query]))
done < <(grep -v '^#' "$bench_dir/search_queries.txt" | grep -v '^$')
printf '| **sum** | **%s** | **%s** |\n' "$total_before" "$total_after"
