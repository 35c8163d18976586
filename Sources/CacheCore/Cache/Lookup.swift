import Foundation

/// Per-request cache options (the `ghcache-get` flags).
public struct LookupOptions: Sendable, Equatable {
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

    /// Creates options.
    public init(
        ttlOverride: Int? = nil, noCache: Bool = false, offline: Bool = false, maxStale: Int = 86400,
        revalidate: Bool = false, countsAsLookup: Bool = true
    ) {
        self.countsAsLookup = countsAsLookup
        self.ttlOverride = ttlOverride
        self.noCache = noCache
        self.offline = offline
        self.maxStale = maxStale
        self.revalidate = revalidate
    }
}

/// Where an answer came from, as printed by `--verbose`.
public enum ServedFrom: Sendable, Equatable {
    /// A fresh copy fetched on this machine.
    case localHit
    /// A fresh copy received from a peer.
    case peerHit
    /// A copy another process fetched while this one waited (one API call for both).
    case joinedConcurrentFetch
    /// A full answer from GitHub.
    case miss
    /// GitHub confirmed the stored copy with `304 Not Modified`.
    case revalidated
    /// A stale copy, served because GitHub could not or must not be asked.
    case stale
    /// A copy the key's owner in the fleet fetched or revalidated for this lookup (fleet fill: one API
    /// call for the whole fleet).
    case filled

    /// The `--verbose` label.
    public var label: String {
        switch self {
        case .localHit: "HIT local"
        case .peerHit: "HIT peer"
        case .joinedConcurrentFetch: "HIT local (fetched by a concurrent process)"
        case .miss: "MISS"
        case .revalidated: "REVALIDATED"
        case .stale: "STALE"
        case .filled: "HIT peer (filled by the key's owner)"
        }
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

extension ServedFrom {
    /// The value of the local endpoint's `X-GHCache` response header for this outcome.
    public var endpointLabel: String {
        switch self {
        case .localHit: "hit-local"
        case .peerHit: "hit-peer"
        case .joinedConcurrentFetch: "coalesced"
        case .miss: "miss"
        case .revalidated: "revalidated"
        case .stale: "stale"
        case .filled: "fill"
        }
    }

    /// The outcome named by an `X-GHCache` value (an unknown value from a newer daemon counts as a miss:
    /// the answer was fetched somewhere); `nil` for `pass` (not a cache lookup) or garbage.
    public init?(endpointLabel: String) {
        switch endpointLabel.lowercased() {
        case "hit-local": self = .localHit
        case "hit-peer": self = .peerHit
        case "coalesced": self = .joinedConcurrentFetch
        case "miss": self = .miss
        case "revalidated": self = .revalidated
        case "stale": self = .stale
        case "fill": self = .filled
        case "pass", "": return nil
        default:
            guard endpointLabel.allSatisfy({ $0.isLetter || $0 == "-" }) else { return nil }
            self = .miss
        }
    }
}
