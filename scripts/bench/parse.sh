#!/usr/bin/env bash
# Parse+lint of a generated 5,000-step runbook vs Discount's `markdown` rendering the same file.
# Target: ratio <= 1.0x. Needs: make release, and the Debian packages discount and hyperfine.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${FIREBREAK_BIN:-.build/release/firebreak}
STEPS=${STEPS:-5000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 scripts/bench/generate.py parse "$STEPS" > "$work/big.md"
"$BIN" lint "$work/big.md" 2>/dev/null | head -3 || true
echo "runbook: $STEPS steps, $(wc -l < "$work/big.md") lines, $(wc -c < "$work/big.md") bytes"
hyperfine --style basic --warmup 3 --runs "${RUNS:-30}" --export-json "$work/parse.json" \
    -n "firebreak lint" "$BIN lint $work/big.md" \
    -n "discount markdown" "markdown $work/big.md" >/dev/null
python3 - "$work/parse.json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
ours, theirs = results["firebreak lint"], results["discount markdown"]
print(f"firebreak parse+lint: {ours['mean']*1000:8.2f} ms ± {ours['stddev']*1000:.2f}")
print(f"discount markdown:    {theirs['mean']*1000:8.2f} ms ± {theirs['stddev']*1000:.2f}")
print(f"ratio: {ours['mean']/theirs['mean']:.2f}x (target <= 1.0x)")
PY
