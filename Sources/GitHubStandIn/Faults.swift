import Foundation

/// A fault to inject into API responses whose request URI (path and query) starts with `pathPrefix`
/// (`POST /_standin/faults`).
public struct FaultSpec: Sendable, Codable, Equatable {
    /// What the fault does to a matching request.
    public enum Kind: String, Sendable, Codable {
        /// Answer `status` (default 500) with a GitHub-like error body.
        case status
        /// Answer a secondary rate limit: 403 (or `status` 429) with `Retry-After` and the recorded message.
        case secondary
        /// Accept the request and never answer (or answer normally after `ms`).
        case hang
        /// Delay the normal answer by `ms`.
        case latency
        /// Close the TCP connection (RST) without answering.
        case reset
        /// Spend the requesting token's primary budget: remaining 0 until `retryAfter` seconds from now.
        case primary
    }

    public var pathPrefix: String
    public var kind: Kind
    public var status: Int?
    /// How many matching requests the fault applies to; `-1` until `POST /_standin/reset`. Default 1.
    public var count: Int?
    public var ms: Int?
    public var retryAfter: Int?

    enum CodingKeys: String, CodingKey {
        case pathPrefix = "path_prefix"
        case kind, status, count, ms
        case retryAfter = "retry_after"
    }

    /// A fault; see the properties for the meaning of each value.
    public init(
        pathPrefix: String, kind: Kind, status: Int? = nil, count: Int? = nil, ms: Int? = nil, retryAfter: Int? = nil
    ) {
        self.pathPrefix = pathPrefix
        self.kind = kind
        self.status = status
        self.count = count
        self.ms = ms
        self.retryAfter = retryAfter
    }

    /// Checks the values, with a message naming the bad field.
    func validated() throws -> FaultSpec {
        func fail(_ message: String) -> StandInError { .badControlRequest("invalid fault: \(message)") }
        guard pathPrefix.hasPrefix("/") else { throw fail("path_prefix must start with /") }
        if let count, count < -1 || count == 0 { throw fail("count must be -1 or positive, got \(count)") }
        if let ms, ms < 0 || ms > 600_000 { throw fail("ms must be in 0...600000, got \(ms)") }
        if let retryAfter, retryAfter < 0 || retryAfter > 86_400 {
            throw fail("retry_after must be in 0...86400, got \(retryAfter)")
        }
        switch kind {
        case .status:
            if let status, !(400...599).contains(status) { throw fail("status must be in 400...599, got \(status)") }
        case .secondary:
            if let status, status != 403 && status != 429 { throw fail("secondary status must be 403 or 429") }
        case .latency:
            if ms == nil { throw fail("latency needs ms") }
        case .hang, .reset, .primary:
            break
        }
        return self
    }
}

/// A fault as stored by the server, with the matches it has left.
struct ActiveFault: Sendable {
    var id: Int
    var spec: FaultSpec
    var remaining: Int

    var json: JSONValue {
        var members: [String: JSONValue] = [
            "id": .int(id), "path_prefix": .string(spec.pathPrefix), "kind": .string(spec.kind.rawValue),
            "remaining": .int(remaining),
        ]
        if let status = spec.status { members["status"] = .int(status) }
        if let ms = spec.ms { members["ms"] = .int(ms) }
        if let retryAfter = spec.retryAfter { members["retry_after"] = .int(retryAfter) }
        return .object(members)
    }
}
