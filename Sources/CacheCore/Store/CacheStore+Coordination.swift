import Foundation
import GRDB

/// A "do not call GitHub before" mark (Retry-After, secondary or primary rate limit).
public struct Backoff: Sendable, Equatable {
    /// Unix time before which no request may be sent.
    public var notBefore: Double
    /// Why: `retry-after`, `secondary-rate-limit` or `rate-limit`.
    public var reason: String

    /// Creates a mark.
    public init(notBefore: Double, reason: String) {
        self.notBefore = notBefore
        self.reason = reason
    }
}

extension CacheStore {
    // MARK: Fetch leases (collapse concurrent identical misses)

    /// Takes the fetch lease for `key` unless another live owner holds it. Returns whether `owner`
    /// now holds it. An expired lease (its holder died or hung) is taken over.
    public func acquireFetchLease(key: String, owner: String, now: Double, duration: Double) throws(GHCacheError)
        -> Bool
    {
        try write { db in
            // A lease whose holder is gone (killed mid-fetch) is taken over at once, not after it expires.
            if let holder = try String.fetchOne(
                db, sql: "SELECT owner FROM fetch_locks WHERE key = ? AND expires_at > ?", arguments: [key, now]),
                Self.holderIsGone(holder)
            {
                try Self.deleteLease(db, key: key, owner: holder)
            }
            try db.execute(
                sql: """
                    INSERT INTO fetch_locks (key, owner, expires_at) VALUES (?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
                    WHERE fetch_locks.expires_at <= ?
                    """, arguments: [key, owner, now + duration, now])
            return db.changesCount > 0
        }
    }

    /// Gives up a lease (after a failed fetch; a successful one releases it with the write).
    public func releaseFetchLease(key: String, owner: String) throws(GHCacheError) {
        try write { db in try Self.deleteLease(db, key: key, owner: owner) }
    }

    /// Whether some process that still runs holds a live lease for `key`.
    public func isFetchLeaseHeld(key: String, now: Double) throws(GHCacheError) -> Bool {
        try read { db in
            guard
                let holder = try String.fetchOne(
                    db, sql: "SELECT owner FROM fetch_locks WHERE key = ? AND expires_at > ?", arguments: [key, now])
            else { return false }
            return !Self.holderIsGone(holder)
        }
    }

    /// A lease owner is `PID-RANDOM` (``CacheClient``): whether that process no longer exists on this machine.
    /// Anything else (no PID, a process of another user, which `kill` may not signal) counts as alive.
    static func holderIsGone(_ owner: String) -> Bool {
        guard let dash = owner.firstIndex(of: "-"), let pid = Int32(owner[..<dash]), pid > 0 else { return false }
        return kill(pid, 0) == -1 && errno == ESRCH
    }

    /// The `fetched_at` of the entry for `key`, if any (cheap polling while waiting for a lease holder).
    public func fetchedAt(key: String) throws(GHCacheError) -> Double? {
        try read { db in try Double.fetchOne(db, sql: "SELECT fetched_at FROM entries WHERE key = ?", arguments: [key])
        }
    }

    static func deleteLease(_ db: Database, key: String, owner: String) throws {
        try db.execute(sql: "DELETE FROM fetch_locks WHERE key = ? AND owner = ?", arguments: [key, owner])
    }

    // MARK: Backoff

    /// Records that no request for `scope` (a token fingerprint) may be sent before `backoff.notBefore`.
    /// An existing later mark is kept.
    public func setBackoff(scope: String, _ backoff: Backoff) throws(GHCacheError) {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO backoff (scope, not_before, reason) VALUES (?, ?, ?)
                    ON CONFLICT (scope) DO UPDATE SET not_before = excluded.not_before, reason = excluded.reason
                    WHERE excluded.not_before > backoff.not_before
                    """, arguments: [scope, backoff.notBefore, backoff.reason])
        }
    }

    /// The mark in force for `scope` at `now`, if any.
    public func backoff(scope: String, now: Double) throws(GHCacheError) -> Backoff? {
        try read { db in
            try Row.fetchOne(
                db, sql: "SELECT not_before, reason FROM backoff WHERE scope = ? AND not_before > ?",
                arguments: [scope, now]
            ).map { Backoff(notBefore: $0["not_before"], reason: $0["reason"]) }
        }
    }

    // MARK: Rate limit

    /// Remembers the rate-limit headers of a live response (GraphQL's, `x-ratelimit-resource: graphql`, apart).
    public func recordRateLimit(_ snapshot: RateLimitSnapshot) throws(GHCacheError) {
        let table = snapshot.resource == "graphql" ? "graphql_rate_limit" : "rate_limit"
        try write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO \(table) (id, remaining, limit_total, reset_at, resource, observed_at)
                    VALUES (1, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    snapshot.remaining, snapshot.limit, snapshot.reset, snapshot.resource, snapshot.observedAt,
                ])
        }
    }

    /// The last rate-limit headers seen, if any: REST's, or with `graphQL` GraphQL's.
    public func lastRateLimit(graphQL: Bool = false) throws(GHCacheError) -> RateLimitSnapshot? {
        let table = graphQL ? "graphql_rate_limit" : "rate_limit"
        return try read { db in
            try Row.fetchOne(
                db, sql: "SELECT remaining, limit_total, reset_at, resource, observed_at FROM \(table) WHERE id = 1"
            ).map {
                RateLimitSnapshot(
                    remaining: $0["remaining"], limit: $0["limit_total"], reset: $0["reset_at"],
                    resource: $0["resource"], observedAt: $0["observed_at"])
            }
        }
    }
}
