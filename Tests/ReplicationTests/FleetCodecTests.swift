import CacheCore
import Foundation
import LibP2P
import Testing

@testable import Replication

@Suite struct FleetCodecTests {
    let codec = FleetCodec(key: Fixtures.key)
    let now = Fixtures.now

    /// The reason `body` was rejected; `nil` if it succeeded or threw something other than a ``Rejection``.
    private func reason(_ body: () throws -> ReplicatedEntry) -> RejectReason? {
        do {
            _ = try body()
            return nil
        } catch {
            return (error as? Rejection)?.reason
        }
    }

    @Test func sealsAndOpens() throws {
        let entry = Fixtures.entry()
        let message = try codec.seal(entry, now: now)
        #expect(message.allSatisfy { $0 < 0x80 })
        #expect(try codec.open(message, now: now + 5).entry == entry)
        #expect(codec.topic == Fixtures.key.topic)
    }

    @Test("during a rotation, messages of the previous key open, messages are sealed with the new one only")
    func rotation() throws {
        let old = FleetCodec(key: FleetKey(secret: "old"))
        let new = FleetCodec(key: FleetKey(secret: "new"))
        let rotating = FleetCodec(key: FleetKey(secret: "new"), previous: [FleetKey(secret: "old")])
        let entry = Fixtures.entry()
        #expect(try rotating.open(try old.seal(entry, now: now), now: now).entry == entry)
        #expect(try rotating.open(try new.seal(entry, now: now), now: now).entry == entry)
        let sealed = try rotating.seal(entry, now: now)
        #expect(try new.open(sealed, now: now).entry == entry)
        #expect(reason { try old.open(sealed, now: now).entry } == .undecryptable)
        #expect(
            reason {
                try rotating.open(try FleetCodec(key: FleetKey(secret: "other")).seal(entry, now: now), now: now).entry
            } == .undecryptable)
        // The previous key's checks still apply: an old message past the replay bound is expired, not undecryptable.
        #expect(reason { try rotating.open(try old.seal(entry, now: now), now: now + 3600).entry } == .expired)
        #expect(rotating.topic == new.topic && rotating.previousTopics == [old.topic])
        #expect(FleetCodec(key: FleetKey(secret: "new"), previous: [FleetKey(secret: "new")]).previousTopics.isEmpty)
    }

    @Test("a fill answer is sealed with the key its request was sealed with, so a runner not yet rotated reads it")
    func answering() throws {
        let old = FleetCodec(key: FleetKey(secret: "old"))
        let new = FleetCodec(key: FleetKey(secret: "new"))
        let rotating = FleetCodec(key: FleetKey(secret: "new"), previous: [FleetKey(secret: "old")])
        let entry = Fixtures.entry()
        let toOld = rotating.answering(try old.seal(entry, now: now), now: now)
        #expect(try old.open(try toOld.seal(entry, now: now), now: now).entry == entry)
        #expect(try toOld.open(try new.seal(entry, now: now), now: now).entry == entry, "still opens the new key")
        let toNew = rotating.answering(try new.seal(entry, now: now), now: now)
        #expect(reason { try old.open(try toNew.seal(entry, now: now), now: now).entry } == .undecryptable)
        let garbage = rotating.answering(Array("not a token".utf8), now: now)
        #expect(try new.open(try garbage.seal(entry, now: now), now: now).entry == entry)
    }

    @Test("the largest message fits in one gossipsub RPC with its fields, so receivers see and count it")
    func largestMessageFitsInOneRPC() throws {
        // A signed message as Publisher sends it: a 52-character topic, a 38-byte Ed25519 peer ID, an 8-byte
        // sequence number, a 64-byte signature and the 36-byte key, in one RPC.
        let message = WireMessage(
            from: [UInt8](repeating: 1, count: 38), data: [UInt8](repeating: 0x41, count: FleetCodec.maxMessageBytes),
            seqno: [UInt8](repeating: 2, count: 8), topics: [codec.topic], signature: [UInt8](repeating: 3, count: 64),
            key: [UInt8](repeating: 4, count: 36))
        let rpc = GossipRPC(messages: [message]).encoded()
        #expect(rpc.count <= GossipParameters().maxRPCSize)
        #expect(rpc.count > GossipParameters().maxRPCSize - FleetCodec.rpcReserveBytes)
    }

    @Test func mapsFailuresToReasons() throws {
        let entry = Fixtures.entry()
        let message = try codec.seal(entry, now: now)
        #expect(
            reason { try FleetCodec(key: FleetKey(secret: "other fleet")).open(message, now: now).entry }
                == .undecryptable)
        #expect(reason { try codec.open(Array("not a token".utf8), now: now).entry } == .undecryptable)
        #expect(reason { try codec.open([0xFF, 0x00], now: now).entry } == .undecryptable)
        #expect(reason { try codec.open(message, now: now + 601).entry } == .expired)  // token TTL (replay bound)
        #expect(reason { try codec.open(message, now: now - 61).entry } == .clockSkew)
        #expect(
            reason { try codec.open([UInt8](repeating: 0x41, count: FleetCodec.maxMessageBytes + 1), now: now).entry }
                == .oversized)

        let fernet = Fernet(key: Fixtures.key)
        let notEnvelope = Array(fernet.encrypt(Array("hello".utf8), now: now).utf8)
        #expect(reason { try codec.open(notEnvelope, now: now).entry } == .malformed)
        var tampered = Fixtures.metadata(entry)
        tampered["cid"] = ContentID.of(Data("something else".utf8))
        let mismatched = Array(
            fernet.encrypt(try Fixtures.envelope(metadata: tampered, body: entry.body), now: now).utf8)
        #expect(reason { try codec.open(mismatched, now: now).entry } == .cidMismatch)
        // The entry expires 119 s after `now`; a fresh token for it is still refused once it is stale.
        let late = now + 200
        #expect(reason { try codec.open(try codec.seal(entry, now: late), now: late).entry } == .expired)
    }

    @Test func sealRefusesMessagesOverTheCap() throws {
        // 6 MiB of incompressible bytes: a valid envelope, but a token far beyond 1 MiB.
        var generator = SplitMix64(seed: 7)
        let body = Data((0..<(6 * 1024 * 1024)).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        var entry = Fixtures.entry()
        entry.setBody(body)
        #expect(
            reason {
                _ = try codec.seal(entry, now: now)
                return entry
            } == .oversized)
    }

    /// The documented decoder (Tests/Python/decode_envelope.py, only `cryptography`) reads Swift's messages.
    @Test func pythonDecoderReadsSwiftMessages() throws {
        var binary = Fixtures.entry()
        binary.setBody(Data([0x00, 0xFF, 0x10]))
        binary.apiVersion = ""
        binary.validators = [
            TokenValidator(tokenFingerprint: String(repeating: "0f", count: 16), etag: #"W/"e""#, lastModified: nil),
            TokenValidator(
                tokenFingerprint: String(repeating: "a1", count: 16), etag: nil,
                lastModified: "Mon, 06 Jan 2025 12:00:00 GMT"),
        ]
        let entries = [Fixtures.entry(), binary]
        let lines = try entries.map { String(decoding: try codec.seal($0, now: Date()), as: UTF8.self) }
        let output = try Python.run(
            "decode_envelope.py", ["--secret", "test-token", "--ttl", "600"],
            stdin: Data((lines + ["garbage"]).joined(separator: "\n").utf8))
        #expect(output.status == 1, "the garbage line must fail")
        let objects = try String(decoding: output.stdout, as: UTF8.self).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        try #require(objects.count == 3)
        for (entry, object) in zip(entries, objects) {
            #expect(object["key"] as? String == entry.key)
            #expect(object["method"] as? String == "GET")
            #expect(object["url"] as? String == entry.url)
            #expect(object["accept"] as? String == entry.accept)
            #expect((object["api_version"] as? String ?? "") == entry.apiVersion)
            #expect(object["status"] as? Int == entry.status)
            #expect(object["headers"] as? [String: String] == entry.headers)
            #expect(object["cid"] as? String == entry.cid)
            #expect(object["cid_ok"] as? Bool == true)
            #expect((object["fetched_at_ms"] as? NSNumber)?.int64Value == entry.fetchedAtMilliseconds)
            #expect((object["expires_at_ms"] as? NSNumber)?.int64Value == entry.expiresAtMilliseconds)
            #expect(object["origin_peer"] as? String == entry.originPeer)
            #expect(object["body_base64"] as? String == entry.body.base64EncodedString())
            let validators = try #require(object["validators"] as? [[String: Any]])
            #expect(validators.map { $0["token_fp"] as? String } == entry.validators.map(\.tokenFingerprint))
            #expect(validators.map { $0["etag"] as? String } == entry.validators.map(\.etag))
            #expect(validators.map { $0["last_modified"] as? String } == entry.validators.map(\.lastModified))
        }
        #expect(objects[0]["body"] as? String == String(decoding: entries[0].body, as: UTF8.self))
        #expect(objects[1]["body"] == nil)
        #expect((objects[2]["error"] as? String)?.contains("InvalidToken") == true)

        let wrongKey = try Python.run(
            "decode_envelope.py", ["--key", FleetKey(secret: "other").fernetKey, lines[0]])
        #expect(wrongKey.status == 1)
    }
}
