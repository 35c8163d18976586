/// A GraphQL request (`POST /graphql` body `{"query", "variables", "operationName"}`) that is certainly a query,
/// in the canonical form its cache key is made of. Anything not certainly a query is a ``Refusal``: the request is
/// then relayed to GitHub and its answer never cached (fail closed).
public struct GraphQLQuery: Sendable, Equatable {
    /// The document, normalised (``GraphQLDocument/normalized``).
    public let document: String
    /// `operationName` as sent (`nil`: absent or `null`).
    public let operationName: String?
    /// The name of the operation that runs (for TTL rules); `nil` for an anonymous one.
    public let runs: String?
    /// `variables` as canonical JSON (`{}` when absent or `null`).
    public let variables: String

    /// Why a request is not cached.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }

        public init(reason: String) { self.reason = reason }
    }

    /// The members a cacheable request body may have.
    static let knownMembers: Set<String> = ["query", "variables", "operationName"]

    /// Classifies a request body: a ``GraphQLQuery`` when it is a JSON object with a string `query` whose document
    /// parses, holds only query operations and has the operation `operationName` selects; a ``Refusal`` naming the
    /// reason otherwise (not JSON, another member such as `extensions`, a mutation or subscription, a syntax error).
    public static func classify(body: some Collection<UInt8>) -> Result<GraphQLQuery, Refusal> {
        let json: CanonicalJSON
        do {
            json = try CanonicalJSON.parse(body)
        } catch {
            return .failure(Refusal(reason: "the body is not JSON (\(error.message) at byte \(error.offset))"))
        }
        guard case .object(let members) = json else { return .failure(Refusal(reason: "the body is not an object")) }
        if let other = members.first(where: { !knownMembers.contains($0.name) }) {
            return .failure(Refusal(reason: "the body has a member \"\(other.name.prefix(40))\""))
        }
        guard case .string(let source) = json["query"] else {
            return .failure(Refusal(reason: "the body has no string \"query\""))
        }
        var operationName: String?
        switch json["operationName"] {
        case nil, .null?: operationName = nil
        case .string(let name)?: operationName = name
        default: return .failure(Refusal(reason: "\"operationName\" is not a string"))
        }
        var variables = "{}"
        switch json["variables"] {
        case nil, .null?: break
        case .object(let members)?: variables = CanonicalJSON.object(members).canonical
        default: return .failure(Refusal(reason: "\"variables\" is not an object"))
        }
        let document: GraphQLDocument
        do {
            document = try GraphQLDocument.parse(source)
        } catch {
            return .failure(Refusal(reason: "the document does not parse: \(error)"))
        }
        guard let operation = document.operation(named: operationName) else {
            return .failure(
                Refusal(
                    reason: operationName.map { "the document has no operation \"\($0.prefix(40))\"" }
                        ?? "the document has several operations and no operationName"))
        }
        guard document.isQueryOnly else {
            let kind = document.operations.first { $0.type != .query }!.type.rawValue
            return .failure(Refusal(reason: "the document contains a \(kind)"))
        }
        return .success(
            GraphQLQuery(
                document: document.normalized, operationName: operationName, runs: operation.name,
                variables: variables))
    }

    /// The cache key: SHA-256 over the token's fingerprint, the request headers that change the answer (`Accept`
    /// selects schema previews, `GraphQL-Features` feature flags), `operationName`, the variables and the document,
    /// each length-prefixed so no two different requests meet. The fingerprint is part of the key: another token
    /// cannot even look the answer up.
    public func key(tokenFingerprint: String, accept: String?, features: String?) -> String {
        var message: [UInt8] = Array("ghcache-graphql-1\n".utf8)
        for part in [
            tokenFingerprint, accept ?? "", features ?? "", operationName.map { "+" + $0 } ?? "-", variables, document,
        ] {
            let bytes = Array(part.utf8)
            message += Array("\(bytes.count):".utf8) + bytes + [0x0A]
        }
        return SHA256Digest.hex(message)
    }
}

/// How long GraphQL answers stay fresh: `CACHE_GRAPHQL_TTL`, and rules by operation name
/// (`CACHE_GRAPHQL_TTL_RULES`, `NAME=SECONDS`, `NAME` may end with `*`; `*` alone matches every operation, also
/// anonymous ones). The first matching rule wins.
public struct GraphQLTTLPolicy: Sendable, Equatable {
    /// The default: 60 s. GraphQL has no validator, so an expired answer cannot be revalidated for free and no
    /// write (a mutation, a REST write, a webhook) can be traced to the answers it changes: the TTL is the only
    /// bound on staleness. A minute keeps that bound as short as the queue-depth rule for REST while repeated
    /// `gh` commands and scripts within a job step still hit.
    public static let defaultSeconds = 60

    /// One rule.
    public struct Rule: Sendable, Equatable, CustomStringConvertible {
        /// An operation name, or a prefix ending with `*`.
        public let pattern: String
        public let seconds: Int

        public var description: String { "\(pattern)=\(seconds)" }

        func matches(_ operation: String?) -> Bool {
            if pattern == "*" { return true }
            guard let operation else { return false }
            if pattern.hasSuffix("*") { return operation.hasPrefix(String(pattern.dropLast())) }
            return operation == pattern
        }
    }

    public var defaultTTL: Int
    public var rules: [Rule]

    public init(defaultTTL: Int = defaultSeconds, rules: [Rule] = []) {
        self.defaultTTL = defaultTTL
        self.rules = rules
    }

    /// The TTL of an answer to the operation named `operation` (`nil`: anonymous).
    public func ttl(operation: String?) -> Int {
        rules.first { $0.matches(operation) }?.seconds ?? defaultTTL
    }

    /// Parses `CACHE_GRAPHQL_TTL_RULES`: `NAME=SECONDS` items separated by commas or white space; `nil` names the
    /// first malformed item.
    public static func parseRules(_ text: String) -> Result<[Rule], TTLRule.RuleSyntaxError> {
        var rules: [Rule] = []
        for item in text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" || $0 == "\t" }) {
            let parts = item.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, let seconds = ValueParsers.seconds(String(parts[1])), isPattern(parts[0]) else {
                return .failure(TTLRule.RuleSyntaxError(rule: String(item)))
            }
            rules.append(Rule(pattern: String(parts[0]), seconds: seconds))
        }
        return .success(rules)
    }

    /// A GraphQL name, optionally ending with `*`, or `*`.
    private static func isPattern(_ text: Substring) -> Bool {
        let name = text.hasSuffix("*") ? text.dropLast() : text
        if name.isEmpty { return text == "*" }
        return name.unicodeScalars.enumerated().allSatisfy { index, scalar in
            scalar == "_" || ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar)
                || (index > 0 && ("0"..."9").contains(scalar))
        }
    }
}
