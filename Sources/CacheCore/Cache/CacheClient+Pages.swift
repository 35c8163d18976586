extension CacheClient {
    /// Follows `Link: rel="next"` from `target`, each page through the cache, and returns every
    /// page in order. `onPage` sees each page as it arrives (for `--verbose`).
    public func getAllPages(
        _ target: RequestTarget, options: LookupOptions, maxPages: Int = 1000,
        onPage: (LookupResult) -> Void = { _ in }
    ) async throws(GHCacheError) -> [LookupResult] {
        var pages: [LookupResult] = []
        var seen: Set<String> = []
        var current: RequestTarget? = target
        while let page = current {
            guard seen.insert(page.key).inserted else { break }
            guard pages.count < maxPages else {
                throw GHCacheError(
                    "stopped after \(maxPages) pages of \(target): add per_page=100 or narrow the request",
                    exitStatus: .githubError)
            }
            let answer = try await get(page, options: options)
            onPage(answer)
            pages.append(answer)
            current = try answer.headers["link"].flatMap { LinkHeader($0).next }.map { next throws(GHCacheError) in
                try RequestTarget(
                    next, accept: target.accept, apiVersion: target.apiVersion, apiBase: configuration.apiURL)
            }
        }
        return pages
    }
}
