import Foundation
import Testing

@testable import LibP2P

/// Helpers for driving routers in memory.
private struct RouterFixture {
    let identity = Identity.generate()
    var router: GossipRouter
    let start = ContinuousClock.now

    init(parameters: GossipParameters = .init()) {
        router = GossipRouter(localPeer: identity.peerID, parameters: parameters, firstSeqno: 1, seed: 7)
    }

    static func peers(_ count: Int) -> [PeerID] { (0..<count).map { _ in Identity.generate().peerID } }

    func at(_ seconds: Double) -> ContinuousClock.Instant { start + .milliseconds(Int64(seconds * 1000)) }

    /// Connects `peers` and has each announce a subscription to `topic`.
    mutating func connect(_ peers: [PeerID], subscribedTo topic: String, at seconds: Double = 0) -> GossipRouter.Output
    {
        var all = GossipRouter.Output()
        for peer in peers {
            _ = router.addPeer(peer)
            let out = router.handle(
                GossipRPC(subscriptions: [.init(subscribe: true, topic: topic)]), from: peer, now: at(seconds))
            all.rpcs += out.rpcs
        }
        return all
    }
}

private func grafts(_ output: GossipRouter.Output) -> [PeerID] {
    output.rpcs.filter { !$0.rpc.control.graft.isEmpty }.map(\.peer)
}

private func prunes(_ output: GossipRouter.Output) -> [(PeerID, GossipRPC.Prune)] {
    output.rpcs.flatMap { item in item.rpc.control.prune.map { (item.peer, $0) } }
}

private func signedRPC(by origin: Identity, data: String, seqno: UInt64, topic: String = "t") throws -> GossipRPC {
    GossipRPC(messages: [try WireMessage.signed(by: origin, data: Array(data.utf8), seqno: seqno, topic: topic)])
}

@Suite struct GossipRouterMeshTests {
    @Test func helloCarriesSubscriptions() {
        var f = RouterFixture()
        _ = f.router.subscribe("t", now: f.at(0))
        let peer = RouterFixture.peers(1)[0]
        let out = f.router.addPeer(peer)
        #expect(out.rpcs.count == 1)
        #expect(out.rpcs.first?.rpc.subscriptions == [.init(subscribe: true, topic: "t")])
        #expect(
            out.rpcs.first?.rpc.encoded() == GossipRPC(subscriptions: [.init(subscribe: true, topic: "t")]).encoded())
    }

    @Test func subscribeGraftsDPeersAndHeartbeatKeepsBounds() {
        var f = RouterFixture()
        let peers = RouterFixture.peers(20)
        _ = f.connect(peers, subscribedTo: "t")
        let out = f.router.subscribe("t", now: f.at(0))
        #expect(Set(grafts(out)).count == 6)
        #expect(f.router.meshPeers("t").count == 6)
        // 10 more peers graft us: the mesh grows past D_hi, the heartbeat prunes back to D.
        let others = peers.filter { !f.router.meshPeers("t").contains($0) }.prefix(10)
        for peer in others { _ = f.router.handle(GossipRPC(control: .init(graft: ["t"])), from: peer, now: f.at(0.5)) }
        #expect(f.router.meshPeers("t").count == 16)
        let beat = f.router.heartbeat(now: f.at(1))
        #expect(f.router.meshPeers("t").count == 6)
        let pruned = prunes(beat)
        #expect(pruned.count == 10)
        #expect(pruned.allSatisfy { $0.1.backoff == 60 && $0.1.topic == "t" })
        #expect(pruned.allSatisfy { f.router.isBackedOff($0.0, topic: "t", now: f.at(2)) })
    }

    @Test func heartbeatFillsMeshBelowDLow() throws {
        var f = RouterFixture()
        _ = f.router.subscribe("t", now: f.at(0))
        // Subscriptions arriving while the mesh is below D_lo are grafted at once (like py).
        let first = RouterFixture.peers(5)
        let out = f.connect(first, subscribedTo: "t")
        #expect(Set(grafts(out)).count == 4)
        #expect(f.router.meshPeers("t").count == 4)
        // The heartbeat does not touch a mesh at D_lo, but fills one below it back up to D.
        _ = f.connect(RouterFixture.peers(6), subscribedTo: "t")
        _ = f.router.heartbeat(now: f.at(1))
        #expect(f.router.meshPeers("t").count == 4)
        f.router.removePeer(try #require(f.router.meshPeers("t").first))
        let beat = f.router.heartbeat(now: f.at(2))
        #expect(Set(grafts(beat)).count == 3)
        #expect(f.router.meshPeers("t").count == 6)
    }

    @Test func configurableDegrees() {
        var parameters = GossipParameters()
        parameters.d = 3
        parameters.dLow = 2
        parameters.dHigh = 4
        var f = RouterFixture(parameters: parameters)
        _ = f.connect(RouterFixture.peers(10), subscribedTo: "t")
        _ = f.router.subscribe("t", now: f.at(0))
        #expect(f.router.meshPeers("t").count == 3)
    }

    @Test func pruneBackoffIsHonoured() {
        var parameters = GossipParameters()
        parameters.graftOnSubscribe = false
        var f = RouterFixture(parameters: parameters)
        let peer = RouterFixture.peers(1)[0]
        _ = f.connect([peer], subscribedTo: "t")
        _ = f.router.subscribe("t", now: f.at(0))
        #expect(f.router.meshPeers("t") == [peer])
        _ = f.router.handle(GossipRPC(control: .init(prune: [.init(topic: "t", backoff: 5)])), from: peer, now: f.at(0))
        #expect(f.router.meshPeers("t").isEmpty)
        for second in 1...4 {
            #expect(grafts(f.router.heartbeat(now: f.at(Double(second)))).isEmpty)
        }
        #expect(grafts(f.router.heartbeat(now: f.at(5.5))) == [peer])
        #expect(f.router.meshPeers("t") == [peer])
    }

    @Test func pruneWithoutBackoffUsesTheDefaultAndAbsurdBackoffIsCapped() {
        var f = RouterFixture()
        let peers = RouterFixture.peers(2)
        _ = f.connect(peers, subscribedTo: "t")
        _ = f.router.subscribe("t", now: f.at(0))
        _ = f.router.handle(
            GossipRPC(control: .init(prune: [.init(topic: "t", backoff: nil)])), from: peers[0], now: f.at(0))
        _ = f.router.handle(
            GossipRPC(control: .init(prune: [.init(topic: "t", backoff: .max)])), from: peers[1], now: f.at(0))
        #expect(f.router.isBackedOff(peers[0], topic: "t", now: f.at(59)))
        #expect(!f.router.isBackedOff(peers[0], topic: "t", now: f.at(61)))
        #expect(f.router.isBackedOff(peers[1], topic: "t", now: f.at(3600)))
    }

    @Test func graftDuringBackoffOrUnsubscribedTopicIsPruned() {
        var f = RouterFixture()
        let peer = RouterFixture.peers(1)[0]
        _ = f.connect([peer], subscribedTo: "t")
        _ = f.router.subscribe("t", now: f.at(0))
        _ = f.router.handle(
            GossipRPC(control: .init(prune: [.init(topic: "t", backoff: 30)])), from: peer, now: f.at(0))
        let early = f.router.handle(GossipRPC(control: .init(graft: ["t"])), from: peer, now: f.at(1))
        #expect(prunes(early).map(\.1.topic) == ["t"])
        #expect(f.router.meshPeers("t").isEmpty)
        let other = f.router.handle(GossipRPC(control: .init(graft: ["nope"])), from: peer, now: f.at(1))
        #expect(prunes(other).map(\.1.topic) == ["nope"])
    }

    @Test func unsubscribeAnnouncesAndPrunesWithUnsubscribeBackoff() {
        var f = RouterFixture()
        let peers = RouterFixture.peers(3)
        _ = f.connect(peers, subscribedTo: "t")
        _ = f.router.subscribe("t", now: f.at(0))
        let out = f.router.unsubscribe("t", now: f.at(1))
        #expect(prunes(out).count == 3)
        #expect(prunes(out).allSatisfy { $0.1.backoff == 10 })
        #expect(out.rpcs.filter { $0.rpc.subscriptions == [.init(subscribe: false, topic: "t")] }.count == 3)
        #expect(f.router.meshPeers("t").isEmpty)
    }

    @Test func fanoutForUnsubscribedTopicsExpires() throws {
        var parameters = GossipParameters()
        parameters.floodPublish = false
        var f = RouterFixture(parameters: parameters)
        _ = f.connect(RouterFixture.peers(10), subscribedTo: "t")
        let (_, out) = try f.router.publish(topic: "t", data: [1], identity: f.identity, now: f.at(0))
        #expect(out.rpcs.count == 6)
        #expect(f.router.fanoutPeers("t").count == 6)
        _ = f.router.heartbeat(now: f.at(30))
        #expect(f.router.fanoutPeers("t").count == 6)
        _ = f.router.heartbeat(now: f.at(61))
        #expect(f.router.fanoutPeers("t").isEmpty)
    }
}

@Suite struct GossipRouterMessageTests {
    @Test func floodPublishReachesEverySubscriberAndOversizeThrows() throws {
        var f = RouterFixture()
        let peers = RouterFixture.peers(15)
        _ = f.connect(peers, subscribedTo: "t")
        _ = f.connect(RouterFixture.peers(3), subscribedTo: "other")
        _ = f.router.subscribe("t", now: f.at(0))
        let (id, out) = try f.router.publish(topic: "t", data: Array("x".utf8), identity: f.identity, now: f.at(0))
        #expect(Set(out.rpcs.map(\.peer)) == Set(peers))
        #expect(id == f.identity.peerID.bytes + [0, 0, 0, 0, 0, 0, 0, 1])
        #expect(f.router.counters.published == 1)
        #expect(throws: GossipError.self) {
            try f.router.publish(
                topic: "t", data: [UInt8](repeating: 0, count: 1 << 20), identity: f.identity, now: f.at(0))
        }
        #expect(throws: GossipError.self) {
            try f.router.publish(topic: "", data: [], identity: f.identity, now: f.at(0))
        }
    }

    @Test func validatorRejectIsNotForwardedAndAcceptIs() throws {
        var f = RouterFixture()
        let peers = RouterFixture.peers(3)
        _ = f.connect(peers, subscribedTo: "t")
        _ = f.router.subscribe("t", now: f.at(0))
        let origin = Identity.generate()

        let bad = f.router.handle(try signedRPC(by: origin, data: "bad", seqno: 1), from: peers[0], now: f.at(0))
        #expect(bad.rpcs.isEmpty)
        #expect(bad.deliveries.isEmpty)
        let badItem = try #require(bad.pendingValidation.first)
        let rejected = f.router.completeValidation(badItem.id, result: .reject)
        #expect(rejected.rpcs.isEmpty && rejected.deliveries.isEmpty)
        #expect(f.router.counters.rejected[.validator] == 1)

        let good = f.router.handle(try signedRPC(by: origin, data: "good", seqno: 2), from: peers[0], now: f.at(0))
        let goodItem = try #require(good.pendingValidation.first)
        #expect(goodItem.origin == origin.peerID)
        let accepted = f.router.completeValidation(goodItem.id, result: .accept)
        #expect(Set(accepted.rpcs.map(\.peer)) == Set(peers[1...]))
        #expect(accepted.deliveries.map(\.data) == [Array("good".utf8)])
        #expect(accepted.deliveries.first?.from == origin.peerID)
        #expect(accepted.deliveries.first?.receivedFrom == peers[0])
        #expect(f.router.counters.forwarded == 2)
        #expect(f.router.counters.delivered == 1)

        let ignored = f.router.handle(try signedRPC(by: origin, data: "meh", seqno: 3), from: peers[0], now: f.at(0))
        #expect(
            f.router.completeValidation(try #require(ignored.pendingValidation.first).id, result: .ignore).rpcs.isEmpty)
        #expect(f.router.counters.ignored == 1)
    }

    @Test func badSignatureIsRejectedAndNeverForwarded() throws {
        var f = RouterFixture()
        let peers = RouterFixture.peers(3)
        _ = f.connect(peers, subscribedTo: "t")
        _ = f.router.subscribe("t", now: f.at(0))
        var rpc = try signedRPC(by: Identity.generate(), data: "x", seqno: 1)
        rpc.messages[0].data = Array("y".utf8)
        let out = f.router.handle(rpc, from: peers[0], now: f.at(0))
        #expect(out.pendingValidation.isEmpty && out.rpcs.isEmpty)
        #expect(f.router.counters.rejected[.invalidSignature] == 1)
        rpc.messages[0].signature = nil
        rpc.messages[0].seqno = [9]
        _ = f.router.handle(rpc, from: peers[0], now: f.at(0))
        #expect(f.router.counters.rejected[.unsigned] == 1)
    }

    @Test func seenCacheDropsDuplicatesForTheTTL() throws {
        var f = RouterFixture()
        let peers = RouterFixture.peers(2)
        _ = f.connect(peers, subscribedTo: "t")
        _ = f.router.subscribe("t", now: f.at(0))
        let rpc = try signedRPC(by: Identity.generate(), data: "x", seqno: 1)
        let first = f.router.handle(rpc, from: peers[0], now: f.at(0))
        #expect(first.pendingValidation.count == 1)
        #expect(f.router.handle(rpc, from: peers[1], now: f.at(0)).pendingValidation.isEmpty)  // pending
        _ = f.router.completeValidation(first.pendingValidation[0].id, result: .accept)
        #expect(f.router.handle(rpc, from: peers[1], now: f.at(119)).pendingValidation.isEmpty)
        #expect(f.router.counters.duplicates == 2)
        _ = f.router.heartbeat(now: f.at(121))
        #expect(f.router.handle(rpc, from: peers[1], now: f.at(121)).pendingValidation.count == 1)
    }

    @Test func ownMessagesEchoedBackAndUnsubscribedTopicsAreIgnored() throws {
        var f = RouterFixture()
        let peer = RouterFixture.peers(1)[0]
        _ = f.connect([peer], subscribedTo: "t")
        _ = f.router.subscribe("t", now: f.at(0))
        let echo = try signedRPC(by: f.identity, data: "mine", seqno: 99)
        #expect(f.router.handle(echo, from: peer, now: f.at(0)).pendingValidation.isEmpty)
        let elsewhere = try signedRPC(by: Identity.generate(), data: "x", seqno: 1, topic: "other")
        #expect(f.router.handle(elsewhere, from: peer, now: f.at(0)).pendingValidation.isEmpty)
        #expect(f.router.counters.ignored == 2)
    }

    @Test func ihaveGossipAndIWantRetrieval() throws {
        var parameters = GossipParameters()
        parameters.d = 1
        parameters.dLow = 1
        parameters.dHigh = 2
        parameters.dLazy = 2
        parameters.floodPublish = false
        var a = RouterFixture(parameters: parameters)
        var b = RouterFixture(parameters: parameters)
        let meshPeer = RouterFixture.peers(1)[0]
        _ = a.router.subscribe("t", now: a.at(0))
        _ = a.connect([meshPeer], subscribedTo: "t")
        _ = a.connect([b.identity.peerID], subscribedTo: "t")  // mesh is full (D = 1): B is a gossip peer
        #expect(a.router.meshPeers("t") == [meshPeer])
        let (id, published) = try a.router.publish(
            topic: "t", data: Array("gossip".utf8), identity: a.identity, now: a.at(0))
        #expect(published.rpcs.map(\.peer) == [meshPeer])

        let beat = a.router.heartbeat(now: a.at(1))
        let ihave = try #require(beat.rpcs.first { $0.peer == b.identity.peerID }?.rpc)
        #expect(ihave.control.ihave == [.init(topic: "t", messageIDs: [id])])

        _ = b.router.subscribe("t", now: b.at(0))
        _ = b.router.addPeer(a.identity.peerID)
        let iwant = b.router.handle(ihave, from: a.identity.peerID, now: b.at(1))
        let request = try #require(iwant.rpcs.first?.rpc)
        #expect(request.control.iwant == [id])
        // Asking again for a message already requested this heartbeat (or already seen) is pointless.
        let answer = a.router.handle(request, from: b.identity.peerID, now: a.at(1))
        let delivered = try #require(answer.rpcs.first?.rpc)
        let pending = b.router.handle(delivered, from: a.identity.peerID, now: b.at(1)).pendingValidation
        #expect(
            b.router.completeValidation(try #require(pending.first).id, result: .accept).deliveries.map(\.data) == [
                Array("gossip".utf8)
            ])
        #expect(b.router.handle(ihave, from: a.identity.peerID, now: b.at(1.5)).rpcs.isEmpty)
        // Retransmission limit: at most 3 answers per message per peer.
        for _ in 0..<5 { _ = a.router.handle(request, from: b.identity.peerID, now: a.at(1)) }
        #expect(a.router.handle(request, from: b.identity.peerID, now: a.at(1)).rpcs.isEmpty)
        // After mcache_len heartbeats the message leaves the cache and is no longer advertised.
        for second in 2...6 { _ = a.router.heartbeat(now: a.at(Double(second))) }
        #expect(a.router.cachedMessageCount == 0)
    }

    @Test func ihaveFloodIsBounded() {
        var parameters = GossipParameters()
        parameters.maxIHaveMessages = 2
        parameters.maxIHaveLength = 3
        var f = RouterFixture(parameters: parameters)
        let peer = RouterFixture.peers(1)[0]
        _ = f.router.subscribe("t", now: f.at(0))
        _ = f.connect([peer], subscribedTo: "t")
        var requested = 0
        for round in 0..<5 {
            let ids: [[UInt8]] = (0..<2).map { [UInt8(round), UInt8($0)] }
            let out = f.router.handle(
                GossipRPC(control: .init(ihave: [.init(topic: "t", messageIDs: ids)])), from: peer, now: f.at(0))
            requested += out.rpcs.reduce(0) { $0 + $1.rpc.control.iwant.count }
        }
        #expect(requested == 3)
    }

    @Test func outputIsSplitUnderTheRPCSizeLimit() throws {
        var f = RouterFixture()
        let peer = RouterFixture.peers(1)[0]
        _ = f.connect([peer], subscribedTo: "t")
        _ = f.router.subscribe("t", now: f.at(0))
        var ids: [[UInt8]] = []
        for _ in 0..<3 {
            let (id, _) = try f.router.publish(
                topic: "t", data: [UInt8](repeating: 1, count: 400_000), identity: f.identity, now: f.at(0))
            ids.append(id)
        }
        let out = f.router.handle(GossipRPC(control: .init(iwant: ids)), from: peer, now: f.at(0))
        #expect(out.rpcs.count == 2)
        #expect(out.rpcs.allSatisfy { $0.rpc.encoded().count <= 1 << 20 })
        #expect(out.rpcs.reduce(0) { $0 + $1.rpc.messages.count } == 3)
    }
}
