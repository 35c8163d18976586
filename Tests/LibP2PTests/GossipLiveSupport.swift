import Foundation
import Synchronization
import Testing

@testable import LibP2P

/// Collects a subscription's messages in the background so tests can wait for them with a bound.
final class GossipInbox: Sendable {
    private final class Store: Sendable {
        let messages = Mutex<[PubsubMessage]>([])
    }

    private let store = Store()
    private let task: Task<Void, Never>

    init(_ stream: AsyncStream<PubsubMessage>) {
        let store = self.store
        task = Task {
            for await message in stream { store.messages.withLock { $0.append(message) } }
        }
    }

    deinit { task.cancel() }

    /// Messages received so far.
    var all: [PubsubMessage] { store.messages.withLock { $0 } }

    /// Waits until a message matching `match` arrived, at most `seconds`.
    func first(within seconds: Double = 15, where match: (PubsubMessage) -> Bool) async throws -> PubsubMessage {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if let found = all.first(where: match) { return found }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw GossipTestError("no matching gossip message within \(seconds) s; got \(all.map { $0.data.count })")
    }
}

/// A Swift gossip node on 127.0.0.1 for live tests.
struct GossipNode {
    let host: LibP2P.Host
    let gossip: GossipSub
    let address: Multiaddr

    static func start(parameters: GossipParameters = .init()) async throws -> GossipNode {
        let host = LibP2P.Host(identity: .generate())
        let gossip = GossipSub(host: host, parameters: parameters)
        await gossip.start()
        let address = try #require(try await host.listen(on: Multiaddr(parsing: "/ip4/127.0.0.1/tcp/0")).first)
        return GossipNode(host: host, gossip: gossip, address: address)
    }

    var peerID: PeerID { host.peerID }

    func shutdown() async {
        await gossip.stop()
        await host.shutdown()
    }
}

/// Polls `condition` until it holds, at most `seconds`.
func eventually(
    _ what: String, within seconds: Double = 15, _ condition: @Sendable () async -> Bool
) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw GossipTestError("timed out after \(seconds) s waiting for: \(what)")
}

/// The payload py's `--publish-size` sends: byte i is (i * 7 + 3) mod 256.
func gossipPattern(_ size: Int) -> [UInt8] {
    (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
}

struct GossipTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
