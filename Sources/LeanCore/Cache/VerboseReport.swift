#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `--verbose` line of one answer, on stderr after `ghcache: `, e.g.
/// `HIT local /users/octo/repos (age 3 s, ttl 600 s); rate limit 4999/5000 remaining, resets 2026-12-04T19:00:00Z
/// (last seen 5 s ago)`. One function for the full program and the lean hit path.
public enum VerboseReport {
    /// The line for an answer served from `servedFrom`, `age` seconds old under `ttl`; with GitHub's `live` rate limit
    /// when this lookup asked GitHub, else the `last` one the store kept (and how long ago, at `now`, it was seen).
    public static func line(
        _ servedFrom: ServedFrom, target: String, age: Double, ttl: Int, live: RateLimitSnapshot?,
        last: RateLimitSnapshot?, now: Double
    ) -> String {
        var line = "\(servedFrom.label) \(target) (age \(seconds(age)), ttl \(ttl) s)"
        if let live {
            line += "; rate limit \(describe(live))"
        } else if let last {
            line += "; rate limit \(describe(last)) (last seen \(seconds(now - last.observedAt)) ago)"
        }
        return line
    }

    private static func describe(_ limit: RateLimitSnapshot) -> String {
        let total = limit.limit.map { "/\($0)" } ?? ""
        let reset = limit.reset.map { ", resets \(iso8601($0))" } ?? ""
        return "\(limit.remaining)\(total) remaining\(reset)"
    }

    private static func seconds(_ value: Double) -> String { "\(TimeBounds.clampedInt(value.rounded())) s" }

    /// `2026-12-04T19:00:00Z` (UTC, whole seconds).
    static func iso8601(_ unix: Double) -> String {
        var time = time_t(TimeBounds.clampedInt(unix))
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}
