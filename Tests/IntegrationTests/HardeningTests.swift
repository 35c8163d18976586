import CacheCore
import Foundation
import GitHubStandIn
import TestSupport
import Testing

/// Findings of the hostile-input audit (issue 25) against the real `ghcache-get`, `ghcache-stats` and `ghcache-gc`
/// processes: no value from GitHub or a user crashes them, leaks the token, or gives a misleading answer.
@Suite("Hardening: hostile values from GitHub and users (issue 25)")
struct HardeningTests {
    /// An exit (not a signal: a Swift trap is SIGILL or SIGTRAP) with a documented status, 0...5.
    static func documented(_ result: ProcessResult, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(
            !result.signalled && (0...5).contains(result.status),
            "\(result.signalled ? "signal" : "exit") \(result.status): \(result.stderr)", sourceLocation: sourceLocation
        )
    }

    @Test(
        "GITHUB_API_URL with a port out of range is a configuration error (exit 2), not a trap on the first request",
        arguments: ["http://127.0.0.1:70000", "http://127.0.0.1:99999999999", "http://127.0.0.1:0", "http://[::1"])
    func apiURLPort(url: String) async throws {
        try await Environment.with { env in
            let result = try await env.get("api", "/repos/octo/hello", env: ["GITHUB_API_URL": url])
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stderr.contains("GITHUB_API_URL="), "\(result.stderr)")
        }
    }

    @Test("a token with a control character is a configuration error naming the variable, never showing the value")
    func tokenWithControlCharacter() async throws {
        try await Environment.with { env in
            let token = "ghp_LEAKMARKERleak1234567890"
            for (variables, named) in [
                (["GITHUB_TOKEN": token + "\r"], "GITHUB_TOKEN"),
                (["GITHUB_TOKEN": "to\u{1B}[2J" + token], "GITHUB_TOKEN"),
                (["GH_TOKEN": token + "\r"], "GH_TOKEN"),
                (["CACHE_WEBHOOK_SECRET": token + "\n"], "CACHE_WEBHOOK_SECRET"),
            ] {
                let result = try await env.run("ghcache-get", ["api", "/repos/octo/hello"], env: variables)
                #expect(result.status == 2, "\(named): \(result.stderr)")
                #expect(result.stderr.contains("\(named)=<hidden>"), "\(result.stderr)")
                #expect(!result.stderr.contains("LEAKMARKER"), "the token leaked: \(result.stderr)")
            }
            #expect(env.server.stats().total == 0)
        }
    }

    @Test("a GITHUB_API_URL with user:password@ is never printed with its password")
    func urlCredentials() async throws {
        try await Environment.with { env in
            for url in ["http://user:PassW0rdSecret@127.0.0.1:1", "ftp://user:PassW0rdSecret@127.0.0.1/"] {
                let result = try await env.get("api", "/repos/octo/hello", env: ["GITHUB_API_URL": url])
                Self.documented(result)
                #expect(result.status == 4 || result.status == 2, "\(result.stderr)")
                #expect(!result.stderr.contains("PassW0rdSecret"), "the password leaked: \(result.stderr)")
                #expect(result.stderr.contains("[redacted]"), "\(result.stderr)")
            }
        }
    }

    @Test(
        "hostile rate-limit and Retry-After headers: bounded where they arrive; get, stats and gc keep working",
        arguments: [
            (403, [("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "9223372036854775808")]),
            (403, [("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "nan")]),
            (403, [("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "1e300")]),
            (200, [("x-ratelimit-remaining", "4999"), ("x-ratelimit-reset", "18446744073709551616")]),
            (200, [("x-ratelimit-remaining", "-5"), ("x-ratelimit-limit", "99999999999999999999999")]),
            (429, [("Retry-After", "1e300")]),
            (429, [("Retry-After", "nan")]),
            (503, [("Retry-After", "9223372036854775807")]),
            (403, [("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT")]),
        ] as [(Int, [(String, String)])])
    func hostileHeaders(status: Int, headers: [(String, String)]) async throws {
        try await Environment.with { env in
            let upstream = try ScriptedUpstream(status: status, headers: headers, body: #"{"message":"scripted"}"#)
            defer { upstream.stop() }
            let variables = ["GITHUB_API_URL": upstream.baseURL]
            let first = try await env.get("api", "/repos/octo/hello", env: variables)
            Self.documented(first)
            let stats = try await env.run("ghcache-stats", ["--json"], env: variables)
            #expect(stats.status == 0 && !stats.signalled, "\(stats.stderr)")
            let table = try await env.run("ghcache-stats", [], env: variables)
            #expect(table.status == 0, "\(table.stderr)")
            Self.documented(try await env.get("api", "/repos/octo/hello", "--verbose", env: variables))
            // No back-off longer than a day: the store's mark is bounded.
            let store = try CacheStore.open(directory: env.cacheDir)
            let scope = try TokenFingerprinter(cacheDir: env.cacheDir).fingerprint("integration-token")
            if let backoff = try store.backoff(scope: scope, now: Date().timeIntervalSince1970) {
                #expect(backoff.notBefore <= Date().timeIntervalSince1970 + 86400 + 60, "\(backoff)")
            }
            let gc = try await env.run("ghcache-gc", [], env: variables)
            #expect(gc.status == 0, "\(gc.stderr)")
        }
    }

    @Test("TTLs and durations are bounded at parse time: --ttl near Int.max is exit 2, not an overflow later")
    func hugeDurations() async throws {
        try await Environment.with { env in
            for (arguments, variables) in [
                (["repos", "octo", "--ttl", "9223372036854775807"], [:]),
                (["repos", "octo", "--ttl", "106751991167300d"], [:]),
                (["repos", "octo", "--max-stale", "9223372036854775807"], [:]),
                (["repos", "octo"], ["CACHE_DEFAULT_TTL": "9223372036854775807"]),
                (["repos", "octo"], ["CACHE_TTL_RULES": "/orgs/**=9223372036854775807"]),
            ] as [([String], [String: String])] {
                let result = try await env.run("ghcache-get", arguments, env: variables)
                #expect(result.status == 2, "\(arguments) \(variables): \(result.stderr)")
                #expect(!result.stderr.contains("\\n"), "line breaks stay line breaks: \(result.stderr)")
            }
            #expect(try await env.get("repos", "octo", "--ttl", "3650d").status == 0)
            #expect(env.server.stats().total == 1)
        }
    }

    @Test("rate-limit is answered during a back-off: /rate_limit is free")
    func rateLimitDuringBackoff() async throws {
        try await Environment.with { env in
            _ = try env.server.addFault(
                FaultSpec(pathPrefix: "/repos/octo/hello", kind: .secondary, count: 1, retryAfter: 600))
            let blocked = try await env.get("api", "/repos/octo/hello")
            #expect(blocked.status == 3, "\(blocked.stderr)")
            #expect(try await env.get("api", "/repos/octo/api").status == 3, "the back-off holds for other paths")
            let limit = try await env.get("rate-limit")
            #expect(limit.status == 0, "\(limit.stderr)")
            #expect((limit.json as? [String: Any])?["resources"] != nil)
        }
    }

    @Test("an unusable CACHE_DIR (a path over PATH_MAX) is a store error, exit 5, not a config-file error")
    func unusableCacheDir() async throws {
        try await Environment.with { env in
            let long =
                env.root + "/" + Array(repeating: String(repeating: "d", count: 200), count: 25).joined(separator: "/")
            let result = try await env.get("repos", "octo", env: ["CACHE_DIR": long])
            #expect(result.status == 5, "\(result.stderr)")
            #expect(!result.stderr.contains("config file"), "\(result.stderr)")
            // A directory this user cannot read or search (as `nobody` when the tests run as root).
            try FileManager.default.createDirectory(atPath: env.cacheDir, withIntermediateDirectories: true)
            chmod(env.cacheDir, 0)
            defer { chmod(env.cacheDir, 0o700) }
            chmod(env.root, 0o755)
            let wrapper: ((String, [String]) -> (String, [String]))? =
                getuid() == 0
                ? { ("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", $0] + $1) } : nil
            let unreadable = try await env.start("ghcache-get", ["repos", "octo"], wrapper: wrapper).wait()
            #expect(unreadable.status == 5, "\(unreadable.stderr)")
            #expect(!unreadable.stderr.contains("config file"), "\(unreadable.stderr)")
        }
    }

    @Test("a killed fetcher's lease is taken over at once: its PID is gone")
    func deadLeaseHolder() async throws {
        try await Environment.with { env in
            #expect(try await env.get("api", "/repos/octo/hello").status == 0)
            // A process that has exited (and was reaped) holds a lease on the key for the next minute.
            let gone = Process()
            gone.executableURL = URL(fileURLWithPath: "/bin/true")
            try gone.run()
            gone.waitUntilExit()
            let store = try CacheStore.open(directory: env.cacheDir)
            let key = try RequestTarget("/repos/octo/hello", apiBase: URL(string: env.baseURL)!).key
            #expect(
                try store.acquireFetchLease(
                    key: key, owner: "\(gone.processIdentifier)-1", now: Date().timeIntervalSince1970, duration: 60))
            let started = Date()
            let result = try await env.get("api", "/repos/octo/hello", "--ttl", "0")
            #expect(result.status == 0, "\(result.stderr)")
            #expect(Date().timeIntervalSince(started) < 20, "waited for a dead holder's lease")
            let counts = env.server.stats().counts(for: "/repos/octo/hello")
            #expect(counts.charged + counts.notCharged == 2, "the second lookup asked GitHub itself")
            // A live holder (this test process) keeps its lease.
            let now = Date().timeIntervalSince1970
            #expect(try store.acquireFetchLease(key: "k-live", owner: "\(getpid())-1", now: now, duration: 60))
            #expect(try store.isFetchLeaseHeld(key: "k-live", now: now))
            #expect(try !store.acquireFetchLease(key: "k-live", owner: "other-2", now: now, duration: 60))
        }
    }

    @Test("a CACHE_DIR that exists with mode 0755 is tightened to 0700 when the store is created in it")
    func tightensDirectory() async throws {
        try await Environment.with { env in
            try FileManager.default.createDirectory(
                atPath: env.cacheDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            #expect(try await env.get("repos", "octo").status == 0)
            let mode = try FileManager.default.attributesOfItem(atPath: env.cacheDir)[.posixPermissions] as? Int
            #expect(mode == 0o700)
        }
    }

    @Test("a store that cannot be written (read-only files, a full disk) still serves its fresh copies, with a warning")
    func readOnlyStore() async throws {
        try await Environment.with { env in
            let first = try await env.get("api", "/repos/octo/hello", "--ttl", "3600")
            #expect(first.status == 0)
            // Root writes whatever the modes say, so the store is handed to `nobody` and read as `nobody`.
            let wrapper: ((String, [String]) -> (String, [String]))?
            if getuid() == 0 {
                let chown = try NetworkLab.runBounded("/bin/chown", ["-R", "65534:65534", env.root], timeout: 10)
                try #require(chown.status == 0, "\(chown.stderr)")
                wrapper = { ("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", $0] + $1) }
            } else {
                wrapper = nil
            }
            for file in try FileManager.default.contentsOfDirectory(atPath: env.cacheDir) {
                chmod((env.cacheDir as NSString).appendingPathComponent(file), 0o400)
            }
            chmod(env.cacheDir, 0o500)
            defer { chmod(env.cacheDir, 0o700) }
            let hit = try await env.start(
                "ghcache-get", ["api", "/repos/octo/hello", "--ttl", "3600"], wrapper: wrapper
            ).wait()
            #expect(hit.status == 0, "\(hit.stderr)")
            #expect(hit.stdout == first.stdout)
            #expect(hit.stderr.contains("read-only"), "\(hit.stderr)")
            #expect(env.server.stats().total == 1, "served from the store, not fetched again")
            // A miss cannot be stored: the store error, exit 5.
            let miss = try await env.start("ghcache-get", ["api", "/repos/octo/app"], wrapper: wrapper).wait()
            #expect(miss.status == 5, "\(miss.stderr)")
        }
    }

    @Test("ghcache-gc clears a back-off set forever by an older version (Retry-After: 1e300)")
    func gcClearsEndlessBackoff() async throws {
        try await Environment.with { env in
            let store = try CacheStore.open(directory: env.cacheDir)
            let scope = try TokenFingerprinter(cacheDir: env.cacheDir).fingerprint("integration-token")
            try store.setBackoff(scope: scope, Backoff(notBefore: 1e300, reason: "retry-after"))
            #expect(try await env.get("api", "/repos/octo/hello").status == 3)
            let gc = try await env.run("ghcache-gc", [])
            #expect(gc.status == 0, "\(gc.stderr)")
            let after = try await env.get("api", "/repos/octo/hello")
            #expect(after.status == 0, "\(after.stderr)")
        }
    }
}
