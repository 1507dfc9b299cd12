#!/usr/bin/env bash
# Benchmarks `openlabs serve` on this machine and rewrites bench/RESULTS.md. Measures, in one run:
# GET /api/v1/users/{id} against nginx serving the same bytes, login throughput, idle memory,
# start-up time, and notebook sessions (bench/notebook_sessions.mjs). Then bench/content.sh builds
# a database of imported and generated labs and articles, and measures search, the lab list and a
# lab by id against nginx, and a large asset upload and download against cp. Every server listens
# on 127.0.0.1 only and is stopped when the script exits.
set -euo pipefail
export LC_ALL=C

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$bench_dir")
original_args=("$@")
script_started_us=${EPOCHREALTIME/./}

binary=$repo_dir/build/src/app/openlabs
rounds=3
duration=5s
threads=2
connections=64
login_connections=8
starts=10
port_base=24080
content_documents=100000
search_connections=4
upload_mib=1024
corpus_dir=${OPENLABS_CORPUS_DIR:-$repo_dir/../shared/corpus}
output=$bench_dir/RESULTS.md
log_dir=$bench_dir/out

usage() {
  cat <<EOF
Usage: bench/run.sh [options]

Benchmarks 'openlabs serve' with wrk against nginx serving the same bytes, and
writes the results page (medians over interleaved rounds, ratios, machine).
Needs wrk, nginx and curl (scripts/install-deps.sh --bench installs them).

  --binary PATH         openlabs executable (default: build/src/app/openlabs)
  --rounds N            interleaved rounds of each wrk measurement (default: $rounds, minimum 3)
  --duration TIME       length of each wrk run, in wrk's format (default: $duration)
  --threads N           wrk threads (default: $threads)
  --connections N       wrk connections for GET requests (default: $connections)
  --login-connections N wrk connections for logins (default: $login_connections)
  --starts N            start-ups measured per data-folder case (default: $starts, minimum 10)
  --port-base PORT      first of the five 127.0.0.1 ports used (default: $port_base)
  --content-documents N labs plus articles in the content database, corpus included; half are
                        labs (default: $content_documents; 0 skips the content benchmarks)
  --search-connections N wrk connections for search (default: $search_connections)
  --upload-mib N        size of the uploaded asset in MiB (default: $upload_mib)
  --corpus DIR          corpus with labs/ and articles/ to import (default:
                        \$OPENLABS_CORPUS_DIR, else ../shared/corpus beside the repository)
  --output FILE         results page to write (default: bench/RESULTS.md)
  -h, --help            show this help

Raw wrk output and server logs go to bench/out/, which is replaced on each run.
EOF
}

fail() {
  echo "error: $*" >&2
  exit 1
}

require_value() {
  [[ $# -ge 2 && -n "$2" ]] || fail "option $1 needs a value; see 'bench/run.sh -h'"
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --binary) require_value "$@"; binary=$2; shift ;;
    --rounds) require_value "$@"; rounds=$2; shift ;;
    --duration) require_value "$@"; duration=$2; shift ;;
    --threads) require_value "$@"; threads=$2; shift ;;
    --connections) require_value "$@"; connections=$2; shift ;;
    --login-connections) require_value "$@"; login_connections=$2; shift ;;
    --starts) require_value "$@"; starts=$2; shift ;;
    --port-base) require_value "$@"; port_base=$2; shift ;;
    --content-documents) require_value "$@"; content_documents=$2; shift ;;
    --search-connections) require_value "$@"; search_connections=$2; shift ;;
    --upload-mib) require_value "$@"; upload_mib=$2; shift ;;
    --corpus) require_value "$@"; corpus_dir=$2; shift ;;
    --output) require_value "$@"; output=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) fail "unknown option '$1'; see 'bench/run.sh -h'" ;;
  esac
  shift
done

for number in "$rounds" "$threads" "$connections" "$login_connections" "$starts" "$port_base" \
  "$content_documents" "$search_connections" "$upload_mib"; do
  [[ "$number" =~ ^[0-9]+$ ]] || fail "'$number' is not a whole number"
done
((rounds >= 3)) || fail "--rounds must be at least 3, got $rounds"
((starts >= 10)) || fail "--starts must be at least 10, got $starts"
((port_base >= 1024 && port_base <= 65531)) || fail "--port-base must be 1024 to 65531"
((upload_mib >= 1)) || fail "--upload-mib must be at least 1, got $upload_mib"
upload_bytes=$((upload_mib * 1048576))
if ((content_documents > 0)); then
  [[ -d "$corpus_dir/labs" && -d "$corpus_dir/articles" ]] ||
    fail "corpus folder '$corpus_dir' has no labs/ and articles/; set --corpus or" \
      "OPENLABS_CORPUS_DIR, or skip the content benchmarks with --content-documents 0"
  corpus_dir=$(cd "$corpus_dir" && pwd)
fi

[[ -x "$binary" ]] || fail "openlabs binary '$binary' not found or not executable; run 'make build'"
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null ||
    fail "$tool is not installed; run 'scripts/install-deps.sh --bench' as root"
done
# pyenv's shims may come first on PATH; Debian's Python is the one known to be there.
python=/usr/bin/python3
[[ -x "$python" ]] || fail "$python is not installed; it parses the JSON responses"

openlabs_port=$port_base
nginx_port=$((port_base + 1))
startup_port=$((port_base + 2))
content_port=$((port_base + 3))
content_nginx_port=$((port_base + 4))

# Succeeds when something accepts TCP connections on 127.0.0.1:$1.
port_is_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

for port in "$openlabs_port" "$nginx_port" "$startup_port" "$content_port" "$content_nginx_port"; do
  if port_is_open "$port"; then
    fail "port 127.0.0.1:$port is already in use; pick free ports with --port-base"
  fi
done

work_dir=$(mktemp -d /tmp/openlabs-bench.XXXXXX)
# nginx's worker runs as an unprivileged user when nginx is started as root and must read www/.
chmod 755 "$work_dir"
rm -rf "$log_dir"
mkdir -p "$log_dir"

# Processes started by this script, stopped by cleanup.
openlabs_pid=""
nginx_pid=""
startup_pid=""
content_pid=""
content_nginx_pid=""

# Stops process $1 with SIGTERM, then SIGKILL after 10 s, and returns its exit status.
stop_process() {
  local pid=$1
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 200); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$pid" 2>/dev/null || true
  local status=0
  wait "$pid" 2>/dev/null || status=$?
  return "$status"
}

cleanup() {
  stop_process "$startup_pid" || true
  stop_process "$openlabs_pid" || true
  stop_process "$nginx_pid" || true
  stop_process "$content_pid" || true
  stop_process "$content_nginx_pid" || true
  rm -rf "$work_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Prints the last lines of an openlabs log and how to reproduce, then exits.
report_server_failure() {
  local what=$1 log=$2
  {
    echo "error: $what"
    echo "last lines of $log:"
    tail -n 30 "$log" || true
    echo "The server log and the config used are kept in $log_dir/."
  } >&2
  exit 1
}

# Succeeds when GET /healthz on 127.0.0.1:$1 returns 200. Runs in a subshell so that a
# connection closed early cannot kill the script with SIGPIPE.
healthz_ok() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
    IFS= read -r -t 2 status_line <&3 || exit 1
    [[ "$status_line" == "HTTP/1.1 200"* ]]
  ) 2>/dev/null
}

# Waits until /healthz on port $1 returns 200, failing if process $2 exits or 10 s pass.
wait_for_healthz() {
  local port=$1 pid=$2 log=$3
  for _ in $(seq 1 2000); do
    healthz_ok "$port" && return 0
    kill -0 "$pid" 2>/dev/null || report_server_failure "openlabs exited during start-up" "$log"
    sleep 0.005
  done
  report_server_failure "openlabs did not answer GET /healthz with 200 within 10 s" "$log"
}

# Prints the median of the numbers given as arguments.
median() {
  printf '%s\n' "$@" | sort -g | awk '
    { value[NR] = $1 }
    END {
      if (NR % 2 == 1) { print value[(NR + 1) / 2] }
      else { print (value[NR / 2] + value[NR / 2 + 1]) / 2 }
    }'
}

# Prints $1 / $2 with $3 decimals.
divide() {
  awk -v a="$1" -v b="$2" -v digits="${3:-2}" 'BEGIN { printf "%.*f", digits, a / b }'
}

# Prints field $2 (VmRSS, VmHWM, Threads) of /proc/$1/status. Memory fields are in KiB.
proc_status_field() {
  awk -v field="$2:" '$1 == field { print $2 }' "/proc/$1/status"
}

kib_to_mib() {
  divide "$1" 1024 1
}

# Runs wrk and records its results as metric[LABEL,ROUND,NAME]. Arguments: label, round, URL,
# connections, then extra wrk arguments.
declare -A metric=()
run_wrk() {
  local label=$1 round=$2 url=$3 conns=$4
  shift 4
  local out_file=$log_dir/wrk-$label-round$round.txt
  wrk -t "$threads" -c "$conns" -d "$duration" "$@" "$url" >"$out_file" 2>&1 ||
    fail "wrk failed for $label; see $out_file"
  local line
  line=$(grep '^RESULT ' "$out_file") || fail "wrk printed no RESULT line for $label; see $out_file"

  local pair
  declare -A value=()
  for pair in ${line#RESULT }; do
    value[${pair%%=*}]=${pair#*=}
  done
  local seconds
  seconds=$(divide "${value[duration_us]}" 1000000 6)
  metric[$label,$round,rps]=$(divide "${value[requests]}" "$seconds" 1)
  metric[$label,$round,mean_ms]=$(divide "${value[latency_mean_us]}" 1000 2)
  metric[$label,$round,p50_ms]=$(divide "${value[latency_p50_us]}" 1000 2)
  metric[$label,$round,p99_ms]=$(divide "${value[latency_p99_us]}" 1000 2)
  metric[$label,$round,status_errors]=${value[status_errors]}
  metric[$label,$round,socket_errors]=$((value[connect_errors] + value[read_errors] +
    value[write_errors] + value[timeouts]))
  echo "  round $round $label: ${metric[$label,$round,rps]} req/s," \
    "p50 ${metric[$label,$round,p50_ms]} ms, non-2xx ${value[status_errors]}," \
    "socket errors ${metric[$label,$round,socket_errors]}" >&2
}

# Prints the median over all rounds of metric NAME for LABEL.
metric_median() {
  local label=$1 name=$2 round values=()
  for round in $(seq 1 "$rounds"); do
    values+=("${metric[$label,$round,$name]}")
  done
  median "${values[@]}"
}

# Prints the sum over all rounds of metric NAME for LABEL.
metric_sum() {
  local label=$1 name=$2 round total=0
  for round in $(seq 1 "$rounds"); do
    total=$((total + metric[$label,$round,$name]))
  done
  echo "$total"
}

# Other processes on the machine distort the numbers, so the results page shows the load average.
load_average_before=$(cut -d' ' -f1-3 /proc/loadavg)

echo "Writing the configuration files to $work_dir" >&2
config=$work_dir/openlabs.toml
# The login limits are far above what the login benchmark sends, so that it measures password
# hashing rather than HTTP 429 responses. The maximum values that config validation allows are
# 100000 per account and 1000000 per address.
cat >"$config" <<EOF
[server]
listen = "127.0.0.1:$openlabs_port"

[storage]
data_dir = "$work_dir/data"

[log]
level = "warn"

[auth]
login_attempts_per_account = 100000
login_attempts_per_address = 1000000
login_window_seconds = 60
EOF
startup_config=$work_dir/startup.toml
cat >"$startup_config" <<EOF
[server]
listen = "127.0.0.1:$startup_port"

[log]
level = "warn"
EOF
cp "$config" "$log_dir/openlabs.toml"

mkdir -p "$work_dir/www" "$work_dir/nginx-temp"
sed -e "s|@WORK_DIR@|$work_dir|g" -e "s|@PORT@|$nginx_port|g" "$bench_dir/nginx.conf.in" \
  >"$work_dir/nginx.conf"
cp "$work_dir/nginx.conf" "$log_dir/nginx.conf"

echo "Starting openlabs on 127.0.0.1:$openlabs_port" >&2
server_log=$log_dir/openlabs-serve.log
"$binary" serve --config "$config" 2>"$server_log" &
openlabs_pid=$!
wait_for_healthz "$openlabs_port" "$openlabs_pid" "$server_log"
sleep 1
rss_after_start_kib=$(proc_status_field "$openlabs_pid" VmRSS)
threads_after_start=$(proc_status_field "$openlabs_pid" Threads)

echo "Registering the benchmark user" >&2
base_url=http://127.0.0.1:$openlabs_port
bench_login=bench$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
bench_password=pw-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
register_body=$(printf '{"username":"%s","email":"%s@example.org","password":"%s","name":"Bench","surname":"User"}' \
  "$bench_login" "$bench_login" "$bench_password")
register_status=$(curl -sS -o "$work_dir/register.json" -w '%{http_code}' \
  -H 'Content-Type: application/json' --data-binary "$register_body" \
  "$base_url/api/v1/auth/register")
if [[ "$register_status" != 201 ]]; then
  echo "reproduce: curl -i -H 'Content-Type: application/json' --data-binary '$register_body'" \
    "$base_url/api/v1/auth/register" >&2
  echo "response body: $(cat "$work_dir/register.json")" >&2
  report_server_failure "POST /api/v1/auth/register returned $register_status, expected 201" \
    "$server_log"
fi
user_id=$("$python" -c 'import json, sys; print(json.load(sys.stdin)["user"]["id"])' \
  <"$work_dir/register.json") || fail "the register response has no user.id: $(cat "$work_dir/register.json")"

user_path=/api/v1/users/$user_id
mkdir -p "$work_dir/www/api/v1/users"
read -r user_status openlabs_header_bytes openlabs_body_bytes < <(curl -sS \
  -o "$work_dir/www$user_path" -w '%{http_code} %{size_header} %{size_download}\n' \
  "$base_url$user_path")
if [[ "$user_status" != 200 ]]; then
  echo "reproduce: curl -i $base_url$user_path" >&2
  echo "response body: $(cat "$work_dir/www$user_path")" >&2
  report_server_failure "GET $user_path returned $user_status, expected 200" "$server_log"
fi
cp "$work_dir/www$user_path" "$log_dir/user-response.json"

login_body=$(printf '{"login":"%s","password":"%s"}' "$bench_login" "$bench_password")
login_status=$(curl -sS -o "$work_dir/login.json" -w '%{http_code}' \
  -H 'Content-Type: application/json' --data-binary "$login_body" "$base_url/api/v1/auth/login")
if [[ "$login_status" != 200 ]] || ! grep -q '"access_token"' "$work_dir/login.json"; then
  echo "reproduce: curl -i -H 'Content-Type: application/json' --data-binary '$login_body'" \
    "$base_url/api/v1/auth/login" >&2
  echo "response body: $(cat "$work_dir/login.json")" >&2
  report_server_failure "POST /api/v1/auth/login returned $login_status without tokens" \
    "$server_log"
fi

echo "Starting nginx on 127.0.0.1:$nginx_port" >&2
nginx -e "$work_dir/nginx-error.log" -p "$work_dir" -c "$work_dir/nginx.conf" \
  2>"$log_dir/nginx-stderr.log" &
nginx_pid=$!
for _ in $(seq 1 200); do
  port_is_open "$nginx_port" && break
  kill -0 "$nginx_pid" 2>/dev/null || fail "nginx exited at start; see $log_dir/nginx-stderr.log"
  sleep 0.05
done
read -r nginx_status nginx_header_bytes nginx_body_bytes < <(curl -sS -o "$work_dir/nginx-body" \
  -w '%{http_code} %{size_header} %{size_download}\n' "http://127.0.0.1:$nginx_port$user_path")
[[ "$nginx_status" == 200 ]] || fail "nginx returned $nginx_status for $user_path"
cmp -s "$work_dir/nginx-body" "$work_dir/www$user_path" ||
  fail "nginx's body differs from openlabs' body for $user_path"

echo "Running $rounds interleaved rounds of wrk -t$threads -d$duration" >&2
export BENCH_LOGIN=$bench_login BENCH_PASSWORD=$bench_password BENCH_DIR=$bench_dir
openlabs_url=$base_url$user_path
nginx_url=http://127.0.0.1:$nginx_port$user_path
login_url=$base_url/api/v1/auth/login
# Warm-up runs, not recorded.
wrk -t "$threads" -c "$connections" -d 1s "$openlabs_url" >/dev/null
wrk -t "$threads" -c "$connections" -d 1s "$nginx_url" >/dev/null

for round in $(seq 1 "$rounds"); do
  # Alternate the order so that neither server always runs right after the login load.
  if ((round % 2 == 1)); then
    order=(openlabs nginx)
  else
    order=(nginx openlabs)
  fi
  for server in "${order[@]}"; do
    if [[ "$server" == openlabs ]]; then
      run_wrk user-openlabs "$round" "$openlabs_url" "$connections" -s "$bench_dir/summary.lua"
    else
      run_wrk user-nginx "$round" "$nginx_url" "$connections" -s "$bench_dir/summary.lua"
    fi
    sleep 1
  done
  # GET /healthz does no database work, so it separates the HTTP server's cost from the handler's.
  run_wrk healthz-openlabs "$round" "$base_url/healthz" "$connections" -s "$bench_dir/summary.lua"
  sleep 1
  run_wrk login-openlabs "$round" "$login_url" "$login_connections" --timeout 10s \
    -s "$bench_dir/login.lua"
  sleep 1
  kill -0 "$openlabs_pid" 2>/dev/null ||
    report_server_failure "openlabs exited during the wrk runs of round $round" "$server_log"
  metric[user-ratio,$round,value]=$(divide "${metric[user-openlabs,$round,rps]}" \
    "${metric[user-nginx,$round,rps]}" 2)
done
load_average_after=$(cut -d' ' -f1-3 /proc/loadavg)

# The server gives freed memory back once no request has begun for 1 s, checked once a second.
# So the idle figure is read 5 s after the load. The one at 0.5 s is taken before that release,
# while the last password hashes may still be running.
sleep 0.5
rss_right_after_load_kib=$(proc_status_field "$openlabs_pid" VmRSS)
sleep 4.5
rss_after_load_kib=$(proc_status_field "$openlabs_pid" VmRSS)
rss_peak_kib=$(proc_status_field "$openlabs_pid" VmHWM)
threads_after_load=$(proc_status_field "$openlabs_pid" Threads)

echo "Stopping the servers of the wrk measurements" >&2
serve_exit=0
stop_process "$openlabs_pid" || serve_exit=$?
openlabs_pid=""
stop_process "$nginx_pid" || true
nginx_pid=""
[[ "$serve_exit" == 0 ]] ||
  report_server_failure "openlabs serve exited with status $serve_exit after SIGTERM, expected 0" \
    "$server_log"

# Starts openlabs on data folder $1, stops it with SIGTERM, and sets start_ms, stop_ms and
# exit_status. The start-up time runs from just before the fork to the first 200 response of
# /healthz, polled every few milliseconds.
measure_start() {
  local data_dir=$1 log=$log_dir/openlabs-startup.log
  local started_us ready_us stopped_us
  started_us=${EPOCHREALTIME/./}
  "$binary" serve --config "$startup_config" --data-dir "$data_dir" 2>>"$log" &
  startup_pid=$!
  until healthz_ok "$startup_port"; do
    kill -0 "$startup_pid" 2>/dev/null ||
      report_server_failure "openlabs exited during start-up on $data_dir" "$log"
    sleep 0.002
  done
  ready_us=${EPOCHREALTIME/./}
  exit_status=0
  stop_process "$startup_pid" || exit_status=$?
  stopped_us=${EPOCHREALTIME/./}
  startup_pid=""
  start_ms=$(divide $((ready_us - started_us)) 1000 1)
  stop_ms=$(divide $((stopped_us - ready_us)) 1000 1)
}

echo "Measuring $starts start-ups on fresh data folders and $starts on an existing one" >&2
fresh_ms=()
existing_ms=()
shutdown_ms=()
bad_exits=0
for i in $(seq 1 "$starts"); do
  measure_start "$work_dir/fresh-$i"
  fresh_ms+=("$start_ms")
  shutdown_ms+=("$stop_ms")
  [[ "$exit_status" == 0 ]] || bad_exits=$((bad_exits + 1))
done
# The existing folder is created by one start that is not counted.
measure_start "$work_dir/existing"
for i in $(seq 1 "$starts"); do
  measure_start "$work_dir/existing"
  existing_ms+=("$start_ms")
  shutdown_ms+=("$stop_ms")
  [[ "$exit_status" == 0 ]] || bad_exits=$((bad_exits + 1))
done
if ((bad_exits > 0)); then
  report_server_failure "$bad_exits of $((2 * starts)) start-up runs did not exit with status 0 after SIGTERM" \
    "$log_dir/openlabs-startup.log"
fi

echo "Measuring notebook sessions beside python3 and a Jupyter kernel" >&2
node --experimental-websocket "$bench_dir/notebook_sessions.mjs" --binary "$binary" \
  --output "$(dirname "$output")/notebook-sessions.md" 2>>"$log_dir/notebook-sessions.log" ||
  fail "the notebook session benchmark failed; see $log_dir/notebook-sessions.log"

source "$bench_dir/content.sh"
if ((content_documents > 0)); then
  run_content_benchmarks
fi

source "$bench_dir/results_page.sh"
write_results_page "$output"
echo "Wrote $output" >&2

# The autograder on the IntroClass corpus: agreement with the recorded results, throughput with
# two graders in parallel, and the similarity distributions, on their own page.
echo "Grading the IntroClass corpus (bench/introclass.md)" >&2
introclass_status=0
/usr/bin/python3 "$bench_dir/introclass/compare.py" --binary "$binary" --jobs 2 \
  --output "$bench_dir/introclass.md" || introclass_status=$?
if ((introclass_status == 77)); then
  echo "Skipped the IntroClass benchmark: the corpus is missing" >&2
elif ((introclass_status != 0)); then
  fail "the IntroClass comparison failed with status $introclass_status"
fi

# The same corpus imported into a server as labs and submissions and graded by its two workers.
echo "Grading the IntroClass corpus through the server (bench/introclass-server.md)" >&2
introclass_status=0
/usr/bin/python3 "$bench_dir/introclass/through_server.py" --binary "$binary" --workers 2 \
  --output "$bench_dir/introclass-server.md" || introclass_status=$?
if ((introclass_status == 77)); then
  echo "Skipped the IntroClass server benchmark: the corpus is missing" >&2
elif ((introclass_status != 0)); then
  fail "the IntroClass server benchmark failed with status $introclass_status"
fi
