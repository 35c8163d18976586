import Benchmark

// Placeholder: filled in by the issue that owns these benchmarks.
let benchmarks: @Sendable () -> Void = {
    gossipBenchmarks()
}
