# Entry points for building, running, testing and benchmarking Open Labs Share.
# Run `make help` for the list of targets. Variables can be overridden on the command line, for
# example `make build BUILD_TYPE=Debug BUILD_DIR=build-debug`.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
# Extra arguments for `openlabs serve` in `make run`, for example SERVE_ARGS="--config my.toml".
SERVE_ARGS ?=
# Extra arguments for bench/run.sh in `make bench`, for example BENCH_ARGS="--rounds 5".
BENCH_ARGS ?=
# Seconds after which ctest stops a single test that hangs.
TEST_TIMEOUT ?= 600

BINARY := $(BUILD_DIR)/src/app/openlabs
# What `make run` builds: the server and what it loads at run time, the PDF reader module and
# the notebook kernel files (the parts that cmake/Install.cmake installs). The tests are left
# to `make build` and `make test`.
SERVER_TARGETS := openlabs openlabs_pdf openlabs_kernel_files
SOURCES = $(shell find src -name '*.cc' -o -name '*.h')

.PHONY: help deps deps-bench deps-dev configure build build-server web run test test-web bench \
	clean format format-check tidy

help:
	@echo "Targets:"
	@echo "  make run           install packages, build the server, and serve on http://127.0.0.1:8080/"
	@echo "  make test          install packages, build, and run every test on SQLite and PostgreSQL"
	@echo "                     (and the blob store tests on a local folder and on s3rver)"
	@echo "  make bench         install packages and benchmark tools, build, run bench/run.sh"
	@echo "  make deps          install the Debian packages for building and testing (as root)"
	@echo "  make build         configure and build everything, tests too, into $(BUILD_DIR)/ ($(BUILD_TYPE), $(JOBS) jobs)"
	@echo "  make build-server  configure and build only what \`make run\` serves"
	@echo "  make web           build the web app into web/dist/ (skipped when up to date)"
	@echo "  make test-web      run the web app's unit tests and browser tests"
	@echo "  make clean         remove $(BUILD_DIR)/"
	@echo "  make format        run clang-format on src/"
	@echo "  make format-check  report code under src/ that clang-format would change"
	@echo "  make tidy          run clang-tidy on src/ (slow)"
	@echo "Variables: BUILD_DIR, BUILD_TYPE, JOBS, SERVE_ARGS, BENCH_ARGS, TEST_TIMEOUT"

deps:
	scripts/install-deps.sh

deps-bench:
	scripts/install-deps.sh --bench

deps-dev:
	scripts/install-deps.sh --dev

# CMakeLists.txt uses ccache by itself when it is installed.
configure:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

build-server: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target $(SERVER_TARGETS)

# The React app under web/, built into web/dist/ (served by `make run`). npm ci runs only when
# package-lock.json changed, and the build only when a source file is newer than the last build.
WEB_MODULES := web/node_modules/.package-lock.json
WEB_SOURCES = $(shell find web/src web/public -type f) web/index.html web/vite.config.ts \
	$(wildcard web/tsconfig*.json)

web: web/dist/index.html

$(WEB_MODULES): web/package-lock.json
	npm --prefix web ci --no-audit --no-fund
	@touch $@

web/dist/index.html: $(WEB_MODULES) $(WEB_SOURCES)
	npm --prefix web run build

# s3rver, the S3-compatible server of scripts/with-s3.sh, pinned in tests/s3-server/.
S3_SERVER_MODULES := tests/s3-server/node_modules/.package-lock.json

$(S3_SERVER_MODULES): tests/s3-server/package-lock.json
	npm --prefix tests/s3-server ci --no-audit --no-fund
	@touch $@

run: deps build-server web
	@echo "Starting the server on http://127.0.0.1:8080/ unless SERVE_ARGS or its config names another address (Ctrl+C stops)"
	@exec $(BINARY) serve --web-root web/dist $(SERVE_ARGS)

# scripts/with-postgres.sh starts a throwaway PostgreSQL and sets OPENLABS_TEST_POSTGRES_URL, so
# every storage test runs on SQLite and on PostgreSQL. scripts/with-s3.sh starts s3rver and sets
# OPENLABS_TEST_S3_URL, so the blob store tests also run on the S3 store. Each test makes its own
# database schema and blob prefix, so tests run in parallel.
test: deps build web $(S3_SERVER_MODULES)
	scripts/with-postgres.sh scripts/with-s3.sh ctest --test-dir $(BUILD_DIR) --output-on-failure \
	  -j $(JOBS) --timeout $(TEST_TIMEOUT)
	$(MAKE) --no-print-directory test-web

# The web app's unit tests (Vitest), then its end-to-end tests: headless Chromium against a real
# `openlabs serve` on a temporary data directory and a free port (web/e2e/run.mjs). Screenshots
# and the accessibility report go to web/e2e-output/.
test-web: build web
	npm --prefix web run test:unit
	OPENLABS_BINARY=$(CURDIR)/$(BINARY) npm --prefix web run test:e2e

bench: deps-bench build
	bench/run.sh --binary $(BINARY) $(BENCH_ARGS)

clean:
	rm -rf $(BUILD_DIR)

format:
	clang-format -i $(SOURCES)

format-check:
	clang-format --dry-run --Werror $(SOURCES)

# clang-tidy reads the compile commands that `make build` exports.
tidy: build
	run-clang-tidy -quiet -p $(BUILD_DIR) '^$(CURDIR)/src/'
