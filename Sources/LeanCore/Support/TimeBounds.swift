/// Bounds on every duration and time that arrives from outside (settings, flags, request headers, GitHub's
/// headers, peers), applied once where the value is parsed, so that no later arithmetic on it can overflow.
public enum TimeBounds {
    /// The longest duration ghcache accepts anywhere (a TTL, `--max-stale`, `X-GHCache-TTL`): ten years.
    public static let maxSeconds = 10 * 365 * 86400
    /// The latest Unix time taken from GitHub (`x-ratelimit-reset`): 9999-12-31T23:59:59Z.
    public static let maxUnixTime: Double = 253_402_300_799
    /// The longest `Retry-After` honoured: one day. GitHub asks for seconds to minutes; a longer value would lock a
    /// token out of GitHub for longer than any rate-limit window.
    public static let maxRetryAfter: Double = 86400

    /// `value` rounded to whole seconds and clamped to ±`maxSeconds` (0 for NaN): safe to add to a time.
    public static func wholeSeconds(_ value: Double) -> Int {
        guard !value.isNaN else { return 0 }
        return Int(min(max(value.rounded(), -Double(maxSeconds)), Double(maxSeconds)))
    }

    /// `value` rounded toward negative infinity and clamped to `Int` (0 for NaN): for displaying stored times.
    public static func clampedInt(_ value: Double) -> Int {
        guard !value.isNaN else { return 0 }
        // 2^63 is the first Double above Int.max; the largest Double below it converts exactly.
        if value >= 9_223_372_036_854_775_807.0 { return Int.max }
        if value <= -9_223_372_036_854_775_808.0 { return Int.min }
        return Int(value.rounded(.down))
    }

    /// `a + b` saturating at `Int`'s bounds.
    public static func adding(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }
}
