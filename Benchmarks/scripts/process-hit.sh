#!/usr/bin/env bash
# Whole-process benchmarks of ghcache-get with hyperfine (apt-get install -y hyperfine):
#   1. cache hit:  `ghcache-get repos octo` on a primed store  vs  a trivial Swift executable built the
#                  same way (release, same toolchain) — the floor; target: hit ≤ 1.5 × floor,
#                  `ghcache-get --version` ≤ 1.3 × floor. Also the floor with Foundation, the same hit answered
#                  by `ghcache-get-full` (the whole program, as every hit was before the lean front), and the
#                  hit of stripped copies of both (`install -s`).
#   2. miss:       `ghcache-get repos octo --no-cache` (the front hands over to ghcache-get-full: full request +
#                  store write)  vs  `curl` of the same URL from the stand-in, and `ghcache-get-full` called directly.
# Everything runs on 127.0.0.1 against github-stand-in. Prints a Markdown table of means and ratios.
# Usage: Benchmarks/scripts/process-hit.sh [RUNS]   (from anywhere; builds what it needs in .build-release)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${1:-200}
command -v hyperfine >/dev/null || { echo "process-hit.sh: install hyperfine (apt-get install -y hyperfine)" >&2; exit 1; }

echo "building release binaries..." >&2
for product in ghcache-get ghcache-get-full ghcache-stats github-stand-in; do
    (cd "$root" && swift build -c release --scratch-path .build-release --product "$product" >/dev/null)
done
bin=$(cd "$root" && swift build -c release --scratch-path .build-release --show-bin-path)
(cd "$here/floor" && swift build -c release >/dev/null)
floorbin=$(cd "$here/floor" && swift build -c release --show-bin-path)

work=$(mktemp -d)
"$bin/github-stand-in" --port 0 --rate-limit 1000000 >"$work/standin.out" 2>"$work/standin.err" &
standin=$!
trap 'kill $standin 2>/dev/null || true; wait $standin 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/standin.out" ] && break; sleep 0.05; done
url=$(head -n 1 "$work/standin.out")
[ -n "$url" ] || { echo "process-hit.sh: the stand-in did not start" >&2; cat "$work/standin.err" >&2; exit 1; }

export CACHE_DIR="$work/cache" GITHUB_API_URL="$url" GITHUB_TOKEN=bench-token CACHE_DEFAULT_TTL=1d
"$bin/ghcache-get" repos octo >/dev/null   # prime the store
stripped="$work/stripped"
mkdir -p "$stripped"
for b in ghcache-get ghcache-get-full; do install -s -m 0755 "$bin/$b" "$stripped/$b"; done
ls -l "$bin/ghcache-get" "$bin/ghcache-get-full" "$stripped/ghcache-get" "$stripped/ghcache-get-full" >&2
# The hit must be answered by the front alone: with the full program out of reach, a hand-off would fail.
GHCACHE_GET_FULL=/nonexistent "$bin/ghcache-get" repos octo >/dev/null || { echo "process-hit.sh: the hit was handed off" >&2; exit 1; }

hyperfine -N --warmup 20 --runs "$runs" --export-json "$work/hit.json" \
    -n floor "$floorbin/floor" \
    -n floor-foundation "$floorbin/floor-foundation" \
    -n "ghcache-get --version" "$bin/ghcache-get --version" \
    -n "ghcache-get hit" "$bin/ghcache-get repos octo" \
    -n "ghcache-get hit, stripped" "$stripped/ghcache-get repos octo" \
    -n "ghcache-get-full --version" "$bin/ghcache-get-full --version" \
    -n "ghcache-get-full hit" "$bin/ghcache-get-full repos octo" \
    -n "ghcache-get-full hit, stripped" "$stripped/ghcache-get-full repos octo" >&2
hyperfine -N --warmup 10 --runs "$runs" --export-json "$work/miss.json" \
    -n curl "curl -s -H 'Authorization: token bench-token' $url/users/octo/repos" \
    -n "ghcache-get miss" "$bin/ghcache-get repos octo --no-cache" \
    -n "ghcache-get-full miss" "$bin/ghcache-get-full repos octo --no-cache" >&2

python3 - "$work/hit.json" "$work/miss.json" <<'PY'
import json, sys
def load(path):
    return {r["command"]: r for r in json.load(open(path))["results"]}
hit, miss = load(sys.argv[1]), load(sys.argv[2])
def ms(r): return f'{r["mean"]*1000:.2f} ± {r["stddev"]*1000:.2f} ms (median {r["median"]*1000:.2f})'
print("| command | mean | ratio |")
print("|---|---|---|")
for name, base in [("floor", None), ("floor-foundation", None), ("ghcache-get --version", "floor"),
                   ("ghcache-get hit", "floor"), ("ghcache-get hit, stripped", "floor"),
                   ("ghcache-get-full --version", "floor"), ("ghcache-get-full hit", "floor"),
                   ("ghcache-get-full hit, stripped", "floor")]:
    ratio = "" if base is None else f'{hit[name]["mean"]/hit[base]["mean"]:.2f}× floor, {hit[name]["mean"]/hit["floor-foundation"]["mean"]:.2f}× floor-foundation'
    print(f"| {name} | {ms(hit[name])} | {ratio} |")
print(f'| curl | {ms(miss["curl"])} | |')
for name in ["ghcache-get miss", "ghcache-get-full miss"]:
    print(f'| {name} | {ms(miss[name])} | {miss[name]["mean"]/miss["curl"]["mean"]:.2f}× curl |')
PY
