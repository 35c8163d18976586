/// Counters of API requests received (control calls under `/_standin/` are not counted).
public struct StandInStats: Sendable, Codable, Equatable {
    /// Counts for one request URI.
    public struct PathCounts: Sendable, Codable, Equatable {
        public var charged = 0
        public var notCharged = 0

        enum CodingKeys: String, CodingKey {
            case charged
            case notCharged = "not_charged"
        }
    }

    /// Requests that lowered a primary rate-limit budget.
    public var charged = 0
    /// Requests that did not (304s, `/rate_limit`, 401s, rate-limited and faulted answers).
    public var notCharged = 0
    /// Every API request received: `charged + notCharged`.
    public var total = 0
    /// API requests received without an `Authorization` header.
    public var anonymous = 0
    /// Counts by request URI as received (path and query).
    public var byPath: [String: PathCounts] = [:]

    /// All counters zero.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case charged
        case notCharged = "not_charged"
        case total, anonymous
        case byPath = "by_path"
    }

    /// The counts for `uri` (zero when never requested).
    public func counts(for uri: String) -> PathCounts { byPath[uri] ?? PathCounts() }

    mutating func record(uri: String, charged isCharged: Bool) {
        total += 1
        if isCharged {
            charged += 1
            byPath[uri, default: PathCounts()].charged += 1
        } else {
            notCharged += 1
            byPath[uri, default: PathCounts()].notCharged += 1
        }
    }
}
