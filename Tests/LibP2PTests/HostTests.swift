import NIOCore
import NIOPosix
import Testing

@testable import LibP2P

/// Swift ↔ Swift hosts over real TCP on 127.0.0.1.
@Suite("Host (Swift ↔ Swift)", .serialized, .timeLimit(.minutes(2)))
struct HostTests {
    static let echo = "/ghcache/test-echo/1.0.0"
    static let loopback = "/ip4/127.0.0.1/tcp/0"

    /// Registers an echo handler: echoes until the peer closes, then closes.
    static func serveEcho(on host: Host) {
        host.setStreamHandler(echo) { stream in
            do {
                while let chunk = try await stream.read() { try await stream.write(chunk) }
                try await stream.closeWrite()
            } catch {
                stream.reset()
            }
        }
    }

    /// Sends `payload` over a fresh echo stream and returns what came back.
    static func roundTrip(_ host: Host, to peer: PeerID, _ payload: [UInt8]) async throws -> [UInt8] {
        let stream = try await host.newStream(to: peer, protocols: [echo])
        async let back: [UInt8] = {
            var received: [UInt8] = []
            while let chunk = try await stream.read() { received += chunk }
            return received
        }()
        try await stream.write(payload)
        try await stream.closeWrite()
        return try await back
    }

    /// Runs `body` with two fresh hosts that both serve echo, failing after `seconds`; shuts both down afterwards.
    static func withHostPair(seconds: Double, _ body: @escaping @Sendable (Host, Host) async throws -> Void)
        async throws
    {
        let a = Host(identity: .generate())
        let b = Host(identity: .generate())
        serveEcho(on: a)
        serveEcho(on: b)
        do {
            try await withTimeout(seconds) { try await body(a, b) }
        } catch {
            await a.shutdown()
            await b.shutdown()
            throw error
        }
        await a.shutdown()
        await b.shutdown()
    }

    @Test("dial, events, identify, ping, protocol fallback, 300 KB both ways, close")
    func basics() async throws {
        try await Self.withHostPair(seconds: 30) { a, b in
            let eventsA = a.events()
            let eventsB = b.events()
            let addr = try #require(try await b.listen(on: Multiaddr(parsing: Self.loopback)).first)
            #expect(addr.peerID == b.peerID)
            #expect(try await a.dial(addr) == b.peerID)
            var iterA = eventsA.makeAsyncIterator()
            var iterB = eventsB.makeAsyncIterator()
            #expect(await iterA.next() == .connected(b.peerID))
            #expect(await iterB.next() == .connected(a.peerID))
            #expect(a.connectedPeers == [b.peerID])

            let info = try await a.identify(b.peerID)
            #expect(info.agentVersion == "swift-libp2p/0.1")
            #expect(info.protocolVersion == "ipfs/0.1.0")
            #expect(info.protocols.contains(Self.echo))
            #expect(info.listenAddresses == [addr.withoutPeerID])
            // A wildcard listen address is advertised as the interfaces' addresses: nobody can dial 0.0.0.0.
            let wildcard = Host.dialable(try Multiaddr(parsing: "/ip4/0.0.0.0/tcp/4001"))
            #expect(wildcard.contains(try Multiaddr(parsing: "/ip4/127.0.0.1/tcp/4001")))
            #expect(!wildcard.contains { $0.description.hasPrefix("/ip4/0.0.0.0") })
            #expect(info.publicKey == b.identity.publicKey)
            #expect(try await a.ping(b.peerID) > .zero)

            let fallback = try await a.newStream(to: b.peerID, protocols: ["/nope/1.0.0", Self.echo])
            #expect(fallback.protocolID == Self.echo)
            fallback.reset()
            await #expect(throws: MultistreamError.unsupported(["/nope/1.0.0"])) {
                try await a.newStream(to: b.peerID, protocols: ["/nope/1.0.0"])
            }

            let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            #expect(try await Self.roundTrip(a, to: b.peerID, payload) == payload)
            #expect(try await Self.roundTrip(b, to: a.peerID, payload) == payload)

            a.closeConnection(to: b.peerID)
            #expect(await iterA.next() == .disconnected(b.peerID))
            #expect(await iterB.next() == .disconnected(a.peerID))
            await #expect(throws: HostError.notConnected(b.peerID)) {
                try await a.newStream(to: b.peerID, protocols: [Self.echo])
            }
        }
    }

    @Test("many concurrent streams on one connection each carry their own bytes")
    func concurrentStreams() async throws {
        try await Self.withHostPair(seconds: 60) { a, b in
            let addr = try #require(try await b.listen(on: Multiaddr(parsing: Self.loopback)).first)
            let peer = try await a.dial(addr)
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<24 {
                    group.addTask {
                        let payload = (0..<(100_000 + i * 1000)).map { UInt8(truncatingIfNeeded: $0 &+ i) }
                        return try await Self.roundTrip(a, to: peer, payload) == payload
                    }
                }
                for try await ok in group { #expect(ok) }
            }
        }
    }

    @Test("simultaneous dials in both directions leave working connections")
    func simultaneousDials() async throws {
        try await Self.withHostPair(seconds: 30) { a, b in
            let addrA = try #require(try await a.listen(on: Multiaddr(parsing: Self.loopback)).first)
            let addrB = try #require(try await b.listen(on: Multiaddr(parsing: Self.loopback)).first)
            async let ab = a.dial(addrB)
            async let ba = b.dial(addrA)
            #expect(try await [ab, ba] == [b.peerID, a.peerID])
            #expect(try await Self.roundTrip(a, to: b.peerID, [1, 2, 3]) == [1, 2, 3])
            #expect(try await Self.roundTrip(b, to: a.peerID, [4, 5]) == [4, 5])
        }
    }

    @Test("a dial naming another peer ID fails and leaves no connection")
    func wrongPeerID() async throws {
        try await Self.withHostPair(seconds: 30) { a, b in
            let addr = try #require(try await b.listen(on: Multiaddr(parsing: Self.loopback)).first)
            let impostor = Identity.generate().peerID
            let wrong = addr.withoutPeerID.appending(.p2p(impostor))
            await #expect(
                throws: NoiseError.peerIDMismatch(expected: impostor.description, actual: b.peerID.description)
            ) {
                try await a.dial(wrong)
            }
            #expect(a.connectedPeers.isEmpty)
            #expect(try await a.dial(addr) == b.peerID)
        }
    }

    @Test("garbage sent to a listener closes that connection; the host keeps serving", arguments: 0..<3)
    func garbageToListener(seed: Int) async throws {
        var configuration = HostConfiguration()
        configuration.handshakeTimeout = .seconds(1)
        let host = Host(identity: .generate(), configuration: configuration)
        let client = Host(identity: .generate())
        defer {
            Task {
                await host.shutdown()
                await client.shutdown()
            }
        }
        try await withTimeout(30) {
            let addr = try #require(try await host.listen(on: Multiaddr(parsing: Self.loopback)).first)
            let port = try #require(addr.tcpEndpoint?.port)
            var rng = SplitMix64(seed: UInt64(seed))
            let valid =
                Multistream.encode(Multistream.header) + Multistream.encode("/noise") + [0, 32]
                + [UInt8](repeating: 9, count: 32) + [0x01, 0x00] + [UInt8](repeating: 1, count: 256)
            for round in 0..<10 {
                var input =
                    round % 2 == 0
                    ? (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) } : valid
                if round % 2 == 1 {
                    for _ in 0..<4 {
                        input[Int(rng.next() % UInt64(input.count))] = UInt8(truncatingIfNeeded: rng.next())
                    }
                }
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connect(host: "127.0.0.1", port: port) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                        }
                    }
                try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(bytes: input))
                    outbound.finish()
                    // The host must close the connection (or answer and then close on EOF).
                    for try await _ in inbound {}
                }
            }
            #expect(host.connectedPeers.isEmpty)
            #expect(try await client.dial(addr) == host.peerID)
            #expect(try await client.ping(host.peerID) > .zero)
        }
    }

    @Test("dialing a port nobody listens on fails with a readable reason")
    func connectionRefused() async throws {
        let host = Host(identity: .generate())
        defer { Task { await host.shutdown() } }
        let probe = Host(identity: .generate())
        let addr = try #require(try await probe.listen(on: Multiaddr(parsing: Self.loopback)).first)
        await probe.shutdown()
        do {
            _ = try await host.dial(addr)
            Issue.record("dial to a closed port succeeded")
        } catch let error as HostError {
            #expect(error.description.contains("cannot connect to \(addr)"))
            #expect(error.description.contains("refused"), "\(error)")
        }
    }

    @Test("shutdown ends event streams and refuses new work")
    func shutdown() async throws {
        let host = Host(identity: .generate())
        let events = host.events()
        _ = try await host.listen(on: Multiaddr(parsing: Self.loopback))
        try await withTimeout(10) {
            await host.shutdown()
            var iterator = events.makeAsyncIterator()
            #expect(await iterator.next() == nil)
            await #expect(throws: HostError.shutDown) {
                try await host.listen(on: Multiaddr(parsing: Self.loopback))
            }
        }
    }
}
