# The content benchmarks of bench/run.sh, which sources this file: search, the lab list and a lab
# by id against nginx, and a large asset upload and download against cp. They run on a database
# with the corpus imported and generated documents added (bench/generate_content.py). Every
# variable not declared local here is a global of bench/run.sh.

# Prints the seconds since $1, a value of $EPOCHREALTIME without the dot.
seconds_since() {
  divide $((${EPOCHREALTIME/./} - $1)) 1000000 2
}

# Sends an authenticated JSON request and stores the body in $4. Arguments: method, path, JSON
# body (empty for none), output file, expected status.
content_api() {
  local method=$1 path=$2 body=$3 out=$4 expected=$5 status
  local args=(-sS -o "$out" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $content_token")
  if [[ -n "$body" ]]; then
    args+=(-H 'Content-Type: application/json' --data-binary "$body")
  fi
  status=$(curl "${args[@]}" "$content_url$path")
  if [[ "$status" != "$expected" ]]; then
    echo "reproduce: curl -i -X $method $content_url$path" >&2
    echo "response body: $(head -c 2000 "$out")" >&2
    report_server_failure "$method $path returned $status, expected $expected" "$content_log"
  fi
}

# Prints the value of the JSON expression $2 (Python syntax on the parsed value "v") of file $1.
json_value() {
  "$python" -c 'import json, sys; v = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# Runs `openlabs import KIND DIR` on the content data folder and records its time.
import_corpus() {
  local kind=$1 dir=$2 started=${EPOCHREALTIME/./}
  [[ -d "$dir" ]] || fail "corpus folder $dir not found; set OPENLABS_CORPUS_DIR or --corpus"
  env -u OPENLABS_DATABASE_URL "$binary" import "$kind" --config "$content_config" "$dir" \
    >"$log_dir/import-$kind.log" 2>&1 ||
    fail "openlabs import $kind $dir failed; see $log_dir/import-$kind.log"
  import_seconds[$kind]=$(seconds_since "$started")
}

# Records the VmRSS samples of process $1 every 20 ms into file $2 until the file $3 exists.
sample_rss() {
  local pid=$1 out=$2 stop_file=$3
  : >"$out"
  while [[ ! -e "$stop_file" ]] && kill -0 "$pid" 2>/dev/null; do
    proc_status_field "$pid" VmRSS >>"$out" 2>/dev/null || true
    sleep 0.02
  done
}

# Runs command "$@" while sampling the server's RSS, and sets transfer_seconds and
# rss_growth_kib (the peak during the command minus the RSS just before it). The kernel's
# VmHWM is reset first (clear_refs 5), so the peak also counts spikes between two samples.
measure_transfer() {
  local before stop_file=$work_dir/content/rss.stop samples=$work_dir/content/rss.samples
  rm -f "$stop_file"
  echo 5 >"/proc/$content_pid/clear_refs" 2>/dev/null || true
  before=$(proc_status_field "$content_pid" VmRSS)
  sample_rss "$content_pid" "$samples" "$stop_file" &
  local sampler=$!
  local started=${EPOCHREALTIME/./}
  "$@"
  transfer_seconds=$(seconds_since "$started")
  touch "$stop_file"
  wait "$sampler" || true
  local peak hwm
  peak=$(sort -n "$samples" | tail -n 1)
  hwm=$(proc_status_field "$content_pid" VmHWM)
  ((hwm > ${peak:-0})) && peak=$hwm
  rss_growth_kib=$((${peak:-$before} - before))
}

# Copies $1 to $2 and makes the copy durable with fsync (coreutils sync FILE).
copy_and_sync() {
  cp "$1" "$2"
  sync "$2"
}

upload_asset() {
  curl -sS -o "$work_dir/content/upload.json" -w '%{http_code}' \
    -H "Authorization: Bearer $content_token" \
    -F "file=@$upload_source;filename=$1;type=application/octet-stream" \
    "$content_url/api/v1/labs/$upload_lab_id/assets" >"$work_dir/content/upload.status"
}

download_asset() {
  curl -sS -o "$1" -w '%{http_code}' \
    "$content_url/api/v1/labs/$upload_lab_id/assets/$2" >"$work_dir/content/download.status"
}

# Measures the upload and the download of one asset of $upload_bytes, and the cp baselines,
# interleaved over $rounds rounds.
run_transfer_rounds() {
  local round mib asset_id copy=$work_dir/content/copy.bin
  mib=$(divide "$upload_bytes" 1048576 6)
  echo "Writing a $((upload_bytes / 1048576)) MiB file of random bytes" >&2
  upload_source=$work_dir/content/upload-source.bin
  head -c "$upload_bytes" /dev/urandom >"$upload_source"
  content_api POST /api/v1/labs \
    '{"title":"Upload benchmark","description":"Holds the large asset","body":"x","tags":[]}' \
    "$work_dir/content/lab.json" 201
  upload_lab_id=$(json_value "$work_dir/content/lab.json" 'v["id"]')

  for round in $(seq 1 "$rounds"); do
    copy_and_sync "$upload_source" "$copy"
    rm -f "$copy"
    local started=${EPOCHREALTIME/./}
    copy_and_sync "$upload_source" "$copy"
    metric[cp-sync,$round,seconds]=$(seconds_since "$started")
    rm -f "$copy"
    started=${EPOCHREALTIME/./}
    cp "$upload_source" "$copy"
    metric[cp,$round,seconds]=$(seconds_since "$started")
    rm -f "$copy"

    measure_transfer upload_asset "bench-round$round.bin"
    [[ "$(cat "$work_dir/content/upload.status")" == 201 ]] ||
      report_server_failure "the upload of round $round returned $(cat "$work_dir/content/upload.status"): $(head -c 500 "$work_dir/content/upload.json")" "$content_log"
    metric[upload,$round,seconds]=$transfer_seconds
    metric[upload,$round,rss_mib]=$(kib_to_mib "$rss_growth_kib")
    asset_id=$(json_value "$work_dir/content/upload.json" 'v["items"][0]["id"]')
    local stored_size
    stored_size=$(json_value "$work_dir/content/upload.json" 'v["items"][0]["size"]')
    [[ "$stored_size" == "$upload_bytes" ]] ||
      fail "the server stored $stored_size bytes of a $upload_bytes-byte upload"

    measure_transfer download_asset "$copy" "$asset_id"
    [[ "$(cat "$work_dir/content/download.status")" == 200 ]] ||
      report_server_failure "the download of round $round returned $(cat "$work_dir/content/download.status")" "$content_log"
    cmp -s "$upload_source" "$copy" || fail "the downloaded asset differs from the uploaded file"
    metric[download,$round,seconds]=$transfer_seconds
    metric[download,$round,rss_mib]=$(kib_to_mib "$rss_growth_kib")
    rm -f "$copy"
    content_api DELETE "/api/v1/labs/$upload_lab_id/assets/$asset_id" "" \
      "$work_dir/content/delete.json" 204

    local name
    for name in cp-sync cp upload download; do
      metric[$name,$round,mib_s]=$(divide "$mib" "${metric[$name,$round,seconds]}" 1)
    done
    metric[upload-ratio,$round,value]=$(divide "${metric[cp-sync,$round,seconds]}" \
      "${metric[upload,$round,seconds]}" 2)
    metric[download-ratio,$round,value]=$(divide "${metric[cp,$round,seconds]}" \
      "${metric[download,$round,seconds]}" 2)
    echo "  round $round: upload ${metric[upload,$round,mib_s]} MiB/s," \
      "cp+fsync ${metric[cp-sync,$round,mib_s]} MiB/s, download ${metric[download,$round,mib_s]} MiB/s," \
      "cp ${metric[cp,$round,mib_s]} MiB/s, RSS growth ${metric[upload,$round,rss_mib]}" \
      "/ ${metric[download,$round,rss_mib]} MiB" >&2
  done
  rm -f "$upload_source"
}

# Fetches $content_url$1 into the nginx folder as $2 and records the sizes under label $3.
mirror_response() {
  local path=$1 file=$2 label=$3 status header body
  mkdir -p "$(dirname "$content_www/$file")"
  read -r status header body < <(curl -sS -o "$content_www/$file" \
    -w '%{http_code} %{size_header} %{size_download}\n' "$content_url$path")
  [[ "$status" == 200 ]] ||
    report_server_failure "GET $path returned $status, expected 200" "$content_log"
  response_bytes[$label]="$header header bytes and $body body bytes"
}

# Runs the whole content benchmark; run.sh calls it after the user-route measurements.
run_content_benchmarks() {
  local content_data=$work_dir/content/data
  mkdir -p "$content_data" "$work_dir/content-www" "$work_dir/content-nginx-temp"
  content_www=$work_dir/content-www
  content_config=$work_dir/content/openlabs.toml
  content_log=$log_dir/openlabs-content.log
  content_url=http://127.0.0.1:$content_port
  # The asset limit leaves room above the upload for the multipart framing.
  cat >"$content_config" <<EOF
[server]
listen = "127.0.0.1:$content_port"

[storage]
data_dir = "$content_data"

[log]
level = "warn"

[labs]
max_asset_bytes = $((upload_bytes + 1048576))
EOF
  cp "$content_config" "$log_dir/openlabs-content.toml"

  echo "Importing the corpus from $corpus_dir" >&2
  declare -gA import_seconds=()
  import_corpus labs "$corpus_dir/labs"
  import_corpus articles "$corpus_dir/articles"

  local started=${EPOCHREALTIME/./}
  "$python" "$bench_dir/generate_content.py" --database "$content_data/openlabs.db" \
    --labs $((content_documents / 2)) --articles $((content_documents - content_documents / 2)) \
    2>"$log_dir/generate-content.log" ||
    fail "generating content failed; see $log_dir/generate-content.log"
  generate_seconds=$(seconds_since "$started")
  database_mib=$(du -sm "$content_data/openlabs.db" | cut -f1)
  echo "Generated the documents in $generate_seconds s; the database has $database_mib MiB" >&2

  echo "Starting openlabs on 127.0.0.1:$content_port with the content database" >&2
  env -u OPENLABS_DATABASE_URL "$binary" serve --config "$content_config" 2>"$content_log" &
  content_pid=$!
  wait_for_healthz "$content_port" "$content_pid" "$content_log"
  wait_for_assistant_index "$content_data/openlabs.db"

  local user=content$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
  curl -sS -o "$work_dir/content/register.json" -H 'Content-Type: application/json' \
    --data-binary "{\"username\":\"$user\",\"email\":\"$user@example.org\",\"password\":\"pw-$user-secret\",\"name\":\"Bench\",\"surname\":\"Content\"}" \
    "$content_url/api/v1/auth/register"
  content_token=$(json_value "$work_dir/content/register.json" 'v["access_token"]') ||
    report_server_failure "registering the content benchmark user failed" "$content_log"

  content_api GET "/api/v1/labs?page=1" "" "$work_dir/content/labs.json" 200
  labs_total=$(json_value "$work_dir/content/labs.json" 'v["total"]')
  content_api GET "/api/v1/articles?page=1" "" "$work_dir/content/articles.json" 200
  articles_total=$(json_value "$work_dir/content/articles.json" 'v["total"]')
  # The lab by id is the first imported lab, so its body is real corpus Markdown.
  lab_id=$(sqlite_first_lab_id "$content_data/openlabs.db")

  declare -gA response_bytes=()
  mirror_response "/api/v1/labs?page=1" labs-page-1.json labs-list
  mirror_response "/api/v1/labs/$lab_id" "lab-$lab_id.json" lab-by-id
  sed -e "s|@WORK_DIR@|$work_dir|g" -e "s|@PORT@|$content_nginx_port|g" \
    -e "s|$work_dir/www|$content_www|; s|$work_dir/nginx-temp|$work_dir/content-nginx-temp|g" \
    -e "s|$work_dir/nginx.pid|$work_dir/content-nginx.pid|" \
    "$bench_dir/nginx.conf.in" >"$work_dir/content-nginx.conf"
  nginx -e "$work_dir/content-nginx-error.log" -p "$work_dir" -c "$work_dir/content-nginx.conf" \
    2>"$log_dir/content-nginx-stderr.log" &
  content_nginx_pid=$!
  for _ in $(seq 1 200); do
    port_is_open "$content_nginx_port" && break
    kill -0 "$content_nginx_pid" 2>/dev/null ||
      fail "nginx exited at start; see $log_dir/content-nginx-stderr.log"
    sleep 0.05
  done
  local nginx_url=http://127.0.0.1:$content_nginx_port
  cmp -s <(curl -sS "$nginx_url/lab-$lab_id.json") "$content_www/lab-$lab_id.json" ||
    fail "nginx does not serve the mirrored lab body"

  load_average_content_before=$(cut -d' ' -f1-3 /proc/loadavg)
  export BENCH_SEARCH_QUERIES=$bench_dir/search_queries.txt
  echo "Running $rounds interleaved rounds of search, lab list and lab by id" >&2
  wrk -t "$threads" -c "$connections" -d 1s "$content_url/api/v1/labs/$lab_id" >/dev/null
  for round in $(seq 1 "$rounds"); do
    run_wrk search "$round" "$content_url" "$search_connections" -s "$bench_dir/search.lua"
    sleep 1
    BENCH_SEARCH_FRESH=1 run_wrk search-fresh "$round" "$content_url" "$search_connections" \
      -s "$bench_dir/search.lua"
    sleep 1
    if ((round % 2 == 1)); then
      order=(openlabs nginx)
    else
      order=(nginx openlabs)
    fi
    for server in "${order[@]}"; do
      if [[ "$server" == openlabs ]]; then
        run_wrk labs-list-openlabs "$round" "$content_url/api/v1/labs?page=1" "$connections" \
          -s "$bench_dir/summary.lua"
        sleep 1
        run_wrk lab-openlabs "$round" "$content_url/api/v1/labs/$lab_id" "$connections" \
          -s "$bench_dir/summary.lua"
      else
        run_wrk labs-list-nginx "$round" "$nginx_url/labs-page-1.json" "$connections" \
          -s "$bench_dir/summary.lua"
        sleep 1
        run_wrk lab-nginx "$round" "$nginx_url/lab-$lab_id.json" "$connections" \
          -s "$bench_dir/summary.lua"
      fi
      sleep 1
    done
    kill -0 "$content_pid" 2>/dev/null ||
      report_server_failure "openlabs exited during the content runs of round $round" "$content_log"
    metric[labs-list-ratio,$round,value]=$(divide "${metric[labs-list-openlabs,$round,rps]}" \
      "${metric[labs-list-nginx,$round,rps]}" 2)
    metric[lab-ratio,$round,value]=$(divide "${metric[lab-openlabs,$round,rps]}" \
      "${metric[lab-nginx,$round,rps]}" 2)
  done
  measure_single_searches
  stop_process "$content_nginx_pid" || true
  content_nginx_pid=""

  run_transfer_rounds
  load_average_content_after=$(cut -d' ' -f1-3 /proc/loadavg)

  local serve_exit=0
  stop_process "$content_pid" || serve_exit=$?
  content_pid=""
  [[ "$serve_exit" == 0 ]] ||
    report_server_failure "openlabs serve exited with status $serve_exit after SIGTERM" "$content_log"
}

# Prints the number of assistant index jobs of the SQLite database $1 that are queued or running.
pending_index_jobs() {
  "$python" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1], timeout=30).execute("SELECT COUNT(*) FROM assistant_index_jobs WHERE state IN (\x27queued\x27, \x27running\x27)").fetchone()[0])' "$1"
}

# Waits until the server's assistant indexer has indexed every document of the SQLite database $1,
# so that its background work does not share the cores with the measurements, and sets
# index_seconds. The first scan starts after the listener, so the wait first waits for jobs to appear.
wait_for_assistant_index() {
  local database=$1 started=${EPOCHREALTIME/./} pending=0 waited=0
  echo "Waiting for the assistant indexer to index every document" >&2
  for _ in $(seq 1 60); do
    pending=$(pending_index_jobs "$database")
    ((pending > 0)) && break
    sleep 1
  done
  while ((pending > 0)); do
    ((waited >= 1800)) && fail "the assistant indexer still had $pending jobs after 30 minutes"
    sleep 5
    waited=$((waited + 5))
    pending=$(pending_index_jobs "$database")
    kill -0 "$content_pid" 2>/dev/null ||
      report_server_failure "openlabs exited while indexing" "$content_log"
  done
  index_seconds=$(seconds_since "$started")
  echo "The assistant index was complete after $index_seconds s" >&2
}

# Prints the id of the first lab of the SQLite database $1 (an imported corpus lab).
sqlite_first_lab_id() {
  "$python" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT MIN(id) FROM labs").fetchone()[0])' "$1"
}

# Times each query of the search mix alone, over one connection without other load: the median
# of 5 requests with Cache-Control: no-cache (ranked each time) and of 5 without (served from the
# cache of result pages), and the number of matching documents.
measure_single_searches() {
  declare -ga single_search_rows=()
  local query encoded fresh_times cached_times total i seconds
  while IFS= read -r query; do
    [[ -z "$query" || "$query" == \#* ]] && continue
    encoded=$("$python" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$query")
    fresh_times=()
    cached_times=()
    for i in 1 2 3 4 5 6; do
      seconds=$(curl -sS -o "$work_dir/content/search.json" -w '%{time_total}' \
        -H 'Cache-Control: no-cache' "$content_url/api/v1/search?q=$encoded")
      ((i > 1)) && fresh_times+=("$(awk -v s="$seconds" 'BEGIN { printf "%.2f", s * 1000 }')")
      seconds=$(curl -sS -o /dev/null -w '%{time_total}' "$content_url/api/v1/search?q=$encoded")
      ((i > 1)) && cached_times+=("$(awk -v s="$seconds" 'BEGIN { printf "%.2f", s * 1000 }')")
    done
    total=$(json_value "$work_dir/content/search.json" 'v["total"]')
    single_search_rows+=("| $query | $total | $(median "${fresh_times[@]}") | $(median "${cached_times[@]}") |")
  done <"$BENCH_SEARCH_QUERIES"
}

# Prints the summary table rows of the content benchmarks.
content_summary_rows() {
  if [[ "$content_documents" == 0 ]]; then
    return
  fi
  local search_p50 fresh_p50 lab_ratio list_ratio upload_ratio upload_rss download_rss
  search_p50=$(metric_median search p50_ms)
  fresh_p50=$(metric_median search-fresh p50_ms)
  lab_ratio=$(divide "$(metric_median lab-openlabs rps)" "$(metric_median lab-nginx rps)" 2)
  list_ratio=$(divide "$(metric_median labs-list-openlabs rps)" \
    "$(metric_median labs-list-nginx rps)" 2)
  upload_ratio=$(metric_median upload-ratio value)
  upload_rss=$(max_metric upload rss_mib)
  download_rss=$(max_metric download rss_mib)
  cat <<EOF
| GET /api/v1/search, $labs_total labs and $articles_total articles, 16 queries repeated (cached pages): p50 latency (median of rounds) | $search_p50 ms | under 5 ms | $(verdict "$search_p50" "<" 5) |
| the same with Cache-Control: no-cache (every request ranked again): p50 latency | $fresh_p50 ms | under 5 ms | $(verdict "$fresh_p50" "<" 5) |
| GET /api/v1/labs/{id}: openlabs req/s / nginx req/s (medians) | $lab_ratio ($(metric_median lab-openlabs rps) / $(metric_median lab-nginx rps)) | at least 0.40 | $(verdict "$lab_ratio" ">=" 0.40) |
| GET /api/v1/labs?page=1: openlabs req/s / nginx req/s (medians) | $list_ratio ($(metric_median labs-list-openlabs rps) / $(metric_median labs-list-nginx rps)) | none | |
| $((upload_bytes / 1048576)) MiB asset upload: throughput / cp with fsync (median ratio) | $upload_ratio ($(metric_median upload mib_s) / $(metric_median cp-sync mib_s) MiB/s) | at least 0.50 | $(verdict "$upload_ratio" ">=" 0.50) |
| server RSS growth during the upload, largest of $rounds rounds | $upload_rss MiB | under 32 MiB | $(verdict "$upload_rss" "<" 32) |
| server RSS growth during the download, largest of $rounds rounds | $download_rss MiB | under 32 MiB | $(verdict "$download_rss" "<" 32) |
EOF
}

# Prints the largest value over all rounds of metric NAME for LABEL.
max_metric() {
  local label=$1 name=$2 round values=()
  for round in $(seq 1 "$rounds"); do
    values+=("${metric[$label,$round,$name]}")
  done
  printf '%s\n' "${values[@]}" | sort -g | tail -n 1
}

# Prints the sections of the results page for the content benchmarks.
content_sections() {
  if [[ "$content_documents" == 0 ]]; then
    echo "## Content benchmarks"
    echo
    echo "Skipped in this run (\`--content-documents 0\`)."
    return
  fi
  cat <<EOF
## Content: data set

- The corpus in \`$corpus_dir\` (its labs/ and articles/): \`openlabs import labs\` took ${import_seconds[labs]} s and
  \`openlabs import articles\` ${import_seconds[articles]} s.
- Then \`bench/generate_content.py\` added generated labs and articles until the database held
  $labs_total labs and $articles_total articles ($content_documents documents), in
  $generate_seconds s. It writes the rows straight into the SQLite tables of the labs, articles
  and search services in one transaction, because going through the API would take hours. Each
  generated document takes four in five of its sentences from one imported document (its
  topic) and the rest from any, so there are only as many topics as imported documents, and
  common words match a large share of the documents (see the search table).
- SQLite database size afterwards: $database_mib MiB.
- The server's assistant indexer, started with the server, indexed every document (queued the
  jobs, split the texts into passages and wrote them) in $index_seconds s; the measurements
  below start after it finished.
- Load average (1, 5, 15 min) before the content runs: $load_average_content_before; after:
  $load_average_content_after.

## Search

- Load: \`wrk -t$threads -c$search_connections -d$duration -s bench/search.lua\`, which sends
  \`GET /api/v1/search?q=...\` with each query of bench/search_queries.txt in turn (first page,
  20 hits, both types). The server keeps recent result pages until the index changes
  (\`search.cached_pages\`), so after the first request of each query the "repeated" runs
  measure its cache; the "no-cache" runs send \`Cache-Control: no-cache\` (BENCH_SEARCH_FRESH=1),
  which makes the server rank every request again, as for a query nobody asked before.
- Non-2xx responses over all rounds: $(metric_sum search status_errors). Socket errors and
  timeouts: $(metric_sum search socket_errors).

| metric |$round_headers median |
|---|$round_rule---|
| repeated: req/s |$(round_row search rps)
| repeated: p50 latency, ms |$(round_row search p50_ms)
| repeated: p99 latency, ms |$(round_row search p99_ms)
| no-cache: req/s |$(round_row search-fresh rps)
| no-cache: p50 latency, ms |$(round_row search-fresh p50_ms)
| no-cache: p99 latency, ms |$(round_row search-fresh p99_ms)

Each query alone, over one connection with no other load from this script: the median of 5
requests (after one uncounted) with \`Cache-Control: no-cache\` and of 5 without, as curl's
\`time_total\`, and the number of matching documents.

| query | matches | no-cache: median time, ms | repeated: median time, ms |
|---|---|---|---|
$(printf '%s\n' "${single_search_rows[@]}")

## GET /api/v1/labs?page=1 and GET /api/v1/labs/{id} against nginx

- Load: \`wrk -t$threads -c$connections -d$duration -s bench/summary.lua\`, interleaved with
  nginx serving files that contain the exact bodies openlabs returned (same nginx settings as
  above).
- The lab by id is lab $lab_id, the first imported corpus lab. Every GET of a lab counts a view,
  so openlabs writes to the database on each request; the view count in nginx's copy stays at
  the value it had when it was fetched.
- Response sizes: list: openlabs ${response_bytes[labs-list]}; lab: openlabs
  ${response_bytes[lab-by-id]}; nginx sends the same bodies.
- Non-2xx responses over all rounds: list $(metric_sum labs-list-openlabs status_errors), lab
  $(metric_sum lab-openlabs status_errors), nginx $(( $(metric_sum labs-list-nginx status_errors) + $(metric_sum lab-nginx status_errors) )).

| server | metric |$round_headers median |
|---|---|$round_rule---|
| openlabs, list | req/s |$(round_row labs-list-openlabs rps)
| nginx, list | req/s |$(round_row labs-list-nginx rps)
| list, openlabs / nginx | ratio of req/s |$(round_row labs-list-ratio value)
| openlabs, lab by id | req/s |$(round_row lab-openlabs rps)
| nginx, lab by id | req/s |$(round_row lab-nginx rps)
| lab by id, openlabs / nginx | ratio of req/s |$(round_row lab-ratio value)
| openlabs, lab by id | p50 latency, ms |$(round_row lab-openlabs p50_ms)
| openlabs, lab by id | p99 latency, ms |$(round_row lab-openlabs p99_ms)

## Asset upload and download

- One file of $((upload_bytes / 1048576)) MiB of random bytes, uploaded with
  \`curl -F file=@...\` to \`POST /api/v1/labs/{id}/assets\` and downloaded with \`curl -o\` from
  \`GET /api/v1/labs/{id}/assets/{asset_id}\` into a file, each round on the same disk
  ($(df -h "$work_dir" | awk 'NR == 2 { print $1 ", " $2 }')).
- The server writes the blob to a temporary file, fsyncs it and renames it, so the upload's
  baseline is \`cp\` followed by \`sync FILE\` (an fsync of the copy). The download writes
  without fsync, so its baseline is plain \`cp\`. Each round first copies once uncounted.
- RSS growth: the server's peak VmRSS during the transfer (the largest of samples every 20 ms
  and of VmHWM, reset before the transfer) minus VmRSS just before it.

| metric |$round_headers median |
|---|$round_rule---|
| upload, MiB/s |$(round_row upload mib_s)
| cp + fsync, MiB/s |$(round_row cp-sync mib_s)
| upload / (cp + fsync) |$(round_row upload-ratio value)
| download, MiB/s |$(round_row download mib_s)
| cp, MiB/s |$(round_row cp mib_s)
| download / cp |$(round_row download-ratio value)
| RSS growth during the upload, MiB |$(round_row upload rss_mib)
| RSS growth during the download, MiB |$(round_row download rss_mib)
EOF
}
