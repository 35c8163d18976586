import CacheCore
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// GitHub's REST API served on this machine from the cache, as a swift-service-lifecycle `Service`: plain
/// HTTP/1.1 on the unix socket `$CACHE_DIR/api.sock` (mode 0600, or 0660 with `CACHE_SOCKET_GROUP_ACCESS`) and,
/// when `CACHE_HTTP_LISTEN` is set, on TCP.
///
/// GET and HEAD with a token are answered by the process's ``CacheClient`` with the caller's token (TTL,
/// validators, coalescing across the machine, stale-if-error, the fleet through the client's forwarder); writes,
/// GraphQL and requests without a token are relayed to GitHub unchanged. Built on Hummingbird 2 (see
/// docs/ARCHITECTURE.md for why).
///
/// ``start(_:resources:client:invalidator:connectedPeers:onListening:logger:)`` does what can fail for a
/// user-visible reason (the socket path); ``run()`` listens until a graceful shutdown, then removes the socket.
public final class LocalEndpoint: Service, Sendable {
    /// The unix socket path.
    public var socketPath: String { settings.socketPath }

    private let settings: LocalEndpointSettings
    private let core: EndpointCore
    private let onListening: @Sendable (String) -> Void
    private let logger: Logger
    private let socketFailure = Mutex<GHCacheError?>(nil)

    private init(
        settings: LocalEndpointSettings, core: EndpointCore, onListening: @escaping @Sendable (String) -> Void,
        logger: Logger
    ) {
        self.settings = settings
        self.core = core
        self.onListening = onListening
        self.logger = logger
    }

    /// Prepares the listeners over the process's shared `resources` (store, transport).
    ///
    /// - Parameters:
    ///   - client: answers the cached reads (with the caller's token); its forwarder, if any, is the fleet.
    ///   - invalidator: told what a successful write or a signed webhook made stale (marks it, tells the fleet).
    ///   - connectedPeers: how many libp2p peers are connected (`nil` without libp2p), for `/metrics` and the
    ///     dashboard.
    ///   - onListening: told each address once it accepts connections (`unix:PATH`, `http://HOST:PORT`).
    public static func start(
        _ settings: LocalEndpointSettings, resources: DaemonResources, client: CacheClient,
        invalidator: any Invalidator, connectedPeers: @escaping @Sendable () -> Int? = { nil },
        onListening: @escaping @Sendable (String) -> Void = { _ in }, logger: Logger
    ) throws(GHCacheError) -> LocalEndpoint {
        let limit = MemoryLayout.size(ofValue: sockaddr_un().sun_path)
        guard (settings.socketPath + ".00000000.tmp").utf8.count < limit else {
            throw GHCacheError(
                "the socket path \(settings.socketPath) is longer than the \(limit - 1) bytes a unix socket "
                    + "allows: use a shorter CACHE_DIR", exitStatus: .usage)
        }
        raiseDescriptorLimit()
        let operations = Operations(
            store: resources.store, configuration: settings.configuration, clock: resources.clock,
            connectedPeers: connectedPeers, bodyBudget: BodyBudget(limit: settings.maxBodyBytesInFlight),
            invalidator: invalidator)
        let core = EndpointCore(
            settings: settings, store: resources.store, transport: resources.transport, client: client,
            invalidator: invalidator, operations: operations, logger: logger)
        return LocalEndpoint(settings: settings, core: core, onListening: onListening, logger: logger)
    }

    /// Serves until a graceful shutdown (or cancellation); then removes the socket.
    public func run() async throws {
        let temporary = "\(settings.socketPath).\(getpid()).tmp"
        var failure: (any Error)?
        do {
            try await withThrowingDiscardingTaskGroup { group in
                let unix = application(
                    address: .unixDomainSocket(path: temporary), listener: .unixSocket,
                    onRunning: { [self] channel in self.publishSocket(temporary, channel: channel) })
                group.addTask { [self] in
                    try await unix.run()
                    // The socket could not be published: stop everything rather than serve TCP alone.
                    if let problem = self.socketFailure.withLock({ $0 }) { throw problem }
                }
                if let tcp = settings.tcpListen {
                    let origin = ListenerOrigin(tcp.origin())
                    let app = application(
                        address: .hostname(tcp.host, port: tcp.port), listener: .tcp(origin),
                        onRunning: { [self] channel in
                            origin.origin = tcp.origin(port: channel.localAddress?.port)
                            self.onListening(origin.origin)
                        })
                    group.addTask { try await app.run() }
                }
                group.addTask { await cancelWhenGracefulShutdown { await self.core.operations.sample() } }
            }
        } catch {
            failure = error
        }
        unlink(temporary)
        unlink(settings.socketPath)
        // A listener that failed to start stops the other one, whose socket set-up may then fail too: the
        // first failure is the one to report.
        if let failure { throw listenError(failure) }
        if let socketFailure = socketFailure.withLock({ $0 }) { throw socketFailure }
    }

    private func application(
        address: BindAddress, listener: Listener, onRunning: @escaping @Sendable (any Channel) async -> Void
    ) -> some ApplicationProtocol {
        let first = TimeAmount(settings.firstRequestTimeout)
        let next = TimeAmount(settings.idleTimeout)
        let load = ConnectionLoad(limit: settings.maxConnections)
        let http = HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestDeadline(first: first, next: next, load: load)],
            idleTimeout: next,
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: settings.maxHeaderBytes, maxHeaderListSize: settings.maxHeaderBytes,
                maxHeaderFieldCount: 256))
        // Hummingbird logs client mishaps and shutdown races as errors; the endpoint reports what matters itself
        // (start-up failures as a message and exit status, requests at debug level).
        var serverLogger = logger
        serverLogger.logLevel = logger.logLevel <= .debug ? logger.logLevel : .critical
        return Application(
            responder: EndpointResponder(core: core, listener: listener),
            server: .http1(configuration: http),
            configuration: ApplicationConfiguration(
                address: address, serverName: nil, backlog: 256, reuseAddress: true,
                availableConnectionsDelegate: MaximumAvailableConnections(settings.maxConnections, logger: serverLogger)
            ),
            onServerRunning: onRunning, logger: serverLogger)
    }

    /// The socket was bound at a temporary name: give it its mode (0600, or 0660 for the group), then move it over
    /// `api.sock` (replacing a stale one a killed daemon left), so that `api.sock` never exists with a wider mode.
    private func publishSocket(_ temporary: String, channel: any Channel) {
        var problem: String?
        let mode = String(settings.socketMode, radix: 8)
        if chmod(temporary, settings.socketMode) != 0 {
            problem = "cannot set the mode of \(temporary) (chmod 0\(mode)): \(String(cString: strerror(errno)))"
        } else if rename(temporary, settings.socketPath) != 0 {
            problem = "cannot move the socket to \(settings.socketPath): \(String(cString: strerror(errno)))"
        }
        if let problem {
            socketFailure.withLock { $0 = GHCacheError(problem, exitStatus: .store) }
            channel.close(promise: nil)
            return
        }
        onListening("unix:\(settings.socketPath)")
    }

    private func listenError(_ error: any Error) -> any Error {
        if error is GHCacheError { return error }
        let tcp = settings.tcpListen.map { "CACHE_HTTP_LISTEN=\($0)" } ?? "the local endpoint"
        switch ListenFailure(error) {
        case .addressInUse:
            return GHCacheError(
                "cannot listen on \(tcp): the port is already in use. Choose a free port in CACHE_HTTP_LISTEN",
                exitStatus: .network)
        case .addressNotAvailable:
            return GHCacheError(
                "cannot listen on \(tcp): the address is not one of this machine's; use 127.0.0.1:PORT",
                exitStatus: .network)
        case .other:
            return GHCacheError("the local endpoint stopped: \("\(error)".prefix(300))", exitStatus: .network)
        }
    }

    /// Many idle clients must not exhaust file descriptors: raise the soft limit to the hard one (at most 65536).
    private static func raiseDescriptorLimit() {
        #if os(Linux)
            let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
            let resource = RLIMIT_NOFILE
        #endif
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return }
        let wanted = min(limit.rlim_max, 65536)
        guard limit.rlim_cur < wanted else { return }
        limit.rlim_cur = wanted
        _ = setrlimit(resource, &limit)
    }
}

/// Hummingbird's responder for one listener.
struct EndpointResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let core: EndpointCore
    let listener: Listener

    func respond(to request: Request, context: Context) async throws -> Response {
        await core.respond(to: request, listener: listener)
    }
}
