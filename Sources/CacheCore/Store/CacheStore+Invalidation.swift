import Foundation
import GRDB

extension CacheStore {
    /// The keys of the stored entries for `paths` (paths relative to the API base, as in the `url` column),
    /// whatever their query, `Accept` or API version: what a write to those paths makes out of date.
    public func keys(forPaths paths: [String]) throws(GHCacheError) -> [String] {
        guard !paths.isEmpty else { return [] }
        return try read { db in
            var keys: [String] = []
            for path in Set(paths) {
                // `url` is the path, or the path, `?` and the sorted query; LIKE would treat `%`/`_` in the
                // path as wildcards, so compare the prefix with substr.
                let prefix = path + "?"
                keys += try String.fetchAll(
                    db,
                    sql: "SELECT key FROM entries WHERE url = ? OR substr(url, 1, ?) = ?",
                    arguments: [path, prefix.utf8.count, prefix])
            }
            return Array(Set(keys)).sorted()
        }
    }

    /// The keys of the stored entries a change to `stale` touches: each path (any query, `Accept` or API version),
    /// and with ``StalePath/subpaths`` every path below it.
    public func keys(under stale: [StalePath]) throws(GHCacheError) -> [String] {
        var keys = try self.keys(forPaths: stale.map(\.path))
        let prefixes = stale.filter(\.subpaths).map { $0.path + "/" }
        guard !prefixes.isEmpty else { return keys }
        keys += try read { db in
            try prefixes.flatMap { prefix in
                try String.fetchAll(
                    db, sql: "SELECT key FROM entries WHERE substr(url, 1, ?) = ?",
                    arguments: [prefix.utf8.count, prefix])
            }
        }
        return Array(Set(keys)).sorted()
    }

    /// Marks the entries `keys` as out of date from time `at` (Unix seconds): a copy fetched before `at` is no
    /// longer fresh (it is still there for stale-if-error and as a validator). Keeps a later invalidation
    /// time if one is already recorded. Returns how many entries were marked (and counts them in `invalidated`).
    @discardableResult
    public func invalidate(keys: [String], at time: Double) throws(GHCacheError) -> Int {
        guard !keys.isEmpty, time.isFinite else { return 0 }
        return try write { db in
            var marked = 0
            for key in Set(keys) {
                try db.execute(
                    sql: """
                        UPDATE entries SET invalidated_at = max(coalesce(invalidated_at, ?), ?)
                        WHERE key = ? AND (invalidated_at IS NULL OR invalidated_at < ?)
                        """, arguments: [time, time, key, time])
                marked += db.changesCount
            }
            try Self.bump(db, [Counter.invalidated: marked])
            return marked
        }
    }
}
