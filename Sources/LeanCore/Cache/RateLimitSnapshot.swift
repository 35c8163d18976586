/// The last rate-limit headers GitHub sent (`x-ratelimit-*`), kept for statistics and decisions,
/// never replayed as response headers.
public struct RateLimitSnapshot: Sendable, Equatable {
    /// `x-ratelimit-remaining`.
    public var remaining: Int
    /// `x-ratelimit-limit`.
    public var limit: Int?
    /// `x-ratelimit-reset`, Unix seconds.
    public var reset: Double?
    /// `x-ratelimit-resource` (`core`, `search`...).
    public var resource: String?
    /// When the headers were seen, Unix seconds.
    public var observedAt: Double

    /// Creates a snapshot.
    public init(remaining: Int, limit: Int?, reset: Double?, resource: String?, observedAt: Double) {
        self.remaining = remaining
        self.limit = limit
        self.reset = reset
        self.resource = resource
        self.observedAt = observedAt
    }
}
