import CacheCore
import Foundation
import GitHubStandIn
import TestSupport
import Testing

/// `CACHE_SHARING=verified` across a fleet of real daemons whose own token is privileged: the key's owner fetches a
/// private repository for the fleet with its token (one charged call), and on every runner a caller reads it only if
/// GitHub lets the caller's own token read it (no confused deputy).
@Suite("access-checked sharing across a fleet", .serialized)
struct FleetAccessTests {
    static let shared = ["CACHE_SHARING": "verified", "CACHE_ACCESS_TTL": "300"]

    @Test("three daemons holding an admin token: a made-up or unauthorised token reads nothing, an allowed one proves")
    func noConfusedDeputy() async throws {
        try await Environment.with { environment in
            try environment.server.setAccess(
                StandInAccess(
                    privateRepositories: ["octo/secret-plans"],
                    grants: [
                        .init(token: "owner-admin", scope: "octo", role: .admin),
                        .init(token: "dev", scope: "octo/secret-plans", role: .admin),
                    ]))
            let fleet = Fleet(environment)
            defer { fleet.stopAll() }
            _ = try await fleet.startMembers(3, env: Self.shared.merging(["GITHUB_TOKEN": "owner-admin"]) { $1 })
            func get(_ runner: Int, _ token: String) async throws -> ProcessResult {
                try await environment.run(
                    "ghcache-get", ["api", "/repos/octo/secret-plans"],
                    env: Self.shared.merging(["CACHE_DIR": fleet.directory("r\(runner)"), "GITHUB_TOKEN": token]) { $1 }
                )
            }
            for runner in 0..<3 {
                for stranger in ["x", "mallory"] {
                    let denied = try await get(runner, stranger)
                    #expect(denied.status == 1, "r\(runner) \(stranger): \(denied.status) \(denied.stderr)")
                    #expect(denied.stdout.isEmpty, "r\(runner) \(stranger) read \(denied.stdout.count) bytes")
                    #expect(denied.stderr.contains("404"), "\(denied.stderr)")
                }
            }
            // The fleet holds the body (fetched once by an owner with its admin token)...
            let counts = environment.server.stats().counts(for: "/repos/octo/secret-plans")
            // ...and an allowed token reads it everywhere after one free proof per runner.
            for runner in 0..<3 {
                let allowed = try await get(runner, "dev")
                #expect(allowed.status == 0, "r\(runner): \(allowed.stderr)")
                #expect((allowed.json as? [String: Any])?["full_name"] as? String == "octo/secret-plans")
            }
            let after = environment.server.stats().counts(for: "/repos/octo/secret-plans")
            #expect(after.charged == counts.charged, "dev's proofs were free: \(counts) then \(after)")
            var free = 0
            for runner in 0..<3 { free += try await fleet.stats("r\(runner)").int("access.proofs_free") }
            // A proof travels with the entry (validators[].seen_at_ms): the runners that receive it first serve dev
            // without a proof of their own; at most one per runner.
            #expect((1...3).contains(free), "\(free) free proofs")
        }
    }

    @Test("runners proving new job tokens in step after a change pay for the new body once, not once per runner")
    func proofsInStep() async throws {
        try await Environment.with { environment in
            try environment.server.setAccess(
                StandInAccess(
                    privateRepositories: ["octo/app"],
                    grants: [.init(token: "owner-admin", scope: "octo", role: .admin)]
                ))
            let fleet = Fleet(environment)
            defer { fleet.stopAll() }
            let daemons = try await fleet.startMembers(
                3, env: Self.shared.merging(["GITHUB_TOKEN": "owner-admin"]) { $1 })
            let uri = "/repos/octo/app/actions/runs"
            var job = 0
            /// Every runner polls at once, each with a new job token that GitHub lets read the repository.
            func poll() async throws -> [ProcessResult] {
                var tokens: [String] = []
                for _ in daemons.indices {
                    job += 1
                    tokens.append("job-\(job)")
                    try environment.server.grant(.init(token: "job-\(job)", scope: "octo/app", role: .read))
                }
                return try await withThrowingTaskGroup(of: ProcessResult.self) { group in
                    for index in daemons.indices {
                        let token = tokens[index]
                        group.addTask {
                            try await environment.run(
                                "ghcache-get", ["api", uri, "--ttl", "600"],
                                env: ["CACHE_DIR": fleet.directory("r\(index)"), "GITHUB_TOKEN": token])
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            for result in try await poll() { #expect(result.status == 0, "\(result.stderr)") }
            for index in daemons.indices {
                try await eventually("r\(index) holds the runs", timeout: 10) {
                    try await fleet.stats("r\(index)").int("cache_size") >= 1
                }
            }
            for round in 1...3 {
                let before = environment.server.stats().counts(for: uri)
                _ = try environment.server.mutate(path: uri)
                let results = try await poll()
                for result in results { #expect(result.status == 0, "round \(round): \(result.stderr)") }
                #expect(Set(results.map(\.stdout)).count == 1, "round \(round): every runner printed the new body")
                let after = environment.server.stats().counts(for: uri)
                // The first runner to prove pays for the new body; the others prove against it for free.
                #expect(after.charged - before.charged == 1, "round \(round): \(before) then \(after)")
                #expect(after.notCharged - before.notCharged == 2, "round \(round): \(before) then \(after)")
            }
        }
    }
}
