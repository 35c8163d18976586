import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A local stand-in for `api.github.com` on 127.0.0.1: token auth, rate limits, ETag/304, pagination, recorded
/// and generated data, fault injection and a control API under `/_standin/` (see `README.md` beside this file).
///
/// ```swift
/// let server = try await StandInServer.start(StandInConfiguration(rateLimit: 100))
/// defer { Task { await server.shutdown() } }
/// // GET \(server.baseURL)/users/octocat/repos …
/// ```
public final class StandInServer: Sendable {
    /// `http://127.0.0.1:PORT`.
    public let baseURL: URL
    /// The port actually bound.
    public let port: Int
    private let engine: StandInEngine
    private let channel: any Channel
    private let connections: Tracked

    private init(engine: StandInEngine, channel: any Channel, connections: Tracked) throws {
        guard let port = channel.localAddress?.port, let url = URL(string: "http://127.0.0.1:\(port)") else {
            throw StandInError.fixtures("the listening socket has no port")
        }
        self.port = port
        self.baseURL = url
        self.engine = engine
        self.channel = channel
        self.connections = connections
    }

    /// Checks the access rules, loads the fixtures and starts listening on 127.0.0.1:`configuration.port`.
    public static func start(_ configuration: StandInConfiguration = StandInConfiguration()) async throws
        -> StandInServer
    {
        _ = try configuration.access.validated()
        let engine = StandInEngine(
            configuration: configuration, fixtures: try FixtureLibrary.load(from: configuration.fixturesDirectory))
        let tracked = Tracked()
        let idle = configuration.idleTimeout.components
        let idleTimeout = TimeAmount.seconds(idle.seconds) + .nanoseconds(idle.attoseconds / 1_000_000_000)
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                tracked.add(channel)
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(IdleStateHandler(readTimeout: idleTimeout))
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                    try pipeline.addHandler(ConnectionHandler(engine: engine))
                }
            }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: configuration.port).get()
        return try StandInServer(engine: engine, channel: channel, connections: tracked)
    }

    /// Counters of API requests so far (same as `GET /_standin/stats`).
    public func stats() -> StandInStats { engine.stats() }

    /// Counters, faults, mutations and budgets back to the start (same as `POST /_standin/reset`).
    public func reset() { engine.reset() }

    /// Adds a fault (same as `POST /_standin/faults`); returns its id.
    @discardableResult
    public func addFault(_ fault: FaultSpec) throws -> Int { try engine.addFault(fault) }

    /// Changes the resource at `path` so its body, ETag and Last-Modified change (same as
    /// `POST /_standin/mutate`); returns the new version.
    @discardableResult
    public func mutate(path: String) throws -> Int { try engine.mutate(path: path).version }

    /// The access rules in force (same as `GET /_standin/access`).
    public func access() -> StandInAccess { engine.access() }

    /// Replaces the access rules, from the next request on (same as `POST /_standin/access`).
    public func setAccess(_ access: StandInAccess) throws { try engine.setAccess(access) }

    /// Adds a grant, or changes the role of the token's grant on the same scope (same as
    /// `POST /_standin/access/grant`); returns the rules now in force.
    @discardableResult
    public func grant(_ grant: StandInAccess.Grant) throws -> StandInAccess { try engine.grant(grant) }

    /// Revokes the token's grant on `scope`, or all its grants when `scope` is `nil`, from the next request on
    /// (same as `POST /_standin/access/revoke`); returns how many grants went.
    @discardableResult
    public func revoke(token: String, scope: String? = nil) -> Int { engine.revoke(token: token, scope: scope) }

    /// The ETag formula in use (same as `GET /_standin/etag`).
    public func etagFormula() -> ETagFormula { engine.etagFormula() }

    /// Switches the ETag formula, from the next request on (same as `POST /_standin/etag`).
    public func setETagFormula(_ formula: ETagFormula) { engine.setETagFormula(formula) }

    /// Stops listening and closes every open connection (including hung ones).
    /// Registers a GitHub App (replacing one with the same ID); see ``StandInApp``.
    public func registerApp(_ app: StandInApp) throws { try engine.registerApp(app) }

    /// The installation tokens minted so far, oldest first, with their uses before and after expiry.
    public func mintedTokens() -> [MintedTokenRecord] { engine.mintedTokens() }

    /// Makes `token` stop working, as a revoked or rotated token: 401 Bad credentials from now on.
    public func expireToken(_ token: String) { engine.expireToken(token) }

    /// How many requests came with `token` since ``expireToken(_:)`` (`nil`: never expired).
    public func usesAfterExpiry(_ token: String) -> Int? { engine.usesAfterExpiry(token) }

    public func shutdown() async {
        try? await channel.close()
        let open = connections.channels.withLock { Array($0.values) }
        for connection in open { try? await connection.close() }
    }
}

/// The open connections, so `shutdown()` can close them.
private final class Tracked: Sendable {
    let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [self] _ in _ = channels.withLock { $0.removeValue(forKey: id) } }
    }
}
