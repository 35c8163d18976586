import Foundation
import Testing

@testable import LibP2P

@Suite struct GossipRPCTests {
    static func vector(_ key: String) -> [UInt8] { GossipFixtures.bytes("gossipsub", key) }

    @Test func decodesAndReencodesThePublishVector() throws {
        let rpc = try GossipRPC(decoding: Self.vector("rpc_publish"))
        let message = try #require(rpc.messages.first)
        #expect(message.from == GossipFixtures.bytes("identity_A", "peer_id_bytes"))
        #expect(message.data == Array("hello".utf8))
        #expect(message.seqno == Self.vector("seqno"))
        #expect(message.topics == ["ghcache"])
        #expect(message.signature == Self.vector("signature"))
        #expect(message.key == GossipFixtures.bytes("identity_A", "public_key_protobuf"))
        #expect(message.signedFields == Self.vector("message_fields_1_to_4"))
        #expect(message.signingInput == Self.vector("signing_input"))
        #expect(message.encoded() == Self.vector("message_with_key"))
        #expect(message.id == Self.vector("default_message_id_from_concat_seqno"))
        #expect(rpc.encoded() == Self.vector("rpc_publish"))
        #expect(Wire.lengthPrefixed(rpc.encoded()) == Self.vector("rpc_publish_framed_uvarint"))
    }

    @Test func encodesSubscribeAndGraftVectors() {
        #expect(
            GossipRPC(subscriptions: [.init(subscribe: true, topic: "ghcache")]).encoded()
                == Self.vector("rpc_subscribe"))
        #expect(GossipRPC(control: .init(graft: ["ghcache"])).encoded() == Self.vector("rpc_graft"))
    }

    @Test func signsLikePyLibp2p() throws {
        let identity = try Identity(seed: GossipFixtures.bytes("identity_A", "ed25519_seed"))
        let message = try WireMessage.signed(
            by: identity, data: Array("hello".utf8), seqno: 0x6553_f100, topic: "ghcache")
        #expect(message.signedFields == Self.vector("message_fields_1_to_4"))
        #expect(message.key == nil)
        #expect(
            message.signature.map { identity.publicKey.isValidSignature($0, for: Self.vector("signing_input")) } == true
        )
        #expect(try message.verifyStrictSign().get() == identity.peerID)
        // The py signature of the vector verifies too, with and without `key`.
        #expect(try WireMessage(decoding: Self.vector("message_with_key")).verifyStrictSign().get() == identity.peerID)
        #expect(
            try WireMessage(decoding: Self.vector("message_without_key")).verifyStrictSign().get() == identity.peerID)
    }

    @Test func emptyDataIsStillSigned() throws {
        let identity = Identity.generate()
        let message = try WireMessage.signed(by: identity, data: [], seqno: 1, topic: "t")
        #expect(message.signedFields.contains(0x12))
        let decoded = try WireMessage(decoding: message.encoded())
        #expect(try decoded.verifyStrictSign().get() == identity.peerID)
    }

    @Test func badSignaturesAreRejected() throws {
        let good = try WireMessage(decoding: Self.vector("message_with_key"))
        var tampered = good
        tampered.data = Array("hellp".utf8)
        #expect(tampered.verifyStrictSign() == .failure(.invalidSignature))
        var unsigned = good
        unsigned.signature = nil
        #expect(unsigned.verifyStrictSign() == .failure(.unsigned))
        var wrongKey = good
        wrongKey.key = GossipFixtures.bytes("identity_B", "public_key_protobuf")
        #expect(wrongKey.verifyStrictSign() == .failure(.keyMismatch))
        var noFrom = good
        noFrom.from = nil
        #expect(noFrom.verifyStrictSign() == .failure(.malformedMessage))
        var noTopic = good
        noTopic.topics = []
        #expect(noTopic.verifyStrictSign() == .failure(.malformedMessage))
    }

    @Test func ignoresSenderRecordAndNewerControlFields() throws {
        // RPC.senderRecord = 4 (py attaches one to every RPC) and ControlMessage.idontwant = 5.
        let extra: [UInt8] = [0x22, 0x03, 0x01, 0x02, 0x03, 0x1a, 0x04, 0x2a, 0x02, 0x0a, 0x00]
        let rpc = try GossipRPC(decoding: Self.vector("rpc_publish") + extra)
        #expect(rpc.messages.count == 1)
        #expect(rpc.control.isEmpty)
        #expect(rpc.encoded() == Self.vector("rpc_publish"))  // never re-sends field 4
    }

    @Test func roundTripsControlMessages() throws {
        let rpc = GossipRPC(
            subscriptions: [.init(subscribe: false, topic: "a")],
            control: .init(
                ihave: [.init(topic: "a", messageIDs: [[1, 2], [3]])], iwant: [[4], [5, 6]], graft: ["b"],
                prune: [.init(topic: "c", backoff: 60), .init(topic: "d", backoff: nil)]))
        #expect(try GossipRPC(decoding: rpc.encoded()) == rpc)
    }

    @Test func rejectsMalformedRPCs() {
        let good = Self.vector("rpc_publish")
        #expect(throws: GossipError.self) { try GossipRPC(decoding: Array(good.dropLast())) }
        // A topic that is not UTF-8.
        #expect(throws: GossipError.self) { try GossipRPC(decoding: [0x0a, 0x04, 0x12, 0x02, 0xff, 0xfe]) }
        #expect(throws: GossipError.self) { try GossipRPC(decoding: [0x10, 0x01]) }  // publish as varint
        let many = GossipRPC(subscriptions: (0..<6).map { .init(subscribe: true, topic: "t\($0)") }).encoded()
        #expect(throws: GossipError.self) { try GossipRPC(decoding: many, maxSubscriptions: 5) }
    }

    /// Bounded fuzz: mutated and random RPC bytes never crash the decoder or the router.
    @Test func mutatedAndRandomBytesNeverCrash() throws {
        var random = SplitMix64(seed: 42)
        let seeds: [[UInt8]] = [
            Self.vector("rpc_publish"), Self.vector("rpc_subscribe"), Self.vector("rpc_graft"),
            GossipRPC(
                control: .init(
                    ihave: [.init(topic: "ghcache", messageIDs: [[1, 2, 3]])], iwant: [[9]],
                    prune: [.init(topic: "ghcache", backoff: 10)])
            ).encoded(),
        ]
        let local = Identity.generate().peerID
        let sender = Identity.generate().peerID
        var router = GossipRouter(localPeer: local, firstSeqno: 1, seed: 1)
        let now = ContinuousClock.now
        _ = router.addPeer(sender)
        _ = router.subscribe("ghcache", now: now)
        var decoded = 0
        for i in 0..<20_000 {
            var bytes: [UInt8]
            if i % 4 == 3 {
                bytes = (0..<Int.random(in: 0..<64, using: &random)).map { _ in
                    UInt8.random(in: 0...255, using: &random)
                }
            } else {
                bytes = seeds[i % seeds.count]
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    let position = Int.random(in: 0..<bytes.count, using: &random)
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0: bytes[position] = UInt8.random(in: 0...255, using: &random)
                    case 1: bytes.remove(at: position)
                    default: bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
                    }
                    if bytes.isEmpty { break }
                }
            }
            guard let rpc = try? GossipRPC(decoding: bytes) else { continue }
            decoded += 1
            let output = router.handle(rpc, from: sender, now: now)
            for item in output.pendingValidation { _ = router.completeValidation(item.id, result: .accept) }
        }
        _ = router.heartbeat(now: now + .seconds(1))
        #expect(decoded > 1000)
    }
}
