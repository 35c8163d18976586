#!/usr/bin/env bash
# Gossip one-hop latency and 10 KB throughput: Swift-Swift (P2PBenchmarks) and py-libp2p-py-libp2p
# (py_gossip_bench.py) in the same run, on 127.0.0.1. Usage: Benchmarks/scripts/gossip-bench.sh
# Python: $GHCACHE_PYTHON, else <repo>/.venv/bin/python.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${GHCACHE_PYTHON:-$root/.venv/bin/python}"
[ -x "$python" ] || { echo "no Python with py-libp2p: set GHCACHE_PYTHON or create $root/.venv" >&2; exit 1; }

echo "== py-libp2p 0.8.1 (two hosts, one process)"
"$python" "$here/py_gossip_bench.py"
echo "== Swift (two hosts, one process)"
cd "$root/Benchmarks"
swift package --disable-sandbox benchmark --target P2PBenchmarks --filter 'Gossip.*' --time-units microseconds
