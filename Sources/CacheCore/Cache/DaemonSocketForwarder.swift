import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `ghcache-get`'s ``MissForwarder``: a lookup the store cannot serve fresh is asked of the machine's
/// `ghcache-peer` through `$CACHE_DIR/api.sock`, so that every process on the machine (and, through the
/// daemon, the fleet) shares one fetch. Used only while the daemon's heartbeat is live and the socket is there;
/// when the daemon cannot be reached or does not answer in time, ``forward(_:)`` returns `nil` and
/// `ghcache-get` fetches itself. The daemon counts the lookup in the shared store, so nothing is counted here.
public final class DaemonSocketForwarder: MissForwarder {
    private let socketPath: String
    private let store: CacheStore
    private let transport: any GitHubTransport
    private let timeout: Double
    private let clock: @Sendable () -> Double

    /// Creates a forwarder to the daemon of `configuration`'s cache directory. `transport` is `ghcache-get`'s
    /// own (its HTTP client is created only when a lookup is forwarded, never on a hit).
    public init(
        configuration: Configuration, store: CacheStore, transport: any GitHubTransport,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.socketPath = configuration.apiSocketPath
        self.store = store
        self.transport = transport
        // The daemon may wait for a concurrent fetch (one lease) and then fetch itself.
        self.timeout = 2 * (configuration.connectTimeout + 2 * configuration.timeout) + 10
        self.clock = clock
    }

    /// Whether a daemon looks reachable: its socket is there and its heartbeat is recent.
    public func daemonIsRunning() -> Bool {
        var status = stat()
        guard lstat(socketPath, &status) == 0, (status.st_mode & S_IFMT) == S_IFSOCK,
            let heartbeat = try? store.peerStatus(), heartbeat.isAlive(now: clock()),
            let pid = pid_t(exactly: heartbeat.pid), kill(pid, 0) == 0 || errno == EPERM
        else { return false }
        return true
    }

    public func forward(_ lookup: ForwardedLookup) async throws(GHCacheError) -> LookupResult? {
        // The endpoint never caches a request without a token: such a lookup stays in this process.
        guard let token = lookup.token, daemonIsRunning(),
            let url = Self.url(socketPath: socketPath, pathAndQuery: lookup.target.pathAndQuery)
        else { return nil }
        let headers: [(String, String)] =
            [
                ("User-Agent", "ghcache-get/\(GHCacheVersion.current)"),
                ("Authorization", "Bearer \(token)"), ("Accept", lookup.target.accept),
                ("X-GitHub-Api-Version", lookup.target.apiVersion),
            ] + EndpointContract.requestHeaders(lookup.options, ttl: lookup.ttl)
        let response: GitHubResponse
        do {
            response = try await transport.send(
                UpstreamRequest(method: "GET", url: url, headers: headers, timeout: timeout))
        } catch {
            return nil
        }
        return try Self.result(of: response, for: lookup, now: clock())
    }

    /// `http+unix://<socket path, percent-encoded>/path?query` (async-http-client's unix-socket URL form).
    static func url(socketPath: String, pathAndQuery: String) -> String? {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        guard let host = socketPath.addingPercentEncoding(withAllowedCharacters: allowed) else { return nil }
        return "http+unix://\(host)\(pathAndQuery)"
    }

    /// The daemon's answer as a lookup result, or the failure `ghcache-get` would have reported itself. `nil`
    /// when the answer is not from a ghcache endpoint at all (no `X-GHCache`), so this process fetches itself.
    static func result(of response: GitHubResponse, for lookup: ForwardedLookup, now: Double) throws(GHCacheError)
        -> LookupResult?
    {
        guard let outcome = response.headers[EndpointHeader.outcome.lowercased()] else { return nil }
        if let failure = EndpointContract.error(fromHeaders: { response.headers[$0.lowercased()] }) {
            // The daemon could not reach GitHub at all: this process may see another network (a daemon in a
            // container or namespace, a proxy set only here), so it tries itself rather than fail.
            if failure.exitStatus == .network { return nil }
            throw failure
        }
        guard (200..<300).contains(response.status), let servedFrom = ServedFrom(endpointLabel: outcome) else {
            throw GHCacheError(
                ResponseClassifier.describe(response, target: lookup.target), exitStatus: .githubError)
        }
        let live = servedFrom == .miss || servedFrom == .revalidated
        return LookupResult(
            target: lookup.target, status: response.status,
            headers: response.headers.filter { CacheEntry.keptHeaders.contains($0.key) }, body: response.body,
            servedFrom: servedFrom, age: response.headers["age"].flatMap(Double.init) ?? 0, ttl: lookup.ttl,
            rateLimit: live ? ResponseClassifier.rateLimit(response, now: now) : nil,
            warning: response.headers[EndpointHeader.warning.lowercased()].map(HeaderText.decode))
    }
}
