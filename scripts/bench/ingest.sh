#!/usr/bin/env bash
# Alert ingest: firebreak serve (release) driven by wrk on POST /webhooks/alertmanager, 2 threads, 32 connections,
# 10 s, in two scenarios: a unique alert per request, and the same alert repeated. Each scenario starts from an
# empty data directory. Prints req/s, p50, p99, the server's RSS at the end, and checks durability: every 2xx
# answer is an alert row (unique) or a counted delivery (repeat).
# The peer, measured in the same run the same way: Prometheus Alertmanager (Debian's, `make deps`) taking the same
# alerts on POST /api/v2/alerts, in memory and not durable. Targets (issue 17): unique >= 1.0x Alertmanager's
# rate with p99 <= 20 ms; repeated >= 2x Firebreak's own unique rate; RSS <= 64 MB.
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
    python3 - "$mode" "$work/$mode.wrk" "$rss" "$data/firebreak.db" "$work/am-$mode.wrk" "$work/unique.rate" <<'PY'
import os, re, sqlite3, sys
mode, path, rss_kb, db, peer = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
def rate_of(file):
    return float(re.search(r"Requests/sec:\s+([\d.]+)", open(file).read()).group(1))
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
am = rate_of(peer)
if mode == "unique":
    open(sys.argv[6], "w").write(str(rate))
    versus = f"Alertmanager {am:.0f}/s: {rate / am:.2f}x (target >= 1.0x)"
else:
    unique = float(open(sys.argv[6]).read())
    versus = f"own unique {unique:.0f}/s: {rate / unique:.2f}x (target >= 2x); Alertmanager {am:.0f}/s: {rate / am:.2f}x"
print(f"{mode:>7}: {rate:9.0f} req/s, {versus}")
print(f"         p50 {latency(50):6.2f} ms  p99 {latency(99):6.2f} ms (target <= 20)  RSS {rss_kb / 1024:5.1f} MB (target <= 64)")
print(f"         {total} requests, {ok} answered 2xx, {stored} stored ({'all durable' if stored >= ok else 'LOST ' + str(ok - stored)}),"
      f" {incidents} incidents{', socket errors: ' + errors.group(1) if errors else ''}")
PY
}

# The peer: Alertmanager on a free port with a receiver that sends nowhere, clustering off.
peer() {
    local mode=$1 port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    printf 'route: {receiver: nowhere}\nreceivers: [{name: nowhere}]\n' > "$work/am.yml"
    /usr/bin/prometheus-alertmanager --config.file="$work/am.yml" --storage.path="$work/am-$mode" \
        --web.listen-address="127.0.0.1:$port" --cluster.listen-address= --log.level=warn > "$work/am-$mode.log" 2>&1 &
    local am=$!
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 && break
        sleep 0.1
    done
    MODE=$mode wrk -t2 -c32 -d"$DURATION" --latency -s scripts/bench/alertmanager.lua \
        "http://127.0.0.1:$port/api/v2/alerts" > "$work/am-$mode.wrk"
    kill -TERM "$am"; wait "$am" 2>/dev/null || true
}

[ -x /usr/bin/prometheus-alertmanager ] || scripts/ensure-packages.sh prometheus-alertmanager
peer unique
scenario unique
peer repeat
scenario repeat
