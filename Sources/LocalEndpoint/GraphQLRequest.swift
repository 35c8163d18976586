import CacheCore
import Foundation
import HTTPTypes
import Hummingbird

extension EndpointCore {
    /// `POST /graphql` (or `/api/graphql`) with a token: answered by the process's ``CacheClient`` for that token
    /// (``CacheClient/graphQL(_:options:token:)``): a query this token asked before, within its TTL, from the
    /// cache; anything not certainly a query relayed uncached. `Cache-Control: no-cache` and `only-if-cached` and
    /// `X-GHCache-TTL` work as for REST. The answer carries `X-GHCache: hit-local`, `miss` or `pass`.
    func graphQL(_ request: Request, route: Route, token: String, listener: Listener) async -> Response {
        let body: Data
        switch await requestBody(request, isHead: false) {
        case .success(let data): body = data
        case .failure(let refusal): return refusal.response
        }
        defer { bodyBudget.release(body.count) }
        let options: LookupOptions
        switch lookupOptions(request, isHead: false) {
        case .success(let parsed): options = parsed
        case .failure(let refusal): return refusal.response
        }
        let post = GraphQLPost(
            url: route.upstreamURL(base: configuration.apiURL.absoluteString), headers: relayedHeaders(request),
            body: body)
        let answer: GraphQLAnswer
        do {
            answer = try await client.graphQL(post, options: options, token: token)
        } catch {
            return failure(error, route: route, listener: listener, request: request, isHead: false)
        }
        if let reason = answer.uncachedBecause {
            logger.debug("GraphQL \(answer.outcome.rawValue), not cached: \(reason)")
        }
        var extra: [(String, String)] = []
        if answer.outcome == .hit { extra.append(("Age", String(Int(min(max(answer.age, 0), 1e9))))) }
        return relay(
            answer.response, route: route, listener: listener, request: request, isHead: false,
            outcome: answer.outcome.rawValue, extra: extra)
    }
}
