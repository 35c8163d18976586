import Foundation
import Synchronization
import Testing

@testable import CacheCore

/// GitHub as the access rule needs it: answers by token, and records what each request sent.
final class AccessTransport: GitHubTransport {
    /// The body GitHub shows every token allowed to read it.
    let body = Data(#"{"id":1,"private":true}"#.utf8)
    /// Tokens GitHub lets read the resource.
    let allowed: Mutex<Set<String>>
    /// Whether GitHub's ETags stop matching the documented formula.
    let drifting = Mutex(false)
    /// Whether GitHub is unreachable.
    let down = Mutex(false)
    /// Tokens shown other bytes than ``body`` (another role's `permissions`).
    let views = Mutex<[String: Data]>([:])
    /// Whether a `304` leaves its `ETag` out.
    let bareNotModified = Mutex(false)
    private let sent = Mutex<[[String: String]]>([])

    init(allowed: Set<String>) { self.allowed = Mutex(allowed) }

    var requests: [[String: String]] { sent.withLock { $0 } }

    func get(url: String, headers: [(String, String)]) async throws(TransportFailure) -> GitHubResponse {
        let fields = Dictionary(headers.map { ($0.0.lowercased(), $0.1) }) { $1 }
        sent.withLock { $0.append(fields) }
        if down.withLock({ $0 }) { throw TransportFailure.other("connection refused") }
        let authorization = fields["authorization"]
        let token = authorization.map { String($0.split(separator: " ").last ?? "") }
        guard let token, allowed.withLock({ $0.contains(token) }) else {
            return GitHubResponse(
                status: 404, headers: ["content-type": "application/json"], body: Data(#"{"message":"Not Found"}"#.utf8)
            )
        }
        let body = views.withLock { $0[token] } ?? self.body
        let etag =
            drifting.withLock { $0 }
            ? "W/\"\(UUID().uuidString)\""
            : "W/" + GitHubETag.of(accept: fields["accept"], authorization: authorization, body: body)
        // Weak comparison, as GitHub's: `W/"x"` and `"x"` match.
        let opaque = { (tag: String) in tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag }
        if let condition = fields["if-none-match"],
            condition.split(separator: ",").contains(where: {
                opaque($0.trimmingCharacters(in: .whitespaces)) == opaque(etag)
            })
        {
            return GitHubResponse(
                status: 304, headers: bareNotModified.withLock { $0 } ? [:] : ["etag": etag], body: Data())
        }
        return GitHubResponse(status: 200, headers: ["content-type": "application/json", "etag": etag], body: body)
    }

    func shutdown() async {}
}

/// A clock the test moves.
final class TestClock: Sendable {
    private let seconds = Mutex(1_750_000_000.0)

    var now: Double { seconds.withLock { $0 } }

    func advance(_ by: Double) { seconds.withLock { $0 += by } }
}

/// The access rule (CACHE_SHARING=verified, docs/TRUST.md): a token reads a cached body only when GitHub has shown
/// it that body within CACHE_ACCESS_TTL, or after proving it with one conditional request of its own.
@Suite("Access-checked sharing in the cache client", .serialized)
struct AccessTests {
    struct World {
        let directory: TemporaryDirectory
        let transport: AccessTransport
        let clock = TestClock()

        func client(_ token: String?, sharing: String = "verified") throws -> CacheClient {
            var environment = [
                "CACHE_DIR": directory.path, "GITHUB_API_URL": "http://127.0.0.1:9", "PATH": "",
                "CACHE_SHARING": sharing, "CACHE_ACCESS_TTL": "300",
            ]
            environment["GITHUB_TOKEN"] = token
            let configuration = try Configuration.load(environment: environment)
            let clock = self.clock
            return CacheClient(
                configuration: configuration, store: try CacheStore.open(directory: directory.path),
                transport: transport, tokens: TokenProvider(configuration: configuration) { _ in },
                clock: { clock.now })
        }

        func target() throws -> RequestTarget {
            try RequestTarget("/repos/octo/secret-plans", apiBase: URL(string: "http://127.0.0.1:9")!)
        }

        func advance(_ seconds: Double) { clock.advance(seconds) }

        func counters() throws -> [String: Int] { try CacheStore.open(directory: directory.path).counters() }
    }

    static func with(allowed: Set<String>, _ body: (World) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await body(World(directory: directory, transport: AccessTransport(allowed: allowed)))
    }

    @Test("another token proves with the ETag GitHub would give it: 304 serves the copy for free, once per TTL")
    func proofServesForFree() async throws {
        try await Self.with(allowed: ["alice", "bob"]) { world in
            let target = try world.target()
            #expect(try await world.client("alice").get(target, options: LookupOptions()).servedFrom == .miss)
            let bob = try world.client("bob")
            let proven = try await bob.get(target, options: LookupOptions())
            #expect(proven.servedFrom == .revalidated && proven.body == world.transport.body)
            let proof = try #require(world.transport.requests.last)
            #expect(
                proof["if-none-match"]
                    == GitHubETag.of(
                        accept: target.accept, authorization: "Bearer bob", body: world.transport.body))
            #expect(proof["if-modified-since"] == nil, "If-Modified-Since proves nothing about access")
            // Proven: served without asking GitHub until CACHE_ACCESS_TTL has passed.
            world.advance(100)
            #expect(try await bob.get(target, options: LookupOptions(ttlOverride: 3600)).servedFrom == .localHit)
            #expect(world.transport.requests.count == 2)
            let counters = try world.counters()
            #expect(counters[Counter.accessProofs] == 1 && counters[Counter.accessProofsFree] == 1)
        }
    }

    @Test("a token without access, or a made-up one, gets GitHub's 404 and never the cached body")
    func deniedNeverReads() async throws {
        try await Self.with(allowed: ["alice"]) { world in
            let target = try world.target()
            _ = try await world.client("alice").get(target, options: LookupOptions())
            for stranger in ["mallory", "x"] {
                do {
                    let answer = try await world.client(stranger).get(target, options: LookupOptions())
                    Issue.record("\(stranger) read \(answer.body.count) bytes")
                } catch let error as GHCacheError {
                    #expect(error.upstream?.status == 404)
                    #expect(error.upstream?.body != world.transport.body)
                } catch {
                    Issue.record("unexpected \(error)")
                }
            }
            #expect(try world.counters()[Counter.accessDenied] == 2)
            // Offline and with GitHub down, an unproven token still reads nothing (fail closed).
            world.transport.down.withLock { $0 = true }
            await #expect(throws: GHCacheError.self) {
                try await world.client("mallory").get(target, options: LookupOptions(offline: true))
            }
            await #expect(throws: GHCacheError.self) {
                try await world.client("mallory").get(target, options: LookupOptions(ttlOverride: 0))
            }
            // The token that fetched it still gets its stale copy when GitHub is down.
            let stale = try await world.client("alice").get(target, options: LookupOptions(ttlOverride: 0))
            #expect(stale.servedFrom == .stale && stale.body == world.transport.body)
            #expect(try world.counters()[Counter.accessFailClosed] == 2)
        }
    }

    @Test("a revoked token stops being served within CACHE_ACCESS_TTL")
    func revokedWithinTTL() async throws {
        try await Self.with(allowed: ["alice", "bob"]) { world in
            let target = try world.target()
            let options = LookupOptions(ttlOverride: 3600)
            _ = try await world.client("alice").get(target, options: options)
            _ = try await world.client("bob").get(target, options: options)
            world.transport.allowed.withLock { _ = $0.remove("bob") }
            world.advance(299)
            #expect(try await world.client("bob").get(target, options: options).servedFrom == .localHit)
            world.advance(2)
            await #expect(throws: GHCacheError.self) { try await world.client("bob").get(target, options: options) }
            #expect(try await world.client("alice").get(target, options: options).servedFrom == .revalidated)
        }
    }

    @Test("drift: proofs answered 200 with the same bytes are counted; after three, tokens fetch plainly")
    func drift() async throws {
        try await Self.with(allowed: ["t0", "t1", "t2", "t3", "t4"]) { world in
            world.transport.drifting.withLock { $0 = true }
            let target = try world.target()
            _ = try await world.client("t0").get(target, options: LookupOptions())
            for token in ["t1", "t2", "t3"] {
                #expect(try await world.client(token).get(target, options: LookupOptions()).servedFrom == .miss)
            }
            #expect(try world.counters()[Counter.accessDrift] == 3)
            let answer = try await world.client("t4").get(target, options: LookupOptions())
            #expect(answer.body == world.transport.body)
            #expect(world.transport.requests.last?["if-none-match"] == nil, "no computed ETag after the drift")
        }
    }

    @Test("token mode: a token GitHub has not shown the body fetches its own; fleet mode shares without asking")
    func otherModes() async throws {
        try await Self.with(allowed: ["alice", "bob"]) { world in
            let target = try world.target()
            _ = try await world.client("alice", sharing: "token").get(target, options: LookupOptions())
            #expect(
                try await world.client("bob", sharing: "token").get(target, options: LookupOptions()).servedFrom
                    == .miss)
            #expect(world.transport.requests.last?["if-none-match"] == nil)
            #expect(
                try await world.client("mallory", sharing: "fleet").get(target, options: LookupOptions()).servedFrom
                    == .localHit)
            #expect(world.transport.requests.count == 2)
        }
    }

    @Test(
        "variants: each token is served its own view, stale-if-error too; a 304 naming no offered body is not guessed")
    func variantsPerToken() async throws {
        try await Self.with(allowed: ["admin", "reader", "reader2"]) { world in
            let adminView = Data(#"{"id":1,"private":true,"permissions":{"admin":true}}"#.utf8)
            world.transport.views.withLock { $0["admin"] = adminView }
            let target = try world.target()
            let options = LookupOptions(ttlOverride: 3600)
            #expect(try await world.client("admin").get(target, options: options).body == adminView)
            let reader = try await world.client("reader").get(target, options: options)
            #expect(reader.servedFrom == .miss && reader.body == world.transport.body)
            // The proof offered the admin's bytes with the reader's ETag for them; GitHub sent the reader's view.
            #expect(world.transport.requests.last?["if-none-match"]?.contains(",") == false)
            let sent = world.transport.requests.count
            for _ in 0..<2 {
                #expect(try await world.client("admin").get(target, options: options).body == adminView)
                #expect(try await world.client("reader").get(target, options: options).body == world.transport.body)
            }
            #expect(world.transport.requests.count == sent, "both views served from the cache")
            // A new token proves against both bodies at once; GitHub's ETag says which one it may read.
            let second = try await world.client("reader2").get(target, options: options)
            #expect(second.servedFrom == .revalidated && second.body == world.transport.body)
            #expect(world.transport.requests.last?["if-none-match"]?.split(separator: ",").count == 2)
            // GitHub down: each token gets its own stale view, never the other's.
            world.transport.down.withLock { $0 = true }
            let stale = LookupOptions(ttlOverride: 0)
            #expect(try await world.client("admin").get(target, options: stale).body == adminView)
            #expect(try await world.client("reader").get(target, options: stale).body == world.transport.body)
            // A 304 without an ETag when two bodies were offered: ask again plainly rather than guess.
            world.transport.down.withLock { $0 = false }
            world.transport.bareNotModified.withLock { $0 = true }
            world.advance(400)
            let before = world.transport.requests.count
            let plain = try await world.client("reader2").get(target, options: options)
            #expect(plain.body == world.transport.body && plain.servedFrom == .miss)
            #expect(world.transport.requests.count == before + 2)
            #expect(world.transport.requests.last?["if-none-match"] == nil)
        }
    }
}
