import CacheCore
import Foundation

/// Which cached GETs a successful write makes out of date: the written resource itself (`PATCH /repos/o/r`
/// invalidates `GET /repos/o/r`, with any query, `Accept` or API version) and its parent, whose list or counts
/// usually include it (`POST /repos/o/r/issues` invalidates `GET /repos/o/r/issues...`; `PATCH
/// /repos/o/r/issues/5` invalidates the issue and `GET /repos/o/r/issues...`).
enum WriteInvalidation {
    /// The paths (relative to the API base, canonical percent-encoding, no query) a write to `path` invalidates.
    static func paths(writtenPath path: String, apiBase: URL) -> [String] {
        guard let target = try? RequestTarget(path, apiBase: apiBase) else { return [] }
        var written = target.path
        while written.count > 1, written.hasSuffix("/") { written.removeLast() }
        var paths = [written]
        let segments = written.split(separator: "/", omittingEmptySubsequences: true)
        if segments.count >= 2 {
            paths.append("/" + segments.dropLast().joined(separator: "/"))
        }
        return paths
    }

    /// The keys to mark: the stored entries of `paths`, plus the keys of their plain GETs (default `Accept` and
    /// API version), which other runners may hold even when this one does not.
    static func keys(paths: [String], store: CacheStore) throws(GHCacheError) -> [String] {
        let stored = try store.keys(forPaths: paths)
        let plain = paths.map {
            RequestTarget.key(
                method: "GET", url: $0, accept: RequestTarget.defaultAccept, apiVersion: RequestTarget.defaultAPIVersion
            )
        }
        return Array(Set(stored + plain)).sorted()
    }
}
