#!/usr/bin/env bash
# Compares the asset upload of two `openlabs serve` binaries side by side, with the method of the
# upload benchmark in bench/content.sh: one file of random bytes sent with `curl -F` to
# POST /api/v1/labs/{id}/assets, against `cp` plus `sync FILE` on the same disk. Both servers run
# at once on SQLite, each with its own data folder, and each round uploads once to each, in
# alternating order. Besides the wall time, it records the CPU time that each server used during
# its upload (utime plus stime of all its threads), which other load on the machine distorts less.
# Servers listen on 127.0.0.1 only and are stopped when the script exits.
set -euo pipefail
export LC_ALL=C

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rounds=5
upload_mib=1024
port_base=24200
work_parent=${TMPDIR:-/tmp}

usage() {
  cat <<EOF
Usage: bench/upload_compare.sh [options] BEFORE_BINARY AFTER_BINARY

Uploads one file to each binary per round, in alternating order, and prints per-round and
median throughput, the ratio to cp plus fsync, server CPU time per MiB and RSS growth.

  --rounds N        rounds (default: $rounds, minimum 3)
  --upload-mib N    size of the uploaded file in MiB (default: $upload_mib)
  --port-base PORT  first of the two 127.0.0.1 ports used (default: $port_base)
  --work-dir DIR    parent of the temporary folder for the file, the copies and both data
                    folders; it sets the disk measured (default: \$TMPDIR, else /tmp)
  -h, --help        show this help
EOF
}

fail() {
  echo "error: $*" >&2
  exit 1
}

binaries=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds=${2:?"--rounds needs a value"}; shift ;;
    --upload-mib) upload_mib=${2:?"--upload-mib needs a value"}; shift ;;
    --port-base) port_base=${2:?"--port-base needs a value"}; shift ;;
    --work-dir) work_parent=${2:?"--work-dir needs a value"}; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) fail "unknown option '$1'; see 'bench/upload_compare.sh -h'" ;;
    *) binaries+=("$1") ;;
  esac
  shift
done
((${#binaries[@]} == 2)) || fail "give two binaries, BEFORE and AFTER; see -h"
for number in "$rounds" "$upload_mib" "$port_base"; do
  [[ "$number" =~ ^[0-9]+$ ]] || fail "'$number' is not a whole number"
done
((rounds >= 3)) || fail "--rounds must be at least 3, got $rounds"
((upload_mib >= 1)) || fail "--upload-mib must be at least 1, got $upload_mib"
((port_base >= 1024 && port_base <= 65534)) || fail "--port-base must be 1024 to 65534"
for binary in "${binaries[@]}"; do
  [[ -x "$binary" ]] || fail "openlabs binary '$binary' not found or not executable"
done
upload_bytes=$((upload_mib * 1048576))
labels=(before after)
clock_ticks=$(getconf CLK_TCK)

# A copied binary finds the notebook kernel through this variable.
export OPENLABS_KERNEL_DIR=${OPENLABS_KERNEL_DIR:-$(dirname "$bench_dir")/kernel}

work_dir=$(mktemp -d "$work_parent/openlabs-upload.XXXXXX")
declare -A server_pid=()

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

# Prints the median of the numbers given as arguments.
median() {
  printf '%s\n' "$@" | sort -g | awk '
    { value[NR] = $1 }
    END { print (NR % 2) ? value[(NR + 1) / 2] : (value[NR / 2] + value[NR / 2 + 1]) / 2 }'
}

# Prints $1 / $2 with $3 decimals.
divide() {
  awk -v a="$1" -v b="$2" -v digits="${3:-2}" 'BEGIN { printf "%.*f", digits, a / b }'
}

# Prints the CPU time, in clock ticks, that process $1 and all its threads have used.
cpu_ticks() {
  # Fields 14 and 15 of /proc/PID/stat, counted after the ")" that ends the command name.
  sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

rss_kib() {
  awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

hwm_kib() {
  awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"
}

json_value() {
  python3 -c 'import json, sys; v = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# Starts binary $2 as server $1 on port $3, registers a user and creates the lab that receives
# the uploads.
start_server() {
  local label=$1 binary=$2 port=$3 dir=$work_dir/$1
  mkdir -p "$dir/data"
  cat >"$dir/openlabs.toml" <<EOF
[server]
listen = "127.0.0.1:$port"

[storage]
data_dir = "$dir/data"

[log]
level = "warn"

[labs]
max_asset_bytes = $((upload_bytes + 1048576))
EOF
  "$binary" serve --config "$dir/openlabs.toml" 2>"$dir/server.log" &
  server_pid[$label]=$!
  local base=http://127.0.0.1:$port
  for _ in $(seq 1 500); do
    curl -sf "$base/healthz" >/dev/null 2>&1 && break
    kill -0 "${server_pid[$label]}" 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    sleep 0.02
  done
  local user=upload$RANDOM$RANDOM
  curl -sS -o "$dir/register.json" -H 'Content-Type: application/json' --data-binary \
    "{\"username\":\"$user\",\"email\":\"$user@example.org\",\"password\":\"pw-$user-secret\",\"name\":\"Bench\",\"surname\":\"Upload\"}" \
    "$base/api/v1/auth/register"
  token[$label]=$(json_value "$dir/register.json" 'v["access_token"]')
  curl -sS -o "$dir/lab.json" -H "Authorization: Bearer ${token[$label]}" \
    -H 'Content-Type: application/json' \
    --data-binary '{"title":"Upload benchmark","description":"Receives the uploads","body":"x","tags":[]}' \
    "$base/api/v1/labs"
  lab_url[$label]=$base/api/v1/labs/$(json_value "$dir/lab.json" 'v["id"]')
}

# Uploads the file to server $1 and records seconds, CPU ticks and RSS growth for round $2.
upload_once() {
  local label=$1 round=$2 pid=${server_pid[$1]} dir=$work_dir/$1
  echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true
  local rss_before ticks_before started status
  rss_before=$(rss_kib "$pid")
  ticks_before=$(cpu_ticks "$pid")
  started=${EPOCHREALTIME/./}
  status=$(curl -sS -o "$dir/upload.json" -w '%{http_code}' \
    -H "Authorization: Bearer ${token[$label]}" \
    -F "file=@$source_file;filename=round$round.bin;type=application/octet-stream" \
    "${lab_url[$label]}/assets")
  local elapsed_us=$((${EPOCHREALTIME/./} - started))
  local ticks=$(($(cpu_ticks "$pid") - ticks_before))
  [[ "$status" == 201 ]] ||
    fail "the upload to $label returned $status: $(head -c 500 "$dir/upload.json")"
  local size asset_id
  size=$(json_value "$dir/upload.json" 'v["items"][0]["size"]')
  [[ "$size" == "$upload_bytes" ]] || fail "$label stored $size bytes of $upload_bytes"
  asset_id=$(json_value "$dir/upload.json" 'v["items"][0]["id"]')
  seconds[$label,$round]=$(divide "$elapsed_us" 1000000 3)
  mib_s[$label,$round]=$(divide "$upload_mib" "${seconds[$label,$round]}" 1)
  cpu_ms_per_mib[$label,$round]=$(divide "$((ticks * 1000))" "$((clock_ticks * upload_mib))" 3)
  rss_growth_mib[$label,$round]=$(divide "$(($(hwm_kib "$pid") - rss_before))" 1024 1)
  curl -sS -o /dev/null -X DELETE -H "Authorization: Bearer ${token[$label]}" \
    "${lab_url[$label]}/assets/$asset_id"
}

# Copies the file and makes the copy durable with fsync (coreutils sync FILE), as
# bench/content.sh does for its baseline; records the seconds for round $1.
copy_and_sync_once() {
  local copy=$work_dir/copy.bin started=${EPOCHREALTIME/./}
  cp "$source_file" "$copy"
  sync "$copy"
  seconds[cp,$1]=$(divide "$((${EPOCHREALTIME/./} - started))" 1000000 3)
  mib_s[cp,$1]=$(divide "$upload_mib" "${seconds[cp,$1]}" 1)
  rm -f "$copy"
}

declare -A token=() lab_url=() seconds=() mib_s=() cpu_ms_per_mib=() rss_growth_mib=() ratio=()
start_server before "${binaries[0]}" "$port_base"
start_server after "${binaries[1]}" $((port_base + 1))

echo "Writing a $upload_mib MiB file of random bytes to $work_dir" >&2
source_file=$work_dir/source.bin
head -c "$upload_bytes" /dev/urandom >"$source_file"
# One uncounted copy and one uncounted upload each warm the page cache and the servers.
copy_and_sync_once 0
upload_once before 0
upload_once after 0

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq 1 "$rounds"); do
  order=(before after)
  ((round % 2 == 0)) && order=(after before)
  copy_and_sync_once "$round"
  for label in "${order[@]}"; do
    upload_once "$label" "$round"
  done
  for label in "${labels[@]}"; do
    ratio[$label,$round]=$(divide "${seconds[cp,$round]}" "${seconds[$label,$round]}" 2)
  done
  echo "round $round: cp+fsync ${mib_s[cp,$round]} MiB/s;" \
    "before ${mib_s[before,$round]} MiB/s (${ratio[before,$round]}), ${cpu_ms_per_mib[before,$round]} ms CPU/MiB;" \
    "after ${mib_s[after,$round]} MiB/s (${ratio[after,$round]}), ${cpu_ms_per_mib[after,$round]} ms CPU/MiB" >&2
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# Prints one table row: the name, then the value of array $2 for each round, then the median.
row() {
  local name=$1 array=$2 key=$3 values=() round
  local -n values_of=$array
  for round in $(seq 1 "$rounds"); do
    values+=("${values_of[$key,$round]}")
  done
  printf '| %s | %s | %s |\n' "$name" "$(IFS='|'; echo "${values[*]}" | sed 's/|/ | /g')" \
    "$(median "${values[@]}")"
}

declare -A ratio_after_before=()
for round in $(seq 1 "$rounds"); do
  ratio_after_before[x,$round]=$(divide "${seconds[before,$round]}" "${seconds[after,$round]}" 2)
done

header="| metric |"
separator="|---|"
for round in $(seq 1 "$rounds"); do
  header+=" round $round |"
  separator+="---|"
done
cat <<EOF
Upload of $upload_mib MiB, $rounds rounds, $(nproc) cores, load average $load_before before and
$load_after after. before: \`${binaries[0]}\`; after: \`${binaries[1]}\`.

$header median |
$separator---|
$(row "cp + fsync, MiB/s" mib_s cp)
$(row "before, MiB/s" mib_s before)
$(row "after, MiB/s" mib_s after)
$(row "before / (cp + fsync)" ratio before)
$(row "after / (cp + fsync)" ratio after)
$(row "after / before (throughput)" ratio_after_before x)
$(row "before, server CPU ms per MiB" cpu_ms_per_mib before)
$(row "after, server CPU ms per MiB" cpu_ms_per_mib after)
$(row "before, RSS growth MiB" rss_growth_mib before)
$(row "after, RSS growth MiB" rss_growth_mib after)
EOF
