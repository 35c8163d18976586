import CacheCore
import Foundation
import Logging

/// Refresh-ahead (the seed's "cache prewarming"): a key that is being polled is revalidated by its owner shortly
/// before it expires, so the fleet's pollers find it fresh and nobody waits for GitHub; `CACHE_PREWARM` paths are
/// kept warm whether or not they are read (concrete ones are fetched at start-up).
///
/// Every daemon scans its own store for keys that a lookup used in the second half of their freshness window (a
/// key nobody reads is left to expire) and that are now within the refresh window (the last ``lead`` of their
/// lifetime). It revalidates the keys it owns itself and asks the owner of the others through a fill with
/// `revalidate` (the owner revalidates once, however many runners ask, and gossips the result). Bounded: at most
/// `CACHE_REFRESH_AHEAD` per minute per daemon, none while less than a fifth of the last seen rate limit is left.
/// Off by default for polled keys: a refresh before expiry costs calls the fleet would not otherwise make (measured
/// in BENCHMARKS.md); `CACHE_PREWARM` paths are always kept warm.
actor RefreshAhead {
    let client: CacheClient
    let perMinute: Int
    /// Whether keys read lately are refreshed (`CACHE_REFRESH_AHEAD` > 0), not only prewarm paths.
    let refreshesPolled: Bool
    let logger: Logger
    private var tokens: Double
    private var refilledAt = ContinuousClock.now

    /// The most revalidations in flight at once.
    static let concurrency = 4
    /// Refresh-ahead pauses while the last seen `remaining` is below this share of the limit.
    static let reserveShare = 0.2

    /// The budget of prewarm revalidations per minute when `CACHE_REFRESH_AHEAD` grants less.
    static let prewarmPerMinute = 60
    /// A key is due once its remaining freshness is at most this fraction of its lifetime.
    static let lead = 0.05

    /// A client whose misses go to the key's owner (`forwarder`: the fleet fill), so that only owners revalidate.
    /// `enabled` is whether the daemon has a credential of its own (without one, nothing is refreshed).
    init(client: CacheClient, enabled: Bool, logger: Logger) {
        self.client = client
        // Without fleet fill every runner would revalidate its own copies: refresh-ahead needs owners. Prewarm
        // paths are kept warm whatever CACHE_REFRESH_AHEAD says, within at least the prewarm budget.
        let configuration = client.configuration
        self.refreshesPolled = configuration.refreshAheadPerMinute > 0
        let budget = max(configuration.refreshAheadPerMinute, configuration.prewarm.isEmpty ? 0 : Self.prewarmPerMinute)
        self.perMinute = configuration.fleetFill && enabled ? budget : 0
        self.logger = logger
        self.tokens = Double(perMinute)
    }

    /// Whether `entry` is missing, marked stale by an invalidation, or inside its refresh window now.
    static func isDue(_ entry: CacheEntry?, now: Double) -> Bool {
        guard let entry, !entry.isInvalidated else { return true }
        return now >= entry.expiresAt - (entry.expiresAt - entry.fetchedAt) * lead
    }

    private var store: CacheStore { client.store }
    private var prewarm: [PathPattern] { client.configuration.prewarm }

    /// Runs a round every `interval` after `startDelay` (time to learn the fleet's members), until cancelled.
    func run(interval: Duration, startDelay: Duration) async {
        guard perMinute > 0 else { return }
        try? await Task.sleep(for: startDelay)
        while !Task.isCancelled {
            await round()
            try? await Task.sleep(for: interval)
        }
    }

    /// One pass: picks the due keys and revalidates as many as the budget allows (through their owners).
    func round() async {
        let elapsed = ContinuousClock.now - refilledAt
        refilledAt = .now
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(Double(perMinute), tokens + seconds * Double(perMinute) / 60)
        guard tokens >= 1 else { return }
        do {
            if let limit = try store.lastRateLimit(), let total = limit.limit, total > 0,
                Double(limit.remaining) < Double(total) * Self.reserveShare
            {
                return
            }
            let batch = try dueTargets(now: client.clock()).prefix(Int(tokens))
            tokens -= Double(batch.count)
            await withTaskGroup(of: Void.self) { group in
                for (index, item) in batch.enumerated() {
                    if index >= Self.concurrency { await group.next() }
                    group.addTask { await self.refresh(item.target, ttl: item.ttl) }
                }
            }
        } catch {
            logger.warning("refresh-ahead cannot read the store: \(error.message)")
        }
    }

    /// The targets due for a revalidation: concrete prewarm paths not stored yet, and stored entries near expiry
    /// that were read lately or match a prewarm pattern.
    private func dueTargets(now: Double) throws(GHCacheError) -> [(target: RequestTarget, ttl: Int)] {
        let base = client.configuration.apiURL
        var due: [(target: RequestTarget, ttl: Int)] = []
        var seen: Set<String> = []
        for pattern in prewarm where pattern.isConcrete {
            guard let target = try? RequestTarget(pattern.description, apiBase: base),
                try store.fetchedAt(key: target.key) == nil, seen.insert(target.key).inserted
            else { continue }
            due.append((target, client.configuration.ttlPolicy.ttl(path: target.path, query: target.decodedQuery)))
        }
        for entry in try store.expiringEntries(now: now, fraction: Self.lead) where seen.insert(entry.key).inserted {
            guard
                let target = try? RequestTarget(
                    entry.url, accept: entry.accept, apiVersion: entry.apiVersion, apiBase: base),
                target.key == entry.key,
                entry.readLately
                    || prewarm.contains(where: { $0.matches(path: target.path, query: target.decodedQuery) })
            else { continue }
            due.append((target, max(1, TimeBounds.wholeSeconds(entry.lifetime))))
        }
        return due
    }

    private func refresh(_ target: RequestTarget, ttl: Int) async {
        do {
            let result = try await client.get(target, options: LookupOptions(ttlOverride: ttl, revalidate: true))
            logger.debug(
                "refreshed ahead of expiry: \(result.servedFrom.label)", metadata: ["ghcache.key": "\(target)"])
        } catch {
            logger.info("refresh-ahead of \(target) failed: \(error.message)")
        }
    }
}
