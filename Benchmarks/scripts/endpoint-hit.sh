#!/usr/bin/env bash
# The local endpoint (ghcache-peer's $CACHE_DIR/api.sock and CACHE_HTTP_LISTEN) with hyperfine
# (apt-get install -y hyperfine gh curl), in one run:
#   1. a cache hit through the socket (and through TCP) with curl  vs  curl's direct round trip to the
#      stand-in (127.0.0.1, no latency: the cheapest possible upstream, so this is the endpoint's overhead);
#   2. `gh api` hits through ghcache (gh config http_unix_socket)  vs  `gh api --cache 1h` (gh's own disk
#      cache, no request at all after the first).
# Everything runs on 127.0.0.1 against github-stand-in; gh gets its own config and cache directories.
# Usage: Benchmarks/scripts/endpoint-hit.sh [RUNS]   (CONFIG=debug builds debug; BIN_DIR=DIR uses built binaries)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${1:-200}
config=${CONFIG:-release}
for tool in hyperfine gh curl; do
    command -v "$tool" >/dev/null || { echo "endpoint-hit.sh: install $tool (apt-get install -y $tool)" >&2; exit 1; }
done

if [ -n "${BIN_DIR:-}" ]; then
    bin=$BIN_DIR   # binaries built already (e.g. BIN_DIR=.build/debug)
else
    echo "building $config binaries..." >&2
    (cd "$root" && swift build -c "$config" --product ghcache-peer >/dev/null && swift build -c "$config" --product github-stand-in >/dev/null)
    bin=$(cd "$root" && swift build -c "$config" --show-bin-path)
fi

# shellcheck source=scratch.sh
source "$(dirname "$0")/scratch.sh"
"$bin/github-stand-in" --port 0 --rate-limit 1000000 >"$work/standin.out" 2>"$work/standin.err" &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/standin.out" ] && break; sleep 0.05; done
url=$(head -n 1 "$work/standin.out")
[ -n "$url" ] || { echo "endpoint-hit.sh: the stand-in did not start" >&2; cat "$work/standin.err" >&2; exit 1; }

export CACHE_DIR="$work/cache" GITHUB_API_URL="$url" CACHE_DEFAULT_TTL=1d CACHE_ENABLE_P2P=false \
    CACHE_HTTP_LISTEN=127.0.0.1:0
"$bin/ghcache-peer" --log-level warning >"$work/peer.out" 2>"$work/peer.err" &
pids+=($!)
origin=""
for _ in $(seq 200); do
    origin=$(grep -o 'serving the GitHub API on http://[0-9.:]*' "$work/peer.err" | sed 's/.* on //' || true)
    [ -n "$origin" ] && [ -S "$CACHE_DIR/api.sock" ] && break
    sleep 0.05
done
[ -n "$origin" ] || { echo "endpoint-hit.sh: ghcache-peer did not start" >&2; cat "$work/peer.err" >&2; exit 1; }
sock="$CACHE_DIR/api.sock"
auth='Authorization: token bench-token'
curl -s -o /dev/null --unix-socket "$sock" -H "$auth" http://api.github.com/repos/octo/hello   # prime

hyperfine -N --warmup 20 --runs "$runs" --export-json "$work/curl.json" \
    -n "curl direct to the stand-in" "curl -s -o /dev/null -H '$auth' $url/repos/octo/hello" \
    -n "curl hit through api.sock" "curl -s -o /dev/null --unix-socket $sock -H '$auth' http://api.github.com/repos/octo/hello" \
    -n "curl hit through TCP" "curl -s -o /dev/null -H '$auth' $origin/repos/octo/hello" >&2

export GH_CONFIG_DIR="$work/gh" GH_TOKEN=bench-token GH_NO_UPDATE_NOTIFIER=1 GH_PROMPT_DISABLED=1 TMPDIR="$work/tmp"
mkdir -p "$GH_CONFIG_DIR" "$TMPDIR"
gh config set http_unix_socket "$sock"
hyperfine -N --warmup 10 --runs "$runs" --export-json "$work/gh.json" \
    -n "gh api --cache 1h (gh's own cache)" "gh api --cache 1h repos/octo/hello" \
    -n "gh api, hit through ghcache" "gh api repos/octo/hello" >&2

python3 - "$work/curl.json" "$work/gh.json" "$url" <<'PY'
import json, sys, urllib.request
def load(path):
    return {r["command"]: r for r in json.load(open(path))["results"]}
curl, gh = load(sys.argv[1]), load(sys.argv[2])
def ms(r): return f'{r["mean"]*1000:.2f} ± {r["stddev"]*1000:.2f} ms (median {r["median"]*1000:.2f})'
print("| command | mean | ratio |")
print("|---|---|---|")
base = curl["curl direct to the stand-in"]["mean"]
for name, r in curl.items():
    print(f"| {name} | {ms(r)} | {r['mean']/base:.2f}× direct |")
base = gh["gh api --cache 1h (gh's own cache)"]["mean"]
for name, r in gh.items():
    print(f"| {name} | {ms(r)} | {r['mean']/base:.2f}× gh --cache |")
stats = json.load(urllib.request.urlopen(sys.argv[3] + "/_standin/stats"))
print()
print(f'stand-in: {stats["by_path"].get("/repos/octo/hello", {})} for /repos/octo/hello '
      '(the direct curl runs, plus ghcache\'s fills: one per Accept header, curl\'s and gh\'s)')
PY
