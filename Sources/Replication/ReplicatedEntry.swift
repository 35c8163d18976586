import Foundation

/// One cache entry as it travels between peers: a GitHub response and the request that identifies it.
///
/// Times are kept at millisecond precision (the envelope's resolution), so an entry equals itself after a round
/// trip. The content ID is computed from the body here, never taken on trust.
public struct ReplicatedEntry: Sendable, Equatable {
    /// Response headers that travel with an entry (lower case). Rate-limit headers never do.
    public static let replicatedHeaders: Set<String> = ["content-type", "link", "last-modified", "etag"]

    /// The store's cache key (method, normalised URL, Accept, API version; never a token).
    public var key: String
    /// The HTTP method (always `GET`: nothing else is cached).
    public var method: String
    /// The normalised path and sorted query, e.g. `/repos/octo/hello/actions/runs?status=queued`.
    public var url: String
    /// The request's `Accept` header (empty when none).
    public var accept: String
    /// The request's `X-GitHub-Api-Version`, if any.
    public var apiVersion: String?
    /// The HTTP status of the cached response (2xx or 3xx).
    public var status: Int
    /// The selected response headers (``replicatedHeaders``), names in lower case.
    public private(set) var headers: [String: String]
    /// The exact response body bytes.
    public private(set) var body: Data
    /// CIDv1 (raw, sha2-256, base32) of ``body``.
    public private(set) var cid: String
    /// When the response was fetched from GitHub, in Unix milliseconds.
    public var fetchedAtMilliseconds: Int64
    /// When the entry stops being fresh, in Unix milliseconds.
    public var expiresAtMilliseconds: Int64
    /// The peer ID (`12D3KooW…`) of the peer that fetched it from GitHub.
    public var originPeer: String

    /// An entry; headers outside ``replicatedHeaders`` are dropped and times rounded to milliseconds.
    public init(
        key: String, method: String = "GET", url: String, accept: String, apiVersion: String?, status: Int,
        headers: [String: String], body: Data, fetchedAt: Date, expiresAt: Date, originPeer: String
    ) {
        self.init(
            key: key, method: method, url: url, accept: accept, apiVersion: apiVersion, status: status,
            headers: headers, body: body, fetchedAtMilliseconds: Self.milliseconds(fetchedAt),
            expiresAtMilliseconds: Self.milliseconds(expiresAt), originPeer: originPeer)
    }

    /// An entry with times in Unix milliseconds; headers outside ``replicatedHeaders`` are dropped.
    public init(
        key: String, method: String = "GET", url: String, accept: String, apiVersion: String?, status: Int,
        headers: [String: String], body: Data, fetchedAtMilliseconds: Int64, expiresAtMilliseconds: Int64,
        originPeer: String
    ) {
        self.key = key
        self.method = method
        self.url = url
        self.accept = accept
        self.apiVersion = apiVersion
        self.status = status
        self.headers = Self.selectHeaders(headers)
        self.body = body
        self.cid = ContentID.of(body)
        self.fetchedAtMilliseconds = fetchedAtMilliseconds
        self.expiresAtMilliseconds = expiresAtMilliseconds
        self.originPeer = originPeer
    }

    /// When the response was fetched from GitHub.
    public var fetchedAt: Date { Date(timeIntervalSince1970: Double(fetchedAtMilliseconds) / 1000) }
    /// When the entry stops being fresh.
    public var expiresAt: Date { Date(timeIntervalSince1970: Double(expiresAtMilliseconds) / 1000) }

    /// Replaces the body (and with it the CID).
    public mutating func setBody(_ body: Data) {
        self.body = body
        self.cid = ContentID.of(body)
    }

    /// Keeps only the replicated headers, with lower-case names.
    static func selectHeaders(_ headers: [String: String]) -> [String: String] {
        var selected: [String: String] = [:]
        for (name, value) in headers where replicatedHeaders.contains(name.lowercased()) {
            selected[name.lowercased()] = value
        }
        return selected
    }

    /// Unix milliseconds of a date, rounded to nearest and clamped to `Int64`.
    static func milliseconds(_ date: Date) -> Int64 {
        Int64(exactly: (date.timeIntervalSince1970 * 1000).rounded()) ?? (date.timeIntervalSince1970 < 0 ? .min : .max)
    }
}
