#!/usr/bin/env bash
# Property-based API test: schemathesis generates requests from docs/openapi.yaml and sends them to a live
# `firebreak serve` (in a temporary directory, on a free port, with its own data, token and runbooks).
#
#   scripts/schemathesis.sh [FIREBREAK_BINARY]      (default .build/debug/firebreak)
#
# Checks that are on (every one must pass; the exit status is non-zero otherwise):
#   not_a_server_error           no 5xx answer
#   response_schema_conformance  every answer's body matches the schema documented for its status
#   status_code_conformance      every status is one the operation documents
# Not on: negative_data_rejection and positive_data_acceptance (the request schemas and the server differ at the
# edges by design: the server takes null for an optional string, /webhooks/cloudwatch any text), unsupported_method
# (an undeclared method is 404, not 405) and the header/content-type checks.
#
# The run is repeatable: deterministic generation (Hypothesis derandomized; no example database; the fixed seed
# is then unused but kept), one worker. Environment:
#   SCHEMATHESIS_MAX_EXAMPLES  test cases per operation and phase (default 25)
#   SCHEMATHESIS_TIMEOUT       seconds before the run is stopped as a failure (default 480)
#   SCHEMATHESIS_KEEP=1        keep the temporary directory (server log, reports) and print its path
#   PYTHON                     the interpreter to use (default python3)
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-25}
budget=${SCHEMATHESIS_TIMEOUT:-480}
python=${PYTHON:-python3}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
binary=${1:-.build/debug/firebreak}
if [ ! -x "$binary" ]; then
    echo "schemathesis: FAILED: no firebreak binary at $binary (build it first, or pass its path)" >&2
    exit 2
fi
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
spec=$root/docs/openapi.yaml

export CI=${CI:-true} NO_COLOR=1 PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
# Nothing here may wait for a terminal.
exec </dev/null

tmp=$(mktemp -d "${TMPDIR:-/tmp}/firebreak-schemathesis.XXXXXX")
server_pid=
cleanup() {
    local status=$?
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        # The server has its own process group (setsid): SIGTERM to the group, then SIGKILL after 10 s.
        kill -TERM -- "-$server_pid" 2>/dev/null || kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$server_pid" 2>/dev/null || true
    fi
    if [ "${SCHEMATHESIS_KEEP:-0}" = 1 ]; then
        echo "schemathesis: kept $tmp"
    else
        rm -rf "$tmp"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    echo "schemathesis: FAILED: $*" >&2
    exit 1
}

# schemathesis, pinned: installed with pip when missing or another version; on a Python that refuses
# system-wide installs (PEP 668), into a private virtual environment.
installed_version() {
    "$1" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null || true
}
if ! command -v "$python" >/dev/null; then
    "$root/scripts/ensure-packages.sh" python3 python3-pip python3-venv
fi
if [ "$(installed_version "$python")" != "$SCHEMATHESIS_VERSION" ]; then
    echo "schemathesis: installing schemathesis==$SCHEMATHESIS_VERSION"
    if ! timeout 600 "$python" -m pip install --quiet "schemathesis==$SCHEMATHESIS_VERSION" \
        || [ "$(installed_version "$python")" != "$SCHEMATHESIS_VERSION" ]; then
        venv=${XDG_CACHE_HOME:-$HOME/.cache}/firebreak/schemathesis-$SCHEMATHESIS_VERSION
        if [ "$(installed_version "$venv/bin/python")" != "$SCHEMATHESIS_VERSION" ]; then
            "$python" -m venv "$venv" || { "$root/scripts/ensure-packages.sh" python3-venv && "$python" -m venv "$venv"; }
            timeout 600 "$venv/bin/python" -m pip install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
        fi
        python=$venv/bin/python
    fi
    [ "$(installed_version "$python")" = "$SCHEMATHESIS_VERSION" ] || fail "could not install schemathesis==$SCHEMATHESIS_VERSION"
fi

# The server's world: its working directory with the runbooks and a firebreak.yml whose rate limits are high
# enough that the fuzzer measures the API rather than 429s; its data directory; its TMPDIR (runbook steps).
# /webhooks/cloudwatch trusts only a throw-away self-signed certificate (offline mode), so that no generated SNS
# message can make the server fetch a signing certificate from outside this machine; it answers 403 to all.
mkdir -p "$tmp/work" "$tmp/data" "$tmp/tmp" "$tmp/report"
cp -R "$root/runbooks" "$tmp/work/runbooks"
command -v openssl >/dev/null || "$root/scripts/ensure-packages.sh" openssl
timeout 60 openssl req -x509 -newkey rsa:2048 -nodes -keyout /dev/null -out "$tmp/work/sns-offline.pem" \
    -subj /CN=firebreak-schemathesis.invalid -days 2 >/dev/null 2>&1 || fail "openssl could not make a certificate"
cat >"$tmp/work/firebreak.yml" <<EOF
server:
  rate_limit: {rate: 100000, burst: 100000}
webhooks:
  rate_limit: {rate: 100000, burst: 100000}
  cloudwatch:
    certificates: $tmp/work/sns-offline.pem
users:
  alice: {name: Alice, time_zone: Europe/Berlin, contact: [{command: [/bin/true]}]}
  bob: {name: Bob, time_zone: UTC, contact: [{command: [/bin/true]}]}
schedules:
  primary:
    time_zone: Europe/Berlin
    layers:
      - {name: weekly, users: [alice, bob], rotation: 1w, start: 2026-01-05, handoff: "09:00"}
EOF
export FIREBREAK_DATA=$tmp/data

token=$(cd "$tmp/work" && timeout 30 "$binary" token create schemathesis --user alice --role admin 2>"$tmp/token.err" | grep -o 'fbk_[A-Za-z0-9_-]*' | tail -1) || true
[ -n "$token" ] || fail "'firebreak token create' printed no token: $(cat "$tmp/token.err")"

(cd "$tmp/work" && TMPDIR=$tmp/tmp exec setsid "$binary" serve --host 127.0.0.1 --port 0 --log-format text --no-color \
    >"$tmp/serve.out" 2>"$tmp/serve.log") &
server_pid=$!
port=
for _ in $(seq 1 300); do
    port=$(grep -o 'listening on http://127\.0\.0\.1:[0-9]*' "$tmp/serve.log" 2>/dev/null | head -1 | grep -o '[0-9]*$' || true)
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$port" ]; then
    tail -20 "$tmp/serve.log" >&2 || true
    fail "the server did not start listening within 30 s"
fi

# From the temporary directory, so that no schemathesis.toml or .hypothesis of the caller's changes the run.
started=$(date +%s)
set +e
(cd "$tmp" && timeout --kill-after=10 "$budget" "$python" -m schemathesis.cli run "$spec" \
    --url "http://127.0.0.1:$port" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,response_schema_conformance,status_code_conformance \
    --max-examples "$max_examples" \
    --seed 1 \
    --generation-deterministic \
    --workers 1 \
    --request-timeout 10 \
    --no-color \
    --report json,junit --report-dir "$tmp/report") >"$tmp/schemathesis.out" 2>&1
code=$?
set -e
elapsed=$(($(date +%s) - started))

if [ "$code" -ne 0 ]; then
    cat "$tmp/schemathesis.out"
    if [ "$code" -eq 124 ] || [ "$code" -eq 137 ]; then
        fail "schemathesis did not finish within ${budget} s"
    fi
fi
# The server's own account, as a cross-check: any 5xx it answered (but /health's documented 503) and any error
# it logged.
server_errors=$(grep -E 'http\.status=5[0-9]{2}' "$tmp/serve.log" | grep -cv 'http\.route=/health http\.status=503' || true)
if [ "$server_errors" -gt 0 ] || grep -qE '^[^ ]+ (error|critical) ' "$tmp/serve.log"; then
    echo "--- server log: 5xx answers and errors" >&2
    grep -E 'http\.status=5[0-9]{2}|^[^ ]+ (error|critical) ' "$tmp/serve.log" | tail -20 >&2 || true
    [ "$code" -ne 0 ] || code=1
fi
summary=$("$python" - "$tmp/report" "$code" "$elapsed" <<'EOF'
import glob, json, sys
report_dir, code, elapsed = sys.argv[1], int(sys.argv[2]), sys.argv[3]
files = sorted(glob.glob(report_dir + "/json-*.json"))
if not files:
    print(f"no report (exit {code}) in {elapsed}s")
    sys.exit()
r = json.load(open(files[-1]))
failures = sum(f.get("count", 0) for f in r.get("failures", []))
errors = sum(e.get("count", 0) for e in r.get("errors", []))
kinds = ", ".join(f"{f['code']} {f['title']}: {f['count']}" for f in r.get("failures", []))
ops = r["operations"]
print(f"schemathesis {r['schemathesis_version']}: {ops['tested']}/{ops['selected']} operations, "
      f"{r['test_cases']['generated']} test cases, {failures} failures{' (' + kinds + ')' if kinds else ''}, "
      f"{errors} errors, {elapsed}s")
EOF
)
if [ "$code" -ne 0 ]; then
    fail "$summary; server log: $server_errors 5xx"
fi
echo "schemathesis: OK: $summary; server log: $server_errors 5xx"
