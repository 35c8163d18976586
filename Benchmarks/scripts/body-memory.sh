#!/usr/bin/env bash
# The daemon's memory under many large relayed request bodies at once (issue 25): N parallel POSTs of 24 MiB each
# through $CACHE_DIR/api.sock to a stand-in that answers after 2 s; prints the daemon's peak resident set (sampled
# every 0.1 s, and the kernel's VmHWM), what it still holds 3 s after the last answer, and the answers' statuses.
# Usage: BIN_DIR=.build/debug Benchmarks/scripts/body-memory.sh [N] [PEER_BINARY]
# (PEER_BINARY: another ghcache-peer to compare, e.g. one built from an older commit; the stand-in is BIN_DIR's.)
set -euo pipefail
count=${1:-100}
bin=${BIN_DIR:?set BIN_DIR to the directory of built binaries, e.g. .build/debug}
peer=${2:-$bin/ghcache-peer}
# shellcheck source=scratch.sh
source "$(dirname "$0")/scratch.sh"
"$bin/github-stand-in" --latency-ms 2000 >"$work/standin.out" 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do url=$(head -1 "$work/standin.out" 2>/dev/null || true); [ -n "$url" ] && break; sleep 0.1; done
CACHE_DIR=$work/cache CACHE_ENABLE_P2P=false GITHUB_API_URL=$url GITHUB_TOKEN=t HOME=$work "$peer" 2>"$work/peer.err" &
daemon=$!
pids+=($daemon)
for _ in $(seq 100); do [ -S "$work/cache/api.sock" ] && break; sleep 0.1; done
head -c $((24 << 20)) /dev/zero >"$work/body.bin"
(
    for _ in $(seq "$count"); do
        curl -q -s --unix-socket "$work/cache/api.sock" -X POST -H 'Expect:' -H 'Authorization: token t' \
            --data-binary @"$work/body.bin" -o /dev/null -w '%{http_code}\n' --max-time 120 \
            http://api.github.com/repos/octo/hello/issues &
    done
    wait
) >"$work/codes.txt" &
clients=$!
peak=0
while kill -0 "$clients" 2>/dev/null; do
    rss=$(awk '/VmRSS/{print $2}' "/proc/$daemon/status")
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss
    sleep 0.1
done
sleep 3
echo "peak RSS $((peak / 1024)) MiB, VmHWM $(($(awk '/VmHWM/{print $2}' "/proc/$daemon/status") / 1024)) MiB," \
    "3 s later $(($(awk '/VmRSS/{print $2}' "/proc/$daemon/status") / 1024)) MiB;" \
    "answers: $(sort "$work/codes.txt" | uniq -c | awk '{printf "%s x %s  ", $1, $2}')"
