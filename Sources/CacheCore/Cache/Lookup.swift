import Foundation

/// Per-request cache options (the `ghcache-get` flags).
public struct LookupOptions: Sendable, Hashable {
    /// `--ttl`: freshness in seconds for this request, instead of the TTL rules.
    public var ttlOverride: Int?
    /// `--no-cache`: ignore the stored copy and ask GitHub (the answer still refreshes the cache).
    public var noCache: Bool
    /// `--offline`: never call GitHub; serve any copy up to `maxStale` past its expiry.
    public var offline: Bool
    /// `--max-stale`: how long past its expiry a copy may be served after an error, in seconds.
    public var maxStale: Int
    /// Revalidate the stored copy now even if it is fresh (a conditional request when validators allow it):
    /// the daemon's refresh-ahead.
    public var revalidate: Bool
    /// Whether the outcome adds to this machine's lookup counters (`false`: a fill served for another runner,
    /// which that runner counts).
    public var countsAsLookup: Bool
    /// Whether the client's ``MissForwarder`` may answer (`false`: a fill this daemon serves as the key's owner,
    /// which must not be handed on again).
    public var askForwarder: Bool

    /// Creates options.
    public init(
        ttlOverride: Int? = nil, noCache: Bool = false, offline: Bool = false, maxStale: Int = 86400,
        revalidate: Bool = false, countsAsLookup: Bool = true, askForwarder: Bool = true
    ) {
        self.countsAsLookup = countsAsLookup
        self.askForwarder = askForwarder
        self.ttlOverride = ttlOverride
        self.noCache = noCache
        self.offline = offline
        self.maxStale = maxStale
        self.revalidate = revalidate
    }
}

/// The answer to one lookup.
public struct LookupResult: Sendable {
    /// The request.
    public var target: RequestTarget
    /// HTTP status of the stored or received answer.
    public var status: Int
    /// Stored headers of the answer (`link`, `etag`...), never `x-ratelimit-*`.
    public var headers: [String: String]
    /// Body bytes, exactly as GitHub sent them.
    public var body: Data
    /// Where the answer came from.
    public var servedFrom: ServedFrom
    /// Age of the answer in seconds (0 when just fetched).
    public var age: Double
    /// TTL that applied, in seconds.
    public var ttl: Int
    /// Rate-limit headers of the live response, when GitHub was asked.
    public var rateLimit: RateLimitSnapshot?
    /// A warning for stderr (stale copy served, and why).
    public var warning: String?
    /// All headers of GitHub's live answer when this lookup asked GitHub and got one it used (a miss,
    /// a `304` revalidation), lower-case names; `nil` for answers from the store. The local endpoint
    /// relays `x-github-request-id` and the live `x-ratelimit-*` from here, never from the store.
    public var upstreamHeaders: [String: String]?

    /// Creates a result (a ``MissForwarder`` outside CacheCore builds its answers with this).
    public init(
        target: RequestTarget, status: Int, headers: [String: String], body: Data, servedFrom: ServedFrom, age: Double,
        ttl: Int, rateLimit: RateLimitSnapshot? = nil, warning: String? = nil, upstreamHeaders: [String: String]? = nil
    ) {
        self.target = target
        self.status = status
        self.headers = headers
        self.body = body
        self.servedFrom = servedFrom
        self.age = age
        self.ttl = ttl
        self.rateLimit = rateLimit
        self.warning = warning
        self.upstreamHeaders = upstreamHeaders
    }
}

extension LookupResult {
    /// An answer served from `entry`.
    public init(
        entry: CacheEntry, target: RequestTarget, servedFrom: ServedFrom, ttl: Int, now: Double,
        rateLimit: RateLimitSnapshot? = nil, warning: String? = nil
    ) {
        self.init(
            target: target, status: entry.status, headers: entry.headers, body: entry.body, servedFrom: servedFrom,
            age: max(0, now - entry.fetchedAt), ttl: ttl, rateLimit: rateLimit, warning: warning, upstreamHeaders: nil)
    }
}
