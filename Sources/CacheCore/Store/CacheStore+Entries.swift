import Foundation
import GRDB

/// Validators for a conditional request, as received by one token.
public struct Validators: Sendable, Equatable {
    /// `ETag` as received (send as `If-None-Match`, only with the same token).
    public var etag: String?
    /// `Last-Modified` as received (send as `If-Modified-Since`).
    public var lastModified: String?

    /// Creates validators.
    public init(etag: String?, lastModified: String?) {
        self.etag = etag
        self.lastModified = lastModified
    }
}

extension CacheStore {
    /// The entry for `key`, without touching it.
    public func entry(forKey key: String) throws(GHCacheError) -> CacheEntry? {
        do {
            // One statement is atomic: no transaction needed around it.
            return try pool.unsafeRead { db in try Self.entry(db, key: key) }
        } catch {
            throw storeError(error, path: path)
        }
    }

    /// Records that the entry for `key` answered a lookup: its access time (in the small
    /// `entry_access` table, so the row and its body are not rewritten) and a counter.
    public func recordServed(key: String, counter: String?, now: Double) throws(GHCacheError) {
        try write { db in
            try db.cachedStatement(
                sql: """
                    INSERT INTO entry_access (key, last_access) VALUES (?, ?)
                    ON CONFLICT (key) DO UPDATE SET last_access = excluded.last_access
                    """
            ).execute(arguments: [key, now])
            if let counter { try Self.bump(db, [counter: 1]) }
        }
    }

    /// The validators this token fingerprint received for `key`.
    public func validators(forKey key: String, tokenFingerprint: String) throws(GHCacheError) -> Validators? {
        try read { db in
            try Row.fetchOne(
                db, sql: "SELECT etag, last_modified FROM validators WHERE key = ? AND token_fp = ?",
                arguments: [key, tokenFingerprint]
            ).map { Validators(etag: $0["etag"], lastModified: $0["last_modified"]) }
        }
    }

    /// Stores a response just fetched from GitHub (status 2xx, GET only), its validators under the
    /// token fingerprint, releases the fetch lease of `owner`, and adds `counters`, atomically.
    ///
    /// When the body changed, the old one stays as a variant for the tokens GitHub showed it
    /// (``keepReplacedBody(_:key:newCID:)``); the token's row now names the new body.
    @discardableResult
    public func storeFetched(
        _ response: GitHubResponse, target: RequestTarget, ttl: Int, tokenFingerprint: String, now: Double,
        leaseOwner: String?, counters: [String: Int]
    ) throws(GHCacheError) -> CacheEntry {
        let kept = response.headers.filter { CacheEntry.keptHeaders.contains($0.key) }
        let key = target.key
        let cid = ContentID.of(response.body)
        return try write { db in
            let seq = try Self.nextSeq(db)
            try Self.keepReplacedBody(db, key: key, newCID: cid)
            try db.execute(
                sql:
                    "INSERT OR REPLACE INTO entries (\(CacheEntry.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    key, target.method, target.pathAndQuery, target.accept, target.apiVersion, response.status,
                    CacheEntry.encodeHeaders(kept), response.body, cid, now, now + Double(ttl), now, "local", nil,
                    seq, response.body.count,
                ])
            // The token's row records that GitHub showed it this body now (the seen-by set), validators or not.
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO validators (key, token_fp, etag, last_modified, updated_at, cid)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [key, tokenFingerprint, kept["etag"], kept["last-modified"], now, cid])
            if let leaseOwner { try Self.deleteLease(db, key: key, owner: leaseOwner) }
            try Self.bump(db, counters)
            return try Row.fetchOne(
                db, sql: "\(CacheEntry.select) WHERE e.key = ?", arguments: [key]
            )
            .map(CacheEntry.init(row:))
        }.unwrapped(or: GHCacheError("the entry for \(target) vanished while being written", exitStatus: .store))
    }

    /// After a `304 Not Modified` for the body `cid` (the entry's, or a variant's: the one whose `ETag` GitHub
    /// matched): restarts that body's clock (`fetched_at` = now, new TTL) — the entry's also makes it a local
    /// entry — records the validators under the token fingerprint (the token's proof for that body), releases the
    /// lease and adds `counters`. Returns the refreshed body, or `nil` if it was deleted meanwhile.
    public func refreshValidated(
        key: String, cid: String, ttl: Int, tokenFingerprint: String, validators: Validators, now: Double,
        leaseOwner: String?, counters: [String: Int]
    ) throws(GHCacheError) -> CacheEntry? {
        try write { db in
            try db.execute(
                sql: "UPDATE variants SET fetched_at = ?, expires_at = ? WHERE key = ? AND cid = ?",
                arguments: [now, now + Double(ttl), key, cid])
            if db.changesCount == 0 {
                let seq = try Self.nextSeq(db)
                try db.execute(
                    sql: """
                        UPDATE entries SET fetched_at = ?, expires_at = ?, last_access = ?, origin = 'local',
                            origin_peer = NULL, seq = ? WHERE key = ? AND cid = ?
                        """, arguments: [now, now + Double(ttl), now, seq, key, cid])
                guard db.changesCount > 0 else { return nil }
            }
            // A 304 to this token proves GitHub shows it this body: its row is the proof (and its validators).
            try db.execute(
                sql: """
                    INSERT INTO validators (key, token_fp, etag, last_modified, updated_at, cid) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (key, token_fp) DO UPDATE SET
                        etag = iif(cid IS excluded.cid, coalesce(excluded.etag, etag), excluded.etag),
                        last_modified = iif(cid IS excluded.cid, coalesce(excluded.last_modified, last_modified),
                            excluded.last_modified),
                        updated_at = excluded.updated_at, cid = excluded.cid
                    """,
                arguments: [key, tokenFingerprint, validators.etag, validators.lastModified, now, cid])
            if let leaseOwner { try Self.deleteLease(db, key: key, owner: leaseOwner) }
            try Self.bump(db, counters)
            return try Self.body(db, key: key, cid: cid)
        }
    }

    /// The number of entries and their total body size.
    public func size() throws(GHCacheError) -> (entries: Int, bytes: Int) {
        try read { db in
            let row = try Row.fetchOne(db, sql: "SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM entries")
            return (row?["n"] ?? 0, row?["bytes"] ?? 0)
        }
    }
}

extension Optional {
    func unwrapped(or error: GHCacheError) throws(GHCacheError) -> Wrapped {
        guard let self else { throw error }
        return self
    }
}
