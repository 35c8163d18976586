import CacheCore
import Foundation
import GitHubStandIn
import Testing

@testable import Observability

@Suite("GET /metrics: the Prometheus text format, moving with real lookups")
struct DaemonMetricsTests {
    @Test func countersFollowLookups() async throws {
        let server = try await StandInServer.start()
        let directory = NSTemporaryDirectory() + "ghcache-metrics-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let metrics = DaemonMetrics.bootstrap()
        let configuration = try Configuration.load(environment: [
            "CACHE_DIR": directory, "GITHUB_API_URL": server.baseURL.absoluteString, "GITHUB_TOKEN": "metrics",
            "PATH": "",
        ])
        let store = try CacheStore.open(directory: directory)
        let client = CacheClient(
            configuration: configuration, store: store, transport: HTTPTransport(connectTimeout: 10, readTimeout: 10),
            tokens: TokenProvider(fixed: "metrics", configuration: configuration))
        let target = try RequestTarget("/repos/octo/metrics", apiBase: server.baseURL)
        _ = try await client.get(target, options: LookupOptions())
        _ = try await client.get(target, options: LookupOptions())
        await client.shutdown()
        await server.shutdown()

        let text = try metrics.render(store: store, connectedPeers: 3)
        #expect(text.contains("ghcache_lookups_total{outcome=\"miss\"} 1"))
        #expect(text.contains("ghcache_lookups_total{outcome=\"local_hit\"} 1"))
        #expect(text.contains("ghcache_peers_connected 3"))
        #expect(text.contains("ghcache_store_entries 1"))
        #expect(text.contains("ghcache_upstream_requests_total{status=\"200\"}"))
        #expect(text.contains("ghcache_upstream_request_duration_seconds_bucket"))
        #expect(text.contains("ghcache_rate_limit_remaining{resource=\"core\"}"))
        #expect(!text.contains("ghcache_responses"))

        let again = try metrics.render(store: store, connectedPeers: 3)
        #expect(again.contains("ghcache_lookups_total{outcome=\"miss\"} 1"), "a second scrape does not add again")
    }
}
