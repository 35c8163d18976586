import Foundation
import TestSupport
import Testing

@testable import LibP2P

/// The Kademlia codec, routing table and provider store, and hostile input against them.
@Suite("Kademlia DHT: codec, routing table, provider records", .timeLimit(.minutes(2)))
struct KademliaTests {
    static let pyPeer = "12D3KooWM7KzqwDcuLyxjq8Ez6f6F6N2zHBinoakqcJsnuVUfXM4"

    /// Bytes py-libp2p 0.8.1's `kademlia_pb2.Message` produced (GET_PROVIDERS, clusterLevelRaw 3, one provider
    /// with a signed record, a closer peer with an unparsable address, a closer peer with an invalid ID, and a
    /// senderRecord).
    static let pyGetProviders =
        "080312221220abababababababababababababababababababababababababababababababab422e0a2600240801"
        + "1220a7c8f9bceae7565b1d39e858329c7ab60c319e0ac9cc5e834c8b364adec954631202ffff180242040a0200014a380a"
        + "26002408011220a7c8f9bceae7565b1d39e858329c7ab60c319e0ac9cc5e834c8b364adec954631208047f000001060f"
        + "a118012202010250035a03726563"

    @Test("a py-libp2p GET_PROVIDERS message decodes; unknown fields, bad IDs and bad addresses are skipped")
    func decodesPyBytes() throws {
        let message = try KadMessage(decoding: P2PTest.bytes(hex: Self.pyGetProviders))
        let peer = try PeerID(parsing: Self.pyPeer)
        #expect(message.type == .getProviders)
        #expect(message.key == [0x12, 0x20] + [UInt8](repeating: 0xab, count: 32))
        #expect(message.providerPeers.count == 1)
        #expect(message.providerPeers.first?.id == peer)
        #expect(message.providerPeers.first?.addresses == [try Multiaddr(parsing: "/ip4/127.0.0.1/tcp/4001")])
        #expect(message.providerPeers.first?.connection == .connected)
        #expect(message.closerPeers.count == 1)
        #expect(message.closerPeers.first?.addresses == [])
        #expect(message.closerPeers.first?.connection == .canConnect)
    }

    @Test("FIND_NODE encodes byte for byte as py-libp2p does; messages round-trip")
    func encodesLikePy() throws {
        let peer = try PeerID(parsing: Self.pyPeer)
        #expect(
            P2PTest.hex(KadMessage(type: .findNode, key: peer.bytes).encoded)
                == "08041226002408011220a7c8f9bceae7565b1d39e858329c7ab60c319e0ac9cc5e834c8b364adec95463")
        let message = KadMessage(
            type: .addProvider, key: [1, 2, 3],
            closerPeers: [.init(id: peer, addresses: [try Multiaddr(parsing: "/ip4/10.0.0.1/tcp/9000")])],
            providerPeers: [.init(id: peer, addresses: [], connection: .cannotConnect)])
        #expect(try KadMessage(decoding: message.encoded) == message)
        #expect(try KadMessage(decoding: KadMessage(type: .putValue).encoded).type == .putValue)
        #expect(try KadMessage(decoding: []).type == .putValue)  // proto3: an absent type is 0
    }

    @Test("oversized, over-long and malformed messages are refused; peer lists are capped")
    func bounds() throws {
        #expect(throws: ProtobufError.self) {
            try KadMessage(decoding: [UInt8](repeating: 0, count: KadMessage.maxSize + 1))
        }
        var w = ProtobufWriter()
        w.writeBytes(field: 2, [UInt8](repeating: 1, count: KadMessage.maxKeyLength + 1))
        #expect(throws: ProtobufError.self) { try KadMessage(decoding: w.bytes) }
        #expect(throws: ProtobufError.self) { try KadMessage(decoding: [0x08, 0x09]) }  // RPC type 9
        #expect(throws: ProtobufError.self) { try KadMessage(decoding: [0x12, 0x05, 0x01]) }  // truncated key
        #expect(throws: ProtobufError.self) { try KadMessage(decoding: [0x08]) }  // truncated varint
        let peer = KadMessage.Peer(
            id: Identity.generate().peerID,
            addresses: (0..<40).map { Multiaddr([.ip4([10, 0, 0, UInt8($0)]), .tcp(9000)]) })
        var flood = ProtobufWriter()
        flood.writeVarint(field: 1, 3)
        let encodedPeer = KadMessage(type: .ping, closerPeers: [peer]).encoded.dropFirst(2)  // the field-8 entry
        for _ in 0..<200 { flood = Self.appending(flood, raw: Array(encodedPeer)) }
        let decoded = try KadMessage(decoding: flood.bytes)
        #expect(decoded.closerPeers.count == KadMessage.maxPeers)
        #expect(decoded.closerPeers.allSatisfy { $0.addresses.count == KadMessage.maxAddresses })
    }

    private static func appending(_ writer: ProtobufWriter, raw: [UInt8]) -> ProtobufWriter {
        var reader = ProtobufReader(raw)
        var w = writer
        while let field = try? reader.next(), let bytes = field.bytesValue { w.writeBytes(field: field.number, bytes) }
        return w
    }

    @Test("random and mutated messages decode or fail cleanly", arguments: 0..<4)
    func fuzz(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &+ 2300)
        let valid = P2PTest.bytes(hex: Self.pyGetProviders)
        for round in 0..<2000 {
            var input: [UInt8]
            switch round % 3 {
            case 0: input = (0..<Int(rng.next() % 400)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            case 1:
                input = valid
                for _ in 0..<(1 + rng.next() % 4) {
                    input[Int(rng.next() % UInt64(input.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
            default: input = Array(valid.prefix(Int(rng.next() % UInt64(valid.count))))
            }
            if let message = try? KadMessage(decoding: input) {
                #expect(message.key.count <= KadMessage.maxKeyLength)
                #expect(message.closerPeers.count <= KadMessage.maxPeers)
                // What decodes re-encodes to something that decodes to the same.
                #expect(try KadMessage(decoding: message.encoded) == message)
            }
        }
    }

    @Test("XOR distance and bucket index follow SHA-256 of the key")
    func distance() throws {
        let a = KadPoint(key: [1])
        #expect(a.commonPrefixLength(with: a) == 256)
        #expect(a.distance(to: a).bytes == [UInt8](repeating: 0, count: 32))
        let b = KadPoint(key: [2])
        #expect(a.distance(to: b) == b.distance(to: a))
        let prefix = a.commonPrefixLength(with: b)
        #expect(a.distance(to: b).bytes.prefix(prefix / 8).allSatisfy { $0 == 0 })
    }

    @Test("a full bucket refuses newcomers; closest peers are sorted by distance")
    func routingTable() throws {
        let local = Identity.generate().peerID
        var table = KadRoutingTable(local: local, bucketSize: 3)
        let addedSelf = table.add(local, addresses: [])
        #expect(!addedSelf)
        var added = 0
        var refused = 0
        for _ in 0..<200 {
            if table.add(Identity.generate().peerID, addresses: []) { added += 1 } else { refused += 1 }
        }
        #expect(table.count == added)
        #expect(table.buckets.allSatisfy { $0.count <= 3 })
        #expect(refused > 0 && added <= 3 * 257)
        let key: [UInt8] = [9, 9, 9]
        let closest = table.closest(to: key, count: 5)
        #expect(closest.count == 5)
        let target = KadPoint(key: key)
        let distances = closest.map { KadPoint(peer: $0.peer).distance(to: target) }
        #expect(distances == distances.sorted())
        let all = table.peers.map { KadPoint(peer: $0).distance(to: target) }.sorted()
        #expect(Array(all.prefix(5)) == distances)
    }

    @Test("provider records expire, are capped per key (newest kept) and per store")
    func providerStore() throws {
        var store = KadProviderStore(maxKeys: 2, maxPerKey: 3, lifetime: .seconds(60))
        let start = ContinuousClock.now
        let peers = (0..<5).map { _ in Identity.generate().peerID }
        for (i, peer) in peers.enumerated() {
            store.add(key: [1], provider: peer, addresses: [], now: start + .seconds(i))
        }
        let kept = store.providers(of: [1], now: start + .seconds(5)).map(\.id)
        #expect(kept == Array(peers[2...].reversed()))
        let secondKey = store.add(key: [2], provider: peers[0], addresses: [], now: start + .seconds(5))
        let thirdKey = store.add(key: [3], provider: peers[0], addresses: [], now: start + .seconds(5))
        #expect(secondKey && !thirdKey)
        let late = store.providers(of: [1], now: start + .seconds(63)).map(\.id)
        #expect(late == [peers[4]])
        let expired = store.providers(of: [1], now: start + .seconds(70))
        #expect(expired.isEmpty)
        let afterExpiry = store.add(key: [3], provider: peers[0], addresses: [], now: start + .seconds(70))
        #expect(afterExpiry)
        #expect(store.recordCount == 1)
    }
}
