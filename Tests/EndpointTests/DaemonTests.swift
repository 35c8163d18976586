import CacheCore
import Foundation
import GitHubStandIn
import TestSupport
import Testing

/// The daemon around the endpoint: `ghcache-get` forwarding its misses, write invalidation, start-up and
/// shutdown (stale socket, a second daemon, the socket removed).
@Suite("Local endpoint daemon", .serialized)
struct DaemonTests {
    @Test("ghcache-get asks the daemon on a miss, gets GitHub's errors as its own, and fetches itself without one")
    func ghcacheGetForwards() async throws {
        try await EndpointWorld.with { world in
            // ghcache-get's own GITHUB_API_URL points nowhere: only the daemon (the stand-in) can answer.
            let nowhere = ["GITHUB_API_URL": "http://127.0.0.1:9", "CACHE_CONNECT_TIMEOUT": "1"]
            let first = try await world.ghcacheGet(["api", "repos/octo/forwarded", "--verbose"], env: nowhere)
            #expect(first.status == 0, "ghcache-get failed: \(first.stderr)")
            #expect(first.stderr.contains("MISS /repos/octo/forwarded"))
            #expect((first.json as? [String: Any])?["full_name"] as? String == "octo/forwarded")
            #expect(world.charged("/repos/octo/forwarded") == 1)
            #expect(world.daemonLog.contains("GET /repos/octo/forwarded -> 200"))

            // A hit is answered by ghcache-get from the shared store, without the daemon.
            let requestsBefore = world.daemonLog.components(separatedBy: "GET /repos/octo/forwarded").count
            let hit = try await world.ghcacheGet(["api", "repos/octo/forwarded", "--verbose"], env: nowhere)
            #expect(hit.stderr.contains("HIT local"))
            #expect(world.daemonLog.components(separatedBy: "GET /repos/octo/forwarded").count == requestsBefore)

            // GitHub's 404 relayed by the daemon: the same message and exit status as a direct fetch.
            let missing = try await world.ghcacheGet(["api", "repos/octo/forwarded/nothing"], env: nowhere)
            #expect(missing.status == ExitStatus.githubError.rawValue)
            #expect(
                missing.stderr.contains("GitHub answered 404 Not Found for /repos/octo/forwarded/nothing: Not Found"),
                "stderr: \(missing.stderr)")

            // --no-cache goes to GitHub through the daemon; counters are the daemon's, counted once.
            let store = try CacheStore.open(directory: world.cacheDir, mode: .readOnly)
            let before = try store.counters()
            let fresh = try await world.ghcacheGet(["api", "repos/octo/forwarded", "--no-cache"], env: nowhere)
            #expect(fresh.status == 0, "\(fresh.stderr)")
            #expect(world.charged("/repos/octo/forwarded") == 2)
            let after = try store.counters()
            #expect((after[Counter.misses] ?? 0) == (before[Counter.misses] ?? 0) + 1)
            #expect((after[Counter.apiCalls] ?? 0) == (before[Counter.apiCalls] ?? 0) + 1)
        }
    }

    @Test("concurrent identical requests cost one API call (coalesced); GitHub failing serves the stale copy")
    func coalescingAndStale() async throws {
        try await EndpointWorld.with { world in
            _ = try world.server.addFault(FaultSpec(pathPrefix: "/repos/octo/slow", kind: .latency, ms: 800))
            let answers = try await withThrowingTaskGroup(of: HTTPAnswer.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await world.curlSocket("/repos/octo/slow", EndpointWorld.auth) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0.status == 200 })
            #expect(Set(answers.map(\.body)).count == 1)
            #expect(answers.filter { $0.outcome == "miss" }.count == 1, "\(answers.map(\.outcome))")
            #expect(answers.filter { $0.outcome == "coalesced" }.count == 3, "\(answers.map(\.outcome))")
            #expect(world.charged("/repos/octo/slow") == 1)

            // X-GHCache-TTL: 0 makes the copy stale at once; GitHub's 500 then serves it, with a warning.
            _ = try world.server.addFault(FaultSpec(pathPrefix: "/repos/octo/slow", kind: .status, status: 500))
            let stale = try await world.curlSocket(
                "/repos/octo/slow", EndpointWorld.auth + ["-H", "X-GHCache-TTL: 0"])
            #expect(stale.status == 200)
            #expect(stale.outcome == "stale")
            #expect(stale.headers["x-ghcache-warning"]?.contains("GitHub answered 500") == true, "\(stale.headers)")
            #expect(stale.body == answers[0].body)
            // With no usable copy, GitHub's own 500 comes back, with the reason for ghcache-get.
            _ = try world.server.addFault(FaultSpec(pathPrefix: "/repos/octo/down", kind: .status, status: 500))
            let down = try await world.curlSocket("/repos/octo/down", EndpointWorld.auth)
            #expect(down.status == 500)
            #expect(down.headers["x-ghcache-error-kind"] == "github")
            // Cache-Control: only-if-cached (--offline) with nothing cached: 503, no call.
            let offline = try await world.curlSocket(
                "/repos/octo/never", EndpointWorld.auth + ["-H", "Cache-Control: only-if-cached"])
            #expect(offline.status == 503)
            #expect(world.received("/repos/octo/never") == 0)
        }
    }

    @Test("without a daemon, ghcache-get fetches itself (the socket left by a killed daemon is not used)")
    func ghcacheGetWithoutDaemon() async throws {
        try await Environment.with { environment in
            let daemon = try EndpointWorld.startDaemon(environment, p2p: false)
            _ = try await EndpointWorld.waitForListeners(daemon)
            kill(daemon.process.processIdentifier, SIGKILL)
            daemon.process.waitUntilExit()
            let socket = (environment.cacheDir as NSString).appendingPathComponent("api.sock")
            #expect(FileManager.default.fileExists(atPath: socket), "a killed daemon leaves its socket behind")
            let result = try await environment.get("api", "repos/octo/alone", "--verbose")
            #expect(result.status == 0, "ghcache-get failed: \(result.stderr)")
            #expect(result.stderr.contains("MISS /repos/octo/alone"))
            #expect(environment.server.stats().counts(for: "/repos/octo/alone").charged == 1)
        }
    }

    @Test("a successful write marks the written resource's cached GETs stale; a failed one does not")
    func writeInvalidates() async throws {
        try await Environment.with { environment in
            // The stand-in has no writes: a small proxy answers them 200, as GitHub would, and relays reads.
            let script = TestPaths.packageRoot.appendingPathComponent("Tests/Python/write_proxy.py").path
            let (proxy, proxyURL) = try await BackgroundTool.start(
                try TestPaths.python().path, [script, environment.baseURL], root: environment.root)
            defer { proxy.stop() }
            let daemon = try EndpointWorld.startDaemon(environment, p2p: false, env: ["GITHUB_API_URL": proxyURL])
            defer { EndpointWorld.stop(daemon) }
            let (socket, origin) = try await EndpointWorld.waitForListeners(daemon)
            let world = EndpointWorld(environment: environment, daemon: daemon, socketPath: socket, origin: origin)

            let first = try await world.curlSocket("/repos/octo/hello", EndpointWorld.auth)
            let cached = try await world.curlSocket("/repos/octo/hello", EndpointWorld.auth)
            #expect(first.outcome == "miss")
            #expect(cached.outcome == "hit-local")
            let issues = try await world.curlSocket("/repos/octo/hello/issues/1", EndpointWorld.auth)
            let runs = try await world.curlSocket("/repos/octo/hello/actions/runs", EndpointWorld.auth)
            #expect(runs.outcome == "miss")

            // The repository changes upstream and a PATCH of it succeeds.
            _ = try world.server.mutate(path: "/repos/octo/hello")
            let patch = try await world.curlSocket(
                "/repos/octo/hello", EndpointWorld.auth + ["-X", "PATCH", "-d", #"{"description":"new"}"#])
            #expect(patch.status == 200)
            #expect(patch.outcome == "pass")
            #expect(patch.text.contains(#""method": "PATCH""#))

            let after = try await world.curlSocket("/repos/octo/hello", EndpointWorld.auth)
            #expect(after.status == 200)
            #expect(after.outcome == "miss", "the copy from before the write was served: \(after.outcome ?? "-")")
            #expect(after.body != first.body)
            // Resources the write did not touch stay cached.
            let other = try await world.curlSocket("/repos/octo/hello/actions/runs", EndpointWorld.auth)
            #expect(other.outcome == "hit-local")
            _ = issues

            // POST to a list invalidates that list (any query) and its parent.
            let page = try await world.curlSocket("/repos/octo/hello/actions/runs?per_page=5", EndpointWorld.auth)
            #expect(page.outcome == "miss")
            let post = try await world.curlSocket(
                "/repos/octo/hello/actions/runs", EndpointWorld.auth + ["-X", "POST", "-d", "{}"])
            #expect(post.status == 200)
            let listAgain = try await world.curlSocket(
                "/repos/octo/hello/actions/runs?per_page=5", EndpointWorld.auth)
            #expect(listAgain.outcome == "revalidated" || listAgain.outcome == "miss", "\(listAgain.outcome ?? "-")")

            // A write GitHub refuses invalidates nothing (the proxy relays GitHub's 404 for a GET it lacks).
            let repoAgain = try await world.curlSocket("/repos/octo/hello", EndpointWorld.auth)
            #expect(repoAgain.outcome == "hit-local")
        }
    }

    @Test("a write GitHub refuses invalidates nothing")
    func failedWriteKeepsCache() async throws {
        try await EndpointWorld.with { world in
            let first = try await world.curlSocket("/repos/octo/hello", EndpointWorld.auth)
            #expect(first.outcome == "miss")
            // The stand-in answers every write 404.
            let refused = try await world.curlSocket("/repos/octo/hello", EndpointWorld.auth + ["-X", "DELETE"])
            #expect(refused.status == 404)
            #expect(refused.outcome == "pass")
            let still = try await world.curlSocket("/repos/octo/hello", EndpointWorld.auth)
            #expect(still.outcome == "hit-local")
        }
    }

    @Test("a second daemon is refused; a killed daemon's socket is replaced; SIGTERM removes the socket")
    func lifecycle() async throws {
        try await Environment.with { environment in
            let first = try EndpointWorld.startDaemon(environment, p2p: false)
            defer { EndpointWorld.stop(first) }
            let (socket, _) = try await EndpointWorld.waitForListeners(first)

            let second = try await environment.run(
                "ghcache-peer", [], env: ["CACHE_ENABLE_P2P": "false", "CACHE_HTTP_LISTEN": "127.0.0.1:0"], timeout: 20)
            #expect(second.status == ExitStatus.unavailable.rawValue)
            #expect(second.stderr.contains("another ghcache-peer is already running"), "\(second.stderr)")

            kill(first.process.processIdentifier, SIGKILL)
            first.process.waitUntilExit()
            #expect(FileManager.default.fileExists(atPath: socket))

            let replacement = try EndpointWorld.startDaemon(environment, p2p: false)
            defer { EndpointWorld.stop(replacement) }
            _ = try await EndpointWorld.waitForListeners(replacement)
            let answer = try await EndpointWorld.curlHello(socket: socket)
            #expect(answer.status == 200)
            let stats = try await environment.run("ghcache-stats", ["--json"], env: ["CACHE_ENABLE_P2P": "false"])
            let json = try #require(stats.json as? [String: Any])
            #expect(json["daemon_running"] as? Bool == true)
            #expect(json["p2p_enabled"] as? Bool == false)

            kill(replacement.process.processIdentifier, SIGTERM)
            let exit = try await replacement.wait(timeout: 15)
            #expect(exit.status == 0, "\(exit.stderr)")
            #expect(!FileManager.default.fileExists(atPath: socket))
        }
    }

    @Test("CACHE_SOCKET_GROUP_ACCESS=true makes api.sock 0660 (the store stays private); a bad value stops the start")
    func socketGroupAccess() async throws {
        try await Environment.with { environment in
            let bad = try await environment.run(
                "ghcache-peer", [], env: ["CACHE_ENABLE_P2P": "false", "CACHE_SOCKET_GROUP_ACCESS": "group"],
                timeout: 20)
            #expect(bad.status == ExitStatus.usage.rawValue)
            #expect(bad.stderr.contains("CACHE_SOCKET_GROUP_ACCESS=group is not true or false"), "\(bad.stderr)")

            let daemon = try EndpointWorld.startDaemon(
                environment, p2p: false, env: ["CACHE_SOCKET_GROUP_ACCESS": "true"])
            defer { EndpointWorld.stop(daemon) }
            let (socket, _) = try await EndpointWorld.waitForListeners(daemon)
            var status = stat()
            try #require(lstat(socket, &status) == 0)
            #expect(status.st_mode & S_IFMT == S_IFSOCK)
            #expect(status.st_mode & 0o777 == 0o660, "api.sock mode is \(String(status.st_mode & 0o777, radix: 8))")
            let store = (environment.cacheDir as NSString).appendingPathComponent("cache.sqlite")
            try #require(stat(store, &status) == 0)
            #expect(status.st_mode & 0o077 == 0, "the store's mode is \(String(status.st_mode & 0o777, radix: 8))")
            let answer = try await EndpointWorld.curlHello(socket: socket)
            #expect(answer.status == 200)
        }
    }

    @Test("with libp2p on, the endpoint runs beside the peer daemon")
    func withP2P() async throws {
        try await EndpointWorld.with(p2p: true) { world in
            let answer = try await world.curlSocket("/repos/octo/hello", EndpointWorld.auth)
            #expect(answer.status == 200)
            #expect(answer.outcome == "miss")
            let tcp = try await world.curlTCP("/repos/octo/hello", EndpointWorld.auth)
            #expect(tcp.outcome == "hit-local")
            let stdout = String(
                decoding: FileManager.default.contents(atPath: world.daemon.stdoutPath) ?? Data(), as: UTF8.self)
            #expect(stdout.hasPrefix("12D3KooW"))
        }
    }

    @Test("a bad CACHE_HTTP_LISTEN or a taken port stops the start with a message naming it")
    func badListen() async throws {
        try await Environment.with { environment in
            let bad = try await environment.run(
                "ghcache-peer", [], env: ["CACHE_ENABLE_P2P": "false", "CACHE_HTTP_LISTEN": "localhost"], timeout: 20)
            #expect(bad.status == ExitStatus.usage.rawValue)
            #expect(bad.stderr.contains("CACHE_HTTP_LISTEN=localhost is not HOST:PORT"), "\(bad.stderr)")

            let taken = try await environment.run(
                "ghcache-peer", [],
                env: ["CACHE_ENABLE_P2P": "false", "CACHE_HTTP_LISTEN": "127.0.0.1:\(environment.server.port)"],
                timeout: 20)
            #expect(taken.status == ExitStatus.network.rawValue)
            #expect(taken.stderr.contains("port is already in use"), "\(taken.stderr)")
            let socket = (environment.cacheDir as NSString).appendingPathComponent("api.sock")
            #expect(!FileManager.default.fileExists(atPath: socket))
        }
    }
}
