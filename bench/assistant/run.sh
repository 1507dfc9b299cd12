#!/usr/bin/env bash
# Measures the assistant's retrieval on the shared corpus and writes bench/assistant.md: recall@5
# of lexical retrieval on bench/assistant/questions.json (SQLite, and PostgreSQL when
# scripts/with-postgres.sh is available), and retrieval latency over the corpus plus generated
# passages. Needs the assistant_bench target (cmake --build build --target assistant_bench).
set -euo pipefail
export LC_ALL=C

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo_dir=$(dirname "$bench_dir")
tool=${ASSISTANT_BENCH:-$repo_dir/build/src/services/assistant/assistant_bench}
questions=$bench_dir/assistant/questions.json
output=$bench_dir/assistant.md
extra=100000
queries=400

usage() {
  cat <<USAGE
Usage: bench/assistant/run.sh [--extra N] [--queries N] [--output FILE]

  --extra N     generated passages added for the latency run (default: $extra)
  --queries N   questions timed per scope mode (default: $queries)
  --output FILE results page to write (default: bench/assistant.md)

The corpus is read from \$OPENLABS_CORPUS_DIR (default /work/shared/corpus).
USAGE
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --extra) extra=$2; shift ;;
    --queries) queries=$2; shift ;;
    --output) output=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "error: unknown option '$1'; see '$0 -h'" >&2; exit 2 ;;
  esac
  shift
done

if [[ ! -x "$tool" ]]; then
  echo "error: $tool is missing; build it with 'cmake --build build --target assistant_bench'" >&2
  exit 1
fi

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
python3 "$bench_dir/assistant/check_questions.py" "$questions" <("$tool" dump 2>/dev/null) >&2
recall_sqlite=$("$tool" recall "$questions" 2>/dev/null)
recall_postgres="(not measured: scripts/with-postgres.sh failed)"
if postgres=$("$repo_dir/scripts/with-postgres.sh" bash -c \
  "'$tool' recall '$questions' --database-url \"\$OPENLABS_TEST_POSTGRES_URL\"" 2>/dev/null); then
  recall_postgres=$(grep -E '^(documents|scoped|corpus)' <<<"$postgres")
fi
latency=$("$tool" latency --extra "$extra" --queries "$queries" 2>/dev/null)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

value() {  # value TEXT LINE-PREFIX KEY
  grep "^$2" <<<"$1" | tr ' ' '\n' | sed -n "s/^$3=//p" | head -1
}

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
commit=$(git -C "$repo_dir" rev-parse --short HEAD 2>/dev/null || echo unknown)
cat >"$output" <<PAGE
# Assistant retrieval

Written by \`bench/assistant/run.sh --extra $extra --queries $queries\` on $(date -u +%Y-%m-%d)
at commit $commit, on $cpu ($(nproc) cores). Load average (1, 5, 15 min) before: $load_before;
after: $load_after. The machine was shared with other jobs, so latencies are upper bounds.

## Recall@5 of lexical retrieval

The question set, [assistant/questions.json](assistant/questions.json), has
$(value "$recall_sqlite" documents questions) questions over the shared corpus
($(value "$recall_sqlite" documents documents) lab and article documents,
$(value "$recall_sqlite" documents passages) passages). Each names the passage that answers it: the lab
section (heading anchor) or the PDF page. A question counts as found when one of the first
five passages is at that location. "Scoped" asks each question in the scope of its document,
as the chat on that lab or article page does; "whole index" asks over every document.

| engine | scoped | whole index | missed (scoped) |
|---|---|---|---|
| SQLite FTS5 (bm25) | $(value "$recall_sqlite" scoped recall@5) | $(value "$recall_sqlite" corpus recall@5) | $(value "$recall_sqlite" scoped missed) |
| PostgreSQL (ts_rank_cd) | $(value "$recall_postgres" scoped recall@5) | $(value "$recall_postgres" corpus recall@5) | $(value "$recall_postgres" scoped missed) |

Target: at least 0.8. Dense retrieval (embeddings fused with BM25 by reciprocal rank fusion)
is implemented, but no embedding endpoint was available on this machine, so its recall is not
measured here; the integration test exercises it against a local stand-in server only.

## Retrieval latency

SQLite, the corpus plus $extra generated passages of about 150 words drawn from the corpus
vocabulary ($(value "$latency" passages passages) passages in all; loading them took
$(value "$latency" passages load_seconds) s). Each of $queries questions is 4 to 10 consecutive
words of a random corpus passage. "Scoped" retrieves 5 passages of one document and 3 related
ones from the rest, as the chat does; "whole index" retrieves 5 from everything.

Wall time is what a caller waits on this loaded machine; CPU time is the retrieving thread's
own work (CLOCK_THREAD_CPUTIME_ID), which the load inflates less.

| query | wall p50 (ms) | wall p99 (ms) | CPU p50 (ms) | CPU p99 (ms) |
|---|---|---|---|---|
| scoped | $(value "$latency" scoped p50_ms) | $(value "$latency" scoped p99_ms) | $(value "$latency" scoped cpu_p50_ms) | $(value "$latency" scoped cpu_p99_ms) |
| whole index | $(value "$latency" corpus p50_ms) | $(value "$latency" corpus p99_ms) | $(value "$latency" corpus cpu_p50_ms) | $(value "$latency" corpus cpu_p99_ms) |
PAGE
echo "Wrote $output" >&2
