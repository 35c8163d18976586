import CacheCore
import Foundation
import GitHubStandIn
import TestSupport
import Testing

/// Real `ghcache-peer` daemons, `ghcache-get` and `ghcache-stats` processes on 127.0.0.1 against the stand-in.
@Suite("fleet of ghcache-peer daemons", .serialized)
struct FleetTests {
    @Test("one fetch serves the fleet; a late joiner starts warm; kill -9 keeps the peer ID and the store")
    func oneFetchServesTheFleet() async throws {
        try await Environment.with { environment in
            let fleet = Fleet(environment)
            defer { fleet.stopAll() }
            let a = try await fleet.start("a")
            #expect(a.address.hasPrefix("/ip4/127.0.0.1/tcp/") && a.address.hasSuffix("/p2p/\(a.peerID)"))
            let b = try await fleet.start("b", bootstrap: ["not-a-multiaddr", a.address])
            #expect(b.stderr.contains("skipping bootstrap peer not-a-multiaddr"))
            let c = try await fleet.start("c", bootstrap: [a.address, b.address])
            try await eventually("A connects to B and C") { try await fleet.stats("a").int("connected_peers") == 2 }

            let first = try await fleet.get("a", "repos", "octocat")
            try #require(first.status == 0, "\(first.stderr)")
            #expect(fleet.charged == 1)
            for name in ["b", "c"] {
                try await eventually("the entry reaches \(name)") { try await fleet.stats(name).int("cache_size") == 1 }
                let answer = try await fleet.get(name, "repos", "octocat")
                #expect(answer.status == 0 && answer.stdout == first.stdout)
                let stats = try await fleet.stats(name)
                // A hit either way: a peer row, or the row this daemon fetched as the key's owner when A's miss
                // asked it (fleet fill).
                #expect(stats.int("peer_hits") + stats.int("local_hits") == 1 && stats.int("misses") == 0)
            }
            #expect(fleet.charged == 1, "B and C answered without calling GitHub")
            var sent = 0
            for name in ["a", "b", "c"] { sent += try await fleet.stats(name).int("gossip.sent") }
            #expect(sent == 1, "the one fetch was published once")

            // A late joiner that only knows C gets the entry through join-time sync, not gossip.
            _ = try await fleet.start("d", bootstrap: [c.address])
            try await eventually("D starts warm") { try await fleet.stats("d").int("cache_size") == 1 }
            let late = try await fleet.stats("d")
            #expect(late.int("sync.entries_received") == 1 && late.int("gossip.received") == 0)
            let warm = try await fleet.get("d", "repos", "octocat")
            #expect(warm.status == 0 && warm.stdout == first.stdout)
            #expect(fleet.charged == 1)

            // kill -9 and restart: same peer ID (identity file 0600), same store.
            b.kill9()
            let identity = try FileManager.default.attributesOfItem(atPath: "\(b.directory)/peer-identity.key")
            #expect((identity[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let restarted = try await fleet.start("b", bootstrap: [a.address])
            #expect(restarted.peerID == b.peerID)
            #expect(try await fleet.stats("b").int("cache_size") == 1)
            let id = try await environment.run(
                "ghcache-peer", ["id", "--listen-address", "127.0.0.1", "--port", "9999"],
                env: ["CACHE_DIR": b.directory])
            #expect(id.stdoutText == "\(b.peerID)\n/ip4/127.0.0.1/tcp/9999/p2p/\(b.peerID)\n")

            // SIGTERM: clean exit, heartbeat cleared.
            let stopped = try await restarted.terminate()
            #expect(stopped.status == 0)
            let after = try await fleet.stats("b")
            #expect(after["daemon_running"] as? Bool == false && after["peer_id"] is NSNull)
        }
    }
}
