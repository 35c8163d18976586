/// Why a message from a peer was dropped. The raw values are the counter names of `ghcache-stats`
/// (`gossip_rejected.<reason>`).
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
    /// A fill answer carries another key than the one asked for.
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
