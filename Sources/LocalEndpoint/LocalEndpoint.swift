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
/// GET and HEAD with a token are answered by ``CacheClient`` (TTL, per-token validators, coalescing across the
/// machine, stale-if-error, the fleet through the forwarder); writes, GraphQL and requests without a token are
/// relayed to GitHub unchanged. Built on Hummingbird 2 (see docs/ARCHITECTURE.md for why).
///
/// ``start(_:forwarder:onInvalidate:onListening:logger:)`` does what can fail for a user-visible reason (the
/// store, another daemon, the socket path); ``run()`` listens until a graceful shutdown, then removes the socket.
public final class LocalEndpoint: Service, Sendable {
    /// The unix socket path.
    public var socketPath: String { settings.socketPath }

    private let settings: LocalEndpointSettings
    private let core: EndpointCore
    private let lock: DaemonLock
    private let onListening: @Sendable (String) -> Void
    private let logger: Logger
    private let socketFailure = Mutex<GHCacheError?>(nil)

    private init(
        settings: LocalEndpointSettings, core: EndpointCore, lock: DaemonLock,
        onListening: @escaping @Sendable (String) -> Void, logger: Logger
    ) {
        self.settings = settings
        self.core = core
        self.lock = lock
        self.onListening = onListening
        self.logger = logger
    }

    /// Opens the store, makes sure no other daemon owns the cache directory, and prepares the listeners.
    ///
    /// - Parameters:
    ///   - forwarder: asked before GitHub on every lookup the store cannot serve fresh (the fleet); never the
    ///     daemon's own socket.
    ///   - onInvalidate: told the keys (and the time) a successful write invalidated, to tell the fleet.
    ///   - connectedPeers: how many libp2p peers are connected (`nil` without libp2p), for `/metrics` and the
    ///     dashboard.
    ///   - onWebhook: told the paths a signed webhook changed (and when), to tell the fleet.
    ///   - onListening: told each address once it accepts connections (`unix:PATH`, `http://HOST:PORT`).
    public static func start(
        _ settings: LocalEndpointSettings, forwarder: (any MissForwarder)?,
        onInvalidate: @escaping @Sendable ([String], Double) async -> Void,
        connectedPeers: @escaping @Sendable () -> Int? = { nil },
        onWebhook: @escaping @Sendable ([StalePath], Double) async -> Void = { _, _ in },
        onListening: @escaping @Sendable (String) -> Void = { _ in }, logger: Logger
    ) throws(GHCacheError) -> LocalEndpoint {
        let configuration = settings.configuration
        let store = try CacheStore.open(directory: configuration.cacheDir)
        let lock = try DaemonLock.acquire(cacheDirectory: configuration.cacheDir)
        do throws(GHCacheError) {
            // Holding the lock proves that no other daemon runs: a heartbeat row of another process is one a
            // killed daemon left (it would make this start, or libp2p's, refuse for 30 s).
            if let status = try store.peerStatus(), status.pid != Int(getpid()) {
                try store.clearPeerStatus(pid: status.pid)
            }
            let limit = MemoryLayout.size(ofValue: sockaddr_un().sun_path)
            guard (settings.socketPath + ".00000000.tmp").utf8.count < limit else {
                throw GHCacheError(
                    "the socket path \(settings.socketPath) is longer than the \(limit - 1) bytes a unix socket "
                        + "allows: use a shorter CACHE_DIR", exitStatus: .usage)
            }
        } catch {
            lock.release()
            throw error
        }
        raiseDescriptorLimit()
        let transport = HTTPTransport(connectTimeout: configuration.connectTimeout, readTimeout: configuration.timeout)
        let operations = Operations(
            store: store, configuration: configuration, connectedPeers: connectedPeers, onWebhook: onWebhook)
        let core = EndpointCore(
            settings: settings, store: store, transport: transport, forwarder: forwarder, onInvalidate: onInvalidate,
            operations: operations, logger: logger)
        return LocalEndpoint(settings: settings, core: core, lock: lock, onListening: onListening, logger: logger)
    }

    /// Serves until a graceful shutdown (or cancellation); then removes the socket, clears the heartbeat it
    /// wrote, closes the HTTP client and releases the cache directory.
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
                if settings.writesHeartbeat {
                    group.addTask { await cancelWhenGracefulShutdown { await self.heartbeat() } }
                }
                group.addTask { await cancelWhenGracefulShutdown { await self.core.operations.sample() } }
            }
        } catch {
            failure = error
        }
        unlink(temporary)
        unlink(settings.socketPath)
        if settings.writesHeartbeat {
            try? core.store.clearPeerStatus(pid: Int(getpid()))
        }
        await core.transport.shutdown()
        lock.release()
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
        let http = HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestDeadline(first: first, next: next)],
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

    private func heartbeat() async {
        while !Task.isCancelled {
            var addresses = ["unix:\(settings.socketPath)"]
            if let tcp = settings.tcpListen { addresses.append(tcp.description) }
            do {
                try core.store.writePeerStatus(
                    PeerStatus(
                        peerID: "", addresses: addresses, connectedPeers: [],
                        heartbeatAt: Date().timeIntervalSince1970, pid: Int(getpid())))
            } catch {
                logger.warning("cannot write the heartbeat: \(error.message)")
            }
            try? await Task.sleep(for: settings.heartbeatInterval)
        }
    }

    private func listenError(_ error: any Error) -> any Error {
        if error is GHCacheError { return error }
        let text = "\(error)"
        let tcp = settings.tcpListen.map { "CACHE_HTTP_LISTEN=\($0)" } ?? "the local endpoint"
        if text.localizedCaseInsensitiveContains("address already in use") || text.contains("EADDRINUSE") {
            return GHCacheError(
                "cannot listen on \(tcp): the port is already in use. Choose a free port in CACHE_HTTP_LISTEN",
                exitStatus: .network)
        }
        if text.localizedCaseInsensitiveContains("cannot assign requested address") {
            return GHCacheError(
                "cannot listen on \(tcp): the address is not one of this machine's; use 127.0.0.1:PORT",
                exitStatus: .network)
        }
        return GHCacheError("the local endpoint stopped: \(text.prefix(300))", exitStatus: .network)
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
