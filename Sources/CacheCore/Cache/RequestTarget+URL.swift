import Foundation

extension RequestTarget {
    /// Normalises a request as typed or as found in a `Link` header.
    ///
    /// - Parameters:
    ///   - rawPath: `repos/o/r`, `/repos/o/r?per_page=100`, or a full URL under `apiBase`.
    ///   - fields: extra query fields (`-f name=value`), encoded here.
    ///   - accept: `Accept` header.
    ///   - apiVersion: `X-GitHub-Api-Version` header.
    ///   - apiBase: the API base URL, to relativise full URLs (e.g. `Link` targets).
    public init(
        _ rawPath: String, fields: [(name: String, value: String)] = [], accept: String = defaultAccept,
        apiVersion: String = defaultAPIVersion, apiBase: URL
    ) throws(GHCacheError) {
        var (text, isFullURL) = Self.strippedPath(rawPath)
        if isFullURL { text = try Self.relativise(text, to: apiBase) }
        do {
            try self.init(relativePath: text, fields: fields, accept: accept, apiVersion: apiVersion)
        } catch {
            throw GHCacheError(error.message, exitStatus: .usage)
        }
    }

    /// The absolute URL of this request under `apiBase`.
    public func url(base apiBase: URL) -> String {
        var base = apiBase.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return base + pathAndQuery
    }

    private static func relativise(_ text: String, to apiBase: URL) throws(GHCacheError) -> String {
        guard let url = URLComponents(string: text), let host = url.host else {
            throw GHCacheError("\(text) is not a valid URL", exitStatus: .usage)
        }
        let base = URLComponents(url: apiBase, resolvingAgainstBaseURL: false)
        let sameOrigin =
            url.scheme?.lowercased() == base?.scheme?.lowercased() && host.lowercased() == base?.host?.lowercased()
            && (url.port ?? defaultPort(url.scheme)) == (base?.port ?? defaultPort(base?.scheme))
        var basePath = base?.percentEncodedPath ?? ""
        while basePath.hasSuffix("/") { basePath.removeLast() }
        guard sameOrigin, url.percentEncodedPath.hasPrefix(basePath) else {
            throw GHCacheError(
                "\(text) is not under the API base \(apiBase.absoluteString) (set GITHUB_API_URL to use another server)",
                exitStatus: .usage)
        }
        let path = String(url.percentEncodedPath.dropFirst(basePath.count))
        return url.percentEncodedQuery.map { path + "?" + $0 } ?? path
    }

    private static func defaultPort(_ scheme: String?) -> Int? {
        switch scheme?.lowercased() {
        case "http": 80
        case "https": 443
        default: nil
        }
    }
}
