import GRDB

/// An entry close to its expiry: what refresh-ahead considers (no body is read).
public struct ExpiringEntry: Sendable, Equatable {
    /// The cache key.
    public var key: String
    /// Normalised path and sorted query.
    public var url: String
    /// `Accept`.
    public var accept: String
    /// `X-GitHub-Api-Version`.
    public var apiVersion: String
    /// When it was fetched (or last revalidated), Unix seconds.
    public var fetchedAt: Double
    /// When it stops being fresh, Unix seconds.
    public var expiresAt: Double
    /// When a lookup last used it (a hit), Unix seconds; `nil` when none did.
    public var lastRead: Double?

    /// The lifetime it was stored with, in seconds.
    public var lifetime: Double { expiresAt - fetchedAt }

    /// Whether a lookup used it in the second half of its current freshness window: the sign of a key polled
    /// continuously, which a refresh just before expiry keeps fresh for the next poller.
    public var readLately: Bool { (lastRead ?? 0) >= fetchedAt + lifetime / 2 }
}

extension CacheStore {
    /// The entries still fresh at `now` whose remaining freshness is at most `fraction` of their lifetime, soonest
    /// expiry first, at most `limit`.
    public func expiringEntries(now: Double, fraction: Double, limit: Int = 500) throws(GHCacheError) -> [ExpiringEntry]
    {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT e.key, e.url, e.accept, e.api_version, e.fetched_at, e.expires_at, a.last_access
                    FROM entries e LEFT JOIN entry_access a ON a.key = e.key
                    WHERE e.expires_at > ? AND e.expires_at - ? <= (e.expires_at - e.fetched_at) * ?
                    ORDER BY e.expires_at LIMIT ?
                    """, arguments: [now, now, fraction, limit]
            ).map {
                ExpiringEntry(
                    key: $0["key"], url: $0["url"], accept: $0["accept"], apiVersion: $0["api_version"],
                    fetchedAt: $0["fetched_at"], expiresAt: $0["expires_at"], lastRead: $0["last_access"])
            }
        }
    }
}
