import CacheCore
import Foundation
import GitHubStandIn
import TestSupport
import Testing

/// `CACHE_SHARING=verified` through a real `ghcache-peer`, against the faithful stand-in: private repositories and
/// admin-only endpoints that answer 404/403 to tokens without access, per-token `permissions`, and GitHub's ETags.
@Suite("Access-checked sharing through the local endpoint", .serialized)
struct AccessEndpointTests {
    static func auth(_ token: String) -> [String] { ["-H", "Authorization: token \(token)"] }

    @Test("a private repository and an admin-only list are never read by a token without access, nor a made-up one")
    func privateDataStaysPrivate() async throws {
        try await EndpointWorld.with(env: ["CACHE_SHARING": "verified"]) { world in
            try world.server.setAccess(
                StandInAccess(
                    privateRepositories: ["octo/secret-plans"],
                    grants: [
                        .init(token: "alice", scope: "octo", role: .admin),
                        .init(token: "bob", scope: "octo/secret-plans", role: .admin),
                    ]))
            let repo = "/repos/octo/secret-plans"
            let runners = "/orgs/octo/actions/runners"
            let alice = try await world.curlSocket(repo, Self.auth("alice"))
            #expect(alice.status == 200 && alice.outcome == "miss")
            let aliceRunners = try await world.curlSocket(runners, Self.auth("alice"))
            #expect(aliceRunners.status == 200)

            for stranger in ["mallory", "x"] {
                let denied = try await world.curlSocket(repo, Self.auth(stranger))
                #expect(denied.status == 404, "\(stranger): \(denied.status) \(denied.outcome ?? "-")")
                #expect(denied.body != alice.body)
                let refused = try await world.curlSocket(runners, Self.auth(stranger))
                #expect(refused.status == 403, "\(stranger): \(refused.status)")
                #expect(refused.body != aliceRunners.body)
            }
            // bob may read the repository (same role, same bytes): one free proof, then hits.
            let bob = try await world.curlSocket(repo, Self.auth("bob"))
            #expect(bob.status == 200 && bob.outcome == "revalidated" && bob.body == alice.body)
            #expect(try await world.curlSocket(repo, Self.auth("bob")).outcome == "hit-local")
            // bob is no admin of the organisation: GitHub refuses him the runner list, so does the cache.
            #expect(try await world.curlSocket(runners, Self.auth("bob")).status == 403)

            let stats = try #require(
                try await world.environment.run("ghcache-stats", ["--json"]).json as? [String: Any])
            let access = try #require(stats["access"] as? [String: Int])
            #expect(access["proofs_free"] == 1, "\(access)")
            #expect(access["denied"] == 5, "\(access)")
        }
    }
}
