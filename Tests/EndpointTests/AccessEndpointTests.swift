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

    /// As `auth`, with the `Accept` ghcache-get sends: the same cache key as `ghcache-get api`.
    static func asGet(_ token: String) -> [String] { auth(token) + ["-H", "Accept: application/vnd.github+json"] }

    /// `permissions.admin` of a repository object.
    static func isAdmin(_ body: Data) -> Bool? {
        let repository = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
        return (repository?["permissions"] as? [String: Any])?["admin"] as? Bool
    }

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

    @Test(
        "tokens shown different bytes for one key (permissions) each keep their view: one fetch per view, not per token"
    )
    func eachViewIsFetchedOnce() async throws {
        try await EndpointWorld.with(env: ["CACHE_SHARING": "verified"]) { world in
            try world.server.setAccess(
                StandInAccess(
                    privateRepositories: ["octo/plans"],
                    grants: [
                        .init(token: "admin-job", scope: "octo", role: .admin),
                        .init(token: "reader-1", scope: "octo/plans", role: .read),
                        .init(token: "reader-2", scope: "octo/plans", role: .read),
                    ]))
            let repo = "/repos/octo/plans"
            let admin = try await world.curlSocket(repo, Self.asGet("admin-job"))
            #expect(admin.status == 200 && admin.outcome == "miss")
            #expect(Self.isAdmin(admin.body) == true)
            // Another view: the reader's proof brings its own bytes (charged), stored beside the admin's.
            let reader = try await world.curlSocket(repo, Self.asGet("reader-1"))
            #expect(reader.status == 200 && reader.body != admin.body, "\(reader.outcome ?? "-")")
            #expect(Self.isAdmin(reader.body) == false)
            // A second reader sees the reader's bytes: a free proof against that variant.
            let second = try await world.curlSocket(repo, Self.asGet("reader-2"))
            #expect(second.outcome == "revalidated" && second.body == reader.body)
            // Every token is now served its own view from the cache, the two views alternating without a call.
            for _ in 0..<2 {
                let again = try await world.curlSocket(repo, Self.asGet("admin-job"))
                #expect(again.outcome == "hit-local" && again.body == admin.body)
                let readerAgain = try await world.curlSocket(repo, Self.asGet("reader-1"))
                #expect(readerAgain.outcome == "hit-local" && readerAgain.body == reader.body)
                let secondAgain = try await world.curlSocket(repo, Self.asGet("reader-2"))
                #expect(secondAgain.outcome == "hit-local" && secondAgain.body == reader.body)
            }
            // Two charged fetches (one per view) and one free proof reached GitHub for three tokens.
            #expect(world.charged(repo) == 2)
            #expect(world.received(repo) == 3)
            // The lean front serves only the entry's own view: the admin's (a variant) goes to the full program.
            let lean = try await world.ghcacheGet(["api", repo], env: ["GITHUB_TOKEN": "reader-1"])
            #expect(lean.status == 0 && Self.isAdmin(lean.stdout) == false, "\(lean.stderr)")
            let leanAdmin = try await world.ghcacheGet(["api", repo], env: ["GITHUB_TOKEN": "admin-job"])
            #expect(leanAdmin.status == 0 && Self.isAdmin(leanAdmin.stdout) == true, "\(leanAdmin.stderr)")
            #expect(world.received(repo) == 3)
        }
    }
}
