#!/usr/bin/env bash
# Connection setup time on loopback, Swift↔Swift (P2PBenchmarks, ordo-one) versus py↔py
# (py-libp2p 0.8.1, py_connect_bench.py), measured in the same run; prints both p50s and the ratio.
#   Benchmarks/scripts/p2p-connect.sh
# Python: $GHCACHE_PYTHON, else <package root>/.venv/bin/python (scripts/test creates it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${GHCACHE_PYTHON:-$root/.venv/bin/python}"
[ -x "$python" ] || { echo "no Python with py-libp2p at $python: set GHCACHE_PYTHON or run scripts/test" >&2; exit 1; }

swift_out=$(cd "$root/Benchmarks" && swift package --allow-writing-to-package-directory benchmark \
    --target P2PBenchmarks --filter "P2P connection setup Swift-Swift" --no-progress 2>&1)
swift_p50=$(printf '%s\n' "$swift_out" | awk -F'│' '/Time \(wall clock\) \(μs\)/ { gsub(/ /, "", $5); print $5; exit }')
[ -n "$swift_p50" ] || { printf '%s\n' "$swift_out" >&2; echo "could not read the Swift p50" >&2; exit 1; }

py_json=$("$python" "$here/py_connect_bench.py" --count 200 --seconds 60 2>/dev/null)
read -r py_samples py_p50 py_call_p50 < <("$python" -c '
import json, sys
d = json.loads(sys.argv[1])
print(d["samples"], round(d["established"]["p50_us"]), round(d["connect_call"]["p50_us"]))' "$py_json")

"$python" - "$swift_p50" "$py_p50" "$py_call_p50" "$py_samples" <<'PY'
import sys
swift, py, call, n = (float(v) for v in sys.argv[1:])
print(f"Swift-Swift connection setup p50: {swift:,.0f} us (200 samples)")
print(f"py-py connection established p50: {py:,.0f} us ({n:.0f} samples); connect() returns p50: {call:,.0f} us")
print(f"ratio py/Swift (established): {py / swift:.1f}x; (connect() call): {call / swift:.1f}x")
PY
