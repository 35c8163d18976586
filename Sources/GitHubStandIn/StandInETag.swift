import Crypto
import Foundation

/// GitHub's ETag for a JSON response, as observed (2025-2026) by independent clients with tests
/// (bored-engineer/github-conditional-http-transport `hash.go`; pcanilho/go-github-kit's live drift check):
/// the lowercase hex SHA-256 of every value of `Accept`, `Authorization` and `Cookie` **as sent**, in that fixed
/// order, each value followed by `:` (an absent header contributes nothing), then the uncompressed body bytes.
/// GitHub labels the hex `W/"…"`. The formula is undocumented; ``ETagFormula`` lets the stand-in drift from it.
///
/// Vectors: no headers and body `[]` → `4f53cda1…`; `Accept: */*` and body `[]` → `992aaf92…`.
public enum StandInETag {
    /// The request headers that take part, in the order they are hashed.
    public static let hashedHeaders = ["Accept", "Authorization", "Cookie"]

    /// The lowercase hex digest for a request's headers (`name`, `value` pairs in the order sent; names are
    /// compared case-insensitively; other headers are ignored) and a response body.
    public static func hex(requestHeaders: [(String, String)], body: Data) -> String {
        hex(values: hashedValues(requestHeaders), body: body)
    }

    /// The lowercase hex digest for the values of `Accept`, `Authorization` and `Cookie` as sent.
    public static func hex(accept: [String] = [], authorization: [String] = [], cookie: [String] = [], body: Data)
        -> String
    {
        hex(values: [accept, authorization, cookie], body: body)
    }

    /// `W/"<hex>"`, the label GitHub gives the digest.
    public static func weak(requestHeaders: [(String, String)], body: Data) -> String {
        "W/\"" + hex(requestHeaders: requestHeaders, body: body) + "\""
    }

    /// The values of each of ``hashedHeaders``, in the order sent.
    private static func hashedValues(_ requestHeaders: [(String, String)]) -> [[String]] {
        hashedHeaders.map { name in
            requestHeaders.filter { $0.0.caseInsensitiveCompare(name) == .orderedSame }.map(\.1)
        }
    }

    private static func hex(values: [[String]], body: Data, salt: String? = nil) -> String {
        var hasher = SHA256()
        if let salt { hasher.update(data: Data(salt.utf8)) }
        for value in values.joined() { hasher.update(data: Data((value + ":").utf8)) }
        hasher.update(data: body)
        return hexString(hasher.finalize())
    }

    /// The digest under `formula`: GitHub's, or a drifted one (`salt` is the stand-in's per-process salt).
    static func tag(
        _ formula: ETagFormula, requestHeaders: [(String, String)], body: Data, salt: String
    ) -> String {
        let hex: String
        switch formula {
        case .github:
            hex = Self.hex(requestHeaders: requestHeaders, body: body)
        case .bodyOnly:
            hex = hexString(SHA256.hash(data: body))
        case .salted:
            hex = Self.hex(values: hashedValues(requestHeaders), body: body, salt: salt)
        }
        return "W/\"" + hex + "\""
    }

    private static func hexString(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}

/// How the stand-in computes ETags (`POST /_standin/etag`, `--etag-formula`). Anything but ``github`` is a
/// *drift*: the stand-in still answers its own tags with 304, but a tag a client recomputes with GitHub's formula
/// no longer matches, so a proof comes back 200 with identical bytes.
public enum ETagFormula: String, Sendable, Codable, CaseIterable {
    /// GitHub's observed formula (``StandInETag``).
    case github
    /// SHA-256 of the body alone: the same tag for every token.
    case bodyOnly = "body-only"
    /// GitHub's formula behind a random salt drawn when the server starts: still bound to the token, but no
    /// client can recompute it.
    case salted
}
