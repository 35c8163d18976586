import CacheCore
import Foundation
import Logging
import Synchronization
import TestSupport
import Testing

@testable import LocalEndpoint

/// The two seams the fleet plugs into, checked in-process: every lookup the store cannot serve fresh asks the
/// client's `MissForwarder` first, and a successful write hands its keys to the `Invalidator`.
@Suite("Local endpoint seams (in-process)", .serialized)
struct InProcessTests {
    /// Records the lookups it is asked; answers those whose path is in `answers`.
    final class RecordingForwarder: MissForwarder {
        let asked = Mutex<[String]>([])
        let answers: [String: Data]

        init(answers: [String: Data] = [:]) { self.answers = answers }

        func forward(_ lookup: ForwardedLookup) async throws(GHCacheError) -> LookupResult? {
            asked.withLock { $0.append(lookup.target.pathAndQuery) }
            guard let body = answers[lookup.target.path] else { return nil }
            return LookupResult(
                target: lookup.target, status: 200, headers: ["content-type": "application/json"], body: body,
                servedFrom: .peerHit, age: 3, ttl: lookup.ttl)
        }
    }

    /// Records what it is told, and marks it in the store as the daemon would.
    final class RecordingInvalidator: Invalidator {
        let store: CacheStore
        let reports = Mutex<[Invalidation]>([])

        init(store: CacheStore) { self.store = store }

        func invalidate(_ invalidation: Invalidation) async throws(GHCacheError) -> Int {
            reports.withLock { $0.append(invalidation) }
            return try store.invalidate(invalidation)
        }
    }

    @Test("the forwarder is asked before GitHub; writes hand their keys and time to the invalidator")
    func seams() async throws {
        try await Environment.with { environment in
            let script = TestPaths.packageRoot.appendingPathComponent("Tests/Python/write_proxy.py").path
            let (proxy, proxyURL) = try await BackgroundTool.start(
                try TestPaths.python().path, [script, environment.baseURL], root: environment.root)
            defer { proxy.stop() }
            // The recording forwarder answers without storing anything (the fleet stores what it fills), so the
            // access rule would ask GitHub to prove the token: the seams are checked in fleet mode.
            let configuration = try Configuration.load(environment: [
                "HOME": environment.root, "CACHE_DIR": environment.cacheDir, "GITHUB_API_URL": proxyURL,
                "CACHE_SHARING": "fleet",
            ])
            let forwarder = RecordingForwarder(answers: ["/repos/octo/fleet": Data(#"{"from":"fleet"}"#.utf8)])
            let resources = try DaemonResources.open(configuration, logger: Logger(label: "test.endpoint"))
            let client = CacheClient(
                configuration: configuration, store: resources.store, transport: resources.transport,
                tokens: TokenProvider(fixed: nil, configuration: configuration), forwarder: forwarder)
            let invalidator = RecordingInvalidator(store: resources.store)
            let endpoint = try LocalEndpoint.start(
                LocalEndpointSettings(configuration: configuration), resources: resources, client: client,
                invalidator: invalidator, logger: Logger(label: "test.endpoint"))
            let running = Task { try await endpoint.run() }
            defer { running.cancel() }
            try await eventually("api.sock did not appear") {
                FileManager.default.fileExists(atPath: configuration.apiSocketPath)
            }
            func get(_ path: String, _ extra: [String] = []) async throws -> HTTPAnswer {
                try HTTPAnswer(
                    try await Tool.run(
                        "/usr/bin/curl",
                        ["-q", "-sS", "--max-time", "20", "-D", "-", "--unix-socket", configuration.apiSocketPath]
                            + EndpointWorld.auth + extra + ["http://api.github.com\(path)"], env: [:]))
            }

            // Answered by the forwarder: no call to GitHub.
            let fleet = try await get("/repos/octo/fleet")
            #expect(fleet.outcome == "hit-peer")
            #expect(fleet.text == #"{"from":"fleet"}"#)
            #expect(environment.server.stats().counts(for: "/repos/octo/fleet").charged == 0)
            // Declined by the forwarder: fetched, stored, then a local hit that does not ask it again.
            let miss = try await get("/repos/octo/hello")
            #expect(miss.outcome == "miss")
            let hit = try await get("/repos/octo/hello")
            #expect(hit.outcome == "hit-local")
            #expect(forwarder.asked.withLock { $0 } == ["/repos/octo/fleet", "/repos/octo/hello"])

            let before = Date().timeIntervalSince1970
            let patch = try await get("/repos/octo/hello", ["-X", "PATCH", "-d", "{}"])
            #expect(patch.status == 200)
            let reports = invalidator.reports.withLock { $0 }
            try #require(reports.count == 1)
            let (keys, time) = (reports[0].keys, reports[0].at)
            #expect(!reports[0].refresh, "a write leaves revalidation to the next lookup")
            let repo = try RequestTarget("/repos/octo/hello", accept: "*/*", apiBase: configuration.apiURL)
            let plain = try RequestTarget("/repos/octo/hello", apiBase: configuration.apiURL)
            #expect(keys.contains(repo.key), "the stored entry (curl's Accept) is reported")
            #expect(keys.contains(plain.key), "the plain GET's key is reported for peers that hold it")
            #expect(time >= before && time <= Date().timeIntervalSince1970)
            // GraphQL is never a write to invalidate.
            _ = try await get("/graphql", ["-X", "POST", "-d", #"{"query":"{viewer{login}}"}"#])
            #expect(invalidator.reports.withLock { $0.count } == 1)

            running.cancel()
            _ = await running.result
            await resources.close()
            #expect(!FileManager.default.fileExists(atPath: configuration.apiSocketPath))
        }
    }
}
