#!/usr/bin/env bash
# 200 `true` steps run durably with --yes vs bash running the same 200 commands as separate
# processes (each `/bin/sh -e -c true`, exactly what a step runs). Target: ratio <= 1.5x.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$(realpath "${FIREBREAK_BIN:-.build/release/firebreak}")
STEPS=${STEPS:-200}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 scripts/bench/generate.py true "$STEPS" > "$work/overhead.md"
{ echo '#!/bin/bash'; for _ in $(seq "$STEPS"); do echo "/bin/sh -e -c true"; done; } > "$work/baseline.sh"
chmod +x "$work/baseline.sh"
"$BIN" lint "$work/overhead.md" >/dev/null 2>&1
hyperfine --style basic --warmup 2 --runs "${RUNS:-15}" --export-json "$work/steps.json" \
    -n "firebreak run --yes" "$BIN run $work/overhead.md --yes --data-dir $work/data" \
    -n "bash, separate processes" "$work/baseline.sh" >/dev/null
runs=$("$BIN" runs list --data-dir "$work/data" --json | python3 -c 'import json,sys; r=json.load(sys.stdin); print(len(r), sum(1 for x in r if x["status"]=="succeeded"))')
python3 - "$work/steps.json" "$runs" "$STEPS" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
ours, theirs = results["firebreak run --yes"], results["bash, separate processes"]
steps = int(sys.argv[3])
print(f"firebreak run --yes ({steps} steps): {ours['mean']*1000:8.1f} ms ± {ours['stddev']*1000:.1f}  ({ours['mean']*1e6/steps:.0f} µs/step)")
print(f"bash, separate processes:        {theirs['mean']*1000:8.1f} ms ± {theirs['stddev']*1000:.1f}")
print(f"ratio: {ours['mean']/theirs['mean']:.2f}x (target <= 1.5x)")
total, ok = sys.argv[2].split()
print(f"runs recorded: {total}, succeeded: {ok} (every transition committed to SQLite)")
PY
