import CacheCore
import Foundation
import GitHubStandIn
import Replication
import TestSupport
import Testing

/// Validators that travel (issue 8, part 2) against the faithful stand-in (part 4): real `ghcache-peer` daemons and
/// `ghcache-get` processes on 127.0.0.1. The runner list sends no `Last-Modified`, as on GitHub, so a refresh is free
/// only with an ETag the same token received. Fleet fill is off here (`CACHE_FLEET_FILL=false`), so that each
/// runner revalidates its own copy with its own token; with fill on, the key's owner revalidates for everyone
/// (FleetFillProcessTests).
@Suite("validators travel with replicated rows", .serialized)
struct ValidatorFleetTests {
    static let path = "/orgs/octo/actions/runners"
    /// Short enough to expire during the test, long enough for gossip to deliver an entry before it expires.
    static let ttl: Double = 5
    static let sharedToken = "fleet-shared-token"

    @Test(
        "runners sharing a token pay one 200 and then only 304s (gossip and late-join sync); another token proves for free"
    )
    func sharedTokenRevalidatesForFree() async throws {
        try await Environment.with { environment in
            let fleet = Fleet(environment)
            defer { fleet.stopAll() }
            let noFill = ["CACHE_FLEET_FILL": "false"]
            let a = try await fleet.start("a", env: noFill)
            let b = try await fleet.start("b", bootstrap: [a.address], env: noFill)
            let c = try await fleet.start("c", bootstrap: [a.address, b.address], env: noFill)
            _ = try await fleet.start("d", bootstrap: [a.address, c.address], env: noFill)
            try await eventually("A connects to B, C and D") {
                try await fleet.stats("a").int("connected_peers") == 3
            }
            let fingerprintKey = Data(FleetKey(secret: Fleet.secret).tokenFingerprintKey)
            for name in ["a", "b", "c", "d"] {
                let key = FileManager.default.contents(atPath: "\(fleet.directory(name))/fingerprint.key")
                #expect(key == fingerprintKey, "the daemon of \(name) installed the fleet's fingerprint key")
            }

            func get(_ name: String, token: String) async throws -> ProcessResult {
                let result = try await environment.run(
                    "ghcache-get", ["runners", "--org", "octo", "--verbose"],
                    env: [
                        "CACHE_DIR": fleet.directory(name), "GITHUB_TOKEN": token,
                        "CACHE_TTL_RULES": "/orgs/*/actions/runners=\(Int(Self.ttl))",
                    ])
                try #require(result.status == 0, "ghcache-get on \(name) failed: \(result.stderr)")
                return result
            }
            /// The stand-in's counts for the list: charged 200s and free 304s.
            func expectCounts(charged: Int, free: Int, sourceLocation: SourceLocation = #_sourceLocation) {
                let counts = environment.server.stats().counts(for: Self.path)
                #expect(
                    counts.charged == charged && counts.notCharged == free, "\(counts)", sourceLocation: sourceLocation)
            }
            /// Sleeps until an entry fetched or refreshed by a `ghcache-get` that returned at `moment` is stale.
            func sleepPastExpiry(of moment: Date) async throws {
                let wait = moment.addingTimeInterval(Self.ttl + 0.3).timeIntervalSinceNow
                if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
            }

            // A fetches the list: the one charged call of the shared token.
            let first = try await get("a", token: Self.sharedToken)
            let fetchedAt = Date()
            #expect(first.stderr.contains("MISS"), "\(first.stderr)")
            expectCounts(charged: 1, free: 0)
            for name in ["b", "c", "d"] {
                try await eventually("the entry reaches \(name)", timeout: Self.ttl - 1) {
                    try await fleet.stats(name).int("cache_size") == 1
                }
            }

            // B's copy came from A and is stale: B revalidates it with the ETag A's token received (same token,
            // same fleet-wide fingerprint), a free 304. B republishes the refreshed row with its validators.
            try await sleepPastExpiry(of: fetchedAt)
            let second = try await get("b", token: Self.sharedToken)
            let refreshedAt = Date()
            #expect(second.stderr.contains("REVALIDATED"), "\(second.stderr)")
            #expect(second.stdout == first.stdout)
            expectCounts(charged: 1, free: 1)
            try await eventually("C receives B's refreshed copy", timeout: Self.ttl - 1) {
                try await fleet.stats("c").int("gossip.received") >= 2
            }

            // C holds B's republished copy; once stale, C revalidates it for free too.
            try await sleepPastExpiry(of: refreshedAt)
            let third = try await get("c", token: Self.sharedToken)
            let thirdAt = Date()
            #expect(third.stderr.contains("REVALIDATED"), "\(third.stderr)")
            #expect(third.stdout == first.stdout)
            expectCounts(charged: 1, free: 2)
            for name in ["b", "c"] {
                let stats = try await fleet.stats(name)
                #expect(stats.int("not_modified") == 1 && stats.int("misses") == 0, "\(name): \(stats)")
            }

            // E joins late and gets C's refreshed copy by join-time sync, validators included: free as well.
            _ = try await fleet.start("e", bootstrap: [c.address], env: noFill)
            try await eventually("E starts warm", timeout: Self.ttl - 1) {
                try await fleet.stats("e").int("sync.entries_received") == 1
            }
            try await sleepPastExpiry(of: thirdAt)
            let fourth = try await get("e", token: Self.sharedToken)
            let fourthAt = Date()
            #expect(fourth.stderr.contains("REVALIDATED"), "\(fourth.stderr)")
            #expect(fourth.stdout == first.stdout)
            expectCounts(charged: 1, free: 3)

            // D's token never received an ETag and the list has no Last-Modified: it proves with the ETag GitHub
            // would give it for the cached bytes (CACHE_SHARING=verified), a free 304.
            try await sleepPastExpiry(of: fourthAt)
            let other = try await get("d", token: "another-token")
            #expect(other.stderr.contains("REVALIDATED"), "\(other.stderr)")
            #expect(other.stdout == first.stdout)
            expectCounts(charged: 1, free: 4)
            #expect(fleet.charged == 1)
        }
    }
}
