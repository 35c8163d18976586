import Foundation
import TestSupport
import Testing

@testable import LibP2P

/// The Swift host against real py-libp2p 0.8.1 peers (`Tests/Python/p2p_peer.py`).
@Suite("py-libp2p interop (transport)", .serialized, .timeLimit(.minutes(3)))
struct PyInteropTests {
    static let echo = "/ghcache/test-echo/1.0.0"

    @Test("Swift dials py: identify and ping in both directions, 300 KB through py's echo")
    func swiftDialsPy() async throws {
        let py = try PyPeerProcess([
            "--no-pubsub", "--linger", "--identify", "--ping", "2", "--echo-protocol", Self.echo,
        ])
        defer { py.stop() }
        let host = Host(identity: .generate())
        defer { Task { await host.shutdown() } }
        try await withTimeout(90) {
            let events = host.events()
            let addr = try Multiaddr(parsing: try await py.address())
            let pyPeer = try await host.dial(addr)
            #expect(pyPeer == addr.peerID)
            var iterator = events.makeAsyncIterator()
            #expect(await iterator.next() == .connected(pyPeer))

            let info = try await host.identify(pyPeer)
            #expect(info.agentVersion == "py-libp2p/0.8.1")
            #expect(info.protocolVersion == "ipfs/0.1.0")
            #expect(info.protocols.contains("/ipfs/ping/1.0.0"))
            #expect(info.protocols.contains(Self.echo))
            #expect(info.listenAddresses.contains(addr.withoutPeerID))
            #expect(host.peerInfo(pyPeer) == info)
            let rtt = try await host.ping(pyPeer)
            #expect(rtt > .zero && rtt < .seconds(5))

            let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
            #expect(try await HostTests.roundTrip(host, to: pyPeer, payload) == payload)

            let theirs = try await py.event("identify")
            #expect(theirs["agent_version"] as? String == "swift-libp2p/0.1")
            #expect(theirs["protocol_version"] as? String == "ipfs/0.1.0")
            #expect(theirs["public_key_hex"] as? String == P2PTest.hex(host.identity.publicKey.protobuf))
            let protocols = theirs["protocols"] as? [String] ?? []
            #expect(protocols.contains("/ipfs/id/1.0.0") && protocols.contains("/ipfs/ping/1.0.0"))
            #expect((theirs["observed_addr"] as? String)?.hasPrefix("/ip4/127.0.0.1/tcp/") == true)
            let ping = try await py.event("ping")
            #expect((ping["rtt_ms"] as? Double ?? -1) >= 0)
            #expect(py.output.allSatisfy { !$0.contains(#""event": "error""#) }, "\(py.output)")
        }
    }

    @Test("py dials Swift: identify, ping, and a 300 KB echo through the Swift handler")
    func pyDialsSwift() async throws {
        let host = Host(identity: .generate())
        defer { Task { await host.shutdown() } }
        HostTests.serveEcho(on: host)
        let events = host.events()
        let addr = try #require(try await host.listen(on: Multiaddr(parsing: "/ip4/127.0.0.1/tcp/0")).first)
        let py = try PyPeerProcess([
            "--no-pubsub", "--connect", addr.description, "--identify", "--ping", "2",
            "--echo-protocol", Self.echo, "--send-echo", "300000", "--linger",
        ])
        defer { py.stop() }
        try await withTimeout(90) {
            let pyAddr = try Multiaddr(parsing: try await py.address())
            let pyPeer = try #require(pyAddr.peerID)
            var iterator = events.makeAsyncIterator()
            #expect(await iterator.next() == .connected(pyPeer))

            let theirs = try await py.event("identify")
            #expect(theirs["agent_version"] as? String == "swift-libp2p/0.1")
            #expect((theirs["listen_addrs"] as? [String]) == [addr.withoutPeerID.description])
            #expect((theirs["protocols"] as? [String] ?? []).contains(Self.echo))
            _ = try await py.event("ping")
            let echoed = try await py.event("echo")
            #expect(echoed["received"] as? Int == 300_000)
            #expect(echoed["match"] as? Bool == true)

            #expect(try await host.ping(pyPeer) > .zero)
            let info = try await host.identify(pyPeer)
            #expect(info.agentVersion == "py-libp2p/0.8.1")
            #expect(py.output.allSatisfy { !$0.contains(#""event": "error""#) }, "\(py.output)")
        }
    }

    @Test("dialing py under a wrong /p2p/ peer ID fails with a clear error")
    func wrongPeerID() async throws {
        let py = try PyPeerProcess(["--no-pubsub", "--linger"])
        defer { py.stop() }
        let host = Host(identity: .generate())
        defer { Task { await host.shutdown() } }
        try await withTimeout(60) {
            let real = try Multiaddr(parsing: try await py.address())
            let impostor = Identity.generate().peerID
            let wrong = real.withoutPeerID.appending(.p2p(impostor))
            do {
                _ = try await host.dial(wrong)
                Issue.record("dial to a mismatching peer ID succeeded")
            } catch let error as NoiseError {
                #expect(
                    error
                        == .peerIDMismatch(
                            expected: impostor.description, actual: try #require(real.peerID).description))
                #expect(error.description.contains(impostor.description))
            }
            #expect(host.connectedPeers.isEmpty)
        }
    }

    @Test("py killed mid-stream: the Swift host notices, stays healthy and dials again")
    func pyKilledMidStream() async throws {
        let host = Host(identity: .generate())
        defer { Task { await host.shutdown() } }
        let first = try PyPeerProcess(["--no-pubsub", "--linger", "--echo-protocol", Self.echo])
        defer { first.stop() }
        let second = try PyPeerProcess(["--no-pubsub", "--linger", "--echo-protocol", Self.echo])
        defer { second.stop() }
        try await withTimeout(90) {
            let events = host.events()
            var iterator = events.makeAsyncIterator()
            let firstPeer = try await host.dial(Multiaddr(parsing: try await first.address()))
            #expect(await iterator.next() == .connected(firstPeer))
            let stream = try await host.newStream(to: firstPeer, protocols: [Self.echo])
            try await stream.write([UInt8](repeating: 1, count: 100_000))
            first.stop()
            await #expect(throws: (any Error).self) {
                while try await stream.read() != nil {}
                throw UnexpectedEOF()
            }
            #expect(await iterator.next() == .disconnected(firstPeer))
            #expect(host.connectedPeers.isEmpty)

            let secondPeer = try await host.dial(Multiaddr(parsing: try await second.address()))
            #expect(try await host.ping(secondPeer) > .zero)
            #expect(try await HostTests.roundTrip(host, to: secondPeer, [9, 8, 7]) == [9, 8, 7])
        }
    }

    @Test("py with gossipsub on: its /meshsub proposals get na, the connection stays healthy (yamux pings answered)")
    func unsupportedProtocolsFromPy() async throws {
        let host = Host(identity: .generate())
        defer { Task { await host.shutdown() } }
        let addr = try #require(try await host.listen(on: Multiaddr(parsing: "/ip4/127.0.0.1/tcp/0")).first)
        let py = try PyPeerProcess(["--connect", addr.description, "--linger"])
        defer { py.stop() }
        try await withTimeout(60) {
            let pyPeer = try #require(try Multiaddr(parsing: try await py.address()).peerID)
            _ = try await py.event("connected")
            // py's first yamux PING comes 0.5 s after the session starts; it must be answered.
            try await Task.sleep(for: .seconds(2))
            #expect(host.connectedPeers == [pyPeer])
            #expect(try await host.ping(pyPeer) > .zero)
            let info = try await host.identify(pyPeer)
            #expect(info.protocols.contains("/meshsub/1.1.0"))
            #expect(!py.output.contains { $0.contains(#""event": "disconnected""#) })
        }
    }
}
