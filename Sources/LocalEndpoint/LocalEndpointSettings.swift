import CacheCore
import Foundation

/// What a ``LocalEndpoint`` needs, usually built from CacheCore's `Configuration` with ``init(configuration:)``.
public struct LocalEndpointSettings: Sendable {
    /// The resolved configuration (cache directory, `GITHUB_API_URL`, TTL rules, timeouts...).
    public var configuration: Configuration
    /// The unix socket served always (`$CACHE_DIR/api.sock`, mode 0600, or 0660 with ``socketMode``).
    public var socketPath: String
    /// The socket's mode: 0600, or 0660 with `CACHE_SOCKET_GROUP_ACCESS=true` (the daemon's group may connect).
    public var socketMode: mode_t = 0o600
    /// The TCP listener (`CACHE_HTTP_LISTEN`), if any.
    public var tcpListen: HTTPListenAddress?
    /// The most connections served at once (more wait in the listen backlog).
    public var maxConnections = 2048
    /// A new connection must send a complete request head within this time, and a kept-alive one the next
    /// head within ``idleTimeout``; else it is closed (slow clients cannot hold connections).
    public var firstRequestTimeout: Duration = .seconds(10)
    /// Connections with no request for this long are closed.
    public var idleTimeout: Duration = .seconds(60)
    /// A request body must arrive within this time (else 408).
    public var bodyTimeout: Duration = .seconds(60)
    /// The largest request body relayed to GitHub (larger: 413).
    public var maxBodyBytes = 25 << 20
    /// The most request-body bytes held at once across all connections (a body that does not fit: 503 with
    /// `Retry-After`).
    public var maxBodyBytesInFlight = 64 << 20
    /// The largest request head accepted (all header lines; larger: 400 and close).
    public var maxHeaderBytes = 64 << 10

    /// Settings from a loaded configuration.
    public init(configuration: Configuration) {
        self.configuration = configuration
        socketPath = configuration.apiSocketPath
        if configuration.socketGroupAccess { socketMode = 0o660 }
        tcpListen = configuration.httpListen
    }
}
