import Crypto
import Foundation

/// A GitHub REST GET, normalised for use as a cache key (DESIGN §3).
///
/// The key covers the method, the normalised URL (path relative to the API base, plus the query
/// sorted by name then value), `Accept` and `X-GitHub-Api-Version`, and never the token.
public struct RequestTarget: Sendable, Hashable, CustomStringConvertible {
    /// Default `Accept` header.
    public static let defaultAccept = "application/vnd.github+json"
    /// Default `X-GitHub-Api-Version` header.
    public static let defaultAPIVersion = "2022-11-28"

    /// Path relative to the API base, starting with `/`, percent-encoding canonical.
    public let path: String
    /// Query items sorted by name, then value; percent-encoded as sent.
    public let query: [QueryItem]
    /// `Accept` header.
    public let accept: String
    /// `X-GitHub-Api-Version` header.
    public let apiVersion: String

    /// The HTTP method; ghcache only caches GET.
    public var method: String { "GET" }

    /// Path and sorted query: the `url` column of the store.
    public var pathAndQuery: String {
        query.isEmpty ? path : path + "?" + query.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// The cache key: hex SHA-256 of method, URL, Accept and API version, one per line.
    public var key: String { Self.key(method: method, url: pathAndQuery, accept: accept, apiVersion: apiVersion) }

    /// The cache key of a request: hex SHA-256 of `METHOD\nURL\nACCEPT\nAPI_VERSION`.
    public static func key(method: String, url: String, accept: String, apiVersion: String) -> String {
        hex(SHA256.hash(data: Data("\(method)\n\(url)\n\(accept)\n\(apiVersion)".utf8)))
    }

    /// Query items with their values decoded for matching TTL rules.
    public var decodedQuery: [(name: String, value: String)] {
        query.map { ($0.name.removingPercentEncoding ?? $0.name, $0.value.removingPercentEncoding ?? $0.value) }
    }

    public var description: String { pathAndQuery }

    /// One `name=value` query pair, percent-encoded.
    public struct QueryItem: Sendable, Hashable, Comparable {
        /// Encoded name.
        public let name: String
        /// Encoded value.
        public let value: String

        public static func < (lhs: QueryItem, rhs: QueryItem) -> Bool {
            (lhs.name, lhs.value) < (rhs.name, rhs.value)
        }
    }

    /// Normalises a request.
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
        var text = rawPath.trimmingWhitespace()
        if let hash = text.firstIndex(of: "#") { text = String(text[..<hash]) }
        if text.contains("://") { text = try Self.relativise(text, to: apiBase) }
        if !text.hasPrefix("/") { text = "/" + text }
        let parts = text.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = Self.canonical(String(parts[0]), keeping: Self.pathCharacters)
        var items: [QueryItem] = []
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") where !pair.isEmpty {
                let nameValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                items.append(
                    QueryItem(
                        name: Self.canonical(String(nameValue[0]), keeping: Self.queryCharacters),
                        value: nameValue.count == 2
                            ? Self.canonical(String(nameValue[1]), keeping: Self.queryCharacters) : ""
                    ))
            }
        }
        for field in fields {
            guard !field.name.isEmpty else {
                throw GHCacheError("a field needs a name: -f NAME=VALUE", exitStatus: .usage)
            }
            items.append(
                QueryItem(
                    name: Self.encode(field.name, keeping: Self.fieldCharacters),
                    value: Self.encode(field.value, keeping: Self.fieldCharacters)))
        }
        query = items.sorted()
        self.accept = accept
        self.apiVersion = apiVersion
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

    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
    private static let pathCharacters = unreserved.union("!$&'()*+,;=:@/".utf8)
    private static let queryCharacters = unreserved.union("!$'()*+,;:@/?".utf8)
    private static let fieldCharacters = unreserved.union(",:/@".utf8)

    /// Keeps valid `%XX` escapes (upper-cased hex) and allowed bytes; encodes everything else.
    /// Never decodes, so the meaning of the URL is unchanged.
    private static func canonical(_ text: String, keeping allowed: Set<UInt8>) -> String {
        let bytes = Array(text.utf8)
        var output = ""
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.count, bytes[index + 1].isHexDigit,
                bytes[index + 2].isHexDigit
            {
                output += "%" + String(decoding: bytes[index + 1...index + 2], as: UTF8.self).uppercased()
                index += 3
                continue
            }
            output += allowed.contains(byte) ? String(UnicodeScalar(byte)) : String(format: "%%%02X", byte)
            index += 1
        }
        return output
    }

    private static func encode(_ text: String, keeping allowed: Set<UInt8>) -> String {
        text.utf8.map { allowed.contains($0) ? String(UnicodeScalar($0)) : String(format: "%%%02X", $0) }.joined()
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}

/// Lower-case hexadecimal of some bytes.
func hex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var output: [UInt8] = []
    for byte in bytes {
        output.append(digits[Int(byte >> 4)])
        output.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: output, as: UTF8.self)
}
