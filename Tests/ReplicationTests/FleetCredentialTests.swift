import CacheCore
import Foundation
import GitHubStandIn
import LibP2P
import TestSupport
import Testing

@testable import Replication

/// Fleets whose daemons hold no GitHub credential, fleet secrets that are refused or rotated, and tokens of every
/// scheme and length, with real `ghcache-peer` and `ghcache-get` processes against the stand-in (issue 21).
@Suite("credentials a fleet can live with", .serialized)
struct FleetCredentialTests {
    /// A per-job installation token in GitHub's 2026 format: `ghs_<app>_<header>.<payload>.<signature>`, ~520
    /// characters. Tokens of different jobs share their first ~500 characters and differ only at the end, so a
    /// fingerprint of a prefix would confuse them.
    static func jobToken(_ job: Int) -> String {
        let header = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImdoLWFwcCJ9"
        let payload = String(repeating: "eyJpc3MiOiIxMjM0NSIsInJlcG8iOiJvY3RvL2FwcCJ9", count: 7)
        let signature = String(repeating: "Qx-9_zK", count: 18) + String(format: "%06d", job)
        return "ghs_1234567_\(header).\(payload).\(signature)"
    }

    @Test(
        "a fleet with no credential: runners polling in step with per-job tokens pay one call per window, none unauthenticated"
    )
    func noCredentialFleet() async throws {
        try await Environment.with { environment in
            try environment.server.setAccess(StandInAccess(privateRepositories: ["octo/app"], grants: []))
            let fleet = Fleet(environment)
            defer { fleet.stopAll() }
            // No GITHUB_TOKEN, no GH_TOKEN, no `gh` on PATH: the daemons have no credential of their own.
            let daemons = try await fleet.startMembers(
                3, env: ["GITHUB_TOKEN": "", "CACHE_SHARING": "verified", "CACHE_REFRESH_AHEAD": "10"])
            for daemon in daemons {
                #expect(daemon.stderr.contains("no GitHub credential of its own"), "\(daemon.stderr)")
                #expect(daemon.stderr.contains("CACHE_REFRESH_AHEAD needs a credential"), "\(daemon.stderr)")
            }
            let uri = "/repos/octo/app/actions/runs?status=queued"
            let windows = 3
            var job = 0
            for window in 0..<windows {
                if window > 0 {
                    _ = try environment.server.mutate(path: "/repos/octo/app/actions/runs")
                    try await Task.sleep(for: .milliseconds(2300))  // past the 2 s TTL
                }
                // Every job brings its own token, which only the stand-in's grant lets read the private repository.
                var tokens: [String] = []
                for _ in daemons.indices {
                    job += 1
                    let token = Self.jobToken(job)
                    try environment.server.grant(.init(token: token, scope: "octo/app", role: .read))
                    tokens.append(token)
                }
                let results = try await withThrowingTaskGroup(of: ProcessResult.self) { group in
                    for index in daemons.indices {
                        let token = tokens[index]
                        group.addTask {
                            try await environment.run(
                                "ghcache-get", ["runs", "octo/app", "--status", "queued", "--ttl", "2"],
                                env: ["CACHE_DIR": fleet.directory("r\(index)"), "GITHUB_TOKEN": token])
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                for result in results { #expect(result.status == 0, "window \(window): \(result.stderr)") }
                #expect(Set(results.map(\.stdout)).count == 1, "every runner printed the same body")
            }
            let stats = environment.server.stats()
            #expect(stats.anonymous == 0, "no request without the caller's token: \(stats)")
            let counts = stats.counts(for: uri)
            // One charged call per window (the lease holder's 200); the other runners prove with free 304s.
            #expect(counts.charged >= windows && counts.charged <= windows + 1, "\(counts)")
            // In step, the owner's own caller may win the fetch; a runner that is not the owner, polling alone after
            // a change, is handed the fetch by the owner (a lease), as the owner has no token to fetch with.
            let peers = try daemons.map { try PeerID(parsing: $0.peerID) }
            let key = try RequestTarget(uri, apiBase: environment.server.baseURL).key
            let owner = try #require(Membership.rank(peers, key: key).first)
            let asker = try #require(peers.firstIndex { $0 != owner })
            _ = try environment.server.mutate(path: "/repos/octo/app/actions/runs")
            try await Task.sleep(for: .milliseconds(2300))
            let token = Self.jobToken(job + 1)
            try environment.server.grant(.init(token: token, scope: "octo/app", role: .read))
            let alone = try await environment.run(
                "ghcache-get", ["runs", "octo/app", "--status", "queued", "--ttl", "2"],
                env: ["CACHE_DIR": fleet.directory("r\(asker)"), "GITHUB_TOKEN": token])
            #expect(alone.status == 0, "\(alone.stderr)")
            var leases = 0
            for index in daemons.indices { leases += try await fleet.stats("r\(index)").int("fill.leases") }
            #expect(leases >= 1, "an owner without a credential handed out the fetch (\(leases) leases)")
            // A token GitHub never granted reads nothing, from any runner.
            for index in daemons.indices {
                let denied = try await environment.run(
                    "ghcache-get", ["runs", "octo/app", "--status", "queued", "--ttl", "60"],
                    env: ["CACHE_DIR": fleet.directory("r\(index)"), "GITHUB_TOKEN": Self.jobToken(9999)])
                #expect(denied.status != 0 && denied.stdout.isEmpty, "r\(index): \(denied.stderr)")
            }
            #expect(environment.server.stats().anonymous == 0)
        }
    }

    @Test("a ghs_ token as the only fleet secret is refused with exit 2, naming CACHE_P2P_SHARED_SECRET")
    func installationTokenRefused() async throws {
        try await Environment.with { environment in
            let fleet = Fleet(environment)
            defer { fleet.stopAll() }
            let token = Self.jobToken(1)
            for variable in ["GITHUB_TOKEN", "GH_TOKEN"] {
                let daemon = try fleet.launch("refused-\(variable)", secret: "", env: [variable: token])
                let result = try await daemon.process.wait(timeout: 20)
                #expect(result.status == 2, "\(variable): \(result.status) \(result.stderr)")
                #expect(result.stderr.contains("CACHE_P2P_SHARED_SECRET"), "\(result.stderr)")
                #expect(result.stderr.contains("CACHE_P2P_SHARED_SECRET_FILE"), "\(result.stderr)")
                #expect(!result.stderr.contains(String(token.suffix(40))), "the token leaked: \(result.stderr)")
            }
        }
    }

    @Test("rotating the fleet secret across three daemons, one restart at a time, loses no entry")
    func rotation() async throws {
        try await Environment.with { environment in
            let fleet = Fleet(environment)
            defer { fleet.stopAll() }
            let (old, new) = ("fleet-secret-2025", "fleet-secret-2026")
            let env = ["CACHE_SHARING": "fleet"]
            var daemons: [PeerProcess] = []
            let first = try await fleet.start("r0", secret: old, env: env)
            daemons = [first]
            for index in 1..<3 {
                daemons.append(try await fleet.start("r\(index)", bootstrap: [first.address], secret: old, env: env))
            }
            var paths: [String] = []
            /// Which daemons seal with the new secret (and accept both).
            var rotated = [false, false, false]
            /// Whether runner `index` answers `path` from its own store (no call to GitHub).
            func holds(_ index: Int, _ path: String) async throws -> Bool {
                let result = try await fleet.get("r\(index)", "api", path, "--ttl", "600", "--offline")
                return result.status == 0
            }
            /// Fetches a new repository through `runner`; every daemon that can open what `runner` seals (a rotated
            /// one opens both keys) receives it by gossip, without a restart.
            func add(on runner: Int) async throws {
                let path = "/repos/octo/rotation-\(paths.count)"
                paths.append(path)
                let result = try await fleet.get("r\(runner)", "api", path, "--ttl", "600")
                #expect(result.status == 0, "\(path) on r\(runner): \(result.stderr)")
                for index in 0..<3 where index != runner && (rotated[index] || !rotated[runner]) {
                    try await eventually("r\(index) receives \(path) from r\(runner) live", timeout: 10) {
                        try await holds(index, path)
                    }
                }
            }
            func expectEverywhere(_ step: String) async throws {
                for index in 0..<3 {
                    for path in paths {
                        try await eventually("\(step): r\(index) holds \(path)", timeout: 20) {
                            try await holds(index, path)
                        }
                    }
                }
            }
            func restart(_ index: Int, secret: String, previous: String?) async throws {
                _ = try await daemons[index].terminate()
                // The bootstrap list names every runner, as a DNS name of the fleet would: member announcements
                // sealed with the new secret do not reach the daemons that do not have it yet.
                let others = daemons.indices.filter { $0 != index }.map { daemons[$0].address }
                var variables = env
                if let previous { variables["CACHE_P2P_SHARED_SECRET_PREVIOUS"] = previous }
                daemons[index] = try await fleet.start("r\(index)", bootstrap: others, secret: secret, env: variables)
                let restarted = daemons[index]
                try await eventually("r\(index) says where its secret comes from") {
                    restarted.stderr.contains("fleet secret from CACHE_P2P_SHARED_SECRET")
                }
                #expect(
                    restarted.stderr.contains("still accepting CACHE_P2P_SHARED_SECRET_PREVIOUS") == (previous != nil))
            }

            try await add(on: 0)
            try await expectEverywhere("before the rotation")
            // Step 1: every daemon in turn gets the new secret and keeps accepting the old one.
            for index in 0..<3 {
                try await restart(index, secret: new, previous: old)
                rotated[index] = true
                try await add(on: index)
                try await add(on: (index + 1) % 3)
            }
            try await expectEverywhere("every daemon has the new secret and the old one")
            // Step 2: the old secret is dropped, one daemon at a time.
            for index in 0..<3 {
                try await restart(index, secret: new, previous: nil)
                try await add(on: index)
            }
            try await expectEverywhere("the old secret is gone")
            let charged = environment.server.stats().charged
            #expect(
                charged == paths.count,
                "each entry was fetched once: \(charged) calls for \(paths.count): \(environment.server.stats())")
        }
    }

    @Test("tokens of every scheme and length work through the endpoint and ghcache-get, authenticated")
    func everyScheme() async throws {
        try await Environment.with { environment in
            let long = Self.jobToken(7)
            let other = Self.jobToken(8)
            try environment.server.setAccess(
                StandInAccess(
                    privateRepositories: ["octo/app"],
                    grants: [
                        .init(token: long, scope: "octo/app", role: .read),
                        .init(token: other, scope: "octo/app", role: .read),
                    ]))
            let fleet = Fleet(environment)
            defer { fleet.stopAll() }
            let daemon = try fleet.launch(
                "endpoint", env: ["GITHUB_TOKEN": "", "CACHE_ENABLE_P2P": "false", "CACHE_HTTP_LISTEN": "127.0.0.1:0"])
            let marker = "serving the GitHub API on http://"
            try await eventually("the endpoint listens", timeout: 20) { daemon.stderr.contains(marker) }
            let line = try #require(daemon.stderr.split(separator: "\n").first { $0.contains(marker) })
            let origin = "http://" + String(try #require(line.range(of: marker).map { line[$0.upperBound...] }))
            for (index, authorization) in ["token \(long)", "Bearer \(long)", "bearer \(long)", "bearer \(other)"]
                .enumerated()
            {
                let (status, body) = try Self.curl(origin + "/repos/octo/app", authorization: authorization)
                #expect(status == "200", "\(authorization.prefix(12))…: \(status) \(body.prefix(200))")
                #expect(body.contains("\"full_name\":\"octo/app\""), "request \(index)")
            }
            for variable in ["GITHUB_TOKEN", "GH_TOKEN"] {
                let result = try await environment.run(
                    "ghcache-get", ["api", "/repos/octo/app"],
                    env: ["CACHE_DIR": fleet.directory("endpoint"), "GITHUB_TOKEN": ""].merging([variable: long]) { $1 }
                )
                #expect(result.status == 0, "\(variable): \(result.stderr)")
            }
            // A token that differs from the long one only in its last characters is its own token: refused here.
            let (status, _) = try Self.curl(origin + "/repos/octo/app", authorization: "bearer \(Self.jobToken(9))")
            #expect(status == "404", "a near-twin token read the private repository: \(status)")
            #expect(environment.server.stats().anonymous == 0, "\(environment.server.stats())")
        }
    }

    /// `GET url` with `Authorization`, through curl: the status and the body.
    static func curl(_ url: String, authorization: String) throws -> (status: String, body: String) {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = [
            "-q", "-sS", "--max-time", "20", "-w", "\n%{http_code}", "-H", "Authorization: \(authorization)", url,
        ]
        let output = Pipe()
        curl.standardOutput = output
        try curl.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        curl.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let status = text.split(separator: "\n").last.map(String.init) ?? ""
        return (status, String(text.dropLast(status.count)))
    }
}
