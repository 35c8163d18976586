import Foundation
import TestSupport
import Testing

@testable import LibP2P

/// The Swift DHT against real py-libp2p 0.8.1 `KadDHT` nodes (`Tests/Python/kad_node.py`), both directions.
@Suite("py-libp2p interop (Kademlia DHT)", .serialized, .timeLimit(.minutes(3)))
struct KadInteropTests {
    static func startPy(_ arguments: [String], timeout: Int = 60) throws -> PyPeerProcess {
        try PyPeerProcess(arguments, script: "kad_node.py", timeout: timeout)
    }

    static func key(_ byte: UInt8) -> [UInt8] { [0x12, 0x20] + [UInt8](repeating: byte, count: 32) }

    @Test("Swift client: py's provider record is found through a py DHT server, and the provider dialled")
    func swiftFindsPyProvider() async throws {
        let server = try Self.startPy([])
        defer { server.stop() }
        let serverAddress = try Multiaddr(parsing: try await server.address())
        let provider = try Self.startPy(["--connect", serverAddress.description, "--provide", P2PTest.hex(Self.key(7))])
        defer { provider.stop() }
        let providerAddress = try Multiaddr(parsing: try await provider.address())
        _ = try await provider.event("provided", within: 30)

        let host = Host(identity: .generate())
        defer { Task { await host.shutdown() } }
        let dht = KadDHT(host: host, server: false)
        defer { dht.stop() }
        try await withTimeout(60) {
            await #expect(throws: KadError.noPeers) { try await dht.findProviders(of: Self.key(7)) }
            #expect(dht.addPeer(try #require(serverAddress.peerID), addresses: [serverAddress]))
            let found = try await dht.findProviders(of: Self.key(7))
            let entry = try #require(found.first { $0.id == providerAddress.peerID })
            #expect(entry.addresses.contains(providerAddress.withoutPeerID))
            // A candidate becomes a peer only when Noise proves the ID.
            let dialled = try await host.dial(entry.addresses[0].appending(.p2p(entry.id)))
            #expect(dialled == entry.id)
            // FIND_NODE: the server knows the provider (it sent ADD_PROVIDER), so it is among the closest.
            let closest = try await dht.findClosestPeers(to: Self.key(9))
            #expect(closest.contains { $0.id == serverAddress.peerID })
            #expect(await (try? dht.findProviders(of: Self.key(8))) == [])
        }
    }

    @Test("Swift server: py finds our provider record, our FIND_NODE answer, and announces to us")
    func pyUsesSwiftServer() async throws {
        let host = Host(identity: .generate())
        defer { Task { await host.shutdown() } }
        let dht = KadDHT(host: host, server: true)
        defer { dht.stop() }
        let address = try #require(try await host.listen(on: Multiaddr(parsing: "/ip4/127.0.0.1/tcp/0")).first)
        #expect(host.protocols.contains(KadDHT.protocolID))
        // With no other server known, providing records the key locally and reaches nobody else.
        await #expect(throws: KadError.noPeers) { try await dht.provide(Self.key(5), addresses: [address]) }

        let py = try Self.startPy([
            "--connect", address.description, "--find-peer", host.peerID.description,
            "--find-providers", P2PTest.hex(Self.key(5)), "--provide", P2PTest.hex(Self.key(6)),
        ])
        defer { py.stop() }
        let pyAddress = try Multiaddr(parsing: try await py.address())
        let found = try await py.event("found_peer", within: 40)
        #expect(found["peer"] as? String == host.peerID.description)
        #expect((found["addrs"] as? [String] ?? []).contains { $0.hasPrefix(address.withoutPeerID.description) })
        let providers = try await py.event("providers", within: 40)
        let ids = (providers["peers"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(ids.contains(host.peerID.description))
        _ = try await py.event("provided", within: 40)
        try await withTimeout(30) {
            while dht.providerRecordCount < 2 { try await Task.sleep(for: .milliseconds(100)) }
        }
        let stored = try await dht.findProviders(of: Self.key(6))
        #expect(stored.first?.id == pyAddress.peerID)
        #expect(stored.first?.addresses.contains(pyAddress.withoutPeerID) == true)
        // py serves the DHT: identify put it in our routing table.
        #expect(dht.routingTablePeers.contains(try #require(pyAddress.peerID)))
        #expect(py.output.allSatisfy { !$0.contains(#""event": "error""#) }, "\(py.output)")
    }

    @Test("Swift to Swift: identify fills the routing table; a server that failed a query comes back from identify")
    func swiftToSwift() async throws {
        let serverHost = Host(identity: .generate())
        defer { Task { await serverHost.shutdown() } }
        let server = KadDHT(host: serverHost, server: true)
        let address = try #require(try await serverHost.listen(on: Multiaddr(parsing: "/ip4/127.0.0.1/tcp/0")).first)
        let clientHost = Host(identity: .generate())
        defer { Task { await clientHost.shutdown() } }
        let client = KadDHT(host: clientHost, server: false)
        defer { client.stop() }
        #expect(!clientHost.protocols.contains(KadDHT.protocolID))
        try await withTimeout(60) {
            _ = try await clientHost.dial(address)
            while client.routingTablePeers.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            #expect(client.routingTablePeers == [serverHost.peerID])
            // The client serves nothing, so the server's identify did not put it in the server's table.
            #expect(server.routingTablePeers.isEmpty)
            #expect(
                try await client.provide(Self.key(1), addresses: [try Multiaddr(parsing: "/ip4/127.0.0.1/tcp/9")]) == 1)
            #expect(try await client.findProviders(of: Self.key(1)).map(\.id) == [clientHost.peerID])
            server.stop()
            #expect(try await client.findClosestPeers(to: Self.key(2)).isEmpty)  // the one server refused
            #expect(client.routingTablePeers.isEmpty && client.hasServers)
            let again = KadDHT(host: serverHost, server: true)
            defer { again.stop() }
            let closest = try await client.findClosestPeers(to: Self.key(2))
            #expect(closest.map(\.id) == [serverHost.peerID])
            #expect(client.routingTablePeers == [serverHost.peerID])
        }
    }

    @Test("hostile requests: oversized, malformed and unsupported RPCs reset the stream, the server keeps serving")
    func hostileRequests() async throws {
        let server = Host(identity: .generate())
        defer { Task { await server.shutdown() } }
        var configuration = KadConfiguration()
        configuration.maxProviderKeys = 8
        let dht = KadDHT(host: server, server: true, configuration: configuration)
        defer { dht.stop() }
        let address = try #require(try await server.listen(on: Multiaddr(parsing: "/ip4/127.0.0.1/tcp/0")).first)
        let client = Host(identity: .generate())
        defer { Task { await client.shutdown() } }
        try await withTimeout(60) {
            let peer = try await client.dial(address)
            for bad in [
                Varint.encode(UInt64(KadMessage.maxSize + 1)) + [0x08],  // announced length over the limit
                Wire.lengthPrefixed([0x08, 0x63]),  // unknown RPC
                Wire.lengthPrefixed([0x08, 0x00]),  // PUT_VALUE
                Wire.lengthPrefixed([0x08, 0x04]),  // FIND_NODE without a key
                Wire.lengthPrefixed([0x12, 0x40, 0x01]),  // truncated
            ] {
                let stream = try await client.newStream(to: peer, protocols: [KadDHT.protocolID])
                try await stream.write(bad)
                await #expect(throws: (any Error).self) {
                    _ = try await stream.readLengthPrefixed(maxSize: KadMessage.maxSize)
                    _ = try await stream.read()
                }
            }
            // Random frames (valid length prefix, random protobuf) on fresh streams: each is answered or reset.
            var rng = SplitMix64(seed: 23)
            for _ in 0..<40 {
                let body = (0..<Int(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                let stream = try await client.newStream(to: peer, protocols: [KadDHT.protocolID])
                try await stream.writeLengthPrefixed(body)
                try await stream.closeWrite()
                _ = try? await stream.readLengthPrefixed(maxSize: KadMessage.maxSize)
            }
            // A flood of providers for many keys from one (authenticated) peer stays bounded.
            let stream = try await client.newStream(to: peer, protocols: [KadDHT.protocolID])
            let me = KadMessage.Peer(id: client.peerID, addresses: [try Multiaddr(parsing: "/ip4/127.0.0.1/tcp/1")])
            let fake = KadMessage.Peer(id: Identity.generate().peerID, addresses: me.addresses)
            for i in 0..<50 {
                let message = KadMessage(type: .addProvider, key: Self.key(UInt8(i)), providerPeers: [fake, me])
                try await stream.writeLengthPrefixed(message.encoded)
            }
            try await stream.writeLengthPrefixed(KadMessage(type: .ping).encoded)
            let pong = try #require(try await stream.readLengthPrefixed(maxSize: KadMessage.maxSize))
            #expect(try KadMessage(decoding: pong).type == .ping)
            #expect(dht.providerRecordCount == 8)  // one per key, only the sender itself, at most 8 keys
            let providers = try await dht.findProviders(of: Self.key(0))
            #expect(providers.map(\.id) == [client.peerID])
        }
    }
}
