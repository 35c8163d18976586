import Foundation
import GRDB

/// What ``CacheStore/upsertFromPeer(_:peer:now:)`` did with an entry.
public enum PeerUpsertOutcome: Sendable, Equatable {
    /// A new key was stored.
    case inserted
    /// A stored entry was replaced by the peer's newer copy.
    case updated
    /// The store holds this very fetch already (same fetch time and body, e.g. from a second sync responder).
    case duplicate
    /// The store holds a copy fetched at the same time or later: nothing was stored (the caller counts it as
    /// ``RejectReason/stale``).
    case notNewer
}

/// The heartbeat row the `ghcache-peer` daemon writes and `ghcache-stats` reads.
public struct PeerStatus: Sendable, Equatable {
    /// This daemon's peer ID (`12D3KooW...`).
    public var peerID: String
    /// Listen multiaddrs.
    public var addresses: [String]
    /// Peer IDs of connected peers.
    public var connectedPeers: [String]
    /// How the daemon found each connected peer, by peer ID (`bootstrap`, `dns`, `mdns`, `fleet`, `inbound`);
    /// peers missing here are shown without a source (a heartbeat of an older daemon).
    public var via: [String: String]
    /// Last heartbeat, Unix seconds.
    public var heartbeatAt: Double
    /// Process ID of the daemon.
    public var pid: Int
    /// The daemon's own GitHub credential (which kind, and when its token expires), never the token.
    public var credential: CredentialStatus?

    /// Creates a status.
    public init(
        peerID: String, addresses: [String], connectedPeers: [String], via: [String: String] = [:],
        heartbeatAt: Double, pid: Int, credential: CredentialStatus? = nil
    ) {
        self.peerID = peerID
        self.addresses = addresses
        self.connectedPeers = connectedPeers
        self.via = via
        self.heartbeatAt = heartbeatAt
        self.pid = pid
        self.credential = credential
    }

    /// A daemon whose heartbeat is older than this many seconds is reported as not running.
    public static let staleAfter: Double = 30

    /// Whether the heartbeat is recent enough to call the daemon running.
    public func isAlive(now: Double) -> Bool { now - heartbeatAt <= Self.staleAfter }
}

extension CacheStore {
    /// Stores an entry received from `peer`, unless the store has one as new or newer (never
    /// overwrites a newer `fetched_at`): the one "is it newer?" check, in the write transaction. Counts a stored
    /// entry in ``Counter/peerStored``; the caller counts the others.
    ///
    /// The entry's ``ReplicatedEntry/validators`` are stored with it (and only when it is stored), so a
    /// runner whose token has the same fingerprint revalidates the copy with `If-None-Match`. A body it replaces
    /// stays as a variant for the tokens that were shown it (``keepReplacedBody(_:key:newCID:)``).
    @discardableResult
    public func upsertFromPeer(_ verified: VerifiedEntry, peer: String, now: Double) throws(GHCacheError)
        -> PeerUpsertOutcome
    {
        let entry = verified.entry
        let kept = entry.headers.filter { CacheEntry.keptHeaders.contains($0.key.lowercased()) }
        return try write { db in
            let existing = try Row.fetchOne(
                db, sql: "SELECT fetched_at, cid, last_access, invalidated_at FROM entries WHERE key = ?",
                arguments: [entry.key])
            if let existing, (existing["fetched_at"] as Double) >= entry.fetchedAt {
                let storedAt: Double = existing["fetched_at"]
                let storedCID: String? = existing["cid"]
                let same =
                    ReplicatedEntry.milliseconds(storedAt) == entry.fetchedAtMilliseconds && storedCID == entry.cid
                return same ? .duplicate : .notNewer
            }
            try Self.keepReplacedBody(db, key: entry.key, newCID: entry.cid)
            let seq = try Self.nextSeq(db)
            let lastAccess: Double = existing?["last_access"] ?? now
            try db.execute(
                sql:
                    "INSERT OR REPLACE INTO entries (\(CacheEntry.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    entry.key, entry.method, entry.url, entry.accept, entry.apiVersion, entry.status,
                    CacheEntry.encodeHeaders(kept), entry.body, entry.cid, entry.fetchedAt, entry.expiresAt,
                    lastAccess, "peer", peer, seq, entry.body.count,
                ])
            // A write invalidated the key: the mark stays, so a copy fetched before it never turns fresh.
            if let invalidatedAt: Double = existing?["invalidated_at"] {
                try db.execute(
                    sql: "UPDATE entries SET invalidated_at = ? WHERE key = ?", arguments: [invalidatedAt, entry.key])
            }
            try Self.storePeerValidators(db, entry)
            try Self.bump(db, [Counter.peerStored: 1])
            return existing == nil ? .inserted : .updated
        }
    }

    /// Key and fetch time of the entries still fresh at `now` (`expires_at > now`, not invalidated since
    /// their fetch), newest first, at
    /// most `limit`: the index a join-time sync works on. No body is read; load the few entries a
    /// peer lacks with ``entry(forKey:)``.
    public func freshEntryIndex(now: Double, limit: Int = 10000) throws(GHCacheError) -> [FreshEntry] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT key, fetched_at FROM entries
                    WHERE expires_at > ? AND (invalidated_at IS NULL OR invalidated_at < fetched_at)
                    ORDER BY fetched_at DESC LIMIT ?
                    """,
                arguments: [now, limit]
            ).map { FreshEntry(key: $0["key"], fetchedAt: $0["fetched_at"]) }
        }
    }

    /// Local entries (fetched from GitHub on this machine, or revalidated here) written after
    /// `seq`, in write order, at most `limit`: what a daemon tails to gossip.
    public func localEntries(afterSeq seq: Int64, limit: Int = 100) throws(GHCacheError) -> [CacheEntry] {
        try read { db in
            try Row.fetchAll(
                db,
                sql:
                    "\(CacheEntry.select) WHERE e.seq > ? AND e.origin = 'local' ORDER BY e.seq LIMIT ?",
                arguments: [seq, limit]
            ).map(CacheEntry.init(row:))
        }
    }

    /// Writes the daemon's heartbeat row.
    public func writePeerStatus(_ status: PeerStatus) throws(GHCacheError) {
        let addresses = Self.jsonArray(status.addresses)
        let connected = Self.connectedPeersJSON(status)
        let credential = status.credential.flatMap { try? JSONEncoder().encode($0) }.map {
            String(decoding: $0, as: UTF8.self)
        }
        try write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO peer_status
                        (id, peer_id, addresses, connected_peers, heartbeat_at, pid, credential)
                    VALUES (1, ?, ?, ?, ?, ?, ?)
                    """, arguments: [status.peerID, addresses, connected, status.heartbeatAt, status.pid, credential])
        }
    }

    /// Removes the heartbeat row if it belongs to `pid` (a daemon shutting down).
    public func clearPeerStatus(pid: Int) throws(GHCacheError) {
        try write { db in try db.execute(sql: "DELETE FROM peer_status WHERE pid = ?", arguments: [pid]) }
    }

    /// The daemon's last heartbeat row, if any (check ``PeerStatus/isAlive(now:)``).
    public func peerStatus() throws(GHCacheError) -> PeerStatus? {
        try read { db in
            try Row.fetchOne(
                db,
                sql:
                    "SELECT peer_id, addresses, connected_peers, heartbeat_at, pid, credential FROM peer_status WHERE id = 1"
            ).map {
                let connected = Self.connectedPeers(fromJSON: $0["connected_peers"])
                return PeerStatus(
                    peerID: $0["peer_id"], addresses: Self.stringArray($0["addresses"]),
                    connectedPeers: connected.map(\.peer), via: Self.viaByPeer(connected),
                    heartbeatAt: $0["heartbeat_at"],
                    pid: $0["pid"],
                    credential: ($0["credential"] as String?).flatMap {
                        try? JSONDecoder().decode(CredentialStatus.self, from: Data($0.utf8))
                    })
            }
        }
    }

    private static func jsonArray(_ items: [String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: items)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// The `connected_peers` column: `[{"peer": "12D3…", "via": "mdns"}, …]` (`via` omitted when unknown).
    private static func connectedPeersJSON(_ status: PeerStatus) -> String {
        let objects: [[String: String]] = status.connectedPeers.map { peer in
            var object = ["peer": peer]
            if let via = status.via[peer] { object["via"] = via }
            return object
        }
        let data =
            (try? JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys])) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads the `connected_peers` column in both forms: objects (`{"peer", "via"}`) and the plain array of peer IDs
    /// that daemons before discovery wrote.
    static func connectedPeers(fromJSON text: String?) -> [(peer: String, via: String?)] {
        guard let data = text?.data(using: .utf8), let array = try? JSONSerialization.jsonObject(with: data) as? [Any]
        else { return [] }
        return array.compactMap { item -> (peer: String, via: String?)? in
            if let peer = item as? String { return (peer, nil) }
            guard let object = item as? [String: Any], let peer = object["peer"] as? String else { return nil }
            return (peer, object["via"] as? String)
        }
    }

    private static func viaByPeer(_ connected: [(peer: String, via: String?)]) -> [String: String] {
        var via: [String: String] = [:]
        for entry in connected { if let source = entry.via { via[entry.peer] = source } }
        return via
    }

    private static func stringArray(_ text: String?) -> [String] {
        guard let data = text?.data(using: .utf8), let array = try? JSONSerialization.jsonObject(with: data) as? [Any]
        else { return [] }
        return array.compactMap { $0 as? String }
    }
}

/// A fresh entry's key and fetch time (see ``CacheStore/freshEntryIndex(now:limit:)``).
public struct FreshEntry: Sendable, Equatable {
    /// The cache key.
    public var key: String
    /// When it was fetched from GitHub, Unix seconds.
    public var fetchedAt: Double

    /// An index row.
    public init(key: String, fetchedAt: Double) {
        self.key = key
        self.fetchedAt = fetchedAt
    }
}
