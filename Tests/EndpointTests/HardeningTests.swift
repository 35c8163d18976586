import CacheCore
import Foundation
import GitHubStandIn
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Findings of the hostile-input audit (issue 25) against a real `ghcache-peer`: each test is one finding.
@Suite("Local endpoint hardening (issue 25)", .serialized)
struct EndpointHardeningTests {
    @Test("DNS rebinding: the TCP listener answers only Host values naming its own address (421 otherwise)")
    func hostCheck() async throws {
        try await EndpointWorld.with { world in
            let port = try world.port
            for host in ["rebind.attacker.example:\(port)", "rebind.attacker.example", "10.1.2.3:\(port)"] {
                let answer = try await world.curlTCP("/repos/octo/hello", EndpointWorld.auth + ["-H", "Host: \(host)"])
                #expect(answer.status == 421, "Host: \(host) answered \(answer.status)")
                #expect(!answer.text.contains("octo/hello\""), "no cached data behind a foreign Host")
            }
            #expect(world.received("/repos/octo/hello") == 0)
            for host in ["localhost:\(port)", "127.0.0.1:\(port)", "LOCALHOST", "127.0.0.2:\(port)"] {
                let answer = try await world.curlTCP("/repos/octo/hello", EndpointWorld.auth + ["-H", "Host: \(host)"])
                #expect(answer.status == 200, "Host: \(host) answered \(answer.status)")
            }
            // The dashboard data too, and a browser's GET / .
            let dashboard = try await world.curlTCP("/_ghcache/dashboard.json", ["-H", "Host: evil.example"])
            #expect(dashboard.status == 421)
            // The socket is not checked (gh sends Host: api.github.com there).
            #expect(
                try await world.curlSocket("/repos/octo/hello", EndpointWorld.auth + ["-H", "Host: x.example"]).status
                    == 200)
            // A webhook is signed and may come through a reverse proxy with its own Host: not refused for it.
            let webhook = try await world.curlTCP("/webhook", ["-X", "POST", "-H", "Host: hooks.example", "-d", "{}"])
            #expect(webhook.status == 404, "webhooks are off in this world: \(webhook.status)")
        }
    }

    @Test("SIGHUP neither kills the daemon nor removes its socket")
    func hangUp() async throws {
        try await EndpointWorld.with { world in
            kill(world.daemon.process.processIdentifier, SIGHUP)
            try await Task.sleep(for: .milliseconds(500))
            #expect(world.daemon.process.isRunning, "SIGHUP killed the daemon: \(world.daemonLog)")
            #expect(try await world.curlSocket("/repos/octo/hello", EndpointWorld.auth).status == 200)
        }
    }

    @Test("TTLs up to ten years work through the daemon as without it; beyond, a clear 400")
    func longTTL() async throws {
        try await EndpointWorld.with { world in
            let viaGet = try await world.environment.get("api", "/repos/octo/hello", "--ttl", "34560000")
            #expect(viaGet.status == 0, "\(viaGet.stderr)")
            #expect(!viaGet.stderr.contains("X-GHCache-TTL"))
            #expect(world.daemonLog.contains("/repos/octo/hello"), "the lookup went through the daemon")
            // curl's Accept makes another key than ghcache-get's: the first is a miss, the second a hit.
            let yearTTL = EndpointWorld.auth + ["-H", "X-GHCache-TTL: 34560000"]
            #expect(try await world.curlSocket("/repos/octo/hello", yearTTL).status == 200)
            let year = try await world.curlSocket("/repos/octo/hello", yearTTL)
            #expect(year.status == 200 && year.outcome == "hit-local", "\(year.status) \(year.outcome ?? "-")")
            for bad in ["9223372036854775807", "315360001", "1e300", "nan"] {
                let answer = try await world.curlSocket(
                    "/repos/octo/hello", EndpointWorld.auth + ["-H", "X-GHCache-TTL: \(bad)"])
                #expect(answer.status == 400, "X-GHCache-TTL: \(bad)")
            }
            let stale = try await world.curlSocket(
                "/repos/octo/hello", EndpointWorld.auth + ["-H", "Cache-Control: max-stale=9223372036854775807"])
            #expect(stale.status == 400 || stale.status == 200)
            #expect(world.daemon.process.isRunning)
        }
    }

    @Test("an x-ratelimit-reset of 2^63 from upstream: the dashboard data, stats and the daemon survive")
    func hugeRateLimitReset() async throws {
        for reset in ["9223372036854775808", "1e300", "nan", "-1", "18446744073709551616"] {
            let upstream = try ScriptedUpstream(
                headers: [
                    ("x-ratelimit-remaining", "4999"), ("x-ratelimit-limit", "5000"), ("x-ratelimit-reset", reset),
                ], body: #"{"full_name":"octo/hello"}"#)
            defer { upstream.stop() }
            try await EndpointWorld.with(env: ["GITHUB_API_URL": upstream.baseURL]) { world in
                let read = try await world.curlSocket("/repos/octo/hello", EndpointWorld.auth)
                #expect(read.status == 200, "reset \(reset)")
                let dashboard = try await world.curlTCP("/_ghcache/dashboard.json")
                #expect(dashboard.status == 200, "reset \(reset): \(dashboard.text.prefix(200))")
                let stats = try await world.environment.run("ghcache-stats", ["--json"])
                #expect(stats.status == 0, "reset \(reset): \(stats.stderr)")
                #expect(world.daemon.process.isRunning, "reset \(reset): \(world.daemonLog)")
            }
        }
    }

    @Test("request bodies are bounded in total across connections: 503 with Retry-After beyond, never a crash")
    func bodyBudget() async throws {
        var standIn = StandInConfiguration()
        standIn.maxRequestBodyBytes = 25 << 20
        try await EndpointWorld.with(standIn: standIn) { world in
            let path = "/repos/octo/hello/issues"
            _ = try world.server.addFault(FaultSpec(pathPrefix: path, kind: .latency, count: -1, ms: 3000))
            let file = (world.environment.root as NSString).appendingPathComponent("body.bin")
            try Data(count: 20 << 20).write(to: URL(fileURLWithPath: file))
            // Six 20 MiB uploads at once: 120 MiB against a 64 MiB budget.
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        try await world.curlSocket(
                            path, EndpointWorld.auth + ["-X", "POST", "-H", "Expect:", "--data-binary", "@\(file)"]
                        ).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            // Relayed: GitHub's (the stand-in's) own answer to the write, whatever it is, but never a 5xx of ours.
            let relayed = statuses.filter { $0 != 503 }
            #expect(statuses.contains(503), "\(statuses)")
            #expect(relayed.count >= 3, "the budget holds three 20 MiB bodies: \(statuses)")
            #expect(relayed.allSatisfy { $0 < 500 }, "\(statuses)")
            // The budget is given back: one more upload alone goes through.
            let after = try await world.curlSocket(
                path, EndpointWorld.auth + ["-X", "POST", "-H", "Expect:", "--data-binary", "@\(file)"])
            #expect(after.status < 500 && after.outcome == "pass", "\(after.status) \(after.text.prefix(200))")
            #expect(world.daemon.process.isRunning)
        }
    }

    @Test("2200 idle connections: past three quarters of the limit they are let go within a second or so")
    func idleConnectionBudget() async throws {
        try await EndpointWorld.with { world in
            let port = try world.port
            var idle: [RawConnection] = []
            defer { for connection in idle { connection.close() } }
            for _ in 0..<2200 { idle.append(try RawConnection(.tcp(port))) }
            // A real request is answered although more connections than the limit were opened; the idle ones are
            // closed well before the 10 s a lone one would be given to send its request.
            let started = Date()
            let answer = try await RawConnection.get(.tcp(port), "/repos/octo/hello")
            #expect(answer.status == 200)
            try await eventually("the crowd of idle connections was not thinned", timeout: 8) {
                try idle.filter { try !$0.poll().closed }.count < 1600
            }
            #expect(Date().timeIntervalSince(started) < 9)
            try await HostileInputTests.stillServing(world)
        }
    }

    @Test("a webhook invalidating an entry whose lifetime is near Int.max: the P2P daemon revalidates it and lives on")
    func webhookOnHugeLifetime() async throws {
        let secret = "webhook-secret"
        try await EndpointWorld.with(p2p: true, env: ["CACHE_WEBHOOK_SECRET": secret]) { world in
            let runs = "/repos/octo/app/actions/runs"
            #expect(try await world.curlSocket(runs, EndpointWorld.auth).outcome == "miss")
            // A row as `--ttl 9223372036854775807` wrote it before durations were bounded (or a peer's far expiry).
            let store = (world.cacheDir as NSString).appendingPathComponent("cache.sqlite")
            let update = try NetworkLab.runBounded(
                "/usr/bin/sqlite3", [store, "UPDATE entries SET expires_at = fetched_at + 9.3e18"], timeout: 10)
            try #require(update.status == 0, "\(update.stderr)")
            let body = Data(#"{"action":"completed","repository":{"full_name":"octo/app"}}"#.utf8)
            let file = (world.environment.root as NSString).appendingPathComponent("webhook.json")
            try body.write(to: URL(fileURLWithPath: file))
            let accepted = try await world.curlTCP(
                "/webhook",
                [
                    "-X", "POST", "--data-binary", "@\(file)", "-H", "X-GitHub-Event: workflow_run",
                    "-H", "X-GitHub-Delivery: d-1", "-H", "Content-Type: application/json",
                    "-H", "X-Hub-Signature-256: \(WebhookDelivery.signature(of: body, secret: secret))",
                ])
            #expect(accepted.status == 202, "\(accepted.text)")
            // The owner revalidates 3 s after the event.
            try await eventually("the owner did not revalidate the invalidated entry", timeout: 15) {
                world.received(runs) >= 2
            }
            try await Task.sleep(for: .seconds(1))
            #expect(world.daemon.process.isRunning, "the daemon died: \(world.daemonLog.suffix(2000))")
            try await HostileInputTests.stillServing(world)
        }
    }
}
