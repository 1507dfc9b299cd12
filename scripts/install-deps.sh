#!/usr/bin/env bash
# Installs the Debian 12 packages needed to build and test Open Labs Share, and optionally those
# needed to benchmark it and to format and lint its code. Packages that are already installed are
# not installed again, and apt is not called at all when nothing is missing.
set -euo pipefail

readonly BUILD_PACKAGES=(
  g++ make cmake pkg-config ccache
  libboost-dev libboost-system-dev nlohmann-json3-dev rapidjson-dev
  libsoci-dev libsqlite3-dev libpq-dev
  libsodium-dev libjwt-dev liboath-dev libssl-dev libqrencode-dev
  libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  libpoppler-cpp-dev libhnswlib-dev libcurl4-openssl-dev libarchive-dev libyaml-cpp-dev
  libmagic-dev libcmark-gfm-dev libcmark-gfm-extensions-dev libxml2-dev
)
# The notebook kernel and the autograder run learner code with Debian's Python inside bubblewrap.
# Graders build C with gcc and Java with the JDK in the same sandbox.
readonly SANDBOX_PACKAGES=(bubblewrap python3 python3-numpy python3-pandas python3-matplotlib
  gcc libc6-dev openjdk-17-jdk-headless)
# chromium runs the web app's end-to-end tests (headless, driven by playwright-core).
readonly TEST_PACKAGES=(postgresql libgtest-dev libgmock-dev libbenchmark-dev curl libcurl4-openssl-dev
  chromium)
# python3-ipykernel and python3-jupyter-client are the Jupyter kernel that the notebook session
# benchmark measures side by side with a session.
readonly BENCH_PACKAGES=(wrk nginx python3-ipykernel python3-jupyter-client)
readonly DEV_PACKAGES=(clang-format clang-tidy)

usage() {
  cat <<'EOF'
Usage: scripts/install-deps.sh [--bench] [--dev] [--check]

Installs the Debian 12 packages that building and testing Open Labs Share needs
(compiler, libraries, PostgreSQL, GoogleTest, curl, Chromium for the browser
tests, bubblewrap and Python with
numpy, pandas and matplotlib for the sandbox). Run it as root. It also creates
the system user openlabs-sandbox that sandboxed code runs as.

  --bench   also install the benchmark tools (wrk, nginx, a Jupyter kernel)
  --dev     also install the formatter and linter (clang-format, clang-tidy)
  --check   only list the missing packages; exit 1 if any are missing
  -h        show this help

No service is started: PostgreSQL and nginx are installed but left stopped,
because the tests and benchmarks start their own servers.
EOF
}

packages=("${BUILD_PACKAGES[@]}" "${SANDBOX_PACKAGES[@]}" "${TEST_PACKAGES[@]}")
check_only=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bench) packages+=("${BENCH_PACKAGES[@]}") ;;
    --dev) packages+=("${DEV_PACKAGES[@]}") ;;
    --check) check_only=true ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "error: unknown option '$1'; see '$0 -h'" >&2
      exit 2
      ;;
  esac
  shift
done

# Prints the packages of "$@" that dpkg does not list as installed, in one dpkg-query call.
missing_packages() {
  local installed
  installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "$@" 2>/dev/null |
    awk '$2 == "ii" { print $1 }' || true)
  local package
  for package in "$@"; do
    if ! grep -qxF "$package" <<<"$installed"; then
      echo "$package"
    fi
  done
}

# Sandboxed code runs as this account rather than nobody, so that RLIMIT_NPROC counts only
# sandboxes. Without it the sandbox falls back to nobody (65534).
ensure_sandbox_user() {
  if [[ "$check_only" == true || $(id -u) -ne 0 ]] || getent passwd openlabs-sandbox >/dev/null; then
    return
  fi
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
    openlabs-sandbox
  echo "install-deps: created the system user openlabs-sandbox"
}
ensure_sandbox_user

mapfile -t missing < <(missing_packages "${packages[@]}")
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi

echo "install-deps: missing packages: ${missing[*]}"
if [[ "$check_only" == true ]]; then
  exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "error: installing packages needs root; run as root:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

# Debian's maintainer scripts start services through invoke-rc.d, which runs policy-rc.d first.
# Exit code 101 means "do not start", so postgresql and nginx stay stopped even where an init
# system would run them. An existing policy-rc.d is left as it is.
policy_file=/usr/sbin/policy-rc.d
if [[ ! -e "$policy_file" ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy_file"
  chmod 755 "$policy_file"
  trap 'rm -f "$policy_file"' EXIT
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"

mapfile -t still_missing < <(missing_packages "${packages[@]}")
if [[ ${#still_missing[@]} -gt 0 ]]; then
  echo "error: apt-get finished but these packages are still not installed: ${still_missing[*]}" >&2
  exit 1
fi
echo "install-deps: installed ${missing[*]}"
