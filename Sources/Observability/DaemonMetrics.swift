import CacheCore
import CoreMetrics
import Foundation
import Prometheus
import Synchronization

private typealias StoreCounter = CacheCore.Counter

/// The daemon's `GET /metrics`, in the Prometheus text format, through swift-metrics and swift-prometheus.
///
/// Two sources: what this process records through swift-metrics (CacheCore's upstream requests and their latency),
/// and the store's machine-wide counters (every ghcache process on the machine adds to them), brought into the
/// registry at each scrape. Names follow the Prometheus naming guide (`ghcache_…_total` counters, base units) and
/// avoid the names of prow's ghproxy (`ghcache_responses`, `ghcache_disk_*`). Listed in README.md.
public final class DaemonMetrics: Sendable {
    /// The registry every metric of this process lands in.
    public let registry: PrometheusCollectorRegistry
    /// Store counter values already added to the registry's counters.
    private let exported = Mutex<[String: Int]>([:])

    private static let bootstrapped = Mutex(false)

    /// The process's metrics; bootstraps swift-metrics with the Prometheus factory on the first call (swift-metrics
    /// allows one bootstrap per process), and returns the same registry afterwards.
    public static func bootstrap() -> DaemonMetrics {
        let registry = PrometheusMetricsFactory.defaultRegistry
        bootstrapped.withLock { done in
            guard !done else { return }
            var factory = PrometheusMetricsFactory(registry: registry)
            factory.defaultDurationHistogramBuckets = [
                .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
            ]
            MetricsSystem.bootstrap(factory)
            done = true
        }
        return DaemonMetrics(registry: registry)
    }

    private init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// Lookup outcomes, from the store's counters: `(label value, counter, counter subtracted from it)`.
    private static let outcomes: [(String, String, String?)] = [
        ("local_hit", StoreCounter.localHits, StoreCounter.coalesced), ("coalesced", StoreCounter.coalesced, nil),
        ("peer_hit", StoreCounter.peerHits, StoreCounter.fills), ("fill", StoreCounter.fills, nil),
        ("miss", StoreCounter.misses, nil),
        ("revalidated", StoreCounter.notModified, nil), ("stale", StoreCounter.staleServed, nil),
        ("failure", StoreCounter.failures, nil),
    ]

    /// The text exposition: the store's counters and sizes, the rate limit, `connectedPeers` (when a libp2p host
    /// runs), and everything recorded through swift-metrics.
    public func render(store: CacheStore, connectedPeers: Int?) throws(GHCacheError) -> String {
        let counters = try store.counters()
        let size = try store.size()
        let value = { (name: String) in counters[name] ?? 0 }
        for (label, name, minus) in Self.outcomes {
            add(
                "ghcache_lookups_total", ["outcome": label], value(name) - (minus.map(value) ?? 0),
                help: "Cache lookups on this machine by outcome (every ghcache process).")
        }
        add(
            "ghcache_api_calls_total", [:], value(StoreCounter.apiCalls),
            help: "Requests any ghcache process on this machine sent to GitHub (free 304s included).")
        for direction in ["sent", "received"] {
            add(
                "ghcache_gossip_messages_total", ["direction": direction],
                value(direction == "sent" ? StoreCounter.gossipSent : StoreCounter.gossipReceived),
                help: "Gossip messages published and received by the daemon.")
        }
        for (name, count) in counters where name.hasPrefix(StoreCounter.gossipRejectedPrefix) {
            add(
                "ghcache_gossip_rejected_total",
                ["reason": String(name.dropFirst(StoreCounter.gossipRejectedPrefix.count))],
                count, help: "Gossip messages dropped, by reason.")
        }
        for (role, name) in [("filled", StoreCounter.fills), ("served", StoreCounter.fillsServed)] {
            add(
                "ghcache_fills_total", ["role": role], value(name),
                help: "Fleet fills: misses of this runner the key's owner filled, and fills served as owner.")
        }
        add(
            "ghcache_fill_fallbacks_total", [:], value(StoreCounter.fillFallbacks),
            help: "Fill attempts that fell back to the next owner or a local fetch.")
        for (outcome, name) in [
            ("proof", StoreCounter.accessProofs), ("proof_free", StoreCounter.accessProofsFree),
            ("denied", StoreCounter.accessDenied), ("drift", StoreCounter.accessDrift),
            ("fail_closed", StoreCounter.accessFailClosed),
        ] {
            add(
                "ghcache_access_total", ["outcome": outcome], value(name),
                help: "The access rule: proofs, free proofs (304), tokens denied, drifted proofs, fail-closed refusals."
            )
        }
        add(
            "ghcache_refresh_ahead_total", [:], value(StoreCounter.refreshAhead),
            help: "Revalidations sent just before expiry.")
        for (outcome, name) in [
            ("hit", StoreCounter.graphQLHits), ("miss", StoreCounter.graphQLMisses),
            ("pass", StoreCounter.graphQLPassed),
        ] {
            add(
                "ghcache_graphql_requests_total", ["outcome": outcome], value(name),
                help: "GraphQL requests through the cache by outcome (hit, miss, pass: relayed uncached).")
        }
        add(
            "ghcache_graphql_points_saved_total", [:], value(StoreCounter.graphQLPointsSaved),
            help: "GraphQL rate-limit points cache hits saved (the cost each answer reported, else 1).")
        gauge("ghcache_store_entries", [:], Double(size.entries), help: "Entries in the store.")
        gauge("ghcache_store_body_bytes", [:], Double(size.bytes), help: "Bytes of the stored response bodies.")
        for limit in [try store.lastRateLimit(), try store.lastRateLimit(graphQL: true)].compactMap({ $0 }) {
            let resource = ["resource": limit.resource ?? "core"]
            gauge(
                "ghcache_rate_limit_remaining", resource, Double(limit.remaining),
                help: "Last seen x-ratelimit-remaining.")
            if let total = limit.limit {
                gauge("ghcache_rate_limit_limit", resource, Double(total), help: "Last seen x-ratelimit-limit.")
            }
            if let reset = limit.reset {
                gauge(
                    "ghcache_rate_limit_reset_timestamp_seconds", resource, reset,
                    help: "Last seen x-ratelimit-reset (Unix time).")
            }
        }
        if let connectedPeers {
            gauge("ghcache_peers_connected", [:], Double(connectedPeers), help: "Peers the daemon is connected to.")
        }
        return registry.emitToString()
    }

    /// Brings a store counter into the registry's counter of the same name and labels (a store reset, which makes
    /// the value smaller, is not replayed: Prometheus counters only grow).
    private func add(_ name: String, _ labels: [String: String], _ total: Int, help: String) {
        let sorted = labels.sorted { $0.key < $1.key }
        let id = name + sorted.map { "|\($0.key)=\($0.value)" }.joined()
        let delta = exported.withLock { exported -> Int in
            let delta = total - exported[id, default: 0]
            if delta > 0 { exported[id] = total }
            return delta
        }
        let counter = registry.makeCounter(
            descriptor: Self.descriptor(name, help: help), labels: sorted.map { ($0.key, $0.value) })
        if delta > 0 { counter.increment(by: Int64(delta)) }
    }

    private func gauge(_ name: String, _ labels: [String: String], _ value: Double, help: String) {
        let sorted = labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        registry.makeGauge(descriptor: Self.descriptor(name, help: help), labels: sorted).set(value)
    }

    private static func descriptor(_ name: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
