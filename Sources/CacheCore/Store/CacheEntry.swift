import Foundation
import GRDB

/// One cached GitHub response: a row of the `entries` table. The response and its identity are
/// ``replicated`` (what a peer sends); its fields read directly (`entry.body`, `entry.fetchedAt`).
@dynamicMemberLookup
public struct CacheEntry: Sendable, Equatable {
    /// Where the stored copy came from.
    public enum Origin: String, Sendable {
        /// Fetched from GitHub by this machine.
        case local
        /// Received from another runner's `ghcache-peer`.
        case peer
    }

    /// The replicable content of this entry (what a peer sends).
    public var replicated: ReplicatedEntry
    /// When the copy was last written or used by a lookup, in Unix seconds (for LRU eviction).
    public var lastAccess: Double
    /// `local` or `peer`.
    public var origin: Origin
    /// Store-wide write sequence number; grows with every write of any row.
    public var seq: Int64
    /// Size of `body` in bytes.
    public var size: Int
    /// When a successful write through the local endpoint (or a peer's) last invalidated this entry, Unix
    /// seconds; `nil` when never. A copy fetched before that time is never fresh (see ``isFresh(ttl:now:)``).
    public var invalidatedAt: Double?

    /// Whether a write invalidated this copy after it was fetched.
    public var isInvalidated: Bool { invalidatedAt.map { $0 >= replicated.fetchedAt } ?? false }

    /// Whether this copy may be served with no network: younger than `ttl` and not invalidated since its fetch.
    public func isFresh(ttl: Int, now: Double) -> Bool {
        LeanCore.isFresh(fetchedAt: replicated.fetchedAt, invalidatedAt: invalidatedAt, ttl: ttl, now: now)
    }

    /// The fields of ``replicated``: key, method, url, accept, apiVersion, status, headers, body,
    /// cid, fetchedAt, expiresAt, originPeer (and validators, always empty here: see ``CacheStore/replicable(_:)``).
    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<ReplicatedEntry, Value>) -> Value {
        get { replicated[keyPath: keyPath] }
        set { replicated[keyPath: keyPath] = newValue }
    }

    /// Response headers worth keeping. `x-ratelimit-*` and the like are never stored.
    public static let keptHeaders = ["content-type", "link", "last-modified", "etag"]

    /// The `Link` header, if any.
    public var link: String? { replicated.headers["link"] }

    static let columns =
        "key, method, url, accept, api_version, status, headers, body, cid, fetched_at, expires_at, last_access, "
        + "origin, origin_peer, seq, size"

    /// `SELECT ... FROM entries e` with `last_access` merged from `entry_access` (hits record
    /// their time there, so a hit never rewrites the row and its body); add `WHERE e....`.
    static let select =
        "SELECT e.key, e.method, e.url, e.accept, e.api_version, e.status, e.headers, e.body, e.cid, e.fetched_at, "
        + "e.expires_at, max(e.last_access, coalesce(a.last_access, 0)) AS last_access, e.origin, e.origin_peer, "
        + "e.seq, e.size, e.invalidated_at FROM entries e LEFT JOIN entry_access a ON a.key = e.key"

    /// The effective last access of `entries e` joined with `entry_access a`, for ordering.
    static let lastAccessExpression = "max(e.last_access, coalesce(a.last_access, 0))"

    init(row: Row) {
        replicated = ReplicatedEntry(
            key: row["key"], method: row["method"], url: row["url"], accept: row["accept"],
            apiVersion: row["api_version"], status: row["status"], headers: Self.decodeHeaders(row["headers"]),
            body: row["body"] ?? Data(), cid: row["cid"], fetchedAt: row["fetched_at"], expiresAt: row["expires_at"],
            originPeer: row["origin_peer"])
        lastAccess = row["last_access"]
        origin = Origin(rawValue: row["origin"] ?? "") ?? .local
        seq = row["seq"]
        size = row["size"]
        invalidatedAt = row["invalidated_at"]
    }

    static func encodeHeaders(_ headers: [String: String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: headers, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func decodeHeaders(_ text: String?) -> [String: String] {
        guard let data = text?.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        return object.compactMapValues { $0 as? String }
    }
}

/// The content of an entry as it travels between peers (DESIGN §5 envelope).
public struct ReplicatedEntry: Sendable, Equatable {
    /// Hex SHA-256 key; must equal the key computed from method, url, accept and api version.
    public var key: String
    /// `GET`.
    public var method: String
    /// Normalised path and sorted query.
    public var url: String
    /// `Accept` header.
    public var accept: String
    /// `X-GitHub-Api-Version` header.
    public var apiVersion: String
    /// HTTP status (2xx).
    public var status: Int
    /// Selected response headers.
    public var headers: [String: String]
    /// Exact body bytes.
    public var body: Data
    /// CID of `body`.
    public var cid: String
    /// Fetch time, Unix seconds.
    public var fetchedAt: Double
    /// Expiry, Unix seconds.
    public var expiresAt: Double
    /// The peer ID (`12D3KooW...`) of the peer that fetched it from GitHub (`nil` for a row
    /// fetched on this machine: the daemon fills in its own ID when it publishes).
    public var originPeer: String?
    /// The validators tokens received for this body, newest first, at most ``TokenValidator/maxPerEntry``.
    /// Kept in the `validators` table, not in the row: empty in an entry read with ``CacheStore/entry(forKey:)``;
    /// ``CacheStore/replicable(_:)`` fills it in for publishing.
    public var validators: [TokenValidator]

    /// Creates a replicated entry.
    public init(
        key: String, method: String, url: String, accept: String, apiVersion: String, status: Int,
        headers: [String: String], body: Data, cid: String, fetchedAt: Double, expiresAt: Double,
        originPeer: String? = nil, validators: [TokenValidator] = []
    ) {
        self.key = key
        self.method = method
        self.url = url
        self.accept = accept
        self.apiVersion = apiVersion
        self.status = status
        self.headers = headers
        self.body = body
        self.cid = cid
        self.fetchedAt = fetchedAt
        self.expiresAt = expiresAt
        self.originPeer = originPeer
        self.validators = validators
    }
}

extension ReplicatedEntry {
    // The envelope carries times as Unix milliseconds; the store keeps Unix seconds as `Double`. Converting through
    // these accessors rounds to the millisecond, so an entry equals itself after a round trip through the envelope.

    /// When the response was fetched from GitHub, in Unix milliseconds.
    public var fetchedAtMilliseconds: Int64 {
        get { Self.milliseconds(fetchedAt) }
        set { fetchedAt = Double(newValue) / 1000 }
    }

    /// When the entry stops being fresh, in Unix milliseconds.
    public var expiresAtMilliseconds: Int64 {
        get { Self.milliseconds(expiresAt) }
        set { expiresAt = Double(newValue) / 1000 }
    }

    /// Unix milliseconds of Unix seconds, rounded to nearest and clamped to `Int64`.
    public static func milliseconds(_ seconds: Double) -> Int64 {
        Int64(exactly: (seconds * 1000).rounded()) ?? (seconds < 0 ? .min : .max)
    }

    /// Unix milliseconds of a date, rounded to nearest and clamped to `Int64`.
    public static func milliseconds(_ date: Date) -> Int64 { milliseconds(date.timeIntervalSince1970) }
}
