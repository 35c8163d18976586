import Foundation
import GRDB

/// What `ghcache-gc` did (or, with `--dry-run`, would do).
public struct GCReport: Sendable, Equatable {
    /// Whether nothing was changed.
    public var dryRun: Bool
    /// Entries dropped because they were past their expiry plus the stale window.
    public var expired: Int
    /// Entries evicted (least recently used first) to get under `CACHE_MAX_ENTRIES`.
    public var evictedForCount: Int
    /// Entries evicted (least recently used first) to get under `CACHE_MAX_BYTES`.
    public var evictedForBytes: Int
    /// Entries before and after.
    public var entriesBefore: Int
    /// Entries after.
    public var entriesAfter: Int
    /// Body bytes before.
    public var bodyBytesBefore: Int
    /// Body bytes after.
    public var bodyBytesAfter: Int
    /// Size of the store files (database + WAL) before.
    public var fileBytesBefore: Int
    /// Size of the store files after compaction.
    public var fileBytesAfter: Int
}

extension CacheStore {
    /// Expires, evicts and compacts: drops entries more than `maxStale` seconds past their expiry,
    /// then evicts least-recently-used entries beyond `maxEntries` and beyond `maxBytes` of
    /// bodies, drops orphaned validators, expired leases and backoffs, then compacts with
    /// `PRAGMA incremental_vacuum` and a WAL checkpoint. Counters are not touched. Safe while
    /// other processes use the store (one short write transaction).
    public func collectGarbage(maxEntries: Int, maxBytes: Int, maxStale: Int, now: Double, dryRun: Bool)
        throws(GHCacheError) -> GCReport
    {
        let fileBytesBefore = fileBytes()
        var report: GCReport
        do {
            report = try pool.writeWithoutTransaction { db in
                var report = GCReport(
                    dryRun: dryRun, expired: 0, evictedForCount: 0, evictedForBytes: 0, entriesBefore: 0,
                    entriesAfter: 0, bodyBytesBefore: 0, bodyBytesAfter: 0, fileBytesBefore: fileBytesBefore,
                    fileBytesAfter: fileBytesBefore)
                try db.inTransaction(.immediate) {
                    (report.entriesBefore, report.bodyBytesBefore) = try Self.totals(db)
                    try db.execute(
                        sql: "DELETE FROM entries WHERE expires_at + ? < ?", arguments: [Double(maxStale), now])
                    report.expired = db.changesCount
                    // GraphQL answers are never served past their expiry: they go as soon as they expire.
                    try db.execute(sql: "DELETE FROM graphql_entries WHERE expires_at < ?", arguments: [now])
                    try db.execute(
                        sql: """
                            DELETE FROM entries WHERE key IN (
                                SELECT e.key FROM entries e LEFT JOIN entry_access a ON a.key = e.key
                                ORDER BY \(CacheEntry.lastAccessExpression) ASC, e.seq ASC
                                LIMIT max(0, (SELECT count(*) FROM entries) - ?))
                            """, arguments: [maxEntries])
                    report.evictedForCount = db.changesCount
                    try db.execute(
                        sql: """
                            DELETE FROM entries WHERE key IN (
                                SELECT key FROM (
                                    SELECT e.key, sum(e.size) OVER (
                                        ORDER BY \(CacheEntry.lastAccessExpression) DESC, e.seq DESC) AS running
                                    FROM entries e LEFT JOIN entry_access a ON a.key = e.key)
                                WHERE running > ?)
                            """, arguments: [maxBytes])
                    report.evictedForBytes = db.changesCount
                    try db.execute(
                        sql: "DELETE FROM variants WHERE expires_at + ? < ? OR key NOT IN (SELECT key FROM entries)",
                        arguments: [Double(maxStale), now])
                    try db.execute(
                        sql: """
                            DELETE FROM validators WHERE
                                NOT EXISTS (SELECT 1 FROM entries e WHERE e.key = validators.key AND e.cid = validators.cid)
                                AND NOT EXISTS (SELECT 1 FROM variants w
                                    WHERE w.key = validators.key AND w.cid = validators.cid)
                            """)
                    try db.execute(sql: "DELETE FROM entry_access WHERE key NOT IN (SELECT key FROM entries)")
                    try db.execute(sql: "DELETE FROM fetch_locks WHERE expires_at < ?", arguments: [now])
                    // A mark more than a day ahead is none GitHub set (an older version stored `Retry-After: 1e300`).
                    try db.execute(
                        sql: "DELETE FROM backoff WHERE not_before < ? OR not_before > ?",
                        arguments: [now, now + TimeBounds.maxRetryAfter + 3600])
                    (report.entriesAfter, report.bodyBytesAfter) = try Self.totals(db)
                    return dryRun ? .rollback : .commit
                }
                if !dryRun {
                    try db.execute(sql: "PRAGMA incremental_vacuum")
                    _ = try? db.checkpoint(.truncate)
                }
                return report
            }
        } catch {
            throw storeError(error, path: path)
        }
        report.fileBytesAfter = fileBytes()
        return report
    }

    /// Size in bytes of the database file plus its WAL.
    public func fileBytes() -> Int {
        ["", "-wal"].reduce(0) { total, suffix in
            let size = (try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? Int) ?? 0
            return total + size
        }
    }

    private static func totals(_ db: Database) throws -> (Int, Int) {
        let row = try Row.fetchOne(db, sql: "SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM entries")
        return (row?["n"] ?? 0, row?["bytes"] ?? 0)
    }
}
