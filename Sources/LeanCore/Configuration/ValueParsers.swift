#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Parses a duration in seconds as ghcache accepts it everywhere: `90`, `90s`, `15m`, `2h`, `7d`.
/// Returns `nil` when `text` is not one.
public func parseDuration(_ text: String) -> Int? {
    ValueParsers.seconds(text)
}

/// Parsers for configuration values. Each returns `nil` for a value it does not accept; the
/// caller turns that into an error naming the variable and the value.
public enum ValueParsers {
    /// Seconds, as a plain number or with a unit suffix: `90`, `90s`, `15m`, `2h`, `7d`; at most
    /// `TimeBounds.maxSeconds` (ten years), so that a time plus such a duration never overflows.
    public static func seconds(_ text: String) -> Int? {
        let trimmed = text.trimmingWhitespace()
        guard let last = trimmed.last else { return nil }
        let unit: Int =
            switch last.lowercased() {
            case "s": 1
            case "m": 60
            case "h": 3600
            case "d": 86400
            default: 0
            }
        let (digits, multiplier) = last.isNumber ? (Substring(trimmed), 1) : (trimmed.dropLast(), unit)
        guard multiplier > 0, !digits.isEmpty, digits.allSatisfy(\.isASCIIDigitCharacter),
            let value = Int(digits)
        else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow || product > TimeBounds.maxSeconds ? nil : product
    }

    /// A Unix time as GitHub sends it (`x-ratelimit-reset: 1733580000`): whole seconds, 0 to year 9999.
    public static func unixTime(_ text: String) -> Double? {
        guard let value = count(text), Double(value) <= TimeBounds.maxUnixTime else { return nil }
        return Double(value)
    }

    /// `Retry-After` as delta-seconds (`60`, `1.5`): finite, not negative, capped at `TimeBounds.maxRetryAfter`.
    public static func retryAfterSeconds(_ text: String) -> Double? {
        guard let value = Double(text.trimmingWhitespace()), value.isFinite, value >= 0 else { return nil }
        return min(value, TimeBounds.maxRetryAfter)
    }

    /// Seconds with an optional fraction (`1`, `0.5`, `2.5s`), strictly positive.
    public static func positiveInterval(_ text: String) -> Double? {
        var trimmed = text.trimmingWhitespace()
        if trimmed.hasSuffix("s") { trimmed.removeLast() }
        guard let value = Double(trimmed), value.isFinite, value > 0, value <= 86400 else { return nil }
        return value
    }

    /// A non-negative integer count.
    public static func count(_ text: String) -> Int? {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty, trimmed.allSatisfy(\.isASCIIDigitCharacter) else { return nil }
        return Int(trimmed)
    }

    /// A byte size: `1048576`, `512K`, `256M`, `2G` (binary units, optional trailing `B`/`iB`).
    public static func bytes(_ text: String) -> Int? {
        var trimmed = text.trimmingWhitespace().uppercased()
        for suffix in ["IB", "B"] where trimmed.hasSuffix(suffix) {
            trimmed.removeLast(suffix.count)
            break
        }
        let shifts: [(unit: Character, shift: Int)] = [("K", 10), ("M", 20), ("G", 30), ("T", 40)]
        var multiplier = 1
        if let last = trimmed.last, let unit = shifts.first(where: { $0.unit == last }) {
            multiplier = 1 << unit.shift
            trimmed.removeLast()
        }
        guard let value = count(trimmed) else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }

    /// `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off` (any case).
    public static func bool(_ text: String) -> Bool? {
        switch text.trimmingWhitespace().lowercased() {
        case "true", "1", "yes", "on": true
        case "false", "0", "no", "off": false
        default: nil
        }
    }

    /// An IPv4 or IPv6 address, trimmed.
    public static func ipAddress(_ text: String) -> String? {
        var ipv4 = in_addr()
        var ipv6 = in6_addr()
        let trimmed = text.trimmingWhitespace()
        return inet_pton(AF_INET, trimmed, &ipv4) == 1 || inet_pton(AF_INET6, trimmed, &ipv6) == 1 ? trimmed : nil
    }

    /// The non-empty items of a comma-separated list, trimmed.
    public static func listItems(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    /// An `http(s)://HOST[:PORT][/PATH]` URL made of plain characters only (letters, digits, `.-_~/`), without its
    /// trailing slashes; `nil` for anything else. Every such URL is one `GITHUB_API_URL` accepts; `ghcache-get`'s lean
    /// hit path, which has no URL parser, leaves any other value to the full program to judge.
    public static func plainHTTPURL(_ text: String) -> String? {
        var trimmed = text.trimmingWhitespace()
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        let lower = trimmed.lowercased()
        let prefix = lower.hasPrefix("https://") ? "https://" : lower.hasPrefix("http://") ? "http://" : nil
        guard let prefix else { return nil }
        let rest = trimmed.dropFirst(prefix.count)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        let hostAndPort = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let isHostCharacter: (Character) -> Bool = {
            $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-")
        }
        guard let host = hostAndPort.first, !host.isEmpty, host.allSatisfy(isHostCharacter),
            hostAndPort.count == 1 || (hostAndPort[1].count <= 5 && (port(String(hostAndPort[1])) ?? 0) > 0),
            path.allSatisfy({ isHostCharacter($0) || $0 == "/" || $0 == "_" || $0 == "~" })
        else { return nil }
        return trimmed
    }

    /// A secret (token, fleet or webhook secret) as given, refused when it has a control character: a token read
    /// from a file with Windows line endings ends in a carriage return, which would otherwise reach a header.
    public static func secret(_ text: String) -> String? {
        Redaction.hasControlCharacter(text) ? nil : text
    }

    /// A GitHub App's application ID (`123456`) or client ID (`Iv23liAbC…`): letters, digits, `.`, `_` and `-`.
    public static func appIdentifier(_ text: String) -> String? {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty, trimmed.utf8.count <= 100,
            trimmed.unicodeScalars.allSatisfy({ isASCIIAlphanumeric($0) || "._-".unicodeScalars.contains($0) })
        else { return nil }
        return trimmed
    }

    private static func isASCIIAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    /// A count of at least 1 (an installation ID).
    public static func positiveCount(_ text: String) -> Int? {
        guard let value = count(text), value > 0 else { return nil }
        return value
    }

    /// A GitHub user or organisation login: letters, digits and single inner hyphens, at most 39 characters.
    public static func githubLogin(_ text: String) -> String? {
        let trimmed = text.trimmingWhitespace()
        guard (1...39).contains(trimmed.utf8.count), !trimmed.hasPrefix("-"), !trimmed.hasSuffix("-"),
            !trimmed.contains("--"),
            trimmed.unicodeScalars.allSatisfy({ isASCIIAlphanumeric($0) || $0 == "-" })
        else { return nil }
        return trimmed
    }

    /// A file path: not empty, no control characters (surrounding white space is trimmed).
    public static func path(_ text: String) -> String? {
        let trimmed = text.trimmingWhitespace()
        return trimmed.isEmpty || Redaction.hasControlCharacter(trimmed) ? nil : trimmed
    }

    /// A TCP port, 0 (any free port) to 65535.
    public static func port(_ text: String) -> Int? {
        guard let value = count(text), value <= 65535 else { return nil }
        return value
    }
}

extension Character {
    /// Whether this is one of `0`-`9`.
    public var isASCIIDigitCharacter: Bool { ("0"..."9").contains(self) }
}

extension StringProtocol {
    /// The string without leading and trailing spaces, tabs and line breaks.
    public func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
