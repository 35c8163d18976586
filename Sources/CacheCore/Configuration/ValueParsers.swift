/// Parses a duration in seconds as ghcache accepts it everywhere: `90`, `90s`, `15m`, `2h`, `7d`.
/// Returns `nil` when `text` is not one.
public func parseDuration(_ text: String) -> Int? {
    ValueParsers.seconds(text)
}

/// Parsers for configuration values. Each returns `nil` for a value it does not accept; the
/// caller turns that into an error naming the variable and the value.
enum ValueParsers {
    /// Seconds, as a plain number or with a unit suffix: `90`, `90s`, `15m`, `2h`, `7d`.
    static func seconds(_ text: String) -> Int? {
        let trimmed = text.trimmingWhitespace()
        guard let last = trimmed.last else { return nil }
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        let (digits, multiplier) =
            last.isNumber ? (Substring(trimmed), 1) : (trimmed.dropLast(), units[Character(last.lowercased())] ?? 0)
        guard multiplier > 0, !digits.isEmpty, digits.allSatisfy(\.isASCIIDigitCharacter),
            let value = Int(digits)
        else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }

    /// Seconds with an optional fraction (`1`, `0.5`, `2.5s`), strictly positive.
    static func positiveInterval(_ text: String) -> Double? {
        var trimmed = text.trimmingWhitespace()
        if trimmed.hasSuffix("s") { trimmed.removeLast() }
        guard let value = Double(trimmed), value.isFinite, value > 0, value <= 86400 else { return nil }
        return value
    }

    /// A non-negative integer count.
    static func count(_ text: String) -> Int? {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty, trimmed.allSatisfy(\.isASCIIDigitCharacter) else { return nil }
        return Int(trimmed)
    }

    /// A byte size: `1048576`, `512K`, `256M`, `2G` (binary units, optional trailing `B`/`iB`).
    static func bytes(_ text: String) -> Int? {
        var trimmed = text.trimmingWhitespace().uppercased()
        for suffix in ["IB", "B"] where trimmed.hasSuffix(suffix) {
            trimmed.removeLast(suffix.count)
            break
        }
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var multiplier = 1
        if let last = trimmed.last, let unit = units[last] {
            multiplier = unit
            trimmed.removeLast()
        }
        guard let value = count(trimmed) else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }

    /// `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off` (any case).
    static func bool(_ text: String) -> Bool? {
        switch text.trimmingWhitespace().lowercased() {
        case "true", "1", "yes", "on": true
        case "false", "0", "no", "off": false
        default: nil
        }
    }

    /// A TCP port, 0 (any free port) to 65535.
    static func port(_ text: String) -> Int? {
        guard let value = count(text), value <= 65535 else { return nil }
        return value
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { ("0"..."9").contains(self) }
}

extension StringProtocol {
    /// The string without leading and trailing spaces, tabs and line breaks.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
