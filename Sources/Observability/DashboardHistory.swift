import CacheCore
import Foundation

/// The figures the dashboard charts over the last hour, sampled from the store every ``interval``.
public actor DashboardHistory {
    /// One sample.
    public struct Sample: Sendable, Equatable, Codable {
        /// Unix seconds.
        public var time: Double
        /// Hits over lookups since the previous sample (`nil`: no lookups in between).
        public var hitRate: Double?
        /// `api_calls_saved` so far (machine-wide, cumulative).
        public var apiCallsSaved: Int
        /// The last seen `x-ratelimit-remaining`.
        public var rateLimitRemaining: Int?
        /// Connected peers.
        public var peers: Int

        enum CodingKeys: String, CodingKey {
            case time = "t"
            case hitRate = "hit_rate"
            case apiCallsSaved = "api_calls_saved"
            case rateLimitRemaining = "rate_limit_remaining"
            case peers
        }
    }

    /// How often a sample is taken.
    public let interval: Duration
    /// How many samples are kept (an hour's worth).
    public let capacity: Int
    private var samples: [Sample] = []
    private var previous: (hits: Int, lookups: Int)?

    /// A history sampling every `interval` and keeping one hour.
    public init(interval: Duration = .seconds(10)) {
        self.interval = interval
        let seconds = max(1, interval.components.seconds)
        self.capacity = Int(3600 / seconds)
    }

    /// Adds a sample of `stats` taken at `now`.
    public func record(_ stats: CacheStats, peers: Int, now: Double = Date().timeIntervalSince1970) {
        let hits = stats.localHits + stats.peerHits
        let lookups = hits + stats.misses + stats.notModified + stats.staleServed + stats.failures
        var rate: Double?
        if let previous, lookups > previous.lookups {
            rate = Double(hits - previous.hits) / Double(lookups - previous.lookups)
        } else if previous == nil, lookups > 0 {
            rate = stats.hitRate
        }
        previous = (hits, lookups)
        samples.append(
            Sample(
                time: now, hitRate: rate.map { max(0, min(1, $0)) }, apiCallsSaved: stats.apiCallsSaved,
                rateLimitRemaining: stats.rateLimit?.remaining, peers: peers))
        if samples.count > capacity { samples.removeFirst(samples.count - capacity) }
    }

    /// The samples, oldest first.
    public var all: [Sample] { samples }

    /// Samples `store` every ``interval`` until cancelled; `peers` tells how many peers are connected.
    public func run(store: CacheStore, p2pEnabled: Bool, peers: @Sendable () -> Int) async {
        while !Task.isCancelled {
            if let stats = try? CacheStats(store: store, p2pEnabled: p2pEnabled, now: Date().timeIntervalSince1970) {
                record(stats, peers: peers())
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// The dashboard's JSON: `{"now": <ghcache-stats --json>, "samples": [...]}`.
    public func json(_ stats: CacheStats) -> Data {
        let current = (try? JSONSerialization.jsonObject(with: stats.json())) ?? [:]
        let encoder = JSONEncoder()
        let series = (try? encoder.encode(samples)).flatMap { try? JSONSerialization.jsonObject(with: $0) } ?? []
        return
            (try? JSONSerialization.data(withJSONObject: ["now": current, "samples": series], options: [.sortedKeys]))
            ?? Data("{}".utf8)
    }
}
