#!/usr/bin/env bash
# Runs a command with a throwaway S3-compatible server (s3rver, pinned in tests/s3-server/) and
# OPENLABS_TEST_S3_URL pointing at its bucket openlabs-test. The server listens only on
# 127.0.0.1, keeps its objects in a temporary folder and is stopped when the command ends.
# s3rver accepts the access key S3RVER with the secret S3RVER, which the script exports as
# AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. It does not check signatures.
#
# Usage: scripts/with-s3.sh COMMAND [ARGS...]
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
s3rver="$repo/tests/s3-server/node_modules/.bin/s3rver"
if [[ ! -x "$s3rver" ]]; then
  echo "error: s3rver is not installed; run: npm --prefix tests/s3-server ci" >&2
  exit 1
fi

source "$repo/scripts/free-port.sh"

readonly bucket=openlabs-test
root=$(mktemp -d /tmp/openlabs-s3.XXXXXX)

s3_pid=
cleanup() {
  if [[ -n "$s3_pid" ]]; then
    kill "$s3_pid" 2>/dev/null || true
    wait "$s3_pid" 2>/dev/null || true
  fi
  rm -rf "$root"
}
trap cleanup EXIT

# Starts the server on port $1 and waits until it listens. Returns 1 when the port was taken,
# so that the caller tries another. Exits on any other failure.
start_s3rver() {
  rm -rf "$root/data"
  # s3rver encrypts its ListObjectsV2 continuation tokens with DES, which the OpenSSL 3 of
  # Debian 12's Node.js only offers through its legacy provider.
  NODE_OPTIONS=--openssl-legacy-provider "$s3rver" --directory "$root/data" --address 127.0.0.1 --port "$1" --no-vhost-buckets \
    --configure-bucket "$bucket" >"$root/server.log" 2>&1 &
  s3_pid=$!
  for _ in $(seq 1 150); do
    if grep -q "listening on" "$root/server.log"; then
      return 0
    fi
    if ! kill -0 "$s3_pid" 2>/dev/null; then
      wait "$s3_pid" 2>/dev/null || true
      s3_pid=
      if grep -q "EADDRINUSE" "$root/server.log"; then
        return 1
      fi
      echo "error: s3rver failed to start:" >&2
      cat "$root/server.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "error: s3rver did not listen within 15 s:" >&2
  cat "$root/server.log" >&2
  exit 1
}

# Without OPENLABS_TEST_S3_PORT, the server takes the first free port from 59000 on.
start_on_free_port start_s3rver OPENLABS_TEST_S3_PORT 59000 59099

export OPENLABS_TEST_S3_URL="s3://$bucket?endpoint=http://127.0.0.1:$port&region=us-east-1"
export AWS_ACCESS_KEY_ID=S3RVER
export AWS_SECRET_ACCESS_KEY=S3RVER
echo "S3 test server (s3rver) on 127.0.0.1:$port, bucket $bucket" >&2
set +e
"$@"
status=$?
set -e
exit $status
