import CacheCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension EndpointCore {
    /// Request headers never relayed upstream: hop-by-hop, `Host` (the upstream's is set from its URL),
    /// `Content-Length` (recomputed) and `Accept-Encoding` (the transport negotiates its own compression).
    static let requestHeadersNotRelayed: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer", "transfer-encoding",
        "upgrade", "host", "content-length", "accept-encoding", "expect",
    ]

    /// Writes, GraphQL other than a `POST` with a token, and any request without a token: relayed to GitHub with the method, headers and body
    /// as they came, GitHub's answer relayed back unchanged, nothing cached. A successful REST write marks the
    /// written resource's cached GETs stale here and, through `onInvalidate`, in the fleet.
    func passThrough(_ request: Request, route: Route, token: String?, listener: Listener) async -> Response {
        let isHead = request.method == .head
        let body: Data
        switch await requestBody(request, isHead: isHead) {
        case .success(let data): body = data
        case .failure(let refusal): return refusal.response
        }
        defer { bodyBudget.release(body.count) }
        let headers = relayedHeaders(request)
        let method = request.method.rawValue
        let url = route.upstreamURL(base: configuration.apiURL.absoluteString)
        let upstream: GitHubResponse
        do {
            upstream = try await transport.send(
                UpstreamRequest(
                    method: method, url: url, headers: headers, body: body.isEmpty ? nil : body,
                    timeout: configuration.connectTimeout + 2 * configuration.timeout))
        } catch {
            return Self.synthesized(
                status: 502,
                message: "cannot reach \(configuration.apiURL.absoluteString) for \(method) \(route.path): \(error)",
                kind: .network, isHead: isHead)
        }
        do {
            try store.recordRelayed(upstream, authenticated: token != nil, now: clock(), counters: [:])
        } catch {
            logger.warning("cannot record a relayed call: \(error.message)")
        }
        let isWrite = !(request.method == .get || request.method == .head || request.method == .options)
        if isWrite, !route.isGraphQL, (200..<300).contains(upstream.status) {
            await invalidate(afterWriteTo: route.path)
        }
        return relay(upstream, route: route, listener: listener, request: request, isHead: isHead, outcome: "pass")
    }

    /// A refused request (its body, or its cache options), as the answer to send.
    struct RequestRefusal: Error {
        let response: Response
    }

    /// The whole request body (at most `settings.maxBodyBytes`, within `settings.bodyTimeout`, its bytes taken from
    /// the daemon's ``BodyBudget``: the caller releases `body.count` when done), or the answer that says why it
    /// cannot be had.
    func requestBody(_ request: Request, isHead: Bool) async -> Result<Data, RequestRefusal> {
        let refusal = { (status: Int, message: String) in
            Result<Data, RequestRefusal>.failure(
                RequestRefusal(
                    response: Self.synthesized(status: status, message: message, kind: .usage, isHead: isHead)))
        }
        do {
            return .success(
                try await Self.collect(
                    request.body, declaredLength: request.headers[.contentLength].flatMap { Int($0) },
                    limit: settings.maxBodyBytes, budget: bodyBudget, timeout: settings.bodyTimeout))
        } catch BodyProblem.busy {
            var response = Self.synthesized(
                status: 503,
                message: "the daemon is relaying \(settings.maxBodyBytesInFlight >> 20) MiB of request bodies "
                    + "already: retry shortly", kind: .unavailable, isHead: isHead)
            response.headers[.retryAfter] = "1"
            return .failure(RequestRefusal(response: response))
        } catch BodyProblem.tooLarge {
            return refusal(413, "the request body is larger than \(settings.maxBodyBytes >> 20) MiB")
        } catch BodyProblem.timeout {
            return refusal(408, "the request body did not arrive within \(settings.bodyTimeout)")
        } catch {
            return refusal(400, "the request body could not be read")
        }
    }

    /// The request's headers as they are relayed upstream (without ``requestHeadersNotRelayed``).
    func relayedHeaders(_ request: Request) -> [(String, String)] {
        var headers: [(String, String)] = []
        for field in request.headers
        where !Self.requestHeadersNotRelayed.contains(field.name.canonicalName) {
            headers.append((field.name.rawName, field.value))
        }
        return headers
    }

    /// Marks the cached GETs a successful write to `path` made out of date, here and in the fleet.
    func invalidate(afterWriteTo path: String) async {
        let now = clock()
        let paths = WriteInvalidation.paths(writtenPath: path, apiBase: configuration.apiURL)
        do {
            let keys = try WriteInvalidation.keys(paths: paths, store: store)
            let marked = try await invalidator.invalidate(Invalidation(keys: keys, at: now, refresh: false))
            logger.debug(
                "write invalidated \(marked) entr\(marked == 1 ? "y" : "ies")", metadata: ["ghcache.path": "\(path)"])
        } catch {
            logger.warning("cannot invalidate after a write to \(path): \(error.message)")
        }
    }

    enum BodyProblem: Error {
        case tooLarge
        case timeout
        /// The bodies held across connections fill ``BodyBudget``.
        case busy
    }

    /// The whole request body, at most `limit` bytes, within `timeout`, its bytes taken from `budget` (the caller
    /// gives back `data.count` when done with it; on a throw nothing stays taken). A body with a `Content-Length`
    /// takes all its bytes at once or none (so that bodies arriving together cannot each take part of the budget
    /// and all fail); a chunked one takes them as they arrive. A body that does not fit is read to its end and
    /// dropped, so the client gets the `503` rather than a reset while it sends.
    static func collect(
        _ body: RequestBody, declaredLength: Int?, limit: Int, budget: BodyBudget, timeout: Duration
    ) async throws -> Data {
        let reservation = BodyReservation()
        do {
            return try await withThrowingTaskGroup(of: Data?.self) { group in
                group.addTask {
                    var fits = true
                    if let declaredLength, declaredLength > 0, declaredLength <= limit {
                        fits = budget.reserve(declaredLength)
                        if fits { reservation.add(declaredLength) }
                    }
                    var data = Data()
                    var received = 0
                    for try await buffer in body {
                        received += buffer.readableBytes
                        guard received <= limit else { throw BodyProblem.tooLarge }
                        guard fits else { continue }
                        if received > reservation.taken {
                            let more = received - reservation.taken
                            guard budget.reserve(more) else {
                                fits = false
                                continue
                            }
                            reservation.add(more)
                        }
                        data.append(contentsOf: buffer.readableBytesView)
                    }
                    guard fits else { throw BodyProblem.busy }
                    // A body shorter than declared gives back the difference: what stays taken is `data.count`.
                    let excess = reservation.taken - data.count
                    if excess > 0 {
                        budget.release(excess)
                        reservation.add(-excess)
                    }
                    return data
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let data = first else { throw BodyProblem.timeout }
                return data
            }
        } catch {
            budget.release(reservation.taken)
            throw error
        }
    }
}
