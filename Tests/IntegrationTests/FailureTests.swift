import Foundation
import GitHubStandIn
import TestSupport
import Testing

@Suite("ghcache-get failures: stale-if-error, timeouts, bad input, corrupt store")
struct FailureTests {
    @Test("a 502 with a stale copy exits 0 with the stale body and a warning")
    func badGateway() async throws {
        try await Environment.with { env in
            let original = try await env.get("runs", "octo/app")
            _ = try env.server.addFault(
                FaultSpec(pathPrefix: "/repos/octo/app/actions/runs", kind: .status, status: 502))
            let stale = try await env.get("runs", "octo/app", "--ttl", "0")
            #expect(stale.status == 0)
            #expect(stale.stdout == original.stdout)
            #expect(stale.stderr.contains("warning: serving a cached copy of /repos/octo/app/actions/runs"))
            #expect(stale.stderr.contains("502"))
            _ = try env.server.addFault(FaultSpec(pathPrefix: "/repos/octo/api", kind: .status, status: 502))
            let none = try await env.get("runs", "octo/api")
            #expect(none.status == 1 && none.stderr.contains("GitHub answered 502"))
        }
    }

    @Test("a hang is cut by --timeout and served stale; without a copy it exits 4")
    func hang() async throws {
        try await Environment.with { env in
            let original = try await env.get("runners", "--repo", "octo/app")
            _ = try env.server.addFault(
                FaultSpec(pathPrefix: "/repos/octo/app/actions/runners", kind: .hang, count: -1))
            let started = Date()
            let stale = try await env.get("runners", "--repo", "octo/app", "--ttl", "0", "--timeout", "1")
            #expect(Date().timeIntervalSince(started) < 10)
            #expect(stale.status == 0 && stale.stdout == original.stdout)
            #expect(stale.stderr.contains("no answer from GitHub within 1 s"))
            _ = try env.server.addFault(FaultSpec(pathPrefix: "/orgs/octo/actions/runners", kind: .hang, count: -1))
            let none = try await env.get("runners", "--org", "octo", "--timeout", "1")
            #expect(none.status == 4 && none.stderr.contains("no answer from GitHub within 1 s"))
        }
    }

    @Test("nothing listening: exit 4 with a readable message")
    func refused() async throws {
        try await Environment.with { env in
            let result = try await env.get("rate-limit", env: ["GITHUB_API_URL": "http://127.0.0.1:1"])
            #expect(result.status == 4)
            #expect(result.stderr.contains("cannot reach http://127.0.0.1:1 for /rate_limit: connection refused"))
        }
    }

    @Test(
        "bad flags and environment values exit 2 naming the value",
        arguments: [
            (["runs", "not-a-repo"], [:], "\"not-a-repo\" is not OWNER/REPO"),
            (["repos", "octo", "--ttl", "soon"], [:], "--ttl soon is not a number of seconds"),
            (["runners"], [:], "give exactly one of --org ORG or --repo OWNER/REPO"),
            (["repos", "octo"], ["CACHE_DEFAULT_TTL": "abc"], "CACHE_DEFAULT_TTL=abc is not a number of seconds"),
            (
                ["repos", "octo", "--max-stale", "x"], [:],
                "CACHE_MAX_STALE=x is not a number of seconds (from --max-stale)"
            ),
            (["api", "/x", "-H", "Authorization: token t"], [:], "only Accept and X-GitHub-Api-Version"),
            (["repos", "octo", "--config", "/nonexistent.env"], [:], "config file /nonexistent.env does not exist"),
        ] as [([String], [String: String], String)])
    func badInput(arguments: [String], variables: [String: String], message: String) async throws {
        try await Environment.with { env in
            let result = try await env.run("ghcache-get", arguments, env: variables)
            #expect(result.status == 2)
            #expect(result.stderr.contains(message), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(env.server.stats().total == 0)
        }
    }

    @Test("a corrupt store: stats explains the recovery, get quarantines it, gc --reset recreates it")
    func corruptStore() async throws {
        try await Environment.with { env in
            #expect(try await env.get("repos", "octo").status == 0)
            let store = (env.cacheDir as NSString).appendingPathComponent("cache.sqlite")
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: store + suffix) }
            try Data(repeating: 0x5A, count: 4096).write(to: URL(fileURLWithPath: store))
            let stats = try await env.run("ghcache-stats", [])
            #expect(stats.status == 5)
            #expect(stats.stderr.contains(store) && stats.stderr.contains("ghcache-gc --reset"))
            let get = try await env.get("repos", "octo")
            #expect(get.status == 0)
            #expect(get.stderr.contains("it was moved to \(store).corrupt-"))
            #expect(try await env.run("ghcache-stats", ["--json"]).status == 0)
            try Data("not a database".utf8).write(to: URL(fileURLWithPath: store))
            let reset = try await env.run("ghcache-gc", ["--reset"])
            #expect(reset.status == 0 && reset.stdoutText.contains("empty store"))
            let after = try await env.run("ghcache-stats", ["--json"])
            #expect((after.json as? [String: Any])?["cache_size"] as? Int == 0)
        }
    }
}
