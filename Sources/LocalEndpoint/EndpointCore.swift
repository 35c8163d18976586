import CacheCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// The listener a request arrived on.
enum Listener: Sendable {
    /// `$CACHE_DIR/api.sock`: nothing is rewritten.
    case unixSocket
    /// The TCP listener: upstream URLs are rewritten to its origin (see ``OriginRewriter``).
    case tcp(ListenerOrigin)
}

/// The TCP listener's `http://HOST:PORT`, known once it is bound (the port may be chosen by the system).
final class ListenerOrigin: Sendable {
    private let value: Mutex<String>

    init(_ initial: String) { value = Mutex(initial) }

    var origin: String {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}

/// Answers the endpoint's requests: GET/HEAD with a token from the cache (``CacheClient``), GraphQL queries with a
/// token from that token's cached answers (``graphQL(_:route:token:listener:)``), everything else relayed to GitHub
/// unchanged (``passThrough(_:route:token:listener:)``). Shared by both listeners.
final class EndpointCore: Sendable {
    let settings: LocalEndpointSettings
    let store: CacheStore
    /// Relays what the cache does not answer.
    let transport: any GitHubTransport
    /// Answers cached reads, with the caller's token.
    let client: CacheClient
    /// Told what a successful write made stale.
    let invalidator: any Invalidator
    /// The process's clock.
    var clock: @Sendable () -> Double { client.clock }
    /// `/metrics`, the dashboard and `/webhook`.
    let operations: Operations
    let logger: Logger
    /// Request bodies held across connections.
    let bodyBudget: BodyBudget
    /// The TCP listener's `Host` check.
    let hostCheck: HostCheck?

    init(
        settings: LocalEndpointSettings, store: CacheStore, transport: any GitHubTransport, client: CacheClient,
        invalidator: any Invalidator, operations: Operations, logger: Logger
    ) {
        self.operations = operations
        self.settings = settings
        self.store = store
        self.transport = transport
        self.client = client
        self.invalidator = invalidator
        self.logger = logger
        bodyBudget = operations.bodyBudget
        hostCheck = settings.tcpListen.map { HostCheck(listenHost: $0.host) }
    }

    var configuration: Configuration { settings.configuration }

    /// One request, whatever it is: never throws (every failure is an HTTP answer).
    func respond(to request: Request, listener: Listener) async -> Response {
        let started = ContinuousClock.now
        let route: Route
        do {
            route = try Route(target: request.head.path ?? "/")
        } catch {
            return Self.synthesized(
                status: 400, message: "bad request target: \(error.reason)", kind: .usage, isHead: false)
        }
        if case .tcp = listener, let hostCheck, !hostCheck.accepts(request.head.authority),
            !(request.method == .post && route.path == "/webhook")  // signed; may come through a reverse proxy
        {
            return Self.synthesized(
                status: 421,
                message: "this endpoint answers only requests to its own address (localhost or the listen address), "
                    + "not to another host name", kind: .usage, isHead: request.method == .head)
        }
        if let answer = await operations.respond(to: request, path: route.path, listener: listener) { return answer }
        let token = Self.token(request.headers[.authorization])
        let isRead = request.method == .get || request.method == .head
        let response: Response
        if isRead, !route.isGraphQL, let token {
            response = await cachedRead(request, route: route, token: token, listener: listener)
        } else if route.isGraphQL, request.method == .post, let token {
            response = await graphQL(request, route: route, token: token, listener: listener)
        } else {
            response = await passThrough(request, route: route, token: token, listener: listener)
        }
        logger.debug(
            "\(request.method.rawValue) \(route.path) -> \(response.status.code)",
            metadata: [
                "ghcache.outcome": "\(response.headers[EndpointField.outcome] ?? "-")",
                "ghcache.elapsed": "\(ContinuousClock.now - started)",
            ])
        return response
    }

    /// The token of `Authorization: token X` or `Bearer X`; `nil` for no header, another scheme or garbage (such
    /// a request is relayed as it is and never answered from the cache).
    static func token(_ authorization: String?) -> String? {
        guard let value = authorization?.trimmingCharacters(in: .whitespaces),
            let space = value.firstIndex(of: " ")
        else { return nil }
        let scheme = value[..<space].lowercased()
        let token = value[space...].trimmingCharacters(in: .whitespaces)
        guard scheme == "token" || scheme == "bearer", !token.isEmpty, token.utf8.count <= 4096,
            token.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        else { return nil }
        return token
    }

    // MARK: answers

    /// Upstream response headers never relayed: hop-by-hop, and what this server sets itself.
    static let droppedHeaders: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "content-length", "content-encoding", "date",
    ]

    /// GitHub's answer relayed as it came (status, headers, body), with `X-GHCache: outcome` and, on TCP, the
    /// upstream URLs rewritten.
    func relay(
        _ upstream: GitHubResponse, route: Route, listener: Listener, request: Request, isHead: Bool,
        outcome: String, extra: [(String, String)] = []
    ) -> Response {
        let rewriter = self.rewriter(listener, route: route, request: request)
        var fields = HTTPFields()
        for (name, value) in upstream.headers.sorted(by: { $0.key < $1.key })
        where !Self.droppedHeaders.contains(name) && !name.hasPrefix("x-ghcache") {
            var value = value
            if let rewriter, name == "link" { value = rewriter.link(value) }
            if let rewriter, name == "location" { value = rewriter.url(value) }
            Self.append(&fields, name, value)
        }
        for (name, value) in extra { Self.append(&fields, name, value) }
        fields[EndpointField.outcome] = outcome
        var body = upstream.body
        if let rewriter, Self.isJSON(upstream.headers["content-type"]), let rewritten = rewriter.json(body) {
            body = rewritten
        }
        if isHead, let length = upstream.headers["content-length"], body.isEmpty {
            fields[.contentLength] = length
            return Response(status: .init(code: upstream.status), headers: fields, body: ResponseBody())
        }
        return Self.response(status: upstream.status, fields: fields, body: body, isHead: isHead)
    }

    /// An answer made here (no usable answer from GitHub): a GitHub-style JSON error whose message says what
    /// happened, with `X-GHCache: error` and the failure for `ghcache-get`.
    static func synthesized(status: Int, message: String, kind: ExitStatus, isHead: Bool) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "application/json; charset=utf-8"
        fields[EndpointField.outcome] = "error"
        for (name, value) in EndpointContract.errorHeaders(GHCacheError(message, exitStatus: kind)) {
            append(&fields, name, value)
        }
        let object: [String: Any] = [
            "message": "ghcache: \(message)", "documentation_url": "https://docs.github.com/rest",
            "status": String(status),
        ]
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return response(status: status, fields: fields, body: body, isHead: isHead)
    }

    static func response(status: Int, fields: HTTPFields, body: Data, isHead: Bool) -> Response {
        var fields = fields
        if isHead {
            fields[.contentLength] = String(body.count)
            return Response(status: .init(code: status), headers: fields, body: ResponseBody())
        }
        return Response(
            status: .init(code: status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The rewriter for answers on `listener` (`nil` on the socket).
    func rewriter(_ listener: Listener, route: Route, request: Request) -> OriginRewriter? {
        guard case .tcp(let origin) = listener else { return nil }
        var local = origin.origin
        // The client's own spelling of the host (localhost vs 127.0.0.1) keeps same-host checks happy.
        if let host = request.head.authority, Self.isPlainHost(host) {
            local = "http://\(host)"
        }
        if route.enterprisePrefix { local += "/api/v3" }
        return OriginRewriter(upstream: configuration.apiURL.absoluteString, local: local)
    }

    private static func isPlainHost(_ host: String) -> Bool {
        !host.isEmpty && host.utf8.count <= 255
            && host.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                    || ".-:[]".unicodeScalars.contains($0)
            }
    }

    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType = contentType?.lowercased() else { return false }
        return contentType.contains("json")
    }

    static func append(_ fields: inout HTTPFields, _ name: String, _ value: String) {
        guard let fieldName = HTTPField.Name(name) else { return }
        fields.append(HTTPField(name: fieldName, value: value))
    }
}

/// The endpoint's own header names as `HTTPField.Name`s.
enum EndpointField {
    static let outcome = HTTPField.Name(EndpointHeader.outcome)!
    static let warning = HTTPField.Name(EndpointHeader.warning)!
    static let ttl = HTTPField.Name(EndpointHeader.ttl)!
    static let apiVersion = HTTPField.Name("X-GitHub-Api-Version")!
}
