#!/usr/bin/env bash
# Times GET /api/v1/recommendations and GET /api/v1/labs/{id}/related on a large site: the corpus
# imported, generated labs and articles (bench/generate_content.py) and generated learner
# activity (bench/generate_activity.py). "Rebuild" requests come right after a new comment, so
# the recommender reloads the whole activity and builds its model again. "Cached" requests reuse
# the model. The server listens on 127.0.0.1 only and is stopped when the script exits.
set -euo pipefail
export LC_ALL=C

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$bench_dir")
binary=$repo_dir/build/src/app/openlabs
documents=20000
learners=5000
rebuilds=7
cached=40
port=24180
work_dir=""
corpus_dir=${OPENLABS_CORPUS_DIR:-$repo_dir/../shared/corpus}
python=/usr/bin/python3
# The server looks for the notebook kernel next to its binary, which a copied binary lacks.
export OPENLABS_KERNEL_DIR=${OPENLABS_KERNEL_DIR:-$repo_dir/kernel}

usage() {
  cat <<EOF
Usage: bench/recommendations.sh [options]

Prints the median times of recommendation requests on a generated site, in milliseconds.

  --binary PATH      openlabs executable (default: build/src/app/openlabs)
  --work-dir DIR     folder for the site; a site already built there is reused, so two
                     binaries can be timed on the same data (default: a new temporary folder)
  --documents N      labs plus articles, corpus included (default: $documents)
  --learners N       learners with generated submissions and comments (default: $learners)
  --rebuilds N       requests timed after a change (default: $rebuilds)
  --cached N         requests timed with the model cached (default: $cached)
  --port PORT        127.0.0.1 port of the server (default: $port)
  --corpus DIR       corpus with labs/ and articles/ (default: \$OPENLABS_CORPUS_DIR, else
                     ../shared/corpus beside the repository)
  -h, --help         show this help
EOF
}

fail() {
  echo "error: $*" >&2
  exit 1
}

require_value() {
  [[ $# -ge 2 && -n "$2" ]] || fail "$1 needs a value"
}

while (($#)); do
  case $1 in
    --binary) require_value "$@"; binary=$2; shift ;;
    --work-dir) require_value "$@"; work_dir=$2; shift ;;
    --documents) require_value "$@"; documents=$2; shift ;;
    --learners) require_value "$@"; learners=$2; shift ;;
    --rebuilds) require_value "$@"; rebuilds=$2; shift ;;
    --cached) require_value "$@"; cached=$2; shift ;;
    --port) require_value "$@"; port=$2; shift ;;
    --corpus) require_value "$@"; corpus_dir=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; fail "unknown option $1" ;;
  esac
  shift
done

[[ -x "$binary" ]] || fail "$binary is not an executable; build first or pass --binary"
if [[ -z "$work_dir" ]]; then
  work_dir=$(mktemp -d /tmp/openlabs-recommendations.XXXXXX)
fi
mkdir -p "$work_dir"
data_dir=$work_dir/data
config=$work_dir/openlabs.toml
cat >"$config" <<EOF
[server]
listen = "127.0.0.1:$port"

[storage]
data_dir = "$data_dir"

[log]
level = "info"
EOF

server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

password=bench-recommendations-secret
if [[ ! -e "$work_dir/site.done" ]]; then
  [[ -d "$corpus_dir/labs" && -d "$corpus_dir/articles" ]] ||
    fail "corpus folder $corpus_dir not found; set OPENLABS_CORPUS_DIR or --corpus"
  echo "Building the site in $work_dir" >&2
  # The bench user comes first, so that it is the first generated learner too.
  echo "$password" | env -u OPENLABS_DATABASE_URL "$binary" user create --config "$config" \
    --username bench --email bench@example.org --password-stdin >/dev/null 2>"$work_dir/user.log" ||
    fail "creating the bench user failed; see $work_dir/user.log"
  for kind in labs articles; do
    env -u OPENLABS_DATABASE_URL "$binary" import "$kind" --config "$config" \
      "$corpus_dir/$kind" >"$work_dir/import-$kind.log" 2>&1 ||
      fail "openlabs import $kind failed; see $work_dir/import-$kind.log"
  done
  "$python" "$bench_dir/generate_content.py" --database "$data_dir/openlabs.db" \
    --labs $((documents / 2)) --articles $((documents - documents / 2)) \
    2>"$work_dir/generate-content.log" ||
    fail "generating content failed; see $work_dir/generate-content.log"
  first_learner=$(sqlite3 "$data_dir/openlabs.db" "SELECT id FROM users WHERE username = 'bench'")
  "$python" "$bench_dir/generate_activity.py" --database "$data_dir/openlabs.db" \
    --first-learner "$first_learner" --learners "$learners" 2>"$work_dir/generate-activity.log" ||
    fail "generating activity failed; see $work_dir/generate-activity.log"
  touch "$work_dir/site.done"
fi

env -u OPENLABS_DATABASE_URL "$binary" serve --config "$config" 2>"$work_dir/server.log" &
server_pid=$!
url=http://127.0.0.1:$port
for _ in $(seq 1 600); do
  curl -fsS -o /dev/null "$url/healthz" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || fail "the server exited at start; see $work_dir/server.log"
  sleep 0.1
done
token=$(curl -fsS -H 'Content-Type: application/json' \
  --data-binary "{\"login\":\"bench\",\"password\":\"$password\"}" "$url/api/v1/auth/login" |
  "$python" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])') ||
  fail "logging in as the bench user failed; see $work_dir/server.log"
lab_id=$(sqlite3 "$data_dir/openlabs.db" "SELECT MIN(id) FROM labs WHERE status = 'published'")

# Prints the time of one GET of path $1, in milliseconds, and fails unless it returns 200.
time_get() {
  local out status_and_time
  status_and_time=$(curl -sS -o "$work_dir/response.json" -w '%{http_code} %{time_total}' \
    -H "Authorization: Bearer $token" "$url$1")
  [[ "${status_and_time% *}" == 200 ]] ||
    fail "GET $1 returned ${status_and_time% *}: $(head -c 500 "$work_dir/response.json")"
  out=${status_and_time#* }
  "$python" -c "print(round(float('$out') * 1000, 2))"
}

# Prints the median of the numbers on standard input.
median() {
  "$python" -c 'import statistics, sys; print(round(statistics.median(float(x) for x in sys.stdin), 1))'
}

# Adds a comment through the API, so the recommender's activity version changes.
add_comment() {
  curl -fsS -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    --data-binary '{"content":"Another comment."}' "$url/api/v1/labs/$lab_id/comments"
}

time_get /api/v1/recommendations >/dev/null  # the first build
rebuild=$(for _ in $(seq 1 "$rebuilds"); do add_comment; time_get /api/v1/recommendations; done |
  median)
warm=$(for _ in $(seq 1 "$cached"); do time_get /api/v1/recommendations; done | median)
related=$(for _ in $(seq 1 "$cached"); do time_get "/api/v1/labs/$lab_id/related"; done | median)
items=$("$python" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["items"]))' \
  "$work_dir/response.json")
[[ "$items" -gt 0 ]] || fail "GET /api/v1/labs/$lab_id/related returned no item"

counts=$(sqlite3 -separator ' ' "$data_dir/openlabs.db" "SELECT (SELECT COUNT(*) FROM labs), \
  (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM submissions), \
  (SELECT COUNT(*) FROM submission_verdicts), (SELECT COUNT(*) FROM comments)")
read -r labs articles submissions verdicts comments <<<"$counts"
cat <<EOF
site: $labs labs, $articles articles, $submissions submissions, $verdicts verdicts, $comments comments
binary: $binary
load average: $(cut -d' ' -f1-3 /proc/loadavg)
median ms: rebuild $rebuild (of $rebuilds), cached $warm (of $cached), related $related (of $cached)
EOF
