/// The validators one token received for one body, named by the token's fingerprint (``TokenFingerprinter``),
/// never by the token: what travels with a replicated entry so that a runner holding the same token can
/// revalidate a peer's copy with `If-None-Match` (GitHub binds ETags to the token).
///
/// Fingerprints are comparable across machines only when every runner fingerprints with the same key: the
/// `ghcache-peer` daemon installs one derived from the fleet key (``TokenFingerprinter/install(key:cacheDir:)``).
public struct TokenValidator: Sendable, Equatable, Hashable {
    /// The token fingerprint (32 lower-case hex digits).
    public var tokenFingerprint: String
    /// `ETag` as that token received it.
    public var etag: String?
    /// `Last-Modified` as received.
    public var lastModified: String?
    /// When GitHub showed the body to that token (fetched, or a `304` to it), Unix seconds; `nil` when the sender did
    /// not say (a receiver then takes the entry's fetch time). The access rule reads it (docs/TRUST.md).
    public var seenAt: Double?

    /// The most validators an entry carries (newest first); a peer that sends more is malformed.
    public static let maxPerEntry = 8
    /// The longest accepted `etag` or `lastModified` value, in bytes (GitHub's are under 80).
    public static let maxValueBytes = 256

    /// Creates a validator.
    public init(tokenFingerprint: String, etag: String?, lastModified: String?, seenAt: Double? = nil) {
        self.tokenFingerprint = tokenFingerprint
        self.etag = etag
        self.lastModified = lastModified
        self.seenAt = seenAt
    }

    /// Whether `text` has the form of a token fingerprint: 32 lower-case hex digits (never ``TokenFingerprinter/anonymous``).
    public static func isFingerprint(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// Whether a received value can be stored and sent back as a request header: at most ``maxValueBytes``,
    /// printable ASCII and spaces only (no line breaks or other control characters).
    public static func isHeaderValue(_ text: String) -> Bool {
        text.utf8.count <= maxValueBytes && text.utf8.allSatisfy { (0x20...0x7E).contains($0) }
    }

    /// Whether this validator is fit to travel: a fingerprint, at least one value, and every value a header value.
    public var isWellFormed: Bool {
        guard Self.isFingerprint(tokenFingerprint), etag != nil || lastModified != nil else { return false }
        return [etag, lastModified].allSatisfy { $0.map(Self.isHeaderValue) ?? true }
    }
}
