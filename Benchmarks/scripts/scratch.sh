# Sourced by the benchmark scripts: a scratch directory $work and the background processes in pids, both removed
# (killed and waited for) when the script exits.
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
