import Benchmark

/// libp2p benchmarks: connection setup (transport) and gossip latency/throughput.
let benchmarks: @Sendable () -> Void = {
    connectionBenchmarks()
    gossipBenchmarks()
}
