// swift-tools-version: 6.2
import PackageDescription

// ghcache: a peer-to-peer cache of GitHub REST responses for fleets of self-hosted runners.
//
// Layout (see docs/ARCHITECTURE.md):
//   LeanCore       Foundation-free basics: settings and their sources, TTL rules, request keys, store layout
//   HitPath        ghcache-get's front: a fresh hit from SQLite alone, else exec ghcache-get-full
//   CacheCore      store, configuration, cache policy, GitHub client, statistics (no CLI code)
//   GHCacheCLI     ArgumentParser commands, one file per binary
//   LibP2P         a libp2p host (multiformats, Noise, yamux, identify, ping, gossipsub); knows nothing of caching
//   Replication    fleet key, Fernet, entry envelope, gossip replication and join-time sync
//   LocalEndpoint  GitHub's REST API served locally (unix socket, loopback TCP) from the cache (Hummingbird 2)
//   GitHubStandIn  a local stand-in for api.github.com used by tests, the demo and benchmarks
//   ghcache-*      thin executables, one target each

let package = Package(
    name: "ghcache",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ghcache-get", targets: ["ghcache-get"]),
        .executable(name: "ghcache-get-full", targets: ["ghcache-get-full"]),
        .executable(name: "ghcache-stats", targets: ["ghcache-stats"]),
        .executable(name: "ghcache-gc", targets: ["ghcache-gc"]),
        .executable(name: "ghcache-peer", targets: ["ghcache-peer"]),
        .executable(name: "github-stand-in", targets: ["github-stand-in"]),
        .library(name: "CacheCore", targets: ["CacheCore"]),
        .library(name: "LibP2P", targets: ["LibP2P"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.25.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        // The local endpoint's HTTP/1.1 server (unix socket and TCP). Default traits off: we need
        // neither swift-configuration nor the full-Foundation extras.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0", traits: []),
        // Hummingbird's own dependencies, named here because the endpoint's channel handler uses their types.
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
    ],
    targets: [
        // MARK: Core
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // glibc extensions the Glibc module hides: malloc_trim and mallopt (the daemon returns freed heap to the OS after
        // a sync), posix_spawn_file_actions_addclosefrom_np and pipe2 (BoundedProcess).
        .systemLibrary(name: "CGlibcExtras", path: "Sources/CGlibcExtras"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        // No Foundation and no package dependency here: ghcache-get's lean hit path links only this and HitPath.
        .target(name: "LeanCore"),
        // SQLite linked statically here: the shared libsqlite3 binds ~1600 of its own symbols at every start, which
        // cost a third of a hit (BENCHMARKS.md, "Whole process"); libm after it, for the static ghcache-get below.
        // CacheCore keeps GRDB's shared one.
        .target(
            name: "HitPath", dependencies: ["LeanCore", "CSQLite"],
            linkerSettings: [.linkedLibrary(":libsqlite3.a"), .linkedLibrary("m")]),
        .target(
            name: "CacheCore",
            dependencies: [
                "LeanCore", "CGlibcExtras",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The daemon's observability: Prometheus metrics, the dashboard's figures.
        .target(
            name: "Observability",
            dependencies: [
                "CacheCore",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "LibP2P",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Replication",
            dependencies: [
                "CacheCore", "LibP2P", "CZlib", "CGlibcExtras",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // GitHub's REST API served on the machine from the cache; no libp2p.
        .target(
            name: "LocalEndpoint",
            dependencies: [
                "Observability",
                "CacheCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "GHCacheCLI",
            dependencies: [
                "CacheCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The daemon's command, apart so that GHCacheCLI does not link libp2p and replication (ghcache-get-full does,
        // to be the installed ghcache-peer too).
        .target(
            name: "PeerCLI",
            dependencies: [
                "GHCacheCLI", "CacheCore", "Replication", "LocalEndpoint",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "GitHubStandIn",
            dependencies: [
                "LeanCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            exclude: ["README.md"],
            resources: [.copy("Fixtures")]
        ),

        // MARK: Executables (one target each; all logic lives in the libraries above)
        // ghcache-get is a fully static executable on Linux: no dynamic loader, no libstdc++ to bind, so a hit
        // starts a third faster (BENCHMARKS.md, "A fully static front"). It calls nothing that needs glibc's shared
        // parts at run time (no name service: the front hands over when HOME is unset; see LeanGet).
        .executableTarget(
            name: "ghcache-get", dependencies: ["HitPath"],
            linkerSettings: [.unsafeFlags(["-static-executable"], .when(platforms: [.linux]))]),
        // ghcache-get-full is also ghcache-stats, ghcache-gc and ghcache-peer when called by those names (its source
        // explains): scripts/install installs it once and the other three as links to it.
        .executableTarget(name: "ghcache-get-full", dependencies: ["GHCacheCLI", "PeerCLI"]),
        .executableTarget(name: "ghcache-stats", dependencies: ["GHCacheCLI"]),
        .executableTarget(name: "ghcache-gc", dependencies: ["GHCacheCLI"]),
        .executableTarget(name: "ghcache-peer", dependencies: ["PeerCLI"]),
        .executableTarget(
            name: "github-stand-in",
            dependencies: [
                "GitHubStandIn",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: Tests
        // Shared test infrastructure: child processes, built binaries, the Python interop peer.
        .target(name: "TestSupport", dependencies: ["GitHubStandIn", "LibP2P"], path: "Tests/TestSupport"),
        .testTarget(
            name: "CacheCoreTests",
            dependencies: [
                "CacheCore", "GitHubStandIn", "TestSupport", .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "LeanCoreTests",
            dependencies: ["LeanCore", "CacheCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "ObservabilityTests", dependencies: ["Observability", "CacheCore", "GitHubStandIn"]),
        .testTarget(name: "LibP2PTests", dependencies: ["LibP2P", "TestSupport"], resources: [.copy("Resources")]),
        .testTarget(
            name: "ReplicationTests",
            dependencies: [
                "Replication", "CacheCore", "LibP2P", "GitHubStandIn", "TestSupport",
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "GitHubStandInTests",
            dependencies: [
                "GitHubStandIn", "TestSupport", .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(name: "IntegrationTests", dependencies: ["CacheCore", "GitHubStandIn", "TestSupport"]),
        // The commands run in-process with a CommandContext of the test's (output, environment, clock).
        .testTarget(
            name: "CLITests",
            dependencies: [
                "GHCacheCLI", "CacheCore", "GitHubStandIn",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The local endpoint driven by real clients (gh, curl, PyGithub) against a running ghcache-peer.
        .testTarget(
            name: "EndpointTests",
            dependencies: [
                "CacheCore", "LocalEndpoint", "GitHubStandIn", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
    ]
)

// Package-wide settings: Swift 6 language mode is the tools default; strict concurrency is on.
// `GHCACHE_WERROR=1` (set by scripts/test) turns every warning in our own targets into an error
// without touching dependencies.
let werror = Context.environment["GHCACHE_WERROR"] == "1"
for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    if werror { settings.append(.treatAllWarnings(as: .error)) }
    target.swiftSettings = settings
}
