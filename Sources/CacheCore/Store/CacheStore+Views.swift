import Foundation
import GRDB

/// What GitHub showed one token for one key: the body (the entry's own, or one of its variants) and when.
public struct TokenView: Sendable {
    /// The body this token was shown, with the key's other fields (its fetch time is the body's own).
    public var entry: CacheEntry
    /// When GitHub last showed it to the token (fetched, or `304` to its conditional request), Unix seconds.
    public var seenAt: Double
    /// The validators GitHub sent the token with it (its own `ETag` is bound to the token).
    public var validators: Validators
}

/// Per-token views (docs/TRUST.md, "Variants"): GitHub may show two tokens different bytes for one key (a
/// repository's `permissions`). The key's row in `entries` holds the body fetched last; the bodies other tokens
/// were shown stay in `variants`, each with its own fetch time, and a token's `validators` row names the body
/// (`cid`) GitHub showed it. So each distinct view is fetched once per freshness window, not once per token.
///
/// Invariant: every `validators` row names the entry's body or one of the key's variants.
extension CacheStore {
    /// The most other bodies kept per key (newest first); a view beyond it is fetched again when asked for.
    public static let maxVariantsPerKey = 4

    /// The body GitHub last showed the token of `tokenFingerprint` for `key`, and when; `nil` when it was shown
    /// none the store still holds. `entry`, the key's entry when the caller has just read it, saves reading it again.
    public func view(key: String, tokenFingerprint: String, entry: CacheEntry? = nil) throws(GHCacheError)
        -> TokenView?
    {
        try read { db in
            guard
                let seen = try Row.fetchOne(
                    db.cachedStatement(
                        sql:
                            "SELECT cid, etag, last_modified, updated_at FROM validators WHERE key = ? AND token_fp = ?"
                    ),
                    arguments: [key, tokenFingerprint]),
                let cid: String = seen["cid"],
                let body = try entry?.cid == cid ? entry : Self.body(db, key: key, cid: cid)
            else { return nil }
            return TokenView(
                entry: body, seenAt: seen["updated_at"],
                validators: Validators(etag: seen["etag"], lastModified: seen["last_modified"]))
        }
    }

    /// Every body the store holds for `key`: the entry's first, then its variants, newest first.
    public func bodies(key: String) throws(GHCacheError) -> [CacheEntry] {
        try read { db in
            guard let entry = try Self.entry(db, key: key) else { return [] }
            let cids = try String.fetchAll(
                db, sql: "SELECT cid FROM variants WHERE key = ? ORDER BY fetched_at DESC", arguments: [key])
            return try [entry] + cids.compactMap { try Self.body(db, key: key, cid: $0) }
        }
    }

    static func entry(_ db: Database, key: String) throws -> CacheEntry? {
        try Row.fetchOne(db.cachedStatement(sql: "\(CacheEntry.select) WHERE e.key = ?"), arguments: [key])
            .map(CacheEntry.init(row:))
    }

    /// The body `cid` of `key`: the entry itself, or a variant with the entry's other fields.
    static func body(_ db: Database, key: String, cid: String?) throws -> CacheEntry? {
        guard let cid, var entry = try entry(db, key: key) else { return nil }
        if entry.cid == cid { return entry }
        guard
            let variant = try Row.fetchOne(
                db,
                sql:
                    "SELECT status, headers, body, fetched_at, expires_at, size FROM variants WHERE key = ? AND cid = ?",
                arguments: [key, cid])
        else { return nil }
        entry.status = variant["status"]
        entry.headers = CacheEntry.decodeHeaders(variant["headers"])
        entry.body = variant["body"] ?? Data()
        entry.cid = cid
        entry.fetchedAt = variant["fetched_at"]
        entry.expiresAt = variant["expires_at"]
        entry.size = variant["size"]
        return entry
    }

    /// Before the entry of `key` takes the body `newCID` (same transaction): the current body stays as a variant
    /// when some token was shown it, `newCID` stops being a variant, the oldest beyond ``maxVariantsPerKey`` go,
    /// and the seen-by rows of bodies no longer held go with them.
    static func keepReplacedBody(_ db: Database, key: String, newCID: String) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO variants (key, cid, status, headers, body, fetched_at, expires_at, size)
                SELECT key, cid, status, headers, body, fetched_at, expires_at, size FROM entries e
                WHERE e.key = ? AND e.cid != ?
                    AND EXISTS (SELECT 1 FROM validators v WHERE v.key = e.key AND v.cid = e.cid)
                """, arguments: [key, newCID])
        try db.execute(
            sql: """
                DELETE FROM variants WHERE key = ?1 AND (cid = ?2 OR cid NOT IN (
                    SELECT cid FROM variants WHERE key = ?1 ORDER BY fetched_at DESC LIMIT ?3))
                """, arguments: [key, newCID, maxVariantsPerKey])
        try db.execute(
            sql: """
                DELETE FROM validators WHERE key = ?1 AND cid IS NOT ?2
                    AND cid NOT IN (SELECT cid FROM variants WHERE key = ?1)
                """, arguments: [key, newCID])
    }
}
