import Foundation
import GRDB

/// Validators that travel with replicated entries (docs/PROTOCOL.md §4): read for publishing, stored on receipt.
///
/// Each `validators` row names the body (`cid`) it belongs to: the entry's, or a variant's (CacheStore+Views).
extension CacheStore {
    /// `row` as it is replicated: its ``ReplicatedEntry`` with the validators tokens received for this body,
    /// newest first, at most ``TokenValidator/maxPerEntry``. Validators of unauthenticated requests are left out
    /// (GitHub binds those to this machine's address, so no other runner could use them), and so is anything
    /// not fit to travel (``TokenValidator/isWellFormed``). Only the rows of `row`'s body travel.
    public func replicable(_ row: CacheEntry) throws(GHCacheError) -> ReplicatedEntry {
        var entry = row.replicated
        entry.validators = try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT token_fp, etag, last_modified, updated_at FROM validators
                    WHERE key = ? AND cid = ? AND token_fp != ?
                    ORDER BY updated_at DESC, token_fp
                    """, arguments: [row.key, row.cid, TokenFingerprinter.anonymous]
            )
            .map {
                TokenValidator(
                    tokenFingerprint: $0["token_fp"], etag: $0["etag"], lastModified: $0["last_modified"],
                    seenAt: $0["updated_at"])
            }
            .filter(\.isWellFormed)
            .prefix(TokenValidator.maxPerEntry)
            .map { $0 }
        }
        return entry
    }

    /// Stores the validators a peer sent with `entry`, which was just written as the key's row (same
    /// transaction). Each is kept under its token fingerprint with `updated_at` = when the peer says GitHub showed
    /// the body to that token (never later than the entry's fetch time; the fetch time when it does not say); a
    /// validator this store holds for the same fingerprint and a later time is kept. Malformed ones, the
    /// anonymous fingerprint and any beyond ``TokenValidator/maxPerEntry`` are skipped (the envelope decoder
    /// already refuses such messages; this guards other callers).
    static func storePeerValidators(_ db: Database, _ entry: ReplicatedEntry) throws {
        var seen: Set<String> = []
        for validator in entry.validators.prefix(TokenValidator.maxPerEntry)
        where validator.isWellFormed && seen.insert(validator.tokenFingerprint).inserted {
            try db.execute(
                sql: """
                    INSERT INTO validators (key, token_fp, etag, last_modified, updated_at, cid) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (key, token_fp) DO UPDATE SET etag = excluded.etag,
                        last_modified = excluded.last_modified, updated_at = excluded.updated_at, cid = excluded.cid
                    WHERE excluded.updated_at >= validators.updated_at
                    """,
                arguments: [
                    entry.key, validator.tokenFingerprint, validator.etag, validator.lastModified,
                    min(validator.seenAt ?? entry.fetchedAt, entry.fetchedAt), entry.cid,
                ])
        }
    }
}
