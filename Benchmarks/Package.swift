// swift-tools-version: 6.1
// Benchmarks live in their own package so that the main build and CI never compile them.
// Run from this directory: `swift package benchmark` (see ../BENCHMARKS.md for every command).
import PackageDescription

let package = Package(
    name: "ghcache-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "ghcache", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "CacheBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "CacheCore", package: "ghcache"),
            ],
            path: "Benchmarks/CacheBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "P2PBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "LibP2P", package: "ghcache"),
            ],
            path: "Benchmarks/P2PBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
