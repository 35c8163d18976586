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
}
