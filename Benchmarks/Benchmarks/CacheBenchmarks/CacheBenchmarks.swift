import Benchmark
import CacheCore
import Foundation

// In-process cache look-ups against a store of 100 000 entries (target: p50 ≤ 50 µs).
// Run from Benchmarks/: `swift package benchmark --target CacheBenchmarks` (see BENCHMARKS.md).

/// A store in a temporary directory filled with `entryCount` entries of ~1 KiB, and a client on it.
final class LookupFixture: Sendable {
    static let entryCount = 100_000
    let directory: String
    let store: CacheStore
    let client: CacheClient
    let targets: [RequestTarget]

    init() {
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("ghcache-bench-\(UUID().uuidString)").path
        let apiBase = URL(string: "http://127.0.0.1:9")!
        do {
            let configuration = try Configuration.load(
                environment: [
                    "CACHE_DIR": directory, "GITHUB_API_URL": apiBase.absoluteString, "CACHE_DEFAULT_TTL": "1d",
                ])
            store = try CacheStore.open(directory: directory)
            targets = try (0..<Self.entryCount).map {
                try RequestTarget("/repos/org\($0 % 97)/repo\($0)", apiBase: apiBase)
            }
            let body = Data(String(repeating: #"{"id":12345,"name":"x"},"#, count: 40).utf8)
            let now = Date().timeIntervalSince1970
            for target in targets {
                try store.storeFetched(
                    GitHubResponse(status: 200, headers: ["content-type": "application/json"], body: body),
                    target: target, ttl: 86400, tokenFingerprint: "bench", now: now, leaseOwner: nil, counters: [:])
            }
            client = CacheClient(
                configuration: configuration, store: store,
                transport: HTTPTransport(connectTimeout: 1, readTimeout: 1),
                tokens: TokenProvider(configuration: configuration) { _ in })
        } catch {
            fatalError("benchmark setup failed: \(error)")
        }
    }

    func randomTarget() -> RequestTarget { targets[Int.random(in: 0..<targets.count)] }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}

nonisolated(unsafe) private var fixture: LookupFixture?

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput], timeUnits: .microseconds, warmupIterations: 100,
        scalingFactor: .one, maxDuration: .seconds(5), maxIterations: 20_000)

    let setUp: Benchmark.BenchmarkSetupHook = { if fixture == nil { fixture = LookupFixture() } }

    Benchmark("store.entry(forKey:) of 100k entries", configuration: .init(setup: setUp)) { benchmark in
        guard let fixture else { return }
        for _ in benchmark.scaledIterations {
            let key = fixture.randomTarget().key
            benchmark.startMeasurement()
            blackHole(try? fixture.store.entry(forKey: key))
            benchmark.stopMeasurement()
        }
    }

    Benchmark("CacheStore.open of the 100k-entry store (every process pays it)", configuration: .init(setup: setUp)) {
        benchmark in
        guard let fixture else { return }
        for _ in benchmark.scaledIterations {
            blackHole(try? CacheStore.open(directory: fixture.directory))
        }
    }

    Benchmark(
        "cache hit: CacheClient.get (look-up + last_access + counter) of 100k entries",
        configuration: .init(setup: setUp)
    ) {
        benchmark in
        guard let fixture else { return }
        for _ in benchmark.scaledIterations {
            let target = fixture.randomTarget()
            benchmark.startMeasurement()
            blackHole(try? await fixture.client.get(target, options: LookupOptions()))
            benchmark.stopMeasurement()
        }
    }
}
