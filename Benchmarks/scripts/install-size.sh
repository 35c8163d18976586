#!/usr/bin/env bash
# What the install costs on disk and at start: runs scripts/install into a temporary prefix (release,
# --static-swift-stdlib, stripped: README, Install), prints each installed program's size (or what it links to) and
# the total, and times each program with hyperfine (apt-get install -y hyperfine): `--version`, `--help`, and one
# run on a store (ghcache-get and ghcache-get-full: a cache hit of `repos octo`, primed from github-stand-in on
# 127.0.0.1; ghcache-stats; ghcache-gc; ghcache-peer id).
# Usage: Benchmarks/scripts/install-size.sh [RUNS] [--from BUILT_PRODUCTS_DIR] [--before BUILT_PRODUCTS_DIR]
#   --from DIR     no build: install the programs built in DIR, as scripts/install --from
#   --before DIR   also measure the five programs of another build in DIR, each installed as a stripped file of its
#                  own (the install before the multi-call ghcache-get-full), in the same run, command by command
# github-stand-in comes from the --from directory when it is there, else from a debug build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=100
if [[ ${1:-} =~ ^[0-9]+$ ]]; then runs=$1; shift; fi
from=""
before=""
while [ $# -gt 0 ]; do
    case "$1" in
    --from) [ $# -ge 2 ] || { echo "install-size.sh: --from needs a directory" >&2; exit 2; }; from=$2; shift 2 ;;
    --before) [ $# -ge 2 ] || { echo "install-size.sh: --before needs a directory" >&2; exit 2; }; before=$2; shift 2 ;;
    *) echo "usage: install-size.sh [RUNS] [--from DIR] [--before DIR]" >&2; exit 2 ;;
    esac
done
command -v hyperfine >/dev/null || { echo "install-size.sh: install hyperfine (apt-get install -y hyperfine)" >&2; exit 1; }
programs=(ghcache-get ghcache-get-full ghcache-stats ghcache-gc ghcache-peer)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$root/scripts/install" --prefix "$work/after" ${from:+--from "$from"} >/dev/null
layouts=(after)
if [ -n "$before" ]; then
    mkdir -p "$work/before/bin"
    for program in "${programs[@]}"; do install -s -m 0755 "$before/$program" "$work/before/bin/"; done
    layouts=(before after)
fi

for layout in "${layouts[@]}"; do
    echo "$layout:"
    echo
    echo "| program | stripped size |"
    echo "|---|---|"
    total=0
    for program in "${programs[@]}"; do
        path=$work/$layout/bin/$program
        if [ -L "$path" ]; then
            printf '| `%s` | link to `%s` |\n' "$program" "$(readlink "$path")"
        else
            bytes=$(stat -c %s "$path")
            total=$((total + bytes))
            printf '| `%s` | %.1f MB |\n' "$program" "$(echo "$bytes / 1000000" | bc -l)"
        fi
    done
    printf '| all five | **%.1f MB** (%d bytes) |\n\n' "$(echo "$total / 1000000" | bc -l)" "$total"
done

standin=$from/github-stand-in
if [ -z "$from" ] || [ ! -x "$standin" ]; then
    (cd "$root" && swift build --product github-stand-in >/dev/null)
    standin=$(cd "$root" && swift build --show-bin-path)/github-stand-in
fi
"$standin" --port 0 >"$work/standin.out" 2>"$work/standin.err" &
standin_pid=$!
trap 'kill $standin_pid 2>/dev/null || true; wait $standin_pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/standin.out" ] && break; sleep 0.05; done
url=$(head -n 1 "$work/standin.out")
[ -n "$url" ] || { echo "install-size.sh: the stand-in did not start" >&2; cat "$work/standin.err" >&2; exit 1; }
export CACHE_DIR="$work/cache" GITHUB_API_URL="$url" GITHUB_TOKEN=bench-token CACHE_DEFAULT_TTL=1d
"$work/after/bin/ghcache-get" repos octo >/dev/null # prime the store: the runs below are hits
GHCACHE_GET_FULL=/nonexistent "$work/after/bin/ghcache-get" repos octo >/dev/null ||
    { echo "install-size.sh: the front did not answer the hit itself" >&2; exit 1; }

# Each command of both layouts one after the other, so that a change in the machine's load hits both alike.
commands=()
for program in "${programs[@]}"; do
    case $program in
    ghcache-get | ghcache-get-full) work_arguments="repos octo" ;;
    ghcache-peer) work_arguments="id" ;;
    *) work_arguments="" ;;
    esac
    for arguments in --version --help "$work_arguments"; do
        for layout in "${layouts[@]}"; do commands+=(-n "$layout: $program $arguments" "$work/$layout/bin/$program $arguments"); done
    done
done
hyperfine -N --warmup 10 --runs "$runs" --export-json "$work/times.json" "${commands[@]}" >/dev/null
python3 - "$work/times.json" "${layouts[@]}" <<'EOF'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
layouts = sys.argv[2:]
print("| command | " + " | ".join(f"{l} mean ± σ | {l} min" for l in layouts) + " |")
print("|---|" + "---|---|" * len(layouts))
names = dict.fromkeys(name.split(": ", 1)[1] for name in results)
for name in names:
    cells = []
    for layout in layouts:
        r = results[f"{layout}: {name}"]
        cells += [f"{r['mean'] * 1000:.1f} ± {r['stddev'] * 1000:.1f} ms", f"{r['min'] * 1000:.1f} ms"]
    print(f"| `{name.strip()}` | " + " | ".join(cells) + " |")
EOF
