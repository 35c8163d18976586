import Benchmark
import LibP2P
import Synchronization

/// Two Swift gossip nodes on loopback, meshed on one topic; B's subscription is read by the benchmarks.
private final class GossipPair: Sendable {
    let a: Host
    let b: Host
    let gossipA: GossipSub
    let gossipB: GossipSub
    let messages: AsyncStream<PubsubMessage>

    init() async throws {
        a = Host(identity: .generate())
        b = Host(identity: .generate())
        gossipA = GossipSub(host: a)
        gossipB = GossipSub(host: b)
        await gossipA.start()
        await gossipB.start()
        messages = await gossipB.subscribe("bench")
        guard let address = try await b.listen(on: Multiaddr(parsing: "/ip4/127.0.0.1/tcp/0")).first else {
            fatalError("no listen address")
        }
        _ = try await a.dial(address)
        let deadline = ContinuousClock.now + .seconds(10)
        while await !gossipA.peers(subscribedTo: "bench").contains(b.peerID) {
            guard ContinuousClock.now < deadline else { fatalError("gossip peers did not meet") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Publishes `count` messages of `size` bytes from A and waits until B received them all.
    func roundTrip(count: Int, size: Int) async throws {
        let payload = [UInt8](repeating: 0x5a, count: size)
        for _ in 0..<count { try await gossipA.publish(topic: "bench", data: payload) }
        var received = 0
        for await _ in messages {
            received += 1
            if received == count { return }
        }
        fatalError("subscription ended")
    }

    func shutdown() async {
        await gossipA.stop()
        await gossipB.stop()
        await a.shutdown()
        await b.shutdown()
    }
}

private let pair = Mutex<GossipPair?>(nil)

/// One-hop gossip latency and 10 KB message throughput between two Swift hosts
/// (compared with two py-libp2p hosts by `Benchmarks/scripts/gossip-bench.sh`, see
/// BENCHMARKS.md).
func gossipBenchmarks() {
    let setup: @Sendable () async throws -> Void = {
        let created = try await GossipPair()
        pair.withLock { $0 = created }
    }
    let teardown: @Sendable () async throws -> Void = {
        let current = pair.withLock { p in
            defer { p = nil }
            return p
        }
        await current?.shutdown()
    }
    Benchmark(
        "Gossip one-hop latency Swift-Swift (1 KB)",
        configuration: .init(metrics: [.wallClock], maxDuration: .seconds(10), maxIterations: 2000),
        closure: { _ in
            guard let current = pair.withLock({ $0 }) else { fatalError("no gossip pair") }
            try await current.roundTrip(count: 1, size: 1024)
        }, setup: setup, teardown: teardown)
    Benchmark(
        "Gossip throughput Swift-Swift (100 x 10 KB)",
        configuration: .init(metrics: [.wallClock], maxDuration: .seconds(10), maxIterations: 200),
        closure: { _ in
            guard let current = pair.withLock({ $0 }) else { fatalError("no gossip pair") }
            try await current.roundTrip(count: 100, size: 10 * 1024)
        }, setup: setup, teardown: teardown)
}
