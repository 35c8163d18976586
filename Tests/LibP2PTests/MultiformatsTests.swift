import Foundation
import Testing

@testable import LibP2P

@Suite struct VarintTests {
    @Test func roundTripsBoundaryValues() throws {
        let cases: [(UInt64, [UInt8])] = [
            (0, [0x00]), (1, [0x01]), (127, [0x7f]), (128, [0x80, 0x01]), (300, [0xac, 0x02]),
            (421, [0xa5, 0x03]), (16384, [0x80, 0x80, 0x01]),
            (UInt64.max, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
        ]
        for (value, encoded) in cases {
            #expect(Varint.encode(value) == encoded)
            #expect(Varint.encodedLength(value) == encoded.count)
            let decoded = try #require(try Varint.decode(encoded + [0xaa]))
            #expect(decoded.value == value)
            #expect(decoded.length == encoded.count)
        }
    }

    @Test func truncatedInputNeedsMore() throws {
        #expect(try Varint.decode([UInt8]()) == nil)
        #expect(try Varint.decode([0x80, 0x80]) == nil)
    }

    @Test func rejectsOverlongAndOverflowingVarints() {
        #expect(throws: MultiformatsError.self) { try Varint.decode([UInt8](repeating: 0x80, count: 11)) }
        #expect(throws: MultiformatsError.self) { try Varint.decode([0x80, 0x80, 0x01], maxLength: 2) }
        // 10th byte carrying more than the single remaining bit of a UInt64.
        #expect(throws: MultiformatsError.self) {
            try Varint.decode([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02])
        }
    }
}

@Suite struct MultibaseTests {
    @Test func base32MatchesRFC4648LowerCaseUnpadded() throws {
        let cases = [
            "": "", "f": "my", "fo": "mzxq", "foo": "mzxw6", "foob": "mzxw6yq", "fooba": "mzxw6ytb",
            "foobar": "mzxw6ytboi",
        ]
        for (plain, encoded) in cases {
            #expect(Multibase.base32.encode(Array(plain.utf8)) == "b" + encoded)
            #expect(try Multibase.decode("b" + encoded).bytes == Array(plain.utf8))
        }
        #expect(try Multibase.decode("bMZXW6").bytes == Array("foo".utf8))
    }

    @Test func base58KeepsLeadingZeros() throws {
        #expect(Multibase.base58btc.encode([0, 0, 1]) == "z112")
        #expect(Multibase.base58btc.encode(Array("hello world".utf8)) == "zStV1DL6CwTryKyV")
        #expect(try Multibase.decode("z112").bytes == [0, 0, 1])
        #expect(try Multibase.decode("zStV1DL6CwTryKyV").bytes == Array("hello world".utf8))
    }

    @Test func rejectsBadInputWithClearErrors() {
        #expect(throws: MultiformatsError("unsupported multibase prefix 'm' (supported: 'b' base32, 'z' base58btc)")) {
            try Multibase.decode("mZm9v")
        }
        #expect(throws: MultiformatsError("invalid base58 character '0'")) { try Multibase.decode("z10") }
        #expect(throws: MultiformatsError("invalid base32 character '1'")) { try Multibase.decode("b1") }
        #expect(throws: MultiformatsError.self) { try Multibase.decode("bm") }  // dangling symbol
        #expect(throws: MultiformatsError.self) { try Multibase.decode("") }
    }
}

@Suite struct CIDTests {
    @Test func designVectorHelloWorld() throws {
        let cid = CID.raw(sha256Of: Array("hello world".utf8))
        #expect(cid.description == "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e")
        #expect(try CID(parsing: cid.description) == cid)
        #expect(CID(cid.description)?.codec == CID.rawCodec)
    }

    @Test func multihashShapes() throws {
        let hash = Multihash.sha256(of: Array("hello world".utf8))
        #expect(hash.bytes.prefix(2) == [0x12, 0x20])
        #expect(try Multihash(bytes: hash.bytes) == hash)
        #expect(Multihash.identity([1, 2]).bytes == [0x00, 0x02, 0x01, 0x02])
        #expect(throws: MultiformatsError.self) { try Multihash(bytes: [0x12, 0x02, 0x01, 0x02]) }
        #expect(throws: MultiformatsError.self) { try Multihash(bytes: [0x00, 0x05, 0x01]) }
        #expect(throws: MultiformatsError.self) { try Multihash(bytes: [0x00, 0x01, 0x01, 0x09]) }
    }

    @Test func rejectsNonV1AndGarbage() {
        #expect(throws: MultiformatsError.self) { try CID(parsing: "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG") }
        #expect(throws: MultiformatsError.self) { try CID(parsing: "bafkrei") }
        #expect(CID("not a cid") == nil)
    }
}

@Suite struct MultiaddrTests {
    @Test func vectorTextAndBinaryRoundTrip() throws {
        let text = GossipFixtures.string("multiaddr", "text")
        let binary = GossipFixtures.bytes("multiaddr", "binary")
        let address = try Multiaddr(parsing: text)
        #expect(address.bytes == binary)
        #expect(try Multiaddr(bytes: binary) == address)
        #expect(address.description == text)
        #expect(address.peerID?.description == "12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB")
        #expect(address.withoutPeerID.description == "/ip4/127.0.0.1/tcp/9000")
    }

    @Test func ip6Vector() throws {
        let address = try Multiaddr(parsing: "/ip6/::1/tcp/9000")
        #expect(address.bytes == GossipFixtures.bytes("multiaddr", "ip6_loopback_tcp_9000_binary"))
        #expect(address.description == "/ip6/::1/tcp/9000")
        #expect(try Multiaddr(parsing: "/ip6/2001:DB8:0:0:0:0:0:1/tcp/1").description == "/ip6/2001:db8::1/tcp/1")
    }

    @Test func specExampleWithBtgPeerID() throws {
        let text = "/ip4/127.0.0.1/tcp/9000/p2p/12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq"
        let bytes = try Multiaddr(parsing: text).bytes
        #expect(GossipFixtures.hex(bytes).hasPrefix("047f000001062328a50326002408011220" + "1ed1e8fa"))
        #expect(GossipFixtures.hex(bytes).hasSuffix("e27e"))
    }

    @Test func acceptsIpfsButPrintsP2P() throws {
        let address = try Multiaddr(
            parsing: "/ip4/10.0.0.1/tcp/4001/ipfs/12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB/")
        #expect(
            address.description == "/ip4/10.0.0.1/tcp/4001/p2p/12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB")
    }

    @Test func malformedTextNamesTheBadPart() {
        let cases: [(String, String)] = [
            ("ip4/1.2.3.4", "must start with '/'"),
            ("/ip4/300.1.1.1/tcp/1", "bad ip4 address '300.1.1.1'"),
            ("/ip4/1.2.3/tcp/1", "bad ip4 address '1.2.3'"),
            ("/ip6/::g/tcp/1", "bad ip6 address '::g'"),
            ("/ip4/1.2.3.4/tcp/70000", "bad tcp port '70000' (must be 0-65535)"),
            ("/ip4/1.2.3.4/tcp", "missing value after '/tcp'"),
            ("/ip4/1.2.3.4/udp/53", "unsupported protocol 'udp' (supported: ip4, ip6, dns, dns4, dns6, tcp, p2p)"),
            ("/ip4//1.2.3.4", "missing value after '/ip4'"),
            ("/", "no components"),
        ]
        for (text, reason) in cases {
            #expect(throws: MultiformatsError("invalid multiaddr '\(text)': \(reason)")) {
                try Multiaddr(parsing: text)
            }
        }
        #expect(throws: MultiformatsError.self) { try Multiaddr(parsing: "/ip4/1.2.3.4/tcp/1/p2p/12D3KooWnotapeer") }
    }

    @Test func malformedBinaryIsRejected() {
        let good = GossipFixtures.bytes("multiaddr", "binary")
        #expect(throws: MultiformatsError.self) { try Multiaddr(bytes: Array(good.dropLast())) }
        #expect(throws: MultiformatsError.self) { try Multiaddr(bytes: [0x04, 0x7f]) }
        #expect(throws: MultiformatsError.self) { try Multiaddr(bytes: [0x91, 0x02, 0x00, 0x35]) }  // udp
        #expect(throws: MultiformatsError.self) { try Multiaddr(bytes: []) }
    }
}
