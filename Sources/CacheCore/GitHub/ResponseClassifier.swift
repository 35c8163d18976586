import Foundation

/// What a GitHub answer means for the cache (DESIGN §3).
enum ResponseKind: Equatable {
    /// 2xx: store and serve.
    case success
    /// 304: the stored copy is current.
    case notModified
    /// Secondary rate limit (403/429 with `Retry-After` or a "secondary rate limit" message).
    case secondaryRateLimit(retryAfter: Double?)
    /// Primary rate limit spent (403/429 with `x-ratelimit-remaining: 0`).
    case primaryRateLimit(reset: Double?)
    /// 5xx: GitHub is failing; serve stale if possible.
    case serverError(retryAfter: Double?)
    /// Any other status: the request itself is wrong or forbidden; never served stale.
    case clientError
}

enum ResponseClassifier {
    static func classify(_ response: GitHubResponse, now: Double) -> ResponseKind {
        let retryAfter = response.headers["retry-after"].flatMap { parseRetryAfter($0, now: now) }
        switch response.status {
        case 200..<300: return .success
        case 304: return .notModified
        case 403, 429:
            let message = githubMessage(response.body)?.lowercased() ?? ""
            if message.contains("secondary rate limit") || message.contains("abuse") || retryAfter != nil {
                return .secondaryRateLimit(retryAfter: retryAfter)
            }
            if response.headers["x-ratelimit-remaining"] == "0" {
                // A reset further away than a day is not GitHub's hourly window: wait a day at most.
                let reset = response.headers["x-ratelimit-reset"].flatMap(ValueParsers.unixTime)
                return .primaryRateLimit(reset: reset.map { min($0, now + TimeBounds.maxRetryAfter) })
            }
            return response.status == 429 ? .secondaryRateLimit(retryAfter: nil) : .clientError
        case 500..<600: return .serverError(retryAfter: retryAfter)
        default: return .clientError
        }
    }

    /// The rate-limit headers of a live response, if present.
    static func rateLimit(_ response: GitHubResponse, now: Double) -> RateLimitSnapshot? {
        guard let remaining = response.headers["x-ratelimit-remaining"].flatMap(ValueParsers.count) else { return nil }
        return RateLimitSnapshot(
            remaining: remaining, limit: response.headers["x-ratelimit-limit"].flatMap(ValueParsers.count),
            reset: response.headers["x-ratelimit-reset"].flatMap(ValueParsers.unixTime),
            resource: response.headers["x-ratelimit-resource"], observedAt: now)
    }

    /// Seconds to wait from `now`: `Retry-After` as delta-seconds or an HTTP date, at most
    /// `TimeBounds.maxRetryAfter`.
    static func parseRetryAfter(_ value: String, now: Double) -> Double? {
        let trimmed = value.trimmingWhitespace()
        if let seconds = ValueParsers.retryAfterSeconds(trimmed) { return seconds }
        guard let date = httpDate(trimmed) else { return nil }
        let wait = date - now
        return wait.isFinite ? min(max(0, wait), TimeBounds.maxRetryAfter) : nil
    }

    /// An HTTP date (`Date`, `Retry-After`: `Sun, 06 Dec 2026 10:00:00 GMT`) as Unix seconds.
    static func httpDate(_ text: String) -> Double? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text.trimmingWhitespace())?.timeIntervalSince1970
    }

    /// The `message` of a GitHub error body, if it is one.
    static func githubMessage(_ body: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        return object["message"] as? String
    }

    /// "GitHub answered 404 Not Found for /repos/x/y: Not Found".
    static func describe(_ response: GitHubResponse, target: RequestTarget) -> String {
        let reason = HTTPStatusText.reason(response.status)
        let message = githubMessage(response.body).map { ": \($0)" } ?? ""
        return "GitHub answered \(response.status)\(reason.isEmpty ? "" : " " + reason) for \(target)\(message)"
    }
}

/// Reason phrases for the statuses GitHub uses.
enum HTTPStatusText {
    static func reason(_ status: Int) -> String {
        switch status {
        case 301: "Moved Permanently"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 409: "Conflict"
        case 410: "Gone"
        case 422: "Unprocessable Entity"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: ""
        }
    }
}

/// `2025-01-31T12:00:00Z`: a time for messages.
func formatTime(_ unixSeconds: Double) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
    return formatter.string(from: Date(timeIntervalSince1970: unixSeconds))
}

extension RateLimitSnapshot {
    /// The rate-limit headers of a live response, if it has them (for the local endpoint's pass-through).
    public init?(liveHeadersOf response: GitHubResponse, now: Double) {
        guard let snapshot = ResponseClassifier.rateLimit(response, now: now) else { return nil }
        self = snapshot
    }
}
