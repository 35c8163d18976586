/// Why a message or entry from a peer was dropped: the one vocabulary of every check, counted once. The raw values
/// are the counter names of `ghcache-stats` (`gossip_rejected.<reason>`, `sync_rejected.<reason>`,
/// `fill.rejected.<reason>`).
public enum RejectReason: String, Sendable, CaseIterable, Codable {
    /// Not a Fernet token of this fleet's key (another fleet, tampering, garbage).
    case undecryptable
    /// Authentic but not a valid envelope: unknown version, corrupt compression, bad or missing fields.
    case malformed
    /// Larger than a message, the decompressed envelope, or its metadata may be.
    case oversized
    /// The token is older than the replay TTL, or the entry is no longer fresh.
    case expired
    /// The token or the entry's fetch time lies further in the future than the allowed clock skew.
    case clockSkew = "clock_skew"
    /// The body does not match the entry's content ID.
    case cidMismatch = "cid_mismatch"
    /// The key is not the hash of the entry's request, or a fill answer carries another key than the one asked for.
    case keyMismatch = "key_mismatch"
    /// Not newer than the copy already stored (a replay, or an older fetch).
    case stale
}

/// A dropped message: the counter to increment and a human-readable detail for debug logs. The detail never
/// contains the fleet secret, the key, or the message's plaintext beyond field names and sizes.
public struct Rejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// The counter this rejection increments.
    public let reason: RejectReason
    /// What exactly was wrong.
    public let detail: String

    /// A rejection for `reason` explained by `detail`.
    public init(_ reason: RejectReason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}

/// A ``ReplicatedEntry`` from a peer that passed every check such an entry must pass before the store may take it
/// (``CacheStore/upsertFromPeer(_:peer:now:)`` accepts nothing else): made once, where a peer's bytes are decoded,
/// so no later layer checks again.
public struct VerifiedEntry: Sendable, Equatable {
    /// The entry.
    public let entry: ReplicatedEntry

    /// The longest lifetime (`expires_at - fetched_at`) that is believable: 30 days.
    public static let maxLifetime: Double = 30 * 86400

    /// Checks `entry` at time `now` (Unix seconds), allowing the sender's clock to be `maxClockSkew` seconds ahead:
    /// a cacheable GET (2xx) with an API version (every lookup has one, so an entry without one would be stored
    /// where nothing finds it), times that make sense and are still fresh, the key that method, URL, `Accept` and
    /// API version hash to (docs/PROTOCOL.md §4), and a body that matches its CID (hashed once, here).
    public init(checking entry: ReplicatedEntry, now: Double, maxClockSkew: Double = 60) throws(Rejection) {
        guard entry.method == "GET" else { throw Rejection(.malformed, "method \(entry.method.prefix(16)) is not GET") }
        guard (200..<300).contains(entry.status) else {
            throw Rejection(.malformed, "status \(entry.status) is not cacheable")
        }
        guard !entry.apiVersion.isEmpty else { throw Rejection(.malformed, "api_version is missing, null or empty") }
        guard entry.fetchedAt.isFinite, entry.expiresAt.isFinite, entry.fetchedAt >= 0,
            entry.expiresAt >= entry.fetchedAt, entry.expiresAt - entry.fetchedAt <= Self.maxLifetime
        else { throw Rejection(.malformed, "expiry is not between fetch time and fetch time + 30 days") }
        guard entry.fetchedAt <= now + maxClockSkew else {
            throw Rejection(.clockSkew, "fetched \(Int(entry.fetchedAt - now)) s in the future")
        }
        guard entry.expiresAt > now else {
            throw Rejection(.expired, "entry expired \(Int((now - entry.expiresAt) * 1000)) ms ago")
        }
        let key = RequestTarget.key(
            method: entry.method, url: entry.url, accept: entry.accept, apiVersion: entry.apiVersion)
        guard key == entry.key else { throw Rejection(.keyMismatch, "key is not the hash of its request") }
        guard ContentID.matches(entry.cid, body: entry.body) else {
            throw Rejection(.cidMismatch, "body does not match its CID")
        }
        self.entry = entry
    }
}
