/// Cached resources that changed: marked stale on this machine and, through the daemon, on every runner of the fleet.
public struct Invalidation: Sendable, Equatable {
    /// Cache keys.
    public var keys: [String]
    /// Paths (each daemon marks its own entries under them).
    public var paths: [StalePath]
    /// When the change happened, Unix seconds (copies fetched before it are stale).
    public var at: Double
    /// Whether each key's owner revalidates it shortly afterwards (a webhook: the data changed on GitHub) rather
    /// than leaving it to the next lookup (a write through the local endpoint).
    public var refresh: Bool

    /// An invalidation.
    public init(keys: [String] = [], paths: [StalePath] = [], at: Double, refresh: Bool) {
        self.keys = keys
        self.paths = paths
        self.at = at
        self.refresh = refresh
    }
}

/// Where an invalidation goes: it is marked in the store once, and (in the peer daemon) published to the fleet and
/// the revalidation of the keys this runner owns scheduled.
public protocol Invalidator: Sendable {
    /// Marks `invalidation` stale and passes it on. Returns how many stored entries it marked here.
    func invalidate(_ invalidation: Invalidation) async throws(GHCacheError) -> Int
}

extension CacheStore: Invalidator {
    /// The stored keys `invalidation` names: its keys, and those of the entries under its paths.
    public func keys(of invalidation: Invalidation) throws(GHCacheError) -> [String] {
        Set(invalidation.keys).union(try keys(under: invalidation.paths)).sorted()
    }

    /// Marks the keys and the entries under the paths stale from `invalidation.at` (this machine only: the local
    /// endpoint's invalidator when the daemon runs without libp2p).
    public func invalidate(_ invalidation: Invalidation) throws(GHCacheError) -> Int {
        try invalidate(keys: try keys(of: invalidation), at: invalidation.at)
    }
}
