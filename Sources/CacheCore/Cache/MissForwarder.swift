/// Something that answers a lookup the local store cannot serve fresh, before this process calls GitHub
/// itself: the machine's daemon through `$CACHE_DIR/api.sock` (for `ghcache-get`), or the key's owner in
/// the fleet (inside the daemon). Coalescing happens on the other side, so many lookups cost one call.
public protocol MissForwarder: Sendable {
    /// Answers `lookup`, or returns `nil` when this process should go on and fetch it itself (no daemon,
    /// no reachable owner, this process is the owner, a timeout). Throws only for a definitive answer the
    /// caller must see (GitHub's 404 relayed by the daemon, for instance).
    func forward(_ lookup: ForwardedLookup) async throws(GHCacheError) -> LookupResult?
}

/// A lookup handed to a ``MissForwarder``.
public struct ForwardedLookup: Sendable {
    /// The request.
    public var target: RequestTarget
    /// The TTL that applies to it, in seconds.
    public var ttl: Int
    /// The caller's options (`--no-cache`, `--max-stale`...).
    public var options: LookupOptions
    /// The API token of the request (`nil`: unauthenticated).
    public var token: String?
    /// Set when the token must prove its access to the copy held (docs/TRUST.md, "Proofs across the fleet"): the
    /// fetch time of that copy. The machine's daemon then runs the whole lookup, proof included; the key's owner
    /// answers with a newer row if one arrived since, or lets this runner prove first while the others that prove
    /// at the same time wait for its row, so that after a change one proof pays for the new body and the rest are
    /// free. The proof itself is always made with the caller's token, by the one who proves.
    public var proofBaseline: Double?

    /// Creates a lookup to hand on.
    public init(
        target: RequestTarget, ttl: Int, options: LookupOptions, token: String?, proofBaseline: Double? = nil
    ) {
        self.target = target
        self.ttl = ttl
        self.options = options
        self.token = token
        self.proofBaseline = proofBaseline
    }
}
