import CacheCore

/// Where a request to the endpoint goes: a REST path under the API base, or GraphQL. Both GitHub.com paths
/// (`/repos/o/r`) and GitHub Enterprise Server paths (`/api/v3/repos/o/r`, `/api/graphql`) are accepted, so
/// that go-github's `WithEnterpriseURLs` and octokit's `baseUrl` work as well as `gh` and curl.
struct Route: Sendable, Equatable {
    /// The path relative to the API base, starting with `/`, as sent (no decoding).
    let path: String
    /// The query, as sent, without `?` (`nil`: none).
    let query: String?
    /// Whether the client used the `/api/v3` (or `/api/graphql`) prefix.
    let enterprisePrefix: Bool
    /// Whether this is GitHub's GraphQL endpoint.
    let isGraphQL: Bool

    /// Path and query as sent.
    var pathAndQuery: String { query.map { "\(path)?\($0)" } ?? path }

    /// Why a request target is refused.
    struct Invalid: Error {
        let reason: String
    }

    /// Parses a request target: origin form (`/path?query`), or absolute form (`http://host/path`).
    init(target raw: String) throws(Invalid) {
        var text = Substring(raw)
        if let fragment = text.firstIndex(of: "#") { text = text[..<fragment] }
        if let scheme = text.range(of: "://"), !text[..<scheme.lowerBound].contains("/") {
            let afterAuthority = text[scheme.upperBound...]
            text = afterAuthority.firstIndex(of: "/").map { afterAuthority[$0...] } ?? "/"
        }
        guard text.hasPrefix("/") else {
            throw Invalid(reason: "the request target must be a path such as /repos/OWNER/REPO")
        }
        guard text.utf8.count <= 8192 else { throw Invalid(reason: "the request target is longer than 8 KiB") }
        guard text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw Invalid(reason: "the request target contains spaces, control or non-ASCII characters")
        }
        let parts = text.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var path = String(parts[0])
        query = parts.count == 2 ? String(parts[1]) : nil
        var prefixed = false
        var graphQL = false
        if path == "/api/graphql" {
            prefixed = true
            graphQL = true
        } else if path == "/api/v3" || path.hasPrefix("/api/v3/") {
            prefixed = true
            path = String(path.dropFirst("/api/v3".count))
            if path.isEmpty { path = "/" }
        }
        if path == "/graphql" { graphQL = true }
        self.path = graphQL ? "/graphql" : path
        enterprisePrefix = prefixed
        isGraphQL = graphQL
    }

    /// The upstream URL: `base` + path and query; GraphQL at `base/graphql`, or `/api/graphql` when `base` is a
    /// GitHub Enterprise Server REST base (`https://HOST/api/v3`).
    func upstreamURL(base: String) -> String {
        if isGraphQL { return GraphQLEndpoint.url(apiBase: base) }
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return base + pathAndQuery
    }
}
