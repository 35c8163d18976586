import Testing

@testable import LibP2P

@Suite("protobuf wire helper and identify", .timeLimit(.minutes(1)))
struct WireTests {
    @Test("writer and reader round-trip; unknown fields are returned, not fatal")
    func roundTrip() throws {
        var w = ProtobufWriter()
        w.writeVarint(field: 1, 300)
        w.writeString(field: 2, "héllo")
        w.writeBool(field: 15, true)
        w.writeBytes(field: 1000, [1, 2, 3])
        #expect(w.bytes.prefix(3) == [0x08, 0xac, 0x02])
        var r = ProtobufReader(w.bytes)
        #expect(try r.next()?.varintValue == 300)
        #expect(try r.next()?.stringValue == "héllo")
        #expect(try r.next()?.varintValue == 1)
        let last = try #require(try r.next())
        #expect(last.number == 1000 && last.bytesValue == [1, 2, 3])
        #expect(try r.next() == nil)
    }

    @Test("truncated and malformed protobufs throw", arguments: [[0x0a, 0x05, 0x01], [0x08], [0x0b], [0x00], [0x80]])
    func malformed(bytes: [UInt8]) {
        var r = ProtobufReader(bytes)
        #expect(throws: ProtobufError.self) {
            while try r.next() != nil {}
        }
    }

    @Test("identify encodes as the vector and parses py's reply with signedPeerRecord")
    func identifyVector() throws {
        let v = try P2PTest.vectors("identify")
        let a = try P2PTest.vectors("identity_A")
        let key = try PublicKey(protobuf: P2PTest.field(a, "public_key_protobuf"))
        let info = IdentifyInfo(
            publicKey: key,
            listenAddresses: [try Multiaddr(parsing: "/ip4/127.0.0.1/tcp/9000")],
            protocols: ["/ipfs/id/1.0.0", "/ipfs/ping/1.0.0", "/meshsub/1.1.0", "/meshsub/1.0.0"],
            observedAddress: try Multiaddr(parsing: "/ip4/127.0.0.1/tcp/54321"),
            protocolVersion: "ipfs/0.1.0", agentVersion: "ghcache-peer/0.1")
        #expect(P2PTest.hex(info.encoded) == P2PTest.hex(try P2PTest.field(v, "message")))
        #expect(P2PTest.hex(Wire.lengthPrefixed(info.encoded)) == P2PTest.hex(try P2PTest.field(v, "framed_uvarint")))
        #expect(try Identify.parse(Wire.lengthPrefixed(info.encoded)) == info)
        #expect(try Identify.parse(info.encoded) == info)
        var withRecord = ProtobufWriter()
        withRecord.writeBytes(field: 8, [UInt8](repeating: 7, count: 213))
        #expect(try Identify.parse(Wire.lengthPrefixed(info.encoded + withRecord.bytes)) == info)
    }
}
