import Foundation
import GRDB

/// A stored GraphQL answer (a row of `graphql_entries`).
public struct GraphQLEntry: Sendable, Equatable {
    /// The key (``GraphQLQuery/key(tokenFingerprint:accept:features:)``).
    public var key: String
    /// The fingerprint of the token that received the answer; only that token is served it.
    public var tokenFingerprint: String
    /// HTTP status (200).
    public var status: Int
    /// The kept headers (``CacheEntry/keptHeaders``).
    public var headers: [String: String]
    /// The body, exactly as GitHub sent it.
    public var body: Data
    /// The rate-limit points the answer cost (what a hit saves).
    public var cost: Int
    /// Fetch time and expiry, Unix seconds.
    public var fetchedAt: Double
    public var expiresAt: Double
}

extension CacheStore {
    /// The GraphQL answer stored under `key` for the token `tokenFingerprint` (the fingerprint is part of the key
    /// and checked again here: a row of another token is never returned).
    public func graphQLEntry(key: String, tokenFingerprint: String) throws(GHCacheError) -> GraphQLEntry? {
        try read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT key, token_fp, status, headers, body, cost, fetched_at, expires_at FROM graphql_entries
                    WHERE key = ? AND token_fp = ?
                    """, arguments: [key, tokenFingerprint]
            ).map {
                GraphQLEntry(
                    key: $0["key"], tokenFingerprint: $0["token_fp"], status: $0["status"],
                    headers: CacheEntry.decodeHeaders($0["headers"]), body: $0["body"] ?? Data(), cost: $0["cost"],
                    fetchedAt: $0["fetched_at"], expiresAt: $0["expires_at"])
            }
        }
    }

    /// Stores a GraphQL answer (replacing an older one under the same key) and adds `counters`, atomically.
    public func storeGraphQL(_ entry: GraphQLEntry, operation: String?, counters: [String: Int]) throws(GHCacheError) {
        try write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO graphql_entries
                        (key, token_fp, operation, status, headers, body, cost, fetched_at, expires_at, size)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    entry.key, entry.tokenFingerprint, operation, entry.status, CacheEntry.encodeHeaders(entry.headers),
                    entry.body, entry.cost, entry.fetchedAt, entry.expiresAt, entry.body.count,
                ])
            try Self.bump(db, counters)
        }
    }

    /// Counts a request relayed to GitHub without the cache, and keeps the live rate limit of an authenticated one
    /// (GraphQL's apart from REST's).
    public func recordRelayed(_ response: GitHubResponse, authenticated: Bool, now: Double, counters: [String: Int])
        throws(GHCacheError)
    {
        try increment(counters.merging([Counter.apiCalls: 1]) { $0 + $1 })
        if authenticated, let limit = RateLimitSnapshot(liveHeadersOf: response, now: now) {
            try recordRateLimit(limit)
        }
    }

    /// The number of GraphQL answers stored.
    public func graphQLCount() throws(GHCacheError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM graphql_entries") ?? 0 }
    }
}
