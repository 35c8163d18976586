import AsyncHTTPClient
import Foundation
import Metrics
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization

/// A response from GitHub as the cache sees it.
public struct GitHubResponse: Sendable, Equatable {
    /// HTTP status after following redirects.
    public var status: Int
    /// Headers with lower-case names (repeated headers joined with `, `).
    public var headers: [String: String]
    /// Body bytes.
    public var body: Data

    /// Creates a response.
    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Why a request got no HTTP answer at all.
public enum TransportFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// No answer within the timeout (connect or read).
    case timeout(seconds: Double)
    /// Nothing listens at the address.
    case connectionRefused
    /// The server closed or reset the connection before a full answer.
    case connectionClosed
    /// Anything else (DNS, TLS...), described for a user.
    case other(String)

    public var description: String {
        switch self {
        case .timeout(let seconds): "no answer from GitHub within \(formatSeconds(seconds))"
        case .connectionRefused: "connection refused"
        case .connectionClosed: "the connection was closed before a full answer"
        case .other(let reason): reason
        }
    }
}

/// A request sent as given: any method, headers and body (the local endpoint's pass-through of writes and
/// GraphQL, and `ghcache-get` asking the daemon over its socket).
public struct UpstreamRequest: Sendable {
    /// The HTTP method (`POST`, `PATCH`...).
    public var method: String
    /// The absolute URL (`https://...`, or `http+unix://<percent-encoded socket path>/path`).
    public var url: String
    /// Request headers, in order.
    public var headers: [(String, String)]
    /// The body, if any.
    public var body: Data?
    /// Seconds the whole exchange may take; `nil`: the transport's connect + 2 × read timeouts.
    public var timeout: Double?

    /// Creates a request.
    public init(method: String, url: String, headers: [(String, String)], body: Data? = nil, timeout: Double? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// Sends requests to GitHub. The cache talks to GitHub only through this seam.
public protocol GitHubTransport: Sendable {
    /// Sends a GET to an absolute URL with the given headers, following redirects.
    func get(url: String, headers: [(String, String)]) async throws(TransportFailure) -> GitHubResponse
    /// Sends `request` as it is (method, headers, body) and returns the answer, whatever its status.
    func send(_ request: UpstreamRequest) async throws(TransportFailure) -> GitHubResponse
    /// Releases connections and threads.
    func shutdown() async
}

extension GitHubTransport {
    /// GET-only transports (test doubles) relay GETs without a body through ``get(url:headers:)`` and refuse the
    /// rest.
    public func send(_ request: UpstreamRequest) async throws(TransportFailure) -> GitHubResponse {
        guard request.method == "GET", request.body?.isEmpty ?? true else {
            throw TransportFailure.other("this transport sends only GET requests, not \(request.method)")
        }
        return try await get(url: request.url, headers: request.headers)
    }
}

/// ``GitHubTransport`` over async-http-client. The `HTTPClient` (and its event loops) is created on
/// the first request only, so a cache hit never pays for it; ``shutdown()`` closes it.
public final class HTTPTransport: GitHubTransport {
    private let connectTimeout: Double
    private let readTimeout: Double
    private let client = Mutex<HTTPClient?>(nil)

    /// Largest body accepted (bigger responses fail rather than exhaust memory).
    public static let maxBodyBytes = 256 << 20

    /// Creates a transport with connect and read timeouts in seconds.
    public init(connectTimeout: Double, readTimeout: Double) {
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
    }

    deinit {
        // A caller that skipped ``shutdown()`` (an early throw) must not trap in HTTPClient's deinit.
        if let leftover = client.withLock({ $0 }) { _ = leftover.shutdown() }
    }

    private func httpClient() -> HTTPClient {
        client.withLock { current in
            if let current { return current }
            let configuration = HTTPClient.Configuration(
                redirectConfiguration: .follow(max: 5, allowCycles: false),
                timeout: .init(
                    connect: .nanoseconds(Int64(connectTimeout * 1e9)), read: .nanoseconds(Int64(readTimeout * 1e9))),
                decompression: .enabled(limit: .ratio(100)))
            let created = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            current = created
            return created
        }
    }

    public func get(url: String, headers: [(String, String)]) async throws(TransportFailure) -> GitHubResponse {
        try await send(UpstreamRequest(method: "GET", url: url, headers: headers))
    }

    public func send(_ upstream: UpstreamRequest) async throws(TransportFailure) -> GitHubResponse {
        var request = HTTPClientRequest(url: upstream.url)
        request.method = HTTPMethod(rawValue: upstream.method)
        for (name, value) in upstream.headers { request.headers.add(name: name, value: value) }
        if let body = upstream.body { request.body = .bytes(ByteBuffer(data: body)) }
        let started = ContinuousClock.now
        do {
            let seconds = upstream.timeout ?? (connectTimeout + 2 * readTimeout)
            let deadline = NIODeadline.now() + .nanoseconds(Int64(seconds * 1e9))
            let response = try await httpClient().execute(request, deadline: deadline)
            let body = try await response.body.collect(upTo: Self.maxBodyBytes)
            Self.record(status: "\(response.status.code)", since: started)
            var flattened: [String: String] = [:]
            for (name, value) in response.headers {
                let lower = name.lowercased()
                flattened[lower] = flattened[lower].map { "\($0), \(value)" } ?? value
            }
            return GitHubResponse(status: Int(response.status.code), headers: flattened, body: Data(buffer: body))
        } catch {
            Self.record(status: "error", since: started)
            throw classify(error)
        }
    }

    /// Records one upstream request through swift-metrics (a no-op unless the process bootstrapped a backend, as
    /// `ghcache-peer` does for `GET /metrics`).
    static func record(status: String, since started: ContinuousClock.Instant) {
        Metrics.Counter(label: "ghcache_upstream_requests_total", dimensions: [("status", status)]).increment()
        Metrics.Timer(label: "ghcache_upstream_request_duration_seconds").record(
            duration: ContinuousClock.now - started)
    }

    public func shutdown() async {
        let existing = client.withLock { current in
            defer { current = nil }
            return current
        }
        try? await existing?.shutdown()
    }

    private func classify(_ error: any Error) -> TransportFailure {
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout, .deadlineExceeded, .writeTimeout: return .timeout(seconds: readTimeout)
            case .connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout:
                return .timeout(seconds: connectTimeout)
            case .remoteConnectionClosed: return .connectionClosed
            case .redirectLimitReached, .redirectCycleDetected: return .other("too many redirects")
            default: break
            }
        }
        if error is NIOTooManyBytesError {
            return .other("the response is larger than \(Self.maxBodyBytes >> 20) MiB")
        }
        let text = String(reflecting: error)
        if text.contains("Connection refused") || text.contains("ECONNREFUSED") { return .connectionRefused }
        if text.contains("Connection reset") || text.contains("ECONNRESET") || text.contains("uncleanShutdown")
            || text.contains("Broken pipe")
        {
            return .connectionClosed
        }
        if text.localizedCaseInsensitiveContains("timeout") || text.localizedCaseInsensitiveContains("timed out") {
            return .timeout(seconds: readTimeout)
        }
        if text.contains("dnsAError") || text.contains("Name or service not known") || text.contains("resolve") {
            return .other("cannot resolve the host name of GITHUB_API_URL")
        }
        if text.localizedCaseInsensitiveContains("tls") || text.localizedCaseInsensitiveContains("ssl")
            || text.localizedCaseInsensitiveContains("certificate")
        {
            return .other("TLS failure talking to GitHub (\(text.prefix(200)))")
        }
        return .other("request failed (\(text.prefix(200)))")
    }
}

/// `2 s`, `0.5 s`, `3 min`, `2 h`: a duration for messages.
func formatSeconds(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "forever" }
    if seconds < 1 { return String(format: "%.1f s", seconds) }
    if seconds < 120 { return "\(Int(seconds.rounded())) s" }
    if seconds < 7200 { return "\(Int((seconds / 60).rounded())) min" }
    if seconds < 172800 { return "\(Int((seconds / 3600).rounded())) h" }
    return "\(TimeBounds.clampedInt((seconds / 86400).rounded())) d"
}
