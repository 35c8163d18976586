/// A path pattern with optional query conditions, e.g. `/repos/*/*/actions/runs?status=queued`.
///
/// `*` matches exactly one path segment, a final `**` matches any number of segments (also none),
/// and each `name=value` after `?` must be present in the request's query (`name=*`: any value).
public struct PathPattern: Sendable, Equatable, CustomStringConvertible {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case one
        case rest
    }

    let segments: [Segment]
    let query: [(name: String, value: String)]
    /// The pattern as written.
    public let description: String

    /// Parses a pattern; `nil` when it does not start with `/` or has `**` before the end. (Works on UTF-8 bytes:
    /// `ghcache-get`'s hit parses the built-in rules at every start.)
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.first == UInt8(ascii: "/"),
            !bytes.contains(where: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })
        else { return nil }
        let question = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.count
        let string = { (piece: ArraySlice<UInt8>) in String(decoding: piece, as: UTF8.self) }
        let pathSegments = bytes[..<question].split(separator: UInt8(ascii: "/")).map { piece -> Segment in
            switch string(piece) {
            case "*": .one
            case "**": .rest
            case let literal: .literal(literal)
            }
        }
        if let restIndex = pathSegments.firstIndex(of: .rest), restIndex != pathSegments.count - 1 { return nil }
        var conditions: [(name: String, value: String)] = []
        if question < bytes.count {
            for item in bytes[(question + 1)...].split(separator: UInt8(ascii: "&")) {
                let pair = item.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
                guard pair.count == 2, !pair[0].isEmpty else { return nil }
                conditions.append((string(pair[0]), string(pair[1])))
            }
        }
        segments = pathSegments
        query = conditions
        description = text
    }

    /// Whether the pattern names exactly one request (no `*` or `**`, no `name=*` condition): it can be fetched as
    /// it is written.
    public var isConcrete: Bool {
        segments.allSatisfy { if case .literal = $0 { true } else { false } } && query.allSatisfy { $0.value != "*" }
    }

    /// Whether a request for `path` with `query` matches this pattern.
    public func matches(path: String, query requestQuery: [(name: String, value: String)]) -> Bool {
        let requestSegments = path.split(separator: "/")
        var index = 0
        for segment in segments {
            switch segment {
            case .rest:
                index = requestSegments.count
            case .one:
                guard index < requestSegments.count else { return false }
                index += 1
            case .literal(let literal):
                guard index < requestSegments.count, requestSegments[index] == literal else { return false }
                index += 1
            }
        }
        guard index == requestSegments.count else { return false }
        return query.allSatisfy { condition in
            requestQuery.contains {
                $0.name == condition.name && (condition.value == "*" || $0.value == condition.value)
            }
        }
    }

    /// Parses a list of patterns separated by commas or spaces (`CACHE_PREWARM`); a failure names the first
    /// item that is no pattern.
    public static func parseList(_ text: String) -> Result<[PathPattern], TTLRule.RuleSyntaxError> {
        var patterns: [PathPattern] = []
        for item in ValueParsers.listItems(
            text.split(separator: " ", omittingEmptySubsequences: false).joined(separator: ","))
        {
            guard let pattern = PathPattern(item) else { return .failure(TTLRule.RuleSyntaxError(rule: item)) }
            patterns.append(pattern)
        }
        return .success(patterns)
    }

    public static func == (lhs: PathPattern, rhs: PathPattern) -> Bool { lhs.description == rhs.description }
}

/// One TTL rule: requests matching `pattern` stay fresh for `seconds`.
public struct TTLRule: Sendable, Equatable, CustomStringConvertible {
    /// Which requests the rule applies to.
    public let pattern: PathPattern
    /// How long a matching response stays fresh; 0 means "always revalidate".
    public let seconds: Int

    /// Creates a rule.
    public init(pattern: PathPattern, seconds: Int) {
        self.pattern = pattern
        self.seconds = seconds
    }

    public var description: String { "\(pattern)=\(seconds)" }

    /// Parses `CACHE_TTL_RULES`: rules `PATTERN=SECONDS` separated by commas or white space, e.g.
    /// `/repos/*/*/actions/runs=30, /orgs/*/actions/runners=120`. The last `=` separates the
    /// seconds, so query conditions work: `/repos/*/*/actions/runs?status=queued=15`.
    /// A malformed rule gives a failure naming it.
    public static func parseList(_ text: String) -> Result<[TTLRule], RuleSyntaxError> {
        var rules: [TTLRule] = []
        for item in text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" || $0 == "\t" }) {
            guard let equals = item.lastIndex(of: "="),
                let pattern = PathPattern(String(item[..<equals])),
                let seconds = ValueParsers.seconds(String(item[item.index(after: equals)...]))
            else { return .failure(RuleSyntaxError(rule: String(item))) }
            rules.append(TTLRule(pattern: pattern, seconds: seconds))
        }
        return .success(rules)
    }

    /// A rule that could not be parsed.
    public struct RuleSyntaxError: Error, Sendable, Equatable {
        /// The rule as written.
        public let rule: String

        /// Creates an error for `rule`.
        public init(rule: String) { self.rule = rule }
    }
}

/// Chooses the time-to-live of a request: the user's rules first (first match wins), then the
/// built-in table of DESIGN §3, then `CACHE_DEFAULT_TTL`.
public struct TTLPolicy: Sendable, Equatable {
    /// Rules from `CACHE_TTL_RULES`, checked before the built-in ones.
    public var userRules: [TTLRule]
    /// TTL for requests that no rule matches.
    public var defaultTTL: Int

    /// Creates a policy.
    public init(userRules: [TTLRule] = [], defaultTTL: Int = 300) {
        self.userRules = userRules
        self.defaultTTL = defaultTTL
    }

    /// The built-in table (DESIGN §3). `/rate_limit` is never served from the cache while GitHub
    /// answers: it costs no rate limit, and a cached copy would mislead.
    public static let builtInRules: [TTLRule] = [
        ("/users/*/repos", 600), ("/orgs/*/repos", 600), ("/user/repos", 600), ("/installation/repositories", 600),
        ("/repos/*/*/actions/runs?status=queued", 60), ("/repos/*/*/actions/workflows/*/runs?status=queued", 60),
        ("/repos/*/*/actions/runs/**", 120), ("/repos/*/*/actions/workflows/*/runs", 120),
        ("/repos/*/*/actions/runners", 300), ("/orgs/*/actions/runners", 300),
        ("/rate_limit", 0),
    ].compactMap { text, seconds in PathPattern(text).map { TTLRule(pattern: $0, seconds: seconds) } }

    /// The TTL in seconds for a request.
    public func ttl(path: String, query: [(name: String, value: String)]) -> Int {
        for rule in userRules where rule.pattern.matches(path: path, query: query) { return rule.seconds }
        for rule in Self.builtInRules where rule.pattern.matches(path: path, query: query) { return rule.seconds }
        return defaultTTL
    }
}

extension SettingSources {
    /// The TTL policy these settings give: `CACHE_TTL_RULES` and `CACHE_DEFAULT_TTL` (300 s when unset).
    public func ttlPolicy() throws(UsageProblem) -> TTLPolicy {
        let defaultTTL = try value(.defaultTTL, "a number of seconds", ValueParsers.seconds) ?? 300
        var rules: [TTLRule] = []
        if let (text, source) = raw(.ttlRules) {
            switch TTLRule.parseList(text) {
            case .success(let parsed): rules = parsed
            case .failure(let error):
                throw UsageProblem(
                    "CACHE_TTL_RULES=\(text) (from \(source)): \"\(error.rule)\" is not a rule PATTERN=SECONDS "
                        + "such as /repos/*/*/actions/runs=30")
            }
        }
        return TTLPolicy(userRules: rules, defaultTTL: defaultTTL)
    }
}
