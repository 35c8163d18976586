import Foundation
import TestSupport
import Testing

@testable import LibP2P

/// Gossipsub against real py-libp2p 0.8.1 peers (`Tests/Python/p2p_peer.py`).
@Suite("gossipsub interop with py-libp2p", .serialized, .timeLimit(.minutes(3)))
struct GossipPyInteropTests {
    static let topic = "ghcache"

    /// py's "message" events from `sender` (py also reports its own publishes).
    static func pyMessages(_ py: PyPeerProcess, from sender: PeerID) -> [[String: Any]] {
        py.output.compactMap { line -> [String: Any]? in
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                object["event"] as? String == "message", object["from"] as? String == sender.description
            else { return nil }
            return object
        }
    }

    static func waitForPyMessage(
        _ py: PyPeerProcess, from sender: PeerID, data: [UInt8], within seconds: Double = 20
    ) async throws -> [String: Any] {
        let hex = GossipFixtures.hex(data)
        try await eventually("py receives \(data.count) bytes from \(sender)", within: seconds) {
            pyMessages(py, from: sender).contains { $0["data_hex"] as? String == hex }
        }
        return pyMessages(py, from: sender).first { $0["data_hex"] as? String == hex } ?? [:]
    }

    @Test("py dials Swift: signed messages both ways, incl. 300 KB")
    func bothWays() async throws {
        let node = try await GossipNode.start()
        defer { Task { await node.shutdown() } }
        let inbox = GossipInbox(await node.gossip.subscribe(Self.topic))
        let py = try PyPeerProcess([
            "--connect", node.address.description, "--linger", "--topic", Self.topic,
            "--publish", "hello from py", "--publish-size", "300000", "--delay", "1",
        ])
        defer { py.stop() }
        let pyPeer = try PeerID(
            parsing: try #require(try await py.address().split(separator: "/").last.map(String.init)))

        let small = try await inbox.first(within: 30) { $0.data == Array("hello from py".utf8) }
        #expect(small.from == pyPeer && small.topic == Self.topic)
        let big = try await inbox.first(within: 30) { $0.data.count == 300_000 }
        #expect(big.data == gossipPattern(300_000))
        #expect(await node.gossip.meshPeers(Self.topic) == [pyPeer])

        try await node.gossip.publish(topic: Self.topic, data: Array("hello from swift".utf8))
        let large = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try await node.gossip.publish(topic: Self.topic, data: large)
        let seen = try await Self.waitForPyMessage(py, from: node.peerID, data: Array("hello from swift".utf8))
        #expect(seen["signed"] as? Bool == true)
        #expect(seen["topics"] as? [String] == [Self.topic])
        _ = try await Self.waitForPyMessage(py, from: node.peerID, data: large)
        #expect(await node.gossip.counters.rejected.isEmpty)
    }

    @Test("a Swift–py–Swift line relays in both directions")
    func relayThroughPy() async throws {
        let py = try PyPeerProcess(["--linger", "--topic", Self.topic])
        defer { py.stop() }
        let pyAddress = try Multiaddr(parsing: try await py.address())
        let pyPeer = try #require(pyAddress.peerID)
        let a = try await GossipNode.start()
        let b = try await GossipNode.start()
        defer {
            Task {
                await a.shutdown()
                await b.shutdown()
            }
        }
        let inboxA = GossipInbox(await a.gossip.subscribe(Self.topic))
        let inboxB = GossipInbox(await b.gossip.subscribe(Self.topic))
        _ = try await a.host.dial(pyAddress)
        _ = try await b.host.dial(pyAddress)
        try await eventually("both Swift nodes meshed with py", within: 20) {
            let meshA = await a.gossip.meshPeers(Self.topic)
            let meshB = await b.gossip.meshPeers(Self.topic)
            return meshA.contains(pyPeer) && meshB.contains(pyPeer)
        }
        // py grafts event-driven, but give its side of the mesh a moment before publishing.
        try await Task.sleep(for: .milliseconds(500))
        try await a.gossip.publish(topic: Self.topic, data: Array("a to b".utf8))
        let atB = try await inboxB.first(within: 20) { $0.data == Array("a to b".utf8) }
        #expect(atB.from == a.peerID && atB.receivedFrom == pyPeer)
        try await b.gossip.publish(topic: Self.topic, data: Array("b to a".utf8))
        let atA = try await inboxA.first(within: 20) { $0.data == Array("b to a".utf8) }
        #expect(atA.from == b.peerID && atA.receivedFrom == pyPeer)
    }

    @Test("a py peer speaking only /meshsub/1.0.0")
    func meshsub10Only() async throws {
        let py = try PyPeerProcess([
            "--linger", "--topic", Self.topic, "--protocols", "/meshsub/1.0.0", "--publish", "from 1.0.0",
            "--delay", "2",
        ])
        defer { py.stop() }
        let pyAddress = try Multiaddr(parsing: try await py.address())
        let node = try await GossipNode.start()
        defer { Task { await node.shutdown() } }
        let inbox = GossipInbox(await node.gossip.subscribe(Self.topic))
        let pyPeer = try await node.host.dial(pyAddress)
        let received = try await inbox.first(within: 30) { $0.data == Array("from 1.0.0".utf8) }
        #expect(received.from == pyPeer)
        try await eventually("py in the mesh") { await node.gossip.meshPeers(Self.topic).contains(pyPeer) }
        try await node.gossip.publish(topic: Self.topic, data: Array("to 1.0.0".utf8))
        _ = try await Self.waitForPyMessage(py, from: node.peerID, data: Array("to 1.0.0".utf8))
    }
}
