#!/usr/bin/env bash
# The web console's two speed targets, against a real `firebreak serve`:
#   1. the incident page of an incident with 10,000 timeline events (paged, 100 a page) renders in < 300 ms;
#      measured beside the JSON API's GET /api/v1/incidents/INC-1 of the same incident (the whole timeline), the
#      peer in the same run;
#   2. 200 open SSE connections (/events) all receive one change in < 1 s.
# FIREBREAK_BIN picks the binary (default: the release build, `make release`).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$(realpath "${FIREBREAK_BIN:-.build/release/firebreak}")
EVENTS=${EVENTS:-10000}
CONNECTIONS=${CONNECTIONS:-200}
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
export FIREBREAK_DATA="$work/data"
"$BIN" incident open --title "Bench: orders database down" --severity P1 --by alice >/dev/null
python3 scripts/bench/timeline-events.py "$work/data/firebreak.db" "$EVENTS"
token=$("$BIN" token create bench --role admin 2>/dev/null)
(cd "$work" && exec "$BIN" serve --port 0 --log-level notice > "$work/serve.log" 2>&1) &
server=$!
for _ in $(seq 1 100); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/serve.log" 2>/dev/null | grep -o '[0-9]*$' || true)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { cat "$work/serve.log"; exit 1; }
python3 scripts/bench/console.py "http://127.0.0.1:$port" "$token" "$CONNECTIONS"
