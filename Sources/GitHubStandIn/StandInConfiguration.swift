import Foundation

/// How a ``StandInServer`` listens and behaves.
public struct StandInConfiguration: Sendable {
    /// TCP port on 127.0.0.1; `0` picks a free ephemeral port.
    public var port: Int
    /// Primary rate-limit budget per token per hour.
    public var rateLimit: Int
    /// Primary rate-limit budget per hour for unauthenticated clients (keyed by client address).
    public var unauthenticatedRateLimit: Int
    /// Added to every API response (control calls under `/_standin/` are never delayed).
    public var latency: Duration
    /// A directory laid out like the bundled `Fixtures` folder; `nil` uses the bundled fixtures.
    public var fixturesDirectory: URL?
    /// Requests with a larger body are answered 413 and the connection is closed.
    public var maxRequestBodyBytes: Int
    /// A connection with no request in flight and no bytes received for this long is closed.
    public var idleTimeout: Duration
    /// Private repositories, grants and organisation admins at start (`POST /_standin/access` changes them).
    public var access: StandInAccess
    /// The ETag formula at start (`POST /_standin/etag` changes it); anything but `.github` is a drift.
    public var etagFormula: ETagFormula
    /// Receives one line per request (method, URI, status, charge); `nil` logs nothing.
    public var requestLog: (@Sendable (String) -> Void)?
    /// GitHub Apps registered at start (`POST /_standin/apps` adds more).
    public var apps: [StandInApp]
    /// How long installation tokens live, in seconds (GitHub: one hour; tests: a few seconds).
    public var installationTokenLifetime: Double

    /// A configuration with GitHub's default budgets and no added latency.
    public init(
        port: Int = 0,
        rateLimit: Int = 5000,
        unauthenticatedRateLimit: Int = 60,
        latency: Duration = .zero,
        fixturesDirectory: URL? = nil,
        maxRequestBodyBytes: Int = 1 << 20,
        idleTimeout: Duration = .seconds(60),
        access: StandInAccess = StandInAccess(),
        etagFormula: ETagFormula = .github,
        requestLog: (@Sendable (String) -> Void)? = nil,
        apps: [StandInApp] = [],
        installationTokenLifetime: Double = 3600
    ) {
        self.port = port
        self.rateLimit = rateLimit
        self.unauthenticatedRateLimit = unauthenticatedRateLimit
        self.latency = latency
        self.fixturesDirectory = fixturesDirectory
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.idleTimeout = idleTimeout
        self.access = access
        self.etagFormula = etagFormula
        self.requestLog = requestLog
        self.apps = apps
        self.installationTokenLifetime = installationTokenLifetime
    }

    /// The `Fixtures` folder bundled with the library, or `nil` when the resource bundle is missing.
    public static var bundledFixturesDirectory: URL? {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)
    }
}
