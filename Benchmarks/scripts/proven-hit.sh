#!/usr/bin/env bash
# A hit through the local endpoint for a token that has proven its access (CACHE_SHARING=verified) against the same
# hit in a baseline build that checked no access, in one run with hyperfine (apt-get install -y hyperfine curl):
#   - baseline: BASE_BIN's ghcache-peer (built before access-checked sharing), a hit for token B of a body token A
#     fetched;
#   - proven:   NEW_BIN's ghcache-peer, the same hit after B's one free proof (304);
#   - variant:  NEW_BIN, a hit for an admin token whose view of the repository (permissions) is kept as a variant.
# and the lean front (`ghcache-get api`, a process per hit) on the same stores: the baseline's hit, the new hit for a
# proven token, and the floor — a trivial Swift executable built the default way (Benchmarks/scripts/floor); target
# hit <= 1.5x floor.
# Each daemon has its own CACHE_DIR, P2P off, one stand-in (NEW_BIN's, with access rules) for both.
# Usage: Benchmarks/scripts/proven-hit.sh BASE_BIN NEW_BIN [RUNS]   (directories holding release builds)
set -euo pipefail
base=${1:?usage: proven-hit.sh BASE_BIN NEW_BIN [RUNS]}
new=${2:?usage: proven-hit.sh BASE_BIN NEW_BIN [RUNS]}
runs=${3:-300}
for tool in hyperfine curl; do
    command -v "$tool" >/dev/null || { echo "proven-hit.sh: install $tool (apt-get install -y $tool)" >&2; exit 1; }
done
# shellcheck source=scratch.sh
source "$(dirname "$0")/scratch.sh"
"$new/github-stand-in" --port 0 --rate-limit 1000000 >"$work/standin.out" 2>"$work/standin.err" &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/standin.out" ] && break; sleep 0.05; done
url=$(head -n 1 "$work/standin.out")
[ -n "$url" ] || { echo "proven-hit.sh: the stand-in did not start" >&2; exit 1; }
curl -sf -X POST -H 'Content-Type: application/json' "$url/_standin/access" -d '{"grants": [
    {"token": "token-a", "scope": "octo", "role": "read"}, {"token": "token-b", "scope": "octo", "role": "read"},
    {"token": "admin", "scope": "octo", "role": "admin"}]}' >/dev/null

start() { # NAME BIN: a daemon with its own cache directory, its socket at $work/NAME/api.sock
    mkdir -p "$work/$1"
    CACHE_DIR="$work/$1" GITHUB_API_URL="$url" CACHE_DEFAULT_TTL=1d CACHE_ENABLE_P2P=false CACHE_SHARING=verified \
        "$2/ghcache-peer" --log-level warning >"$work/$1.out" 2>"$work/$1.err" &
    pids+=($!)
    for _ in $(seq 200); do [ -S "$work/$1/api.sock" ] && break; sleep 0.05; done
    [ -S "$work/$1/api.sock" ] || { echo "proven-hit.sh: $1's ghcache-peer did not start" >&2; cat "$work/$1.err" >&2; exit 1; }
}
get() { # SOCKET TOKEN: one GET of the repository; prints X-GHCache
    curl -s -o /dev/null -D - --unix-socket "$1" -H "Authorization: token $2" http://api.github.com/repos/octo/hello \
        | tr -d '\r' | sed -n 's/^[Xx]-[Gg][Hh][Cc]ache: //p'
}
start baseline "$base"
start new "$new"
old_sock=$work/baseline/api.sock new_sock=$work/new/api.sock
echo "baseline: A $(get "$old_sock" token-a), B $(get "$old_sock" token-b)" >&2
echo "new: A $(get "$new_sock" token-a), B $(get "$new_sock" token-b), B $(get "$new_sock" token-b)," \
    "admin $(get "$new_sock" admin), admin $(get "$new_sock" admin), B $(get "$new_sock" token-b)" >&2

hit() { echo "curl -s -o /dev/null --unix-socket $1 -H 'Authorization: token $2' http://api.github.com/repos/octo/hello"; }
hyperfine -N --warmup 20 --runs "$runs" --export-json "$work/hits.json" \
    -n "baseline hit (no access check)" "$(hit "$old_sock" token-b)" \
    -n "proven hit (verified)" "$(hit "$new_sock" token-b)" \
    -n "variant hit (verified, admin's view)" "$(hit "$new_sock" admin)" >&2
here=$(cd "$(dirname "$0")" && pwd)
(cd "$here/floor" && swift build -c release --product floor >/dev/null)
floor=$(cd "$here/floor" && swift build -c release --show-bin-path)/floor
lean() { # NAME BIN TOKEN: the lean front's command line on NAME's store
    echo "env CACHE_DIR=$work/$1 GITHUB_API_URL=$url GITHUB_TOKEN=$3 $2/ghcache-get api /repos/octo/hello"
}
for side in "baseline $base" "new $new"; do
    set -- $side
    $(lean "$1" "$2" token-a) >/dev/null && $(lean "$1" "$2" token-b) >/dev/null
    $(lean "$1" "$2" token-b) --verbose 2>&1 >/dev/null | sed "s/^/$1 lean front: /" >&2
done
hyperfine -N --warmup 20 --runs "$runs" --export-json "$work/lean.json" \
    -n "floor" "$floor" \
    -n "baseline lean front hit" "$(lean baseline "$base" token-b)" \
    -n "lean front hit (verified, proven token)" "$(lean new "$new" token-b)" >&2
python3 - "$work/hits.json" "$url" "$work/lean.json" <<'PY'
import json, sys, urllib.request
print("| command | mean | ratio |")
print("|---|---|---|")
def table(path, base_name, others=()):
    results = {r["command"]: r for r in json.load(open(path))["results"]}
    for name, r in results.items():
        ratios = ", ".join(f'{r["mean"]/results[b]["mean"]:.2f}× {b}' for b in (base_name, *others) if b != name)
        print(f'| {name} | {r["mean"]*1000:.3f} ± {r["stddev"]*1000:.3f} ms (median {r["median"]*1000:.3f}) '
              f'| {ratios} |')
table(sys.argv[1], "baseline hit (no access check)")
table(sys.argv[3], "floor", ["baseline lean front hit"])
stats = json.load(urllib.request.urlopen(sys.argv[2] + "/_standin/stats"))
print()
print(f'stand-in: {stats["by_path"].get("/repos/octo/hello", {})} for /repos/octo/hello')
PY
