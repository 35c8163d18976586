import Benchmark
import LibP2P

/// Connection setup between two Swift hosts on loopback: TCP connect, multistream-select,
/// Noise XX, multistream-select, yamux — until `dial` returns the authenticated peer.
/// Compared with py-libp2p by `Benchmarks/scripts/p2p-connect.sh` (see BENCHMARKS.md).
func connectionBenchmarks() {
    Benchmark(
        "P2P connection setup Swift-Swift",
        configuration: .init(metrics: [.wallClock], maxDuration: .seconds(20), maxIterations: 200)
    ) { benchmark in
        let listener = Host(identity: .generate())
        let dialer = Host(identity: .generate())
        do {
            guard let address = try await listener.listen(on: Multiaddr(parsing: "/ip4/127.0.0.1/tcp/0")).first else {
                fatalError("listener has no address")
            }
            benchmark.startMeasurement()
            _ = try await dialer.dial(address)
            benchmark.stopMeasurement()
        } catch {
            fatalError("connection setup failed: \(error)")
        }
        await dialer.shutdown()
        await listener.shutdown()
    }
}
