#!/usr/bin/env bash
# Alert ingest: firebreak serve (release) driven by wrk on POST /webhooks/alertmanager, 2 threads, 32 connections,
# 10 s, in two scenarios: a unique alert per request, and the same alert repeated. Each scenario starts from an
# empty data directory. Prints req/s, p50, p99, the server's RSS at the end, and checks durability: every 2xx
# answer is an alert row (unique) or a counted delivery (repeat).
# Targets (2 cores, wrk on the same machine): >= 15,000 unique/s, >= 25,000 repeated/s, p99 < 50 ms, RSS < 80 MB.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$(realpath "${FIREBREAK_BIN:-.build/release/firebreak}")
DURATION=${DURATION:-10s}
command -v wrk >/dev/null || scripts/ensure-packages.sh wrk
[ -x "$BIN" ] || { echo "build it first: swift build -c release --static-swift-stdlib" >&2; exit 2; }
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill -9 "$server" 2>/dev/null; rm -rf "$work"' EXIT

scenario() {
    local mode=$1 data="$work/$1"
    local token
    token=$("$BIN" token create bench --data-dir "$data")
    "$BIN" serve --data-dir "$data" --port 0 --log-level warning --log-format text > "$work/$mode.log" 2>&1 &
    server=$!
    # --log-level warning hides the "listening" line; find the port from the process instead.
    local port=""
    for _ in $(seq 100); do
        port=$(ss -ltnpH 2>/dev/null | awk -v pid="pid=$server," '$0 ~ pid {split($4, a, ":"); print a[length(a)]}' | head -1)
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { echo "server did not start: $(cat "$work/$mode.log")" >&2; exit 1; }
    MODE=$mode TOKEN=$token wrk -t2 -c32 -d"$DURATION" --latency -s scripts/bench/ingest.lua \
        "http://127.0.0.1:$port/webhooks/alertmanager" > "$work/$mode.wrk"
    local rss
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
    kill -TERM "$server"; wait "$server" 2>/dev/null || true
    server=""
    python3 - "$mode" "$work/$mode.wrk" "$rss" "$data/firebreak.db" <<'PY'
import re, sqlite3, sys
mode, path, rss_kb, db = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
text = open(path).read()
def latency(p):
    m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
total = int(re.search(r"(\d+) requests in", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
errors = re.search(r"Socket errors: (.*)", text)
ok = total - (int(bad.group(1)) if bad else 0)
con = sqlite3.connect(db)
rows, deliveries = con.execute("SELECT count(*), coalesce(sum(fire_count), 0) FROM alerts").fetchone()
incidents = con.execute("SELECT count(*) FROM incidents").fetchone()[0]
stored = rows if mode == "unique" else deliveries
target = 15000 if mode == "unique" else 25000
print(f"{mode:>7}: {rate:9.0f} req/s (target >= {target}, {rate / target:.2f}x)  p50 {latency(50):6.2f} ms  "
      f"p99 {latency(99):6.2f} ms (target < 50)  RSS {rss_kb / 1024:5.1f} MB (target < 80)")
print(f"         {total} requests, {ok} answered 2xx, {stored} stored ({'all durable' if stored >= ok else 'LOST ' + str(ok - stored)}),"
      f" {incidents} incidents{', socket errors: ' + errors.group(1) if errors else ''}")
PY
}

scenario unique
scenario repeat
