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
        SHA256Digest.hex(Array("\(method)\n\(url)\n\(accept)\n\(apiVersion)".utf8))
    }

    /// Query items with their values decoded for matching TTL rules.
    public var decodedQuery: [(name: String, value: String)] {
        query.map { (Self.percentDecoded($0.name) ?? $0.name, Self.percentDecoded($0.value) ?? $0.value) }
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

    /// Normalises a request for a path relative to the API base (CacheCore adds full URLs under the base).
    ///
    /// - Parameters:
    ///   - relativePath: `repos/o/r` or `/repos/o/r?per_page=100` (a `#fragment` is dropped).
    ///   - fields: extra query fields (`-f name=value`), encoded here.
    ///   - accept: `Accept` header.
    ///   - apiVersion: `X-GitHub-Api-Version` header.
    public init(
        relativePath: String, fields: [(name: String, value: String)] = [], accept: String = defaultAccept,
        apiVersion: String = defaultAPIVersion
    ) throws(UsageProblem) {
        var text = relativePath
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
            guard !field.name.isEmpty else { throw UsageProblem("a field needs a name: -f NAME=VALUE") }
            items.append(
                QueryItem(
                    name: Self.encode(field.name, keeping: Self.fieldCharacters),
                    value: Self.encode(field.value, keeping: Self.fieldCharacters)))
        }
        query = items.sorted()
        self.accept = accept
        self.apiVersion = apiVersion
    }

    /// The text of a request path as typed, trimmed and without a `#fragment`; whether it is a full URL
    /// (`scheme://...`), which only CacheCore can relativise.
    public static func strippedPath(_ rawPath: String) -> (text: String, isFullURL: Bool) {
        var text = rawPath.trimmingWhitespace()
        if let hash = text.firstIndex(of: "#") { text = String(text[..<hash]) }
        return (text, text.contains("://"))
    }

    private static let unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    private static let pathCharacters = ByteSet(unreserved + "!$&'()*+,;=:@/")
    private static let queryCharacters = ByteSet(unreserved + "!$'()*+,;:@/?")
    private static let fieldCharacters = ByteSet(unreserved + ",:/@")

    /// A set of bytes as a table (cheaper to build at start-up than a `Set`, which `ghcache-get`'s hit pays for).
    private struct ByteSet {
        private var members = [Bool](repeating: false, count: 256)

        init(_ characters: String) {
            for byte in characters.utf8 { members[Int(byte)] = true }
        }

        func contains(_ byte: UInt8) -> Bool { members[Int(byte)] }
    }

    /// Keeps valid `%XX` escapes (upper-cased hex) and allowed bytes; encodes everything else.
    /// Never decodes, so the meaning of the URL is unchanged.
    private static func canonical(_ text: String, keeping allowed: ByteSet) -> String {
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
            output += allowed.contains(byte) ? String(UnicodeScalar(byte)) : percentEscape(byte)
            index += 1
        }
        return output
    }

    private static func encode(_ text: String, keeping allowed: ByteSet) -> String {
        text.utf8.map { allowed.contains($0) ? String(UnicodeScalar($0)) : percentEscape($0) }.joined()
    }

    /// `%XX`, upper-case hex.
    private static func percentEscape(_ byte: UInt8) -> String {
        "%" + hexString([byte]).uppercased()
    }

    /// `text` with every `%XX` decoded; `nil` when an escape is malformed or the result is not UTF-8 (as
    /// Foundation's `removingPercentEncoding`).
    static func percentDecoded(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, let high = hexValue(bytes[index + 1]),
                    let low = hexValue(bytes[index + 2])
                else { return nil }
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(validating: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}
