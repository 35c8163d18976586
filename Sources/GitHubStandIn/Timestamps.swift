import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Formats and parses the two timestamp forms GitHub uses: HTTP dates (`Last-Modified`, `Date`) and
/// ISO 8601 (`created_at` in bodies). Whole seconds, UTC.
enum Timestamps {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func components(_ date: Date) -> tm {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return parts
    }

    private static func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// `Tue, 19 Sep 2017 15:57:54 GMT`
    static func httpDate(_ date: Date) -> String {
        let p = components(date)
        return "\(weekdays[Int(p.tm_wday)]), \(two(p.tm_mday)) \(months[Int(p.tm_mon)]) \(p.tm_year + 1900) "
            + "\(two(p.tm_hour)):\(two(p.tm_min)):\(two(p.tm_sec)) GMT"
    }

    /// `2017-09-19T15:57:54Z`
    static func iso8601(_ date: Date) -> String {
        let p = components(date)
        return "\(p.tm_year + 1900)-\(two(p.tm_mon + 1))-\(two(p.tm_mday))T"
            + "\(two(p.tm_hour)):\(two(p.tm_min)):\(two(p.tm_sec))Z"
    }

    /// Parses an IMF-fixdate (`Tue, 19 Sep 2017 15:57:54 GMT`); anything else yields `nil`.
    static func parseHTTPDate(_ text: String) -> Date? {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 6, fields[5] == "GMT",
            let day = Int32(fields[1]), let monthIndex = months.firstIndex(of: String(fields[2])),
            let year = Int32(fields[3])
        else { return nil }
        let clock = fields[4].split(separator: ":")
        guard clock.count == 3, let hour = Int32(clock[0]), let minute = Int32(clock[1]),
            let second = Int32(clock[2]), (1...31).contains(day), (0...23).contains(hour),
            (0...59).contains(minute), (0...60).contains(second), (1970...9999).contains(year)
        else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = Int32(monthIndex)
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    /// `date` truncated to whole seconds, the resolution of HTTP dates.
    static func wholeSeconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }
}
