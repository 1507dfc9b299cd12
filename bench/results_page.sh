# Writes bench/RESULTS.md from the measurements of bench/run.sh, which sources this file after
# its measurements, so every variable used here is a global of bench/run.sh.

# Prints "met" when "$1 $2 $3" is true (operator ">=" or "<"), otherwise "**not met**".
verdict() {
  if awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { exit !((op == ">=") ? a >= b : a < b) }'; then
    echo "met"
  else
    echo "**not met**"
  fi
}

# Prints the per-round cells of metric NAME for LABEL, then its median, as a Markdown table row.
round_row() {
  local label=$1 name=$2 row="" round
  for round in $(seq 1 "$rounds"); do
    row+=" ${metric[$label,$round,$name]} |"
  done
  echo "$row $(metric_median "$label" "$name") |"
}

# Prints "machine, cores, RAM, kernel, Debian version" of this machine.
describe_machine() {
  local cpu ram debian
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  ram=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
  debian=$(cat /etc/debian_version 2>/dev/null || echo unknown)
  echo "$cpu, $(nproc) cores, $ram RAM, kernel $(uname -r), Debian $debian"
}

# Prints the commit of the repository, marked when tracked files have uncommitted changes.
describe_commit() {
  local commit
  commit=$(git -C "$repo_dir" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [[ -n "$(git -C "$repo_dir" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
    commit+=" with uncommitted changes"
  fi
  echo "$commit"
}

# Prints CMAKE_BUILD_TYPE of the build folder that contains the binary (BUILD/src/app/openlabs).
describe_build_type() {
  local cache build_type
  cache=$(dirname "$(dirname "$(dirname "$binary")")")/CMakeCache.txt
  if [[ ! -f "$cache" ]]; then
    echo "unknown"
    return
  fi
  build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$cache")
  # An empty cache entry means the default of CMakeLists.txt.
  echo "${build_type:-RelWithDebInfo}"
}

# Prints the command line of this run, with paths inside the repository made relative.
describe_command() {
  local text=bench/run.sh arg
  for arg in "${original_args[@]}"; do
    text+=" $(printf '%q' "${arg/#$repo_dir\//}")"
  done
  echo "$text"
}

# Writes the results page to $1, through a temporary file so that a failure leaves the old page.
write_results_page() {
  local output_file=$1
  local round_headers="" round_rule="" round
  for round in $(seq 1 "$rounds"); do
    round_headers+=" round $round |"
    round_rule+="---|"
  done

  local user_openlabs_rps user_nginx_rps user_ratio login_rps
  user_openlabs_rps=$(metric_median user-openlabs rps)
  user_nginx_rps=$(metric_median user-nginx rps)
  user_ratio=$(divide "$user_openlabs_rps" "$user_nginx_rps" 2)
  login_rps=$(metric_median login-openlabs rps)

  local rss_start_mib rss_load_mib rss_right_after_load_mib rss_peak_mib
  rss_start_mib=$(kib_to_mib "$rss_after_start_kib")
  rss_load_mib=$(kib_to_mib "$rss_after_load_kib")
  rss_right_after_load_mib=$(kib_to_mib "$rss_right_after_load_kib")
  rss_peak_mib=$(kib_to_mib "$rss_peak_kib")

  local fresh_median existing_median shutdown_median
  fresh_median=$(divide "$(median "${fresh_ms[@]}")" 1 1)
  existing_median=$(divide "$(median "${existing_ms[@]}")" 1 1)
  shutdown_median=$(divide "$(median "${shutdown_ms[@]}")" 1 1)

  local page=$work_dir/RESULTS.md
  cat >"$page" <<EOF
# Benchmark results

Written by \`bench/run.sh\`, which \`make bench\` runs; rerun it to replace this page. Each wrk
measurement ran $rounds times, interleaved with the others in one run. Tables give each round and
the median of the rounds.

- Date: $(date -u '+%Y-%m-%d %H:%M UTC')
- Command: \`$(describe_command)\`
- Commit: $(describe_commit)
- Build type: $(describe_build_type)
- \`openlabs version\`: $("$binary" version 2>&1 | head -n 1)
- Machine: $(describe_machine)
- Tools: $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2), $(nginx -v 2>&1 | sed 's/^nginx version: //')
- Load average (1, 5, 15 min) before the wrk runs: $load_average_before; after: $load_average_after
- Run time of bench/run.sh, start to this page: $(divide $((${EPOCHREALTIME/./} - script_started_us)) 60000000 1) min

wrk, openlabs and nginx share the same $(nproc) cores, and other processes on the machine add to
the load average above. So the throughput figures are bounded by the load generator, and only
their ratios within this run are meaningful.

## Summary

| measurement | result | target | |
|---|---|---|---|
| GET /api/v1/users/{id}: openlabs req/s / nginx req/s (medians) | $user_ratio ($user_openlabs_rps / $user_nginx_rps) | at least 0.40 | $(verdict "$user_ratio" ">=" 0.40) |
| POST /api/v1/auth/login, median req/s | $login_rps | none (argon2id-bound) | |
| idle RSS after start | $rss_start_mib MiB | under 30 MiB | $(verdict "$rss_start_mib" "<" 30) |
| idle RSS after the load | $rss_load_mib MiB | under 30 MiB | $(verdict "$rss_load_mib" "<" 30) |
| start-up to first /healthz 200, fresh data folder, median of $starts | $fresh_median ms | under 200 ms | $(verdict "$fresh_median" "<" 200) |
| start-up to first /healthz 200, existing data folder, median of $starts | $existing_median ms | under 200 ms | $(verdict "$existing_median" "<" 200) |
$(content_summary_rows)

## GET /api/v1/users/{id} against nginx

- Load: \`wrk -t$threads -c$connections -d$duration -s bench/summary.lua\` on \`$user_path\`.
- openlabs: its default thread settings (\`[server] io_threads\` and \`worker_threads\`).
- nginx: one worker, \`access_log off\`, \`keepalive_requests 1000000\` (bench/nginx.conf.in),
  serving a file that contains the exact body openlabs returned, fetched with curl first.
- Response sizes: openlabs $openlabs_header_bytes header bytes and $openlabs_body_bytes body bytes;
  nginx $nginx_header_bytes header bytes and $nginx_body_bytes body bytes.
- Non-2xx responses over all rounds: openlabs $(metric_sum user-openlabs status_errors), nginx
  $(metric_sum user-nginx status_errors). Socket errors and timeouts: openlabs
  $(metric_sum user-openlabs socket_errors), nginx $(metric_sum user-nginx socket_errors).

| server | metric |$round_headers median |
|---|---|$round_rule---|
| openlabs | req/s |$(round_row user-openlabs rps)
| nginx | req/s |$(round_row user-nginx rps)
| openlabs / nginx | ratio of req/s |$(round_row user-ratio value)
| openlabs, GET /healthz | req/s |$(round_row healthz-openlabs rps)
| openlabs | p50 latency, ms |$(round_row user-openlabs p50_ms)
| nginx | p50 latency, ms |$(round_row user-nginx p50_ms)
| openlabs | p99 latency, ms |$(round_row user-openlabs p99_ms)
| nginx | p99 latency, ms |$(round_row user-nginx p99_ms)

The summary's ratio divides the two medians; the ratio row divides the two servers' figures of
each round, and its median is the median of those. The GET /healthz row is a reference: that
route does no database work, so the gap between it and the user route is the handler's cost.

## Login throughput

- Load: \`wrk -t$threads -c$login_connections -d$duration --timeout 10s -s bench/login.lua\`,
  which posts \`{"login": ..., "password": ...}\` for one registered user to
  \`/api/v1/auth/login\`.
- Each request verifies an argon2id hash on the worker threads, so this measures password
  hashing.
- The benchmark's config raises the login rate limits so that no request is answered with 429:
  \`[auth] login_attempts_per_account = 100000\`, \`login_attempts_per_address = 1000000\`,
  \`login_window_seconds = 60\`.
- Non-2xx responses over all rounds: $(metric_sum login-openlabs status_errors). Socket errors
  and timeouts: $(metric_sum login-openlabs socket_errors).

| metric |$round_headers median |
|---|$round_rule---|
| req/s |$(round_row login-openlabs rps)
| mean latency, ms |$(round_row login-openlabs mean_ms)
| p50 latency, ms |$(round_row login-openlabs p50_ms)
| p99 latency, ms |$(round_row login-openlabs p99_ms)

## Memory

VmRSS of the \`openlabs serve\` process from /proc/PID/status, on SQLite. "After start" is 1 s
after the first 200 from /healthz, before any other request. Once no request has begun for 1 s
(checked once a second), the server frees the SQLite page caches of idle connections and trims
the malloc arenas (\`malloc_trim\`). "Right after the load" is 0.5 s after the last wrk run, before
that release; "after the load" is 5 s after it, when the server is idle.

| when | VmRSS | threads |
|---|---|---|
| after start | $rss_start_mib MiB | $threads_after_start |
| right after the load | $rss_right_after_load_mib MiB | |
| after the load | $rss_load_mib MiB | $threads_after_load |
| peak (VmHWM) | $rss_peak_mib MiB | |

During the login load, each argon2id hash uses 64 MiB of working memory (libsodium's
\`crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE\`), and up to \`worker_threads\` hashes run at
once, so the peak can exceed the idle size by that many times 64 MiB. "After the load" shows how
much of it was returned to the system.

\`bench/idle_memory.sh BEFORE AFTER\` measures two builds side by side under the same load and
writes [idle-memory.md](idle-memory.md).

## Start-up and shutdown

Start-up time runs from just before the fork of \`openlabs serve\` to the first 200 response of
GET /healthz on SQLite. The script polls over a new connection every 3–4 ms (a 2 ms sleep plus
the probe), so each figure may be late by up to that. A fresh data folder is an empty folder each
time, so the database is created and migrated. The existing folder was created by one uncounted
start before.

| data folder | runs, ms | median |
|---|---|---|
| fresh | ${fresh_ms[*]} | $fresh_median ms |
| existing | ${existing_ms[*]} | $existing_median ms |

Shutdown, from SIGTERM to exit with status 0: median $shutdown_median ms over all
$((2 * starts)) runs.

$(content_sections)

## Notebook sessions

Session starts, cell round trips beside python3 and a Jupyter kernel, and memory per idle
session are on [notebook-sessions.md](notebook-sessions.md), written by the same run. Every corpus
notebook run in a live session is on [notebooks-corpus-sessions.md](notebooks-corpus-sessions.md)
(ctest: notebooks_corpus_sessions).

## Autograding

The IntroClass corpus graded by \`openlabs grade\` (agreement with the recorded results,
throughput, similarity) is on [introclass.md](introclass.md). The same corpus imported into a
server as labs and submissions and graded by its two workers, with the server-side throughput
in submissions per minute, is on [introclass-server.md](introclass-server.md). Both are written
by the same run, after this page.
EOF
  mkdir -p "$(dirname "$output_file")"
  mv "$page" "$output_file"
}
