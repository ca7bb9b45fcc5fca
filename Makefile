# Firebreak: the two set-up commands are `make run` and `make test`.
SWIFT ?= swift
BIN_DEBUG := .build/debug/firebreak
BIN_RELEASE := .build/release/firebreak
# System packages: Discount and SQLite headers to build, python3 for the pseudo-terminal tests.
APT_PACKAGES := libmarkdown2-dev libsqlite3-dev pkg-config
BENCH_PACKAGES := discount hyperfine

.PHONY: deps bench-deps build release run test lint bench clean format

deps:
	@scripts/ensure-packages.sh $(APT_PACKAGES)
	@command -v python3 >/dev/null || scripts/ensure-packages.sh python3
	@command -v bash >/dev/null || scripts/ensure-packages.sh bash

bench-deps: deps
	@scripts/ensure-packages.sh $(BENCH_PACKAGES)

build: deps
	$(SWIFT) build

# The release binary links the Swift runtime statically: one self-contained file that starts faster.
release: deps
	$(SWIFT) build -c release --static-swift-stdlib

lint: build
	$(BIN_DEBUG) lint runbooks/

test: build
	$(SWIFT) test
	$(BIN_DEBUG) lint runbooks/

run: release
	$(BIN_RELEASE) lint runbooks/getting-started.md
	$(BIN_RELEASE) show runbooks/getting-started.md
	@if [ -t 0 ] && [ -t 1 ]; then \
		$(BIN_RELEASE) run runbooks/getting-started.md || test $$? -eq 3; \
	else \
		echo "No terminal: running automatically (--yes); the manual step will make the run wait."; \
		$(BIN_RELEASE) run runbooks/getting-started.md --yes || test $$? -eq 3; \
	fi

bench: bench-deps release
	scripts/bench/parse.sh
	scripts/bench/step-overhead.sh

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build .firebreak
