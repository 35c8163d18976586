import Foundation
import Testing

@testable import LibP2P

/// Gossipsub between Swift hosts over real TCP/Noise/yamux on 127.0.0.1.
@Suite("gossipsub live (Swift ↔ Swift)", .serialized, .timeLimit(.minutes(2)))
struct GossipLiveTests {
    @Test("two hosts form a mesh and exchange messages both ways, incl. 300 KB")
    func twoHosts() async throws {
        let a = try await GossipNode.start()
        let b = try await GossipNode.start()
        defer {
            Task {
                await a.shutdown()
                await b.shutdown()
            }
        }
        let inboxA = GossipInbox(await a.gossip.subscribe("t"))
        let inboxB = GossipInbox(await b.gossip.subscribe("t"))
        _ = try await b.host.dial(a.address)
        try await eventually("mesh formed") {
            let meshA = await a.gossip.meshPeers("t")
            let meshB = await b.gossip.meshPeers("t")
            return meshA == [b.peerID] && meshB == [a.peerID]
        }
        try await a.gossip.publish(topic: "t", data: Array("hello b".utf8))
        let big = gossipPattern(300_000)
        try await b.gossip.publish(topic: "t", data: big)
        let atB = try await inboxB.first { $0.data == Array("hello b".utf8) }
        #expect(atB.from == a.peerID && atB.receivedFrom == a.peerID && atB.topic == "t")
        let atA = try await inboxA.first { $0.data.count == big.count }
        #expect(atA.data == big)
        #expect(await a.gossip.counters.published == 1)
        #expect(await a.gossip.counters.delivered == 1)
        #expect(inboxA.all.count == 1 && inboxB.all.count == 1)  // own publishes are not delivered
    }

    @Test("a line A–B–C relays first-seen messages; B's validator rejects are not forwarded")
    func relayWithValidator() async throws {
        let a = try await GossipNode.start()
        let b = try await GossipNode.start()
        let c = try await GossipNode.start()
        defer {
            Task {
                await a.shutdown()
                await b.shutdown()
                await c.shutdown()
            }
        }
        let inboxA = GossipInbox(await a.gossip.subscribe("t"))
        let inboxB = GossipInbox(await b.gossip.subscribe("t"))
        let inboxC = GossipInbox(await c.gossip.subscribe("t"))
        await b.gossip.setValidator(topic: "t") { message in message.data == Array("bad".utf8) ? .reject : .accept }
        _ = try await a.host.dial(b.address)
        _ = try await c.host.dial(b.address)
        try await eventually("B meshed with A and C") { await b.gossip.meshPeers("t") == [a.peerID, c.peerID] }
        try await a.gossip.publish(topic: "t", data: Array("bad".utf8))
        try await a.gossip.publish(topic: "t", data: Array("good".utf8))
        let relayed = try await inboxC.first { $0.data == Array("good".utf8) }
        #expect(relayed.from == a.peerID)
        #expect(relayed.receivedFrom == b.peerID)
        #expect(!inboxC.all.contains { $0.data == Array("bad".utf8) })
        #expect(!inboxB.all.contains { $0.data == Array("bad".utf8) })
        #expect(await b.gossip.counters.rejected[.validator] == 1)
        #expect(await b.gossip.counters.forwarded == 1)
        #expect(inboxA.all.isEmpty)
    }

    @Test("garbage, mutated and oversized RPCs on a real stream are counted and never break the node")
    func hostileStream() async throws {
        let a = try await GossipNode.start()
        let b = try await GossipNode.start()
        defer {
            Task {
                await a.shutdown()
                await b.shutdown()
            }
        }
        let inboxA = GossipInbox(await a.gossip.subscribe("t"))
        _ = try await b.host.dial(a.address)
        // B's host talks to A's gossipsub directly, bypassing B's router.
        let raw = try await b.host.newStream(to: a.peerID, protocols: ["/meshsub/1.1.0"])
        var random = SplitMix64(seed: 3)
        let valid = GossipRPC(subscriptions: [.init(subscribe: true, topic: "t")]).encoded()
        for _ in 0..<200 {
            var bytes = valid
            bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            try await raw.writeLengthPrefixed(bytes)
            try await raw.writeLengthPrefixed((0..<16).map { _ in UInt8.random(in: 0...255, using: &random) })
        }
        try await raw.write(Varint.encode(2 << 20))  // announces a 2 MiB RPC: the stream is reset
        try await eventually("oversized RPC counted") { await a.gossip.counters.rejected[.oversizedRPC] == 1 }
        #expect((await a.gossip.counters.rejected[.malformedRPC] ?? 0) > 0)
        // The node still works: B's own router reaches A over B's regular stream.
        let inboxB = GossipInbox(await b.gossip.subscribe("t"))
        try await eventually("mesh formed") { await b.gossip.meshPeers("t") == [a.peerID] }
        try await b.gossip.publish(topic: "t", data: Array("still alive".utf8))
        _ = try await inboxA.first { $0.data == Array("still alive".utf8) }
        #expect(inboxB.all.isEmpty)
    }
}
