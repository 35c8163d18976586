import ArgumentParser
import CacheCore
import Foundation

/// `ghcache-get graphql -f query=… [-F name=value]…`: a GraphQL query through the cache, like `gh api graphql`.
struct GraphQLCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "graphql",
        abstract: "Run a GraphQL query through the cache, like `gh api graphql` (kept for this token only).",
        discussion: """
            The query is the field `query`; `operationName` selects an operation; every other field is a \
            variable. -f gives a string; -F gives a typed value: true, false, null and whole numbers become \
            JSON literals, @FILE reads the value from FILE (@- from standard input), anything else is a string.

            A document that holds only queries is answered from the cache when this same token asked the same \
            document (comments and white space aside), variables and operationName within CACHE_GRAPHQL_TTL \
            (default 60 s; CACHE_GRAPHQL_TTL_RULES sets it per operation name, --ttl per request). Answers are \
            kept under the token's fingerprint and never served to another token. Mutations, subscriptions, \
            documents that do not parse, answers with "errors" and non-200 answers are never cached. The answer \
            body is printed as GitHub sent it; an answer with errors exits 1 after printing it.

            EXAMPLES
              $ ghcache-get graphql -f query='query { viewer { login } }'
              $ ghcache-get graphql -F owner=octo-org -F name=app \\
                  -f query='query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { id } }'
              $ ghcache-get graphql -F query=@issues.graphql -F first=50 --ttl 300
            """)

    @Option(
        name: [.customShort("f"), .customLong("raw-field")],
        help: ArgumentHelp("A string field: query, operationName or a variable.", valueName: "key=value"))
    var rawFields: [String] = []

    @Option(
        name: [.customShort("F"), .customLong("field")],
        help: ArgumentHelp(
            "A typed field: true, false, null, whole numbers as JSON; @FILE read from FILE.", valueName: "key=value"))
    var typedFields: [String] = []

    @Option(
        name: [.customShort("H"), .customLong("header")],
        help: ArgumentHelp(
            "Request header: only Accept and GraphQL-Features (they are part of the cache key).",
            valueName: "name: value"))
    var headers: [String] = []

    @OptionGroup var options: GetOptions

    func validate() throws {
        if options.paginate { throw ValidationError("--paginate is not supported for graphql") }
        _ = try parsedHeaders()
        guard (rawFields + typedFields).contains(where: { $0.hasPrefix("query=") }) else {
            throw ValidationError("a query is needed: -f query='query { viewer { login } }'")
        }
    }

    func run(in context: CommandContext) async throws {
        let session = try GetSession(options, context: context)
        let extra = try parsedHeaders()
        var headers = [
            ("User-Agent", "ghcache/\(GHCacheVersion.current)"), ("Content-Type", "application/json; charset=utf-8"),
            ("Accept", extra["accept"] ?? "application/vnd.github+json"),
        ]
        if let features = extra["graphql-features"] { headers.append(("GraphQL-Features", features)) }
        let post = GraphQLPost(
            url: GraphQLEndpoint.url(apiBase: session.client.configuration.apiURL.absoluteString), headers: headers,
            body: try requestBody())
        let answer = try await session.run { () async throws(GHCacheError) -> GraphQLAnswer in
            try await session.client.graphQL(post, options: session.options)
        }
        if options.verbose {
            let reason = answer.uncachedBecause.map { ", not cached: \($0)" } ?? ""
            context.output.stderr(
                "graphql: \(answer.outcome.rawValue) (HTTP \(answer.response.status), age \(Int(answer.age))s)\(reason)"
            )
        }
        let body = answer.response.body
        guard answer.response.status == 200 else {
            throw GHCacheError(
                "GitHub answered \(answer.response.status) to the GraphQL request: "
                    + String(decoding: body.prefix(300), as: UTF8.self), exitStatus: .githubError)
        }
        context.output.body(body)
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let errors = object["errors"] as? [[String: Any]], !errors.isEmpty
        {
            let first = (errors[0]["message"] as? String) ?? "an error"
            throw GHCacheError("GitHub answered the GraphQL request with errors: \(first)", exitStatus: .githubError)
        }
    }

    /// `{"query": …, "operationName": …, "variables": {…}}` from the fields (a later field of a name wins).
    func requestBody() throws -> Data {
        var query: Any?
        var operationName: Any?
        var variables: [String: Any] = [:]
        let fields =
            try rawFields.map { (try split($0, flag: "-f"), false) }
            + typedFields.map { (try split($0, flag: "-F"), true) }
        for ((name, text), typed) in fields {
            let value: Any = typed ? try Self.typed(text) : text
            switch name {
            case "query": query = value
            case "operationName": operationName = value
            default: variables[name] = value
            }
        }
        var object: [String: Any] = ["query": query ?? ""]
        if let operationName { object["operationName"] = operationName }
        if !variables.isEmpty { object["variables"] = variables }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    private func split(_ field: String, flag: String) throws -> (String, String) {
        guard let equals = field.firstIndex(of: "="), equals != field.startIndex else {
            throw ValidationError("\(flag) \(field): expected key=value")
        }
        return (String(field[..<equals]), String(field[field.index(after: equals)...]))
    }

    /// A `-F` value as `gh api` reads it.
    static func typed(_ text: String) throws -> Any {
        switch text {
        case "true": return true
        case "false": return false
        case "null": return NSNull()
        default: break
        }
        if let number = Int(text) { return number }
        if text.hasPrefix("@") {
            let path = String(text.dropFirst())
            let data =
                path == "-"
                ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: path)
            guard let data, let contents = String(data: data, encoding: .utf8) else {
                throw GHCacheError("cannot read \(path) (for -F …=@\(path))", exitStatus: .usage)
            }
            return contents
        }
        return text
    }

    private func parsedHeaders() throws -> [String: String] {
        try RequestArguments.headers(headers, allowed: (["accept", "graphql-features"], "Accept and GraphQL-Features"))
            .mapError { ValidationError($0.message) }.get()
    }
}
