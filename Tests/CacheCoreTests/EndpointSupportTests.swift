import Foundation
import Synchronization
import Testing

@testable import CacheCore

/// CacheCore's parts of the local endpoint: write invalidation in the store, `CACHE_HTTP_LISTEN`, the
/// `X-GHCache` vocabulary, and how `ghcache-get` reads the daemon's answers.
@Suite("Endpoint support in CacheCore")
struct EndpointSupportTests {
    @Test("an invalidated entry is not fresh; a copy fetched later is")
    func invalidation() async throws {
        try await withStore { store, _ in
            let repo = try target("/repos/o/r")
            let entry = try store.storeFetched(
                response(#"{"id":1}"#, headers: ["etag": "W/\"1\""]), target: repo, ttl: 300, tokenFingerprint: "fp",
                now: 1000, leaseOwner: nil, counters: [:])
            #expect(entry.isFresh(ttl: 300, now: 1010))
            #expect(try store.invalidate(keys: [repo.key], at: 1005) == 1)
            let marked = try #require(try store.entry(forKey: repo.key))
            #expect(marked.isInvalidated)
            #expect(!marked.isFresh(ttl: 300, now: 1010))
            // An earlier invalidation time never replaces a later one.
            #expect(try store.invalidate(keys: [repo.key], at: 1001) == 0)
            #expect(try store.entry(forKey: repo.key)?.invalidatedAt == 1005)
            // Not offered to joining peers as fresh.
            #expect(try store.freshEntryIndex(now: 1010).isEmpty)

            let refetched = try store.storeFetched(
                response(#"{"id":2}"#), target: repo, ttl: 300, tokenFingerprint: "fp", now: 1020, leaseOwner: nil,
                counters: [:])
            #expect(refetched.isFresh(ttl: 300, now: 1030))
        }
    }

    @Test("a peer's copy fetched before the invalidation does not come back as fresh; a later one does")
    func peerCopyAfterInvalidation() async throws {
        try await withStore { store, _ in
            let repo = try target("/repos/o/r")
            try store.storeFetched(
                response(#"{"id":1}"#), target: repo, ttl: 300, tokenFingerprint: "fp", now: 1000, leaseOwner: nil,
                counters: [:])
            try store.invalidate(keys: [repo.key], at: 1010)
            func copy(fetchedAt: Double, body: String) -> ReplicatedEntry {
                ReplicatedEntry(
                    key: repo.key, method: "GET", url: repo.pathAndQuery, accept: repo.accept,
                    apiVersion: repo.apiVersion, status: 200, headers: [:], body: Data(body.utf8),
                    cid: ContentID.of(Data(body.utf8)), fetchedAt: fetchedAt, expiresAt: fetchedAt + 300)
            }
            #expect(try store.upsertFromPeer(copy(fetchedAt: 1005, body: "old"), peer: "p", now: 1020) == .updated)
            #expect(try store.entry(forKey: repo.key)?.isFresh(ttl: 300, now: 1020) == false)
            #expect(try store.upsertFromPeer(copy(fetchedAt: 1015, body: "new"), peer: "p", now: 1020) == .updated)
            #expect(try store.entry(forKey: repo.key)?.isFresh(ttl: 300, now: 1020) == true)
        }
    }

    @Test("the CacheClient revalidates an invalidated entry instead of serving it")
    func clientRevalidates() async throws {
        try await withStore { store, directory in
            let transport = ScriptedTransport([
                response(#"{"v":1}"#, headers: ["etag": "W/\"a\""]),
                response(#"{"v":2}"#, headers: ["etag": "W/\"b\""]),
            ])
            let configuration = try Configuration.load(environment: ["CACHE_DIR": directory.file("cache")])
            let client = CacheClient(
                configuration: configuration, store: store, transport: transport,
                tokens: TokenProvider(fixed: "t", configuration: configuration))
            let repo = try target("/repos/o/r")
            #expect(try await client.get(repo, options: LookupOptions()).servedFrom == .miss)
            #expect(try await client.get(repo, options: LookupOptions()).servedFrom == .localHit)
            try store.invalidate(keys: try store.keys(forPaths: ["/repos/o/r"]), at: Date().timeIntervalSince1970 + 1)
            let after = try await client.get(repo, options: LookupOptions())
            #expect(after.servedFrom == .miss)
            #expect(after.body == Data(#"{"v":2}"#.utf8))
            #expect(after.upstreamHeaders?["etag"] == "W/\"b\"")
        }
    }

    @Test("keys(forPaths:) finds a path with any query, Accept or API version, and nothing else")
    func keysForPaths() async throws {
        try await withStore { store, _ in
            let wanted = [
                try target("/repos/o/r"), try target("/repos/o/r?per_page=5"),
                try target("/repos/o/r", accept: "application/vnd.github.raw+json"),
            ]
            let others = [try target("/repos/o/r/issues"), try target("/repos/o/rr"), try target("/repos/o/r_")]
            for entry in wanted + others {
                try store.storeFetched(
                    response("{}"), target: entry, ttl: 60, tokenFingerprint: "fp", now: 1, leaseOwner: nil,
                    counters: [:])
            }
            #expect(Set(try store.keys(forPaths: ["/repos/o/r"])) == Set(wanted.map(\.key)))
            #expect(try store.keys(forPaths: ["/repos/o/%"]).isEmpty)
        }
    }

    @Test("CACHE_HTTP_LISTEN takes HOST:PORT and names itself when wrong")
    func httpListen() throws {
        let cases: [(String, String, Int)] = [
            ("127.0.0.1:8787", "127.0.0.1", 8787), ("localhost:0", "127.0.0.1", 0), ("[::1]:9", "::1", 9),
            (" 0.0.0.0:80 ", "0.0.0.0", 80),
        ]
        for (text, host, port) in cases {
            let configuration = try Configuration.load(environment: ["HOME": "/h", "CACHE_HTTP_LISTEN": text])
            #expect(configuration.httpListen == HTTPListenAddress(host: host, port: port), "\(text)")
        }
        #expect(HTTPListenAddress(host: "::1", port: 9).origin() == "http://[::1]:9")
        #expect(HTTPListenAddress(host: "127.0.0.1", port: 0).origin(port: 4000) == "http://127.0.0.1:4000")
        #expect(HTTPListenAddress(host: "127.0.0.2", port: 1).isLoopback)
        #expect(!HTTPListenAddress(host: "0.0.0.0", port: 1).isLoopback)
        #expect(try Configuration.load(environment: ["HOME": "/h"]).httpListen == nil)
        #expect(try Configuration.load(environment: ["HOME": "/h"]).apiSocketPath == "/h/.cache/ghcache/api.sock")
        for bad in ["8787", "127.0.0.1", "127.0.0.1:99999", "example.com:80", "::1:80", "[::1]80", "1.2.3:4"] {
            #expect(throws: GHCacheError.self, "\(bad)") {
                try Configuration.load(environment: ["HOME": "/h", "CACHE_HTTP_LISTEN": bad])
            }
            do {
                _ = try Configuration.load(environment: ["HOME": "/h", "CACHE_HTTP_LISTEN": bad])
            } catch {
                #expect(error.message.contains("CACHE_HTTP_LISTEN=\(bad) is not HOST:PORT"))
                #expect(error.exitStatus == .usage)
            }
        }
    }

    @Test("X-GHCache labels go both ways; header text survives any message")
    func vocabulary() {
        let all: [ServedFrom] = [.localHit, .peerHit, .joinedConcurrentFetch, .miss, .revalidated, .stale]
        #expect(all.map(\.endpointLabel) == ["hit-local", "hit-peer", "coalesced", "miss", "revalidated", "stale"])
        for outcome in all { #expect(ServedFrom(endpointLabel: outcome.endpointLabel) == outcome) }
        #expect(ServedFrom(endpointLabel: "pass") == nil)
        #expect(ServedFrom(endpointLabel: "hit-fleet") == .miss)
        for message in ["plain", "100% sure", "line\nbreak", "naïve — “quoted”", "\r\n\u{0}"] {
            let encoded = HeaderText.encode(message)
            #expect(encoded.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F })
            #expect(HeaderText.decode(encoded) == message)
        }
        for status in ExitStatus.allCases { #expect(ExitStatus(endpointName: status.endpointName) == status) }
    }

    @Test("ghcache-get reads the daemon's answers: outcome, age, warning, and failures as its own errors")
    func forwardedAnswers() throws {
        let lookup = ForwardedLookup(
            target: try target("/repos/o/r"), ttl: 120, options: LookupOptions(), token: "t")
        let hit = try DaemonSocketForwarder.result(
            of: GitHubResponse(
                status: 200,
                headers: [
                    "x-ghcache": "stale", "age": "42", "etag": "W/\"e\"", "x-ratelimit-remaining": "7",
                    "x-ghcache-warning": HeaderText.encode("serving a cached copy: GitHub is down"),
                ], body: Data("{}".utf8)), for: lookup, now: 0)
        let answer = try #require(hit)
        #expect(answer.servedFrom == .stale)
        #expect(answer.age == 42)
        #expect(answer.ttl == 120)
        #expect(answer.warning == "serving a cached copy: GitHub is down")
        #expect(answer.headers == ["etag": "W/\"e\""])
        #expect(answer.rateLimit == nil, "rate limits are taken only from answers that went upstream")

        #expect(throws: GHCacheError("rate limit spent", exitStatus: .unavailable)) {
            try DaemonSocketForwarder.result(
                of: GitHubResponse(
                    status: 503,
                    headers: [
                        "x-ghcache": "error", "x-ghcache-error": "rate limit spent",
                        "x-ghcache-error-kind": "unavailable",
                    ],
                    body: Data()), for: lookup, now: 0)
        }
        // The daemon could not reach GitHub: this process, which may see another network, tries itself.
        let unreachable = GitHubResponse(
            status: 502,
            headers: ["x-ghcache": "error", "x-ghcache-error": "no usable copy", "x-ghcache-error-kind": "network"],
            body: Data())
        #expect(try DaemonSocketForwarder.result(of: unreachable, for: lookup, now: 0) == nil)
        // Not a ghcache endpoint at all: this process fetches itself.
        #expect(try DaemonSocketForwarder.result(of: response("{}"), for: lookup, now: 0) == nil)
        #expect(
            DaemonSocketForwarder.url(socketPath: "/tmp/a b/api.sock", pathAndQuery: "/repos/o/r?x=1")
                == "http+unix://%2Ftmp%2Fa%20b%2Fapi.sock/repos/o/r?x=1")
    }
}

/// Answers GETs with the next scripted response, in order.
final class ScriptedTransport: GitHubTransport {
    private let remaining: Mutex<[GitHubResponse]>

    init(_ responses: [GitHubResponse]) { remaining = Mutex(responses) }

    func get(url: String, headers: [(String, String)]) async throws(TransportFailure) -> GitHubResponse {
        guard let next = remaining.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else {
            throw TransportFailure.other("no more scripted responses")
        }
        return next
    }

    func shutdown() async {}
}
