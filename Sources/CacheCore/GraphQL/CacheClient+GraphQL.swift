import Foundation

/// A GraphQL request as it goes to GitHub: the body and the headers to send with it (the caller's, with its
/// `Authorization`), and the upstream URL (``GraphQLEndpoint/url(apiBase:)``).
public struct GraphQLPost: Sendable {
    public var url: String
    public var headers: [(String, String)]
    public var body: Data

    public init(url: String, headers: [(String, String)], body: Data) {
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name }?.1
    }
}

/// The answer to a ``GraphQLPost``.
public struct GraphQLAnswer: Sendable {
    /// How it was answered.
    public enum Outcome: String, Sendable {
        /// From the cache, for the token that received it (the endpoint's `X-GHCache: hit-local`).
        case hit = "hit-local"
        /// A cacheable query asked of GitHub (stored when the answer may be: a 200 with `data` and no `errors`).
        case miss
        /// Relayed without the cache: not certainly a query, or no token.
        case pass
    }

    /// GitHub's answer: stored status, headers and body on a hit; the live answer otherwise.
    public var response: GitHubResponse
    public var outcome: Outcome
    /// Age of a cached answer, in seconds (0 otherwise).
    public var age: Double
    /// Why the request was relayed uncached, or why a miss was not stored (`nil`: stored or a hit).
    public var uncachedBecause: String?
}

/// Where GraphQL lives relative to a REST API base.
public enum GraphQLEndpoint {
    /// `base/graphql`, or `https://HOST/api/graphql` for a GitHub Enterprise Server REST base (`…/api/v3`).
    public static func url(apiBase: String) -> String {
        var base = apiBase
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/api/v3") { return String(base.dropLast("/v3".count)) + "/graphql" }
        return base + "/graphql"
    }
}

extension CacheClient {
    /// Answers a GraphQL request for the token that sent it. A request that is certainly a query (see
    /// ``GraphQLQuery/classify(body:)``) with a token is answered from the cache when this same token received a
    /// fresh answer to the same normalised document, variables, `operationName`, `Accept` and `GraphQL-Features`;
    /// else it is sent to GitHub and a 200 answer with `data` and no `errors` is stored for this token, for
    /// `CACHE_GRAPHQL_TTL` (or its operation's rule, or `options.ttlOverride`). Everything else is relayed uncached.
    /// Identical queries of the same token in flight in this process share one call. GraphQL answers are not served
    /// stale, not coalesced across processes and not replicated.
    public func graphQL(_ post: GraphQLPost, options: LookupOptions, token: String?) async throws(GHCacheError)
        -> GraphQLAnswer
    {
        let query: GraphQLQuery
        switch token == nil
            ? .failure(GraphQLQuery.Refusal(reason: "no token")) : GraphQLQuery.classify(body: post.body)
        {
        case .success(let classified): query = classified
        case .failure(let refusal):
            let response = try await send(post)
            try store.recordRelayed(
                response, authenticated: token != nil, now: clock(), counters: [Counter.graphQLPassed: 1])
            return GraphQLAnswer(response: response, outcome: .pass, age: 0, uncachedBecause: refusal.reason)
        }
        let fingerprint = try fingerprint(token)
        let key = query.key(
            tokenFingerprint: fingerprint, accept: post.header("accept"), features: post.header("graphql-features"))
        let ttl = options.ttlOverride ?? configuration.graphQLTTL.ttl(operation: query.runs)
        let now = clock()
        if !options.noCache, let entry = try store.graphQLEntry(key: key, tokenFingerprint: fingerprint),
            entry.fetchedAt + Double(ttl) > now, entry.fetchedAt <= now
        {
            try store.increment([Counter.graphQLHits: 1, Counter.graphQLPointsSaved: entry.cost])
            return GraphQLAnswer(
                response: GitHubResponse(status: entry.status, headers: entry.headers, body: entry.body), outcome: .hit,
                age: now - entry.fetchedAt, uncachedBecause: nil)
        }
        if options.offline {
            throw GHCacheError(
                "no fresh cached answer to this GraphQL query for this token (only-if-cached)", exitStatus: .unavailable
            )
        }
        // One call for identical queries of the same token in flight in this process: the others wait for it.
        let (task, leads) = graphQLFlights.withLock {
            running -> (Task<Result<GraphQLAnswer, GHCacheError>, Never>, Bool) in
            if let twin = running[key] { return (twin, false) }
            let task = Task { () async -> Result<GraphQLAnswer, GHCacheError> in
                do throws(GHCacheError) {
                    return .success(
                        try await self.fetchGraphQL(
                            post, query: query, key: key, fingerprint: fingerprint, ttl: ttl))
                } catch {
                    return .failure(error)
                }
            }
            running[key] = task
            return (task, true)
        }
        let outcome = await task.value
        guard !leads else {
            _ = graphQLFlights.withLock { $0.removeValue(forKey: key) }
            return try outcome.get()
        }
        var joined = try outcome.get()
        if joined.uncachedBecause == nil {
            let cost = Self.cost(joined.response.body) ?? 1
            try store.increment([Counter.graphQLHits: 1, Counter.graphQLPointsSaved: cost])
            joined.outcome = .hit
            // As from the store: no live headers (rate limit, request id) of a call this request did not make.
            joined.response.headers = joined.response.headers.filter { CacheEntry.keptHeaders.contains($0.key) }
        }
        return joined
    }

    /// Asks GitHub a cacheable query and stores a storable answer.
    private func fetchGraphQL(_ post: GraphQLPost, query: GraphQLQuery, key: String, fingerprint: String, ttl: Int)
        async throws(GHCacheError) -> GraphQLAnswer
    {
        let response = try await send(post)
        let received = clock()
        let counters = [Counter.graphQLMisses: 1]
        var reason: String?
        if ttl == 0 {
            reason = "its TTL is 0"
        } else if let refusal = Self.uncacheable(response) {
            reason = refusal
        } else {
            let kept = response.headers.filter { CacheEntry.keptHeaders.contains($0.key) }
            let entry = GraphQLEntry(
                key: key, tokenFingerprint: fingerprint, status: response.status, headers: kept, body: response.body,
                cost: Self.cost(response.body) ?? 1, fetchedAt: received, expiresAt: received + Double(ttl))
            try store.storeGraphQL(entry, operation: query.runs, counters: [:])
        }
        try store.recordRelayed(response, authenticated: true, now: received, counters: counters)
        return GraphQLAnswer(response: response, outcome: .miss, age: 0, uncachedBecause: reason)
    }

    /// Answers a GraphQL request with the client's own token (`ghcache-get graphql`), sent as
    /// `Authorization: Bearer` with `post`'s other headers.
    public func graphQL(_ post: GraphQLPost, options: LookupOptions) async throws(GHCacheError) -> GraphQLAnswer {
        let token = try await tokens.token()
        var post = post
        post.headers.removeAll { $0.0.lowercased() == "authorization" }
        if let token { post.headers.append(("Authorization", "Bearer \(token)")) }
        return try await graphQL(post, options: options, token: token)
    }

    private func send(_ post: GraphQLPost) async throws(GHCacheError) -> GitHubResponse {
        do {
            return try await transport.send(
                UpstreamRequest(
                    method: "POST", url: post.url, headers: post.headers, body: post.body,
                    timeout: configuration.connectTimeout + 2 * configuration.timeout))
        } catch {
            throw GHCacheError(
                "cannot reach \(configuration.apiURL.absoluteString) for POST /graphql: \(error)", exitStatus: .network)
        }
    }

    /// Why an answer must not be stored (`nil`: it may): not a 200, not JSON, no `data` object, or any `errors`
    /// (GitHub reports a spent GraphQL budget as a 200 with `errors: [{type: "RATE_LIMITED"}]`).
    static func uncacheable(_ response: GitHubResponse) -> String? {
        guard response.status == 200 else { return "GitHub answered \(response.status)" }
        guard let json = try? CanonicalJSON.parse(response.body), case .object = json else {
            return "the answer is not a JSON object"
        }
        if json["errors"] != nil { return "the answer has errors" }
        guard case .object? = json["data"] else { return "the answer has no data" }
        return nil
    }

    /// The cost an answer reports: `data.rateLimit.cost`, or the `cost` of any top-level `data` member that is an
    /// object with a whole-number `cost` (an aliased `rateLimit`).
    static func cost(_ body: Data) -> Int? {
        guard let json = try? CanonicalJSON.parse(body), case .object(let members)? = json["data"] else { return nil }
        let ordered = members.filter { $0.name == "rateLimit" } + members.filter { $0.name != "rateLimit" }
        for member in ordered {
            if case .number(let text)? = member.value["cost"], let cost = Int(text), cost >= 0 { return cost }
        }
        return nil
    }
}
