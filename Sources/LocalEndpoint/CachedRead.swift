import CacheCore
import Foundation
import HTTPTypes
import Hummingbird

extension EndpointCore {
    /// GET or HEAD with a token: answered by the process's ``CacheClient`` with that token (TTL, validators,
    /// coalescing, stale-if-error and, when the daemon has one, the fleet forwarder), exactly as `ghcache-get` would.
    func cachedRead(_ request: Request, route: Route, token: String, listener: Listener) async -> Response {
        let isHead = request.method == .head
        let accept = request.headers[.accept].flatMap { $0.isEmpty ? nil : $0 } ?? RequestTarget.defaultAccept
        let apiVersion = request.headers[EndpointField.apiVersion] ?? RequestTarget.defaultAPIVersion
        guard
            let target = try? RequestTarget(
                route.pathAndQuery, accept: accept, apiVersion: apiVersion, apiBase: configuration.apiURL)
        else {
            // A target the cache cannot key (it cannot be normalised): relayed without the cache.
            return await passThrough(request, route: route, token: token, listener: listener)
        }
        let options: LookupOptions
        switch lookupOptions(request, isHead: isHead) {
        case .success(let parsed): options = parsed
        case .failure(let refusal): return refusal.response
        }
        let result: LookupResult
        do {
            result = try await client.get(target, options: options, token: token)
        } catch {
            return failure(error, route: route, listener: listener, request: request, isHead: isHead)
        }
        return answer(result, route: route, listener: listener, request: request, isHead: isHead)
    }

    /// The cache options a request's `Cache-Control` and `X-GHCache-TTL` ask for (``EndpointContract``), or the
    /// `400` that names a bad value.
    func lookupOptions(_ request: Request, isHead: Bool) -> Result<LookupOptions, RequestRefusal> {
        EndpointContract.lookupOptions(
            cacheControl: request.headers[.cacheControl], ttl: request.headers[EndpointField.ttl],
            maxStale: configuration.maxStale
        ).mapError {
            RequestRefusal(response: Self.synthesized(status: 400, message: $0.message, kind: .usage, isHead: isHead))
        }
    }

    /// A successful lookup as an HTTP answer: the stored headers clients read, `X-GHCache`, `Age`, and the live
    /// upstream headers (`x-ratelimit-*`, `x-github-request-id`) only when GitHub was asked just now. A client
    /// `If-None-Match` that matches the answer's `ETag` gets `304`.
    func answer(_ result: LookupResult, route: Route, listener: Listener, request: Request, isHead: Bool)
        -> Response
    {
        let rewriter = self.rewriter(listener, route: route, request: request)
        var fields = HTTPFields()
        if let live = result.upstreamHeaders {
            for (name, value) in live.sorted(by: { $0.key < $1.key })
            where name.hasPrefix("x-") && !name.hasPrefix("x-ghcache") {
                Self.append(&fields, name, value)
            }
        }
        for name in ["etag", "last-modified"] {
            if let value = result.headers[name] { Self.append(&fields, name, value) }
        }
        if let link = result.headers["link"] { Self.append(&fields, "link", rewriter?.link(link) ?? link) }
        fields[EndpointField.outcome] = result.servedFrom.endpointLabel
        fields[.age] = String(result.age.isFinite ? Int(min(max(result.age, 0), 1e9)) : 0)
        if let warning = result.warning { fields[EndpointField.warning] = HeaderText.encode(warning) }

        if let etag = result.headers["etag"], let condition = request.headers[.ifNoneMatch],
            Self.matches(ifNoneMatch: condition, etag: etag)
        {
            return Response(status: .notModified, headers: fields, body: ResponseBody())
        }
        let contentType = result.headers["content-type"] ?? "application/json; charset=utf-8"
        fields[.contentType] = contentType
        var body = result.body
        if let rewriter, Self.isJSON(contentType), let rewritten = rewriter.json(body) { body = rewritten }
        return Self.response(status: result.status, fields: fields, body: body, isHead: isHead)
    }

    /// A failed lookup: GitHub's own answer relayed when there is one (a 404, a 5xx with no usable copy, a
    /// rate-limit refusal); else an answer made here (`502` network, `503` not allowed to call GitHub).
    func failure(_ error: GHCacheError, route: Route, listener: Listener, request: Request, isHead: Bool)
        -> Response
    {
        if let upstream = error.upstream {
            return relay(
                upstream, route: route, listener: listener, request: request, isHead: isHead, outcome: "miss",
                extra: EndpointContract.errorHeaders(error))
        }
        let status =
            switch error.exitStatus {
            case .network, .githubError: 502
            case .unavailable: 503
            case .usage: 400
            case .store, .ok: 500
            }
        return Self.synthesized(status: status, message: error.message, kind: error.exitStatus, isHead: isHead)
    }

    /// Weak comparison of `If-None-Match` (a list, or `*`) with an `ETag`.
    static func matches(ifNoneMatch condition: String, etag: String) -> Bool {
        func opaque(_ tag: Substring) -> Substring {
            let trimmed = tag.trimmingCharacters(in: .whitespaces)
            return Substring(trimmed.hasPrefix("W/") ? String(trimmed.dropFirst(2)) : trimmed)
        }
        let stored = opaque(Substring(etag))
        return condition.split(separator: ",").contains { candidate in
            let tag = opaque(candidate)
            return tag == "*" || tag == stored
        }
    }
}
