import CacheCore
import Foundation
import TestSupport
import Testing

/// The daemon's own routes: `/metrics` read by the reference Prometheus parser, the dashboard in a real headless
/// browser, and `POST /webhook`.
@Suite("Local endpoint operations: metrics, dashboard, webhooks", .serialized)
struct OperationsTests {
    /// The samples of the daemon's `/metrics`, parsed by Python's prometheus_client.
    private func scrape(_ world: EndpointWorld) async throws -> [String: Double] {
        let answer = try await world.curlTCP("/metrics")
        #expect(answer.status == 200)
        #expect(answer.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        let script = TestPaths.packageRoot.appendingPathComponent("Tests/Python/parse_metrics.py").path
        let parsed = try await Tool.run(
            try TestPaths.python().path, [script], env: [:], stdin: answer.body)
        try #require(parsed.status == 0, "prometheus_client refused the exposition: \(parsed.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: parsed.stdout) as? [String: Double])
    }

    @Test("/metrics parses with prometheus_client, and its counters move with real lookups")
    func metrics() async throws {
        try await EndpointWorld.with { world in
            let before = try await scrape(world)
            for _ in 0..<2 {
                #expect(try await world.curlSocket("/repos/octo/metrics", EndpointWorld.auth).status == 200)
            }
            let after = try await scrape(world)
            func moved(_ name: String) -> Double { (after[name] ?? 0) - (before[name] ?? 0) }
            #expect(moved("ghcache_lookups_total{outcome=miss}") == 1)
            #expect(moved("ghcache_lookups_total{outcome=local_hit}") == 1)
            #expect(moved("ghcache_upstream_requests_total{status=200}") == 1)
            #expect(moved("ghcache_upstream_request_duration_seconds_count{}") == 1)
            #expect(after["ghcache_store_entries{}"] == 1)
            #expect(after["ghcache_rate_limit_remaining{resource=core}"] != nil)
            #expect(!after.keys.contains { $0.hasPrefix("ghcache_responses") || $0.hasPrefix("ghcache_disk_") })
        }
    }

    @Test("the dashboard renders in headless chromium with the figures the store holds")
    func dashboard() async throws {
        try await EndpointWorld.with { world in
            for _ in 0..<3 {
                #expect(try await world.curlSocket("/repos/octo/dashboard", EndpointWorld.auth).status == 200)
            }
            let stats = try #require(
                try await world.environment.run("ghcache-stats", ["--json"]).json as? [String: Any])
            let saved = try #require(stats["api_calls_saved"] as? Int)
            #expect(saved == 2)
            let chromium = try Tool.find("chromium")
            let profile = (world.environment.root as NSString).appendingPathComponent("chromium")
            let page = try await Tool.run(
                chromium,
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile)",
                    "--virtual-time-budget=10000", "--dump-dom", world.origin + "/",
                ], env: ["HOME": world.environment.root], timeout: 90)
            try #require(page.status == 0, "chromium failed: \(page.stderr)")
            let dom = page.text
            #expect(dom.contains(#"id="api-calls-saved">\#(saved)<"#), "\(dom.prefix(2000))")
            #expect(dom.contains(#"id="hit-rate">66.7%<"#))
            #expect(dom.contains(#"id="count-misses">1<"#))
            #expect(dom.contains("data-points=\"1\""), "the charts drew the sample the daemon took at start")
            // An API client asking for / still gets GitHub's API root, not the page.
            let root = try await world.curlTCP("/", EndpointWorld.auth)
            #expect(root.headers["content-type"]?.contains("json") == true)
        }
    }

    @Test(
        "POST /webhook: a signed workflow_run makes the runs stale; unsigned, wrongly signed and duplicates change nothing"
    )
    func webhook() async throws {
        let secret = "webhook-secret"
        try await EndpointWorld.with(env: ["CACHE_WEBHOOK_SECRET": secret]) { world in
            let runs = "/repos/octo/app/actions/runs"
            #expect(try await world.curlSocket(runs, EndpointWorld.auth).outcome == "miss")
            #expect(try await world.curlSocket(runs, EndpointWorld.auth).outcome == "hit-local")
            let body = Data(#"{"action":"completed","repository":{"full_name":"octo/app"}}"#.utf8)
            let file = (world.environment.root as NSString).appendingPathComponent("webhook.json")
            try body.write(to: URL(fileURLWithPath: file))
            func post(_ signature: String?, delivery: String) async throws -> HTTPAnswer {
                var headers = [
                    "-X", "POST", "--data-binary", "@\(file)", "-H", "X-GitHub-Event: workflow_run",
                    "-H", "X-GitHub-Delivery: \(delivery)", "-H", "Content-Type: application/json",
                ]
                if let signature { headers += ["-H", "X-Hub-Signature-256: \(signature)"] }
                return try await world.curlTCP("/webhook", headers)
            }
            #expect(try await post(nil, delivery: "d-0").status == 401)
            #expect(try await post(WebhookDelivery.signature(of: body, secret: "wrong"), delivery: "d-1").status == 401)
            #expect(try await world.curlSocket(runs, EndpointWorld.auth).outcome == "hit-local", "nothing changed")
            let signature = WebhookDelivery.signature(of: body, secret: secret)
            let accepted = try await post(signature, delivery: "d-2")
            #expect(accepted.status == 202, "\(accepted.text)")
            #expect(try await world.curlSocket(runs, EndpointWorld.auth).outcome == "revalidated")
            let duplicate = try await post(signature, delivery: "d-2")
            #expect(duplicate.status == 202 && duplicate.text.contains("duplicate"))
            #expect(
                try await world.curlSocket(runs, EndpointWorld.auth).outcome == "hit-local", "a redelivery is ignored")
            // A captured delivery replayed under a new ID carries the same signed payload: ignored too.
            let replayed = try await post(signature, delivery: "d-3-replayed")
            #expect(replayed.status == 202 && replayed.text.contains("duplicate"), "\(replayed.text)")
            #expect(try await world.curlSocket(runs, EndpointWorld.auth).outcome == "hit-local", "a replay is ignored")
            let stats = try #require(
                try await world.environment.run("ghcache-stats", ["--json"]).json as? [String: Any])
            #expect((stats["webhooks"] as? [String: Any])?["rejected"] as? Int == 2)
            #expect((stats["webhooks"] as? [String: Any])?["accepted"] as? Int == 1)
        }
    }
}
