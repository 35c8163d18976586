import Testing

@testable import LibP2P

@Suite("DNS multiaddrs and the resolver")
struct DNSMultiaddrTests {
    @Test func dnsComponentsRoundTripInTextAndBinary() throws {
        for (name, code) in [("dns", 0x35), ("dns4", 0x36), ("dns6", 0x37)] {
            let text = "/\(name)/runners.internal/tcp/9000"
            let address = try Multiaddr(parsing: text)
            #expect(address.description == text && address.isDNS && address.peerID == nil)
            // code ‖ uvarint length ‖ UTF-8 name ‖ tcp 0x06 ‖ port 9000 big-endian
            #expect(address.bytes == [UInt8(code), 16] + Array("runners.internal".utf8) + [0x06, 0x23, 0x28])
            #expect(try Multiaddr(bytes: address.bytes) == address)
        }
        let withPeer = try Multiaddr(
            parsing: "/dns4/Runner-1.Example.COM/tcp/1/p2p/12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB")
        #expect(withPeer.description.hasPrefix("/dns4/runner-1.example.com/tcp/1/p2p/12D3KooW"))
        #expect(withPeer.tcpEndpoint == nil, "a name is resolved before it is dialled")
    }

    @Test func badNamesAreRejected() {
        for text in [
            "/dns4/a b/tcp/1", "/dns4/a..b/tcp/1", "/dns/\(String(repeating: "a", count: 64)).com/tcp/1",
            "/dns6/x%y/tcp/1", "/dns4/.../tcp/1",
        ] {
            #expect(throws: MultiformatsError.self) { try Multiaddr(parsing: text) }
        }
        #expect(throws: MultiformatsError.self) { try Multiaddr(bytes: [0x36, 0x00]) }  // empty name
        #expect(throws: MultiformatsError.self) { try Multiaddr(bytes: [0x36, 0x05, 0x61]) }  // truncated
        #expect(throws: MultiformatsError.self) { try Multiaddr(bytes: [0x36, 0x01, 0x2f]) }  // '/'
    }

    @Test func resolverReplacesTheNameByEveryAddress() async throws {
        let resolved = try await DNSResolver.resolve(try Multiaddr(parsing: "/dns4/localhost/tcp/9000"))
        #expect(resolved.contains(try Multiaddr(parsing: "/ip4/127.0.0.1/tcp/9000")))
        #expect(resolved.allSatisfy { !$0.isDNS })
        let plain = try Multiaddr(parsing: "/ip4/10.0.0.1/tcp/1")
        #expect(try await DNSResolver.resolve(plain) == [plain])
        await #expect(throws: DNSResolutionError.self) {
            try await DNSResolver.resolve(try Multiaddr(parsing: "/dns4/no-such-host.invalid/tcp/1"))
        }
    }
}

@Suite("mDNS messages")
struct MDNSMessageTests {
    static let peer = Identity.generate().peerID
    static let other = Identity.generate().peerID

    static func discovery(_ addresses: [String], peer: PeerID = peer) -> MDNSDiscovery {
        let parsed = addresses.compactMap { try? Multiaddr(parsing: $0) }
        return MDNSDiscovery(peerID: peer) { parsed }
    }

    @Test func answerRoundTripsAndNamesOurAddressesInterfaceFirst() throws {
        let mdns = Self.discovery(["/ip4/10.0.0.5/tcp/9000", "/ip4/192.168.1.7/tcp/9000", "/ip4/127.0.0.1/tcp/9000"])
        let answer = mdns.answers([192, 168, 1, 7])
        let decoded = try DNSMessage.decode(answer.encode())
        #expect(decoded == answer && decoded.isResponse)
        guard case .ptr(let instance) = decoded.answers.first?.data else {
            Issue.record("no PTR answer")
            return
        }
        #expect(decoded.answers.first?.name == DNSName("_p2p._udp.local"))
        let txt = decoded.additionals.first { $0.name == instance && $0.data.type == DNSRecordData.typeTXT }
        guard case .txt(let strings)? = txt?.data else {
            Issue.record("no TXT record")
            return
        }
        #expect(
            strings.map { String(decoding: $0, as: UTF8.self) } == [
                "dnsaddr=/ip4/192.168.1.7/tcp/9000/p2p/\(Self.peer)", "dnsaddr=/ip4/10.0.0.5/tcp/9000/p2p/\(Self.peer)",
            ], "loopback is never advertised; the interface's own address comes first")
        #expect(decoded.additionals.contains { if case .srv(_, _, 9000, _) = $0.data { true } else { false } })
        #expect(decoded.additionals.filter { $0.data.type == DNSRecordData.typeA }.count == 2)
        // Our own answer names no peer; another peer's does.
        #expect(mdns.peers(in: decoded).isEmpty)
        let found = Self.discovery([], peer: Self.other).peers(in: decoded)
        let expected = [
            try Multiaddr(parsing: "/ip4/192.168.1.7/tcp/9000/p2p/\(Self.peer)"),
            try Multiaddr(parsing: "/ip4/10.0.0.5/tcp/9000/p2p/\(Self.peer)"),
        ]
        #expect(found == [MDNSDiscovery.Found(peer: Self.peer, addresses: expected)])
    }

    @Test func readsPyLibp2pNumberedKeys() throws {
        // py-libp2p 0.8.1 (zeroconf properties): dnsaddr=, dnsaddr2=, dnsaddr3=…; other keys are ignored.
        let instance = DNSName("abc123._p2p._udp.local")
        let strings = [
            "dnsaddr=/ip4/10.1.0.2/tcp/4001/p2p/\(Self.other)", "dnsaddr2=/ip6/fd00::2/tcp/4001/p2p/\(Self.other)",
            "id=\(Self.other)", "dnsaddrx=/ip4/10.9.9.9/tcp/1/p2p/\(Self.other)", "DNSADDR3=not-a-multiaddr",
        ].map { Array($0.utf8) }
        let message = DNSMessage.response(
            answers: [DNSRecord(name: DNSName("_p2p._udp.local"), ttl: 120, data: .ptr(instance))],
            additionals: [DNSRecord(name: instance, cacheFlush: true, ttl: 120, data: .txt(strings))])
        let found = Self.discovery([]).peers(in: try DNSMessage.decode(message.encode()))
        #expect(found.map(\.peer) == [Self.other])
        #expect(
            found.first?.addresses.map(\.description) == [
                "/ip4/10.1.0.2/tcp/4001/p2p/\(Self.other)", "/ip6/fd00::2/tcp/4001/p2p/\(Self.other)",
            ])
    }

    @Test func queriesForUsAreRecognised() {
        let mdns = Self.discovery(["/ip4/10.0.0.5/tcp/9000"])
        #expect(mdns.asksForUs(mdns.query()))
        #expect(mdns.asksForUs(.query([DNSQuestion(name: DNSName("_P2P._udp.LOCAL"), type: DNSRecordData.typeANY)])))
        #expect(!mdns.asksForUs(.query([DNSQuestion(name: DNSName("_http._tcp.local"), type: DNSRecordData.typePTR)])))
    }

    @Test func compressionPointersAreFollowedBackwardsOnly() throws {
        // Header (1 question, 1 answer); question _p2p._udp.local PTR; answer name = pointer to offset 12.
        var bytes: [UInt8] = [0, 0, 0x84, 0, 0, 1, 0, 1, 0, 0, 0, 0]
        DNSName("_p2p._udp.local").encode(into: &bytes)
        bytes += [0, 12, 0, 1]
        bytes += [0xc0, 12, 0, 12, 0, 1, 0, 0, 0, 120, 0, 6, 3, 0x61, 0x62, 0x63, 0xc0, 12]
        let message = try DNSMessage.decode(bytes)
        #expect(message.answers.first?.name == DNSName("_p2p._udp.local"))
        #expect(message.answers.first?.data == .ptr(DNSName("abc._p2p._udp.local")))
        // A pointer to itself, or forwards, is refused.
        var loop: [UInt8] = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        loop += [0xc0, 12, 0, 12, 0, 1]
        #expect(throws: DNSMessageError.self) { try DNSMessage.decode(loop) }
        var forward: [UInt8] = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        forward += [0xc0, 14, 0, 0, 12, 0, 1]
        #expect(throws: DNSMessageError.self) { try DNSMessage.decode(forward) }
    }

    @Test("hostile packets never trap: random bytes and mutated answers", arguments: 0..<4)
    func fuzz(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed) &+ 500)
        let valid = Self.discovery(["/ip4/10.0.0.5/tcp/9000", "/ip4/10.0.0.6/tcp/9000"]).answers(nil).encode()
        let reader = Self.discovery([])
        var decoded = 0
        for round in 0..<3000 {
            var bytes: [UInt8]
            if round.isMultiple(of: 3) {
                bytes = (0..<Int.random(in: 0...600, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                bytes = valid
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    let index = Int.random(in: 0..<bytes.count, using: &rng)
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: bytes[index] = UInt8.random(in: 0...255, using: &rng)
                    case 1: bytes.removeSubrange(index...)
                    default: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: index)
                    }
                    if bytes.isEmpty { break }
                }
            }
            if let message = try? DNSMessage.decode(bytes) {
                decoded += 1
                _ = reader.peers(in: message)
                _ = reader.asksForUs(message)
                _ = try? DNSMessage.decode(message.encode())
            }
        }
        #expect(decoded > 0, "some mutations keep the message valid")
    }
}
