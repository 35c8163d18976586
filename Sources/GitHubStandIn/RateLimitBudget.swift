import Foundation

/// One primary rate-limit bucket (a token, or an unauthenticated client address): `limit` calls per hour.
struct RateLimitBudget: Sendable {
    static let window: TimeInterval = 3600

    let limit: Int
    /// `x-ratelimit-resource`: `core`, or `graphql` (GitHub's separate GraphQL budget).
    let resource: String
    private(set) var used = 0
    private(set) var reset: Date

    init(limit: Int, now: Date, resource: String = "core") {
        self.limit = limit
        self.resource = resource
        self.reset = Timestamps.wholeSeconds(now.addingTimeInterval(Self.window))
    }

    var remaining: Int { max(0, limit - used) }

    /// Starts a new window once the reset time has passed.
    mutating func refill(now: Date) {
        if now >= reset {
            used = 0
            reset = Timestamps.wholeSeconds(now.addingTimeInterval(Self.window))
        }
    }

    /// Charges one call (or `points`, for a GraphQL query).
    mutating func charge(_ points: Int = 1) { used += points }

    /// Spends the whole budget until `until` (the `primary` fault).
    mutating func exhaust(until: Date) {
        used = limit
        reset = Timestamps.wholeSeconds(until)
    }

    /// `x-ratelimit-*` headers with the live numbers.
    var headers: [(String, String)] {
        [
            ("x-ratelimit-limit", "\(limit)"), ("x-ratelimit-remaining", "\(remaining)"),
            ("x-ratelimit-reset", "\(Int(reset.timeIntervalSince1970))"), ("x-ratelimit-used", "\(min(used, limit))"),
            ("x-ratelimit-resource", resource),
        ]
    }

    /// The `core`/`rate` object of `GET /rate_limit`.
    var json: JSONValue {
        [
            "limit": .int(limit), "remaining": .int(remaining), "reset": .int(Int(reset.timeIntervalSince1970)),
            "used": .int(min(used, limit)), "resource": .string(resource),
        ]
    }
}
