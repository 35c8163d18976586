import CacheCore
import Foundation
import TestSupport
import Testing

@testable import Replication

/// Daemons that know only a py-libp2p 0.8.1 Kademlia node (`Tests/Python/kad_node.py`, which speaks neither
/// gossipsub nor any ghcache protocol) find each other through provider records under the fleet's DHT key.
@Suite("fleet rendezvous on the Kademlia DHT", .serialized, .timeLimit(.minutes(4)))
struct DHTRendezvousTests {
    /// Short rounds so the test does not wait a minute; mDNS off so the DHT is the only way to meet.
    static let env = ["CACHE_DHT_REFRESH": "1", "CACHE_MDNS": "false"]

    @Test("the fleet's DHT key is a sha2-256 multihash, differs per fleet, and is not the topic")
    func dhtKey() {
        let key = FleetKey(secret: Fleet.secret).dhtKey
        #expect(key.count == 34 && key.prefix(2) == [0x12, 0x20])
        #expect(FleetKey(secret: "another fleet").dhtKey != key)
        #expect(FleetKey(secret: Fleet.secret).dhtKey == key)
        #expect(
            !FleetKey(secret: Fleet.secret).topic.contains(
                P2PHex.encode(Array(key.dropFirst(2))).prefix(32)))
    }

    @Test("two daemons that know only a py DHT node meet and replicate; py reads our records; a forged one is dropped")
    func twoDaemonsMeetThroughPyDHT() async throws {
        let node = try PyPeerProcess([], script: "kad_node.py", timeout: 200)
        defer { node.stop() }
        let nodeAddress = try await node.address()
        try await Environment.with { environment in
            let fleet = Fleet(environment)
            defer { fleet.stopAll() }
            let a = try await fleet.start(
                "a", bootstrap: [nodeAddress], env: Self.env.merging(["CACHE_DHT_SERVER": "true"]) { $1 })
            let b = try await fleet.start("b", bootstrap: [nodeAddress], env: Self.env)
            try await eventually("the daemons report their DHT mode") {
                a.stderr.contains("DHT on (serving)") && b.stderr.contains("DHT on (client)")
            }
            let started = ContinuousClock.now
            try await eventually("A and B connect", timeout: 40) {
                try await fleet.peers("a").contains { $0.peer == b.peerID }
            }
            let met = ContinuousClock.now - started
            // One side dialled after a DHT look-up (the other sees the connection inbound).
            try await eventually("the link is recorded as found through the DHT") {
                let viaA = try await fleet.peers("a").first { $0.peer == b.peerID }?.via
                let viaB = try await fleet.peers("b").first { $0.peer == a.peerID }?.via
                return [viaA, viaB].contains("dht") && [viaA, viaB].contains("inbound")
            }
            #expect(try await fleet.peers("a").first { $0.peer != b.peerID }?.via == "bootstrap")

            let first = try await fleet.get("a", "repos", "octocat")
            try #require(first.status == 0, "\(first.stderr)")
            try await eventually("the entry reaches B") { try await fleet.stats("b").int("cache_size") == 1 }
            #expect(fleet.charged == 1)
            print("DHT rendezvous: two daemons met \(met) after start-up")

            // A py-libp2p client finds the fleet's providers through the py node, and A (CACHE_DHT_SERVER=true)
            // answers FIND_NODE for itself.
            let keyHex = P2PHex.encode(FleetKey(secret: Fleet.secret).dhtKey)
            let client = try PyPeerProcess(
                ["--connect", nodeAddress, "--find-providers", keyHex], script: "kad_node.py", timeout: 60)
            defer { client.stop() }
            let providers = try await client.event("providers", within: 40)
            let ids = Set((providers["peers"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
            #expect(ids.isSuperset(of: [a.peerID, b.peerID]), "\(ids)")
            let asker = try PyPeerProcess(
                ["--connect", a.address, "--find-peer", a.peerID], script: "kad_node.py", timeout: 60)
            defer { asker.stop() }
            let found = try await asker.event("found_peer", within: 40)
            #expect((found["addrs"] as? [String] ?? []).contains { a.address.hasPrefix($0) })

            // A forged provider record: a py peer (no fleet key) provides the fleet's key. A daemon that starts
            // afterwards dials it (it is a candidate), and drops it when it has not announced itself as a member
            // within the probation (member expiry + announce interval, 21 s); it is not dialled again.
            let impostor = try PyPeerProcess(
                ["--client", "--connect", nodeAddress, "--provide", keyHex], script: "kad_node.py", timeout: 120)
            defer { impostor.stop() }
            let impostorID = String(try await impostor.address().split(separator: "/").last ?? "")
            _ = try await impostor.event("provided", within: 30)
            let d = try await fleet.start("d", bootstrap: [nodeAddress], env: Self.env)
            try await eventually("D dials the impostor found through the DHT", timeout: 30) {
                try await fleet.peers("d").contains { $0.peer == impostorID && $0.via == "dht" }
            }
            try await eventually("D drops the impostor after its probation", timeout: 40) {
                try await !fleet.peers("d").contains { $0.peer == impostorID }
            }
            #expect(d.stderr.contains("DHT provider \(impostorID) did not prove fleet membership"))
            try await Task.sleep(for: .seconds(3))  // three more rounds
            #expect(try await !fleet.peers("d").contains { $0.peer == impostorID })
            #expect(try await fleet.peers("d").contains { $0.peer == a.peerID }, "members stay")

            // With CACHE_DHT=false a third daemon that knows only the node stays alone.
            let c = try await fleet.start(
                "c", bootstrap: [nodeAddress], env: Self.env.merging(["CACHE_DHT": "false"]) { $1 })
            try await eventually("C reports the DHT off") { c.stderr.contains("DHT off (CACHE_DHT=false)") }
            try await Task.sleep(for: .seconds(4))
            #expect(try await fleet.peers("c").map(\.peer) == [String(nodeAddress.split(separator: "/").last ?? "")])
        }
    }
}

/// Lower-case hex.
enum P2PHex {
    static func encode(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}
