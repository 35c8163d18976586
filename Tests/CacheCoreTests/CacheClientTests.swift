import Foundation
import GitHubStandIn
import Synchronization
import Testing

@testable import CacheCore

/// The real HTTP transport, recording the headers of every request it sends.
final class RecordingTransport: GitHubTransport {
    private let inner = HTTPTransport(connectTimeout: 10, readTimeout: 10)  // generous: CI machines are busy
    private let sent = Mutex<[[String: String]]>([])

    var requests: [[String: String]] { sent.withLock { $0 } }

    func get(url: String, headers: [(String, String)]) async throws(TransportFailure) -> GitHubResponse {
        sent.withLock { $0.append(Dictionary(headers.map { ($0.0.lowercased(), $0.1) }) { $1 }) }
        return try await inner.get(url: url, headers: headers)
    }

    func shutdown() async { await inner.shutdown() }
}

/// A stand-in server and a cache directory for one test.
struct ClientHarness {
    let server: StandInServer
    let directory: TemporaryDirectory

    static func with(_ body: (ClientHarness) async throws -> Void) async throws {
        let server = try await StandInServer.start()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            try await body(ClientHarness(server: server, directory: directory))
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    /// A client for `token`, with its own store connection (like a separate process).
    func client(
        token: String? = "token-a", transport: RecordingTransport = RecordingTransport(), sharing: String = "verified"
    ) throws -> CacheClient {
        var environment = [
            "CACHE_DIR": directory.path, "GITHUB_API_URL": server.baseURL.absoluteString, "PATH": "",
            "CACHE_SHARING": sharing,
        ]
        environment["GITHUB_TOKEN"] = token
        let configuration = try Configuration.load(environment: environment)
        return CacheClient(
            configuration: configuration, store: try CacheStore.open(directory: directory.path), transport: transport,
            tokens: TokenProvider(configuration: configuration) { _ in })
    }

    func target(_ path: String) throws -> RequestTarget { try RequestTarget(path, apiBase: server.baseURL) }
}

@Suite("Cache client against the stand-in: freshness, revalidation, stale-if-error, backoff")
struct CacheClientTests {
    @Test("a fresh entry is served without a request; a stale one revalidates with this token's ETag (free 304)")
    func revalidation() async throws {
        try await ClientHarness.with { harness in
            let transport = RecordingTransport()
            let client = try harness.client(transport: transport)
            let runs = try harness.target("/repos/octo/app/actions/runs")
            let first = try await client.get(runs, options: LookupOptions())
            #expect(first.servedFrom == .miss)
            let hit = try await client.get(runs, options: LookupOptions())
            #expect(hit.servedFrom == .localHit && hit.body == first.body)
            #expect(transport.requests.count == 1)
            #expect(harness.server.stats().total == 1)

            let revalidated = try await client.get(runs, options: LookupOptions(ttlOverride: 0))
            #expect(revalidated.servedFrom == .revalidated && revalidated.body == first.body)
            #expect(transport.requests.last?["if-none-match"] == first.headers["etag"])
            #expect(harness.server.stats().charged == 1 && harness.server.stats().notCharged == 1)
            #expect(try client.store.counters()[Counter.notModified] == 1)
            await client.shutdown()
        }
    }

    @Test("an entry that arrived from a peer is served as a peer hit without a request (CACHE_SHARING=fleet)")
    func peerHit() async throws {
        try await ClientHarness.with { harness in
            let transport = RecordingTransport()
            let client = try harness.client(transport: transport, sharing: "fleet")
            let runners = try harness.target("/orgs/octo/actions/runners")
            let body = Data(#"{"total_count":0,"runners":[]}"#.utf8)
            let now = Date().timeIntervalSince1970
            let outcome = try client.store.upsertFromPeer(
                ReplicatedEntry(
                    key: runners.key, method: "GET", url: runners.pathAndQuery, accept: runners.accept,
                    apiVersion: runners.apiVersion, status: 200, headers: ["content-type": "application/json"],
                    body: body,
                    cid: ContentID.of(body), fetchedAt: now, expiresAt: now + 300),
                peer: "12D3KooWPeer", now: now)
            #expect(outcome == .inserted)
            let answer = try await client.get(runners, options: LookupOptions())
            #expect(answer.servedFrom == .peerHit && answer.body == body)
            #expect(transport.requests.isEmpty && harness.server.stats().total == 0)
            #expect(try client.store.counters()[Counter.peerHits] == 1)
            await client.shutdown()
        }
    }

    @Test(
        "another token never sends the first token's ETag: verified proves with its own (free), fleet uses If-Modified-Since"
    )
    func otherToken() async throws {
        for sharing in ["verified", "fleet"] {
            try await ClientHarness.with { harness in
                let repository = try harness.target("/repos/octo/app")
                let first = try harness.client(token: "token-a", sharing: sharing)
                let original = try await first.get(repository, options: LookupOptions())
                await first.shutdown()
                let transport = RecordingTransport()
                let second = try harness.client(token: "token-b", transport: transport, sharing: sharing)
                let answer = try await second.get(repository, options: LookupOptions(ttlOverride: 0))
                await second.shutdown()
                let sent = try #require(transport.requests.last)
                if sharing == "verified" {
                    #expect(
                        sent["if-none-match"]
                            == GitHubETag.of(
                                accept: repository.accept, authorization: "Bearer token-b", body: original.body))
                    #expect(sent["if-modified-since"] == nil, "If-Modified-Since proves nothing about access")
                } else {
                    #expect(sent["if-none-match"] == nil)
                    #expect(sent["if-modified-since"] == original.headers["last-modified"])
                }
                #expect(answer.servedFrom == .revalidated && answer.body == original.body)
                #expect(harness.server.stats().charged == 1)
            }
        }
    }

    @Test(
        "another token on a list (no Last-Modified, as on GitHub): a free proof when verified, a charged 200 in fleet")
    func otherTokenOnAList() async throws {
        for sharing in ["verified", "fleet"] {
            try await ClientHarness.with { harness in
                let runners = try harness.target("/orgs/octo/actions/runners")
                let first = try harness.client(token: "token-a", sharing: sharing)
                let original = try await first.get(runners, options: LookupOptions())
                await first.shutdown()
                #expect(original.headers["last-modified"] == nil && original.headers["etag"] != nil)
                let transport = RecordingTransport()
                let second = try harness.client(token: "token-b", transport: transport, sharing: sharing)
                let answer = try await second.get(runners, options: LookupOptions(ttlOverride: 0))
                await second.shutdown()
                let sent = try #require(transport.requests.last)
                #expect(sent["if-modified-since"] == nil)
                #expect(answer.body == original.body)
                if sharing == "verified" {
                    #expect(answer.servedFrom == .revalidated)
                    #expect(harness.server.stats().charged == 1 && harness.server.stats().notCharged == 1)
                } else {
                    #expect(sent["if-none-match"] == nil && answer.servedFrom == .miss)
                    #expect(harness.server.stats().charged == 2 && harness.server.stats().notCharged == 0)
                }
            }
        }
    }

    @Test("a changed resource replaces the body; no-cache skips the copy but refreshes it")
    func changed() async throws {
        try await ClientHarness.with { harness in
            let client = try harness.client()
            let runs = try harness.target("/repos/octo/app/actions/runs")
            let before = try await client.get(runs, options: LookupOptions())
            _ = try harness.server.mutate(path: "/repos/octo/app/actions/runs")
            let after = try await client.get(runs, options: LookupOptions(ttlOverride: 0))
            #expect(after.servedFrom == .miss && after.body != before.body)
            #expect(try client.store.entry(forKey: runs.key)?.body == after.body)
            let forced = try await client.get(runs, options: LookupOptions(noCache: true))
            #expect(forced.servedFrom == .miss)
            await client.shutdown()
        }
    }

    @Test("5xx and secondary rate limits serve the stale copy with a warning; Retry-After is honoured")
    func staleIfError() async throws {
        try await ClientHarness.with { harness in
            let client = try harness.client()
            let repos = try harness.target("/users/octo/repos")
            let original = try await client.get(repos, options: LookupOptions())
            _ = try harness.server.addFault(FaultSpec(pathPrefix: "/users/octo/repos", kind: .status, status: 502))
            let bad = try await client.get(repos, options: LookupOptions(ttlOverride: 0))
            #expect(bad.servedFrom == .stale && bad.body == original.body)
            #expect(bad.warning?.contains("502") == true)

            _ = try harness.server.addFault(
                FaultSpec(pathPrefix: "/users/octo/repos", kind: .secondary, retryAfter: 120))
            let limited = try await client.get(repos, options: LookupOptions(ttlOverride: 0))
            #expect(limited.servedFrom == .stale && limited.warning?.contains("secondary rate limit") == true)
            let totalBefore = harness.server.stats().total
            let waiting = try await client.get(repos, options: LookupOptions(ttlOverride: 0))
            #expect(waiting.servedFrom == .stale && waiting.warning?.contains("wait until") == true)
            #expect(harness.server.stats().total == totalBefore, "no request before Retry-After")
            #expect(try client.store.counters()[Counter.staleServed] == 3)
            await client.shutdown()
        }
    }

    @Test("errors without a usable copy fail with their exit status; errors are never cached")
    func failures() async throws {
        try await ClientHarness.with { harness in
            let client = try harness.client()
            let missing = try harness.target("/repos/octo/app/nothing-here")
            await #expect(throws: GHCacheError.self) { try await client.get(missing, options: LookupOptions()) }
            #expect(try client.store.entry(forKey: missing.key) == nil)

            let runners = try harness.target("/repos/octo/app/actions/runners")
            _ = try harness.server.addFault(
                FaultSpec(pathPrefix: "/repos/octo/app/actions/runners", kind: .status, status: 503))
            await expectError(.githubError, containing: "503") {
                _ = try await client.get(runners, options: LookupOptions())
            }
            await expectError(.unavailable, containing: "--offline and no cached copy") {
                _ = try await client.get(runners, options: LookupOptions(offline: true))
            }
            _ = try await client.get(runners, options: LookupOptions())
            await expectError(.unavailable, containing: "beyond --max-stale") {
                _ = try await client.get(runners, options: LookupOptions(ttlOverride: 0, offline: true, maxStale: 0))
            }
            await client.shutdown()
        }
    }

    @Test("a spent primary rate limit stops all calls until the reset, with the reset time in the message")
    func primaryRateLimit() async throws {
        try await ClientHarness.with { harness in
            let client = try harness.client()
            _ = try harness.server.addFault(FaultSpec(pathPrefix: "/users/", kind: .primary, retryAfter: 600))
            await expectError(.unavailable, containing: "rate limit is spent; it resets at") {
                _ = try await client.get(try harness.target("/users/a/repos"), options: LookupOptions())
            }
            let total = harness.server.stats().total
            await #expect(throws: GHCacheError.self) {
                try await client.get(try harness.target("/orgs/b/actions/runners"), options: LookupOptions())
            }
            #expect(harness.server.stats().total == total, "no call while the budget is spent")
            #expect(try client.store.lastRateLimit()?.remaining == 0)
            await client.shutdown()
        }
    }

    @Test("concurrent identical misses make one API call")
    func collapsed() async throws {
        try await ClientHarness.with { harness in
            _ = try harness.server.addFault(FaultSpec(pathPrefix: "/users/octo/repos", kind: .latency, ms: 300))
            let runs = try harness.target("/users/octo/repos")
            let clients = try (0..<8).map { _ in try harness.client() }
            let bodies = try await withThrowingTaskGroup(of: (ServedFrom, Data).self) { group in
                for client in clients {
                    group.addTask {
                        let answer = try await client.get(runs, options: LookupOptions())
                        return (answer.servedFrom, answer.body)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for client in clients { await client.shutdown() }
            #expect(harness.server.stats().total == 1)
            #expect(bodies.filter { $0.0 == .miss }.count == 1)
            #expect(bodies.filter { $0.0 == .joinedConcurrentFetch }.count == 7)
            #expect(Set(bodies.map(\.1)).count == 1)
        }
    }
}
