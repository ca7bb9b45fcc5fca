# Firebreak: the two set-up commands are `make run` and `make test`.
SWIFT ?= swift
BIN_DEBUG := .build/debug/firebreak
BIN_RELEASE := .build/release/firebreak
# System packages: Discount and SQLite headers to build; a real Prometheus Alertmanager for the end-to-end alert
# test; python3 (pseudo-terminal and slow-client tests) and curl (end-to-end HTTP tests) for the tests; Debian's
# Chromium and its driver for the console's browser tests.
APT_PACKAGES := libmarkdown2-dev libsqlite3-dev pkg-config prometheus-alertmanager chromium chromium-driver
BENCH_PACKAGES := discount hyperfine wrk

.PHONY: deps bench-deps build release run tour test lint bench clean format

deps:
	@scripts/ensure-packages.sh $(APT_PACKAGES)
	@command -v python3 >/dev/null || scripts/ensure-packages.sh python3
	@command -v bash >/dev/null || scripts/ensure-packages.sh bash
	@command -v curl >/dev/null || scripts/ensure-packages.sh curl
	@# cryptography: the loopback stand-in for Amazon's SNS certificate hosting (Tests/ServerTests/Support).
	@python3 -c "import cryptography" 2>/dev/null || python3 -m pip install --quiet --root-user-action=ignore "cryptography==48.0.0"
	@# aiosmtpd: the real SMTP server (STARTTLS and TLS) the email tests send to; icalendar parses the .ics feed.
	@python3 -c "import aiosmtpd" 2>/dev/null || python3 -m pip install --quiet --root-user-action=ignore "aiosmtpd==1.4.6"
	@python3 -c "import icalendar" 2>/dev/null || python3 -m pip install --quiet --root-user-action=ignore "icalendar==7.3.2"
	@# selenium drives Debian's chromium through chromium-driver in the console's browser tests (4.52 and later
	@# need a certifi newer than PyPI's mirror here has).
	@python3 -c "import selenium" 2>/dev/null || python3 -m pip install --quiet --root-user-action=ignore "selenium==4.50.0"

bench-deps: deps
	@scripts/ensure-packages.sh $(BENCH_PACKAGES)

build: deps
	$(SWIFT) build

# The release binary links the Swift runtime statically: one self-contained file that starts faster.
release: deps
	$(SWIFT) build -c release --static-swift-stdlib

# Formatting (swift format ships with the toolchain; the rules are .swift-format), then the shipped runbooks.
lint: build
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift
	$(BIN_DEBUG) lint runbooks/

# Formatting and the shipped runbooks (make lint), the suite, the README's tour and whole loop run verbatim (port
# 8080 must be free), and schemathesis against docs/openapi.yaml and a live server.
test: lint
	$(SWIFT) test
	scripts/readme-tour.py $(BIN_DEBUG)
	scripts/schemathesis.sh $(BIN_DEBUG)

# Starts the server (API, escalations, notifications) on 127.0.0.1:8080 with the data in ./.firebreak, which
# the CLI then finds from this directory and below (see docs/cli.md). The first time, it creates an API token
# named "local" and prints it once.
run tour: export FIREBREAK_DATA := $(CURDIR)/.firebreak
run: release
	$(BIN_RELEASE) lint runbooks/
	@$(BIN_RELEASE) token list --json | grep -q '"local"' || { \
		echo "API token (shown once; paste it at http://127.0.0.1:8080/ to sign in to the console, or send it as 'Authorization: Bearer <token>'):"; \
		$(BIN_RELEASE) token create local --role admin; }
	$(BIN_RELEASE) serve --log-format text

# The terminal tour of a runbook: step through runbooks/getting-started.md.
tour: release
	$(BIN_RELEASE) show runbooks/getting-started.md
	@if [ -t 0 ] && [ -t 1 ]; then \
		$(BIN_RELEASE) run runbooks/getting-started.md || test $$? -eq 3; \
	else \
		echo "No terminal: running automatically (--yes); the manual step will make the run wait."; \
		$(BIN_RELEASE) run runbooks/getting-started.md --yes || test $$? -eq 3; \
	fi

# Each script measures its peer in the same run and prints the ratio: alert ingest against Prometheus
# Alertmanager, lint against Discount, steps against bash; then post-mortems and the console's pages and streams.
bench: bench-deps release
	scripts/bench/ingest.sh
	scripts/bench/parse.sh
	scripts/bench/step-overhead.sh
	scripts/bench/postmortem.sh
	scripts/bench/console.sh

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build .firebreak
