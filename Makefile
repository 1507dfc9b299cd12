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
SOURCES = $(shell find src -name '*.cc' -o -name '*.h')

.PHONY: help deps deps-bench deps-dev build web run test test-web bench clean format \
	format-check tidy

help:
	@echo "Targets:"
	@echo "  make run           install packages, build, and serve on http://127.0.0.1:8080/"
	@echo "  make test          install packages, build, and run every test on SQLite and PostgreSQL"
	@echo "  make bench         install packages and benchmark tools, build, run bench/run.sh"
	@echo "  make deps          install the Debian packages for building and testing (as root)"
	@echo "  make build         configure and build into $(BUILD_DIR)/ ($(BUILD_TYPE), $(JOBS) jobs)"
	@echo "  make web           build the web app under web/ (nothing yet if web/ does not exist)"
	@echo "  make clean         remove $(BUILD_DIR)/"
	@echo "  make format        run clang-format on src/"
	@echo "  make format-check  list files under src/ that clang-format would change"
	@echo "  make tidy          run clang-tidy on src/ (slow)"
	@echo "Variables: BUILD_DIR, BUILD_TYPE, JOBS, SERVE_ARGS, BENCH_ARGS, TEST_TIMEOUT"

deps:
	scripts/install-deps.sh

deps-bench:
	scripts/install-deps.sh --bench

deps-dev:
	scripts/install-deps.sh --dev

# CMakeLists.txt uses ccache by itself when it is installed.
build:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The React app is built here once web/ exists. Its build output web/dist/ is served by `make run`.
web:
	@if [[ -f web/package.json ]]; then \
	  npm --prefix web ci --no-audit --no-fund && npm --prefix web run build; \
	else \
	  echo "web: no web/package.json yet, nothing to build"; \
	fi

run: deps build web
	@web_root=(); \
	if [[ -f web/dist/index.html ]]; then web_root=(--web-root web/dist); fi; \
	echo "Serving on http://127.0.0.1:8080/ (Ctrl+C stops)"; \
	exec $(BINARY) serve "$${web_root[@]}" $(SERVE_ARGS)

# scripts/with-postgres.sh starts a throwaway PostgreSQL and sets OPENLABS_TEST_POSTGRES_URL, so
# every storage test runs on SQLite and on PostgreSQL. Each test makes its own database schema,
# so tests run in parallel.
test: deps build web
	scripts/with-postgres.sh ctest --test-dir $(BUILD_DIR) --output-on-failure \
	  -j $(JOBS) --timeout $(TEST_TIMEOUT)
	$(MAKE) --no-print-directory test-web

# The web app's tests are run here once web/ exists.
test-web:
	@if [[ -f web/package.json ]]; then \
	  npm --prefix web run test --if-present; \
	else \
	  echo "test-web: no web/package.json yet, no web tests to run"; \
	fi

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
