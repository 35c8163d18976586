import Foundation
import GRDB

/// A family of requests whose ETags GitHub computes alike: the media type and the path with its names and numbers
/// masked (`application/vnd.github+json /repos/*/*/contents/*`). Proofs stop for a family whose ETags drift.
enum ETagFamily {
    static func of(_ target: RequestTarget) -> String {
        let segments = target.path.split(separator: "/", omittingEmptySubsequences: true)
        let masked = segments.enumerated().map { index, segment -> Substring in
            (index == 1 || index == 2 || segment.allSatisfy(\.isNumber)) && index > 0 ? "*" : segment
        }
        return "\(target.accept) /\(masked.joined(separator: "/"))"
    }

    /// Proofs answered `200` with the cached bytes in a row after which the family gets no more computed ETags.
    static let driftLimit = 3
}

extension CacheClient {
    /// A proof came back `200` with the very bytes cached: GitHub's ETag was not the one computed (a drift, never a
    /// leak: the token received its own copy). Counted; after ``ETagFamily/driftLimit`` in a row the family is
    /// fetched plainly for unproven tokens, and the operator is told once.
    func noteDrift(_ target: RequestTarget, sent: String, received: String?) throws(GHCacheError) {
        let family = ETagFamily.of(target)
        try store.increment(Counter.accessDrift)
        if try store.recordDrift(family) == ETagFamily.driftLimit {
            notice(
                "GitHub's ETags for \(family) no longer match the computed ones (sent \(sent), got "
                    + "\(received ?? "none") for the same bytes, \(ETagFamily.driftLimit) times in a row): tokens that "
                    + "have not fetched such a response fetch it themselves from now on (access.drift in ghcache-stats)"
            )
        }
    }
}

extension CacheStore {
    private static func driftName(_ family: String) -> String { "drift:\(family)" }

    /// Whether proofs for `family` have drifted ``ETagFamily/driftLimit`` times in a row.
    func isDrifting(_ family: String) throws(GHCacheError) -> Bool {
        try read { db in
            (try Int.fetchOne(
                db, sql: "SELECT value FROM store_meta WHERE name = ?", arguments: [Self.driftName(family)])
                ?? 0) >= ETagFamily.driftLimit
        }
    }

    /// One more drifted proof for `family`; returns the run's length.
    func recordDrift(_ family: String) throws(GHCacheError) -> Int {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO store_meta (name, value) VALUES (?, 1)
                    ON CONFLICT (name) DO UPDATE SET value = value + 1
                    """, arguments: [Self.driftName(family)])
            return try Int.fetchOne(
                db, sql: "SELECT value FROM store_meta WHERE name = ?", arguments: [Self.driftName(family)]) ?? 1
        }
    }

    /// A free proof for `family`: the run of drifts is broken.
    func resetDrift(_ family: String) throws(GHCacheError) {
        try write { db in
            try db.execute(sql: "DELETE FROM store_meta WHERE name = ?", arguments: [Self.driftName(family)])
        }
    }
}
