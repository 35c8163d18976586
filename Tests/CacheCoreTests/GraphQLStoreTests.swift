import Foundation
import Testing

@testable import CacheCore

@Suite("GraphQL answers in the store and their settings")
struct GraphQLStoreTests {
    static func entry(key: String, fingerprint: String, fetchedAt: Double, ttl: Double) -> GraphQLEntry {
        GraphQLEntry(
            key: key, tokenFingerprint: fingerprint, status: 200, headers: ["content-type": "application/json"],
            body: Data(#"{"data":{"viewer":{"login":"a"}}}"#.utf8), cost: 3, fetchedAt: fetchedAt,
            expiresAt: fetchedAt + ttl)
    }

    @Test("an answer is read back only with its token's fingerprint; gc drops it once expired; counters add up")
    func storeAndCollect() async throws {
        try await withStore { store, _ in
            try store.storeGraphQL(
                Self.entry(key: "k1", fingerprint: "fp-a", fetchedAt: 1000, ttl: 60), operation: "Q",
                counters: [Counter.graphQLMisses: 1])
            try store.storeGraphQL(
                Self.entry(key: "k2", fingerprint: "fp-a", fetchedAt: 1000, ttl: 600), operation: nil, counters: [:])
            #expect(try store.graphQLEntry(key: "k1", tokenFingerprint: "fp-a")?.cost == 3)
            #expect(try store.graphQLEntry(key: "k1", tokenFingerprint: "fp-b") == nil, "another token's row")
            #expect(try store.graphQLCount() == 2)
            #expect(try store.size().entries == 0, "GraphQL answers are not REST entries (never replicated)")
            _ = try store.collectGarbage(maxEntries: 10, maxBytes: 1 << 20, maxStale: 86400, now: 1100, dryRun: false)
            #expect(try store.graphQLEntry(key: "k1", tokenFingerprint: "fp-a") == nil)
            #expect(try store.graphQLEntry(key: "k2", tokenFingerprint: "fp-a") != nil)
            let stats = try CacheStats(store: store, p2pEnabled: false, now: 1100)
            #expect(stats.graphQLMisses == 1 && stats.graphQLEntries == 1)
        }
    }

    @Test("GraphQL rate-limit headers are kept apart from REST's")
    func rateLimits() async throws {
        try await withStore { store, _ in
            try store.recordRateLimit(
                RateLimitSnapshot(remaining: 10, limit: 5000, reset: 2000, resource: "core", observedAt: 1))
            try store.recordRateLimit(
                RateLimitSnapshot(remaining: 7, limit: 5000, reset: 3000, resource: "graphql", observedAt: 2))
            #expect(try store.lastRateLimit()?.remaining == 10)
            #expect(try store.lastRateLimit(graphQL: true)?.remaining == 7)
        }
    }

    @Test("CACHE_GRAPHQL_TTL and CACHE_GRAPHQL_TTL_RULES: defaults, rules, errors that name the variable")
    func settings() async throws {
        let plain = try Configuration.load(environment: ["HOME": "/h"])
        #expect(plain.graphQLTTL.ttl(operation: "Any") == 60)
        let ruled = try Configuration.load(
            environment: ["HOME": "/h", "CACHE_GRAPHQL_TTL": "2m", "CACHE_GRAPHQL_TTL_RULES": "PullRequestList=10"])
        #expect(ruled.graphQLTTL.ttl(operation: "PullRequestList") == 10)
        #expect(ruled.graphQLTTL.ttl(operation: nil) == 120)
        await expectError(.usage, containing: "CACHE_GRAPHQL_TTL_RULES=Pull-Request=3") {
            _ = try Configuration.load(environment: ["HOME": "/h", "CACHE_GRAPHQL_TTL_RULES": "Pull-Request=3"])
        }
        await expectError(.usage, containing: "CACHE_GRAPHQL_TTL") {
            _ = try Configuration.load(environment: ["HOME": "/h", "CACHE_GRAPHQL_TTL": "soon"])
        }
    }

    @Test("what may be stored: a 200 with data and no errors; the cost from rateLimit, aliased or not")
    func cacheability() {
        func answer(_ status: Int, _ body: String) -> GitHubResponse {
            GitHubResponse(status: status, headers: [:], body: Data(body.utf8))
        }
        #expect(CacheClient.uncacheable(answer(200, #"{"data":{"a":1}}"#)) == nil)
        #expect(CacheClient.uncacheable(answer(200, #"{"data":{"a":1},"errors":[]}"#)) != nil)
        #expect(
            CacheClient.uncacheable(answer(200, #"{"errors":[{"type":"RATE_LIMITED","message":"x"}]}"#)) != nil)
        #expect(CacheClient.uncacheable(answer(200, #"{"data":null}"#)) != nil)
        #expect(CacheClient.uncacheable(answer(502, #"{"data":{"a":1}}"#)) != nil)
        #expect(CacheClient.uncacheable(answer(200, "not json")) != nil)
        #expect(CacheClient.cost(Data(#"{"data":{"rateLimit":{"cost":7},"x":{"cost":2}}}"#.utf8)) == 7)
        #expect(CacheClient.cost(Data(#"{"data":{"budget":{"cost":4,"remaining":9}}}"#.utf8)) == 4)
        #expect(CacheClient.cost(Data(#"{"data":{"viewer":{"login":"a"}}}"#.utf8)) == nil)
        #expect(CacheClient.cost(Data(#"{"data":{"rateLimit":{"cost":1.5}}}"#.utf8)) == nil)
    }
}
