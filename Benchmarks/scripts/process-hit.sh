#!/usr/bin/env bash
# Whole-process benchmarks of ghcache-get with hyperfine (apt-get install -y hyperfine):
#   1. cache hit:  `ghcache-get repos octo` on a primed store  vs  a trivial Swift executable built the
#                  default way (`swift build -c release`, same toolchain) — the floor; target: hit ≤ 1.5 × floor,
#                  `ghcache-get --version` ≤ 1.3 × floor. Also: the floor linked like ghcache's install
#                  (--static-swift-stdlib: floor-static) and like ghcache-get itself (-static-executable, which
#                  Package.swift sets for it: floor-static-executable), the floor with Foundation, the hit of a
#                  stripped copy (`install -s`), and the baseline: the same sources built the default way (without
#                  --static-swift-stdlib), whose `ghcache-get-full` is the program every hit and miss ran before the
#                  lean front.
#   2. miss:       `ghcache-get repos octo --no-cache` (the front hands over to ghcache-get-full: full request +
#                  store write)  vs  `curl` of the same URL from the stand-in, and the baseline's miss.
# Everything runs on 127.0.0.1 against github-stand-in. Prints a Markdown table of means and ratios.
# Usage: Benchmarks/scripts/process-hit.sh [RUNS]   (from anywhere; builds what it needs in .build-release-static
#        and .build-release)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${1:-200}
command -v hyperfine >/dev/null || { echo "process-hit.sh: install hyperfine (apt-get install -y hyperfine)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "building release binaries (the install's, then the baseline's)..." >&2
# The install's build (README): the Swift runtime and Foundation linked statically. The baseline: the same sources
# built the default way, whose ghcache-get-full is the program every hit and miss ran before the lean front.
static=(--scratch-path .build-release-static --static-swift-stdlib)
dynamic=(--scratch-path .build-release)
for product in ghcache-get ghcache-get-full github-stand-in; do
    (cd "$root" && swift build -c release "${static[@]}" --product "$product" >/dev/null)
done
# (Only the baseline's full program: its ghcache-get is a static executable like the install's, Package.swift.)
(cd "$root" && swift build -c release "${dynamic[@]}" --product ghcache-get-full >/dev/null)
bin=$(cd "$root" && swift build -c release "${static[@]}" --show-bin-path)
baseline=$(cd "$root" && swift build -c release "${dynamic[@]}" --show-bin-path)
(cd "$here/floor" && swift build -c release >/dev/null)
floorbin=$(cd "$here/floor" && swift build -c release --show-bin-path)
(cd "$here/floor" && swift build -c release --scratch-path .build-static --static-swift-stdlib --product floor >/dev/null)
floorstatic=$(cd "$here/floor" && swift build -c release --scratch-path .build-static --show-bin-path)/floor
staticexe=(--scratch-path .build-static-executable -Xswiftc -static-executable)
(cd "$here/floor" && swift build -c release "${staticexe[@]}" --product floor >/dev/null)
floorstaticexe=$(cd "$here/floor" && swift build -c release "${staticexe[@]}" --show-bin-path)/floor

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
ls -l "$bin/ghcache-get" "$bin/ghcache-get-full" "$stripped/ghcache-get" "$stripped/ghcache-get-full" \
    "$baseline/ghcache-get-full" >&2
# The hit must be answered by the front alone: with the full program out of reach, a hand-off would fail.
GHCACHE_GET_FULL=/nonexistent "$bin/ghcache-get" repos octo >/dev/null || { echo "process-hit.sh: the hit was handed off" >&2; exit 1; }

hyperfine -N --warmup 20 --runs "$runs" --export-json "$work/hit.json" \
    -n floor "$floorbin/floor" \
    -n floor-static "$floorstatic" \
    -n floor-static-executable "$floorstaticexe" \
    -n floor-foundation "$floorbin/floor-foundation" \
    -n "ghcache-get --version" "$bin/ghcache-get --version" \
    -n "ghcache-get hit" "$bin/ghcache-get repos octo" \
    -n "ghcache-get hit, stripped" "$stripped/ghcache-get repos octo" \
    -n "ghcache-get-full --version" "$bin/ghcache-get-full --version" \
    -n "baseline ghcache-get-full --version" "$baseline/ghcache-get-full --version" \
    -n "baseline ghcache-get-full hit" "$baseline/ghcache-get-full repos octo" >&2
hyperfine -N --warmup 10 --runs "$runs" --export-json "$work/miss.json" \
    -n curl "curl -s -H 'Authorization: token bench-token' $url/users/octo/repos" \
    -n "ghcache-get miss" "$bin/ghcache-get repos octo --no-cache" \
    -n "baseline ghcache-get-full miss" "$baseline/ghcache-get-full repos octo --no-cache" >&2

python3 - "$work/hit.json" "$work/miss.json" <<'PY'
import json, sys
def load(path):
    return {r["command"]: r for r in json.load(open(path))["results"]}
hit, miss = load(sys.argv[1]), load(sys.argv[2])
def ms(r): return f'{r["mean"]*1000:.2f} ± {r["stddev"]*1000:.2f} ms (median {r["median"]*1000:.2f})'
print("| command | mean | ratio |")
print("|---|---|---|")
floors = ["floor", "floor-static", "floor-static-executable"]
for name in floors + ["floor-foundation", "ghcache-get --version", "ghcache-get hit",
             "ghcache-get hit, stripped", "ghcache-get-full --version",
             "baseline ghcache-get-full --version", "baseline ghcache-get-full hit"]:
    ratio = ", ".join(f'{hit[name]["mean"]/hit[f]["mean"]:.2f}× {f}' for f in floors if f != name)
    print(f"| {name} | {ms(hit[name])} | {ratio} |")
print(f'| curl | {ms(miss["curl"])} | |')
for name in ["ghcache-get miss", "baseline ghcache-get-full miss"]:
    print(f'| {name} | {ms(miss[name])} | {miss[name]["mean"]/miss["curl"]["mean"]:.2f}× curl |')
PY
