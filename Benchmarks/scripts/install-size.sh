#!/usr/bin/env bash
# What the install costs on disk and at start: runs scripts/install into a temporary prefix (release,
# --static-swift-stdlib, stripped: README, Install), prints each program's size and the total, and times each
# program's `--version` with hyperfine (apt-get install -y hyperfine).
# Usage: Benchmarks/scripts/install-size.sh [RUNS] [--from BUILT_PRODUCTS_DIR]   (--from: no build, as scripts/install)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=100
if [[ ${1:-} =~ ^[0-9]+$ ]]; then runs=$1; shift; fi
command -v hyperfine >/dev/null || { echo "install-size.sh: install hyperfine (apt-get install -y hyperfine)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$root/scripts/install" --prefix "$work" "$@" >/dev/null
programs=(ghcache-get ghcache-get-full ghcache-stats ghcache-gc ghcache-peer)
echo "| program | stripped size |"
echo "|---|---|"
total=0
for program in "${programs[@]}"; do
    bytes=$(stat -c %s "$work/bin/$program")
    total=$((total + bytes))
    printf '| `%s` | %.1f MB |\n' "$program" "$(echo "$bytes / 1000000" | bc -l)"
done
printf '| all five | **%.1f MB** |\n\n' "$(echo "$total / 1000000" | bc -l)"
commands=()
for program in "${programs[@]}"; do commands+=("$work/bin/$program --version"); done
hyperfine -N --warmup 10 --runs "$runs" --export-markdown "$work/times.md" "${commands[@]}" >/dev/null
sed "s|$work/bin/||g" "$work/times.md"
