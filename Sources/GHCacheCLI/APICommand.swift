import ArgumentParser
import CacheCore

/// `ghcache-get api PATH [-f key=value]...`: any REST GET, like `gh api`.
struct APICommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "GET any REST path through the cache, like `gh api` (TTL from the rules, else CACHE_DEFAULT_TTL).",
        discussion: """
            PATH is relative to GITHUB_API_URL (a leading / is optional) and may carry a query; a full \
            URL under GITHUB_API_URL works too. Fields become query parameters (URL-encoded).

            EXAMPLES
              $ ghcache-get api repos/octo-org/app
              $ ghcache-get api /orgs/octo-org/actions/runners -f per_page=100 --paginate
              $ ghcache-get api /repos/octo-org/app/commits -H 'Accept: application/vnd.github.sha'
            """)

    @Argument(help: "API path, e.g. /repos/OWNER/REPO.")
    var path: String

    @Option(
        name: [.customShort("f"), .customLong("field")], help: ArgumentHelp("Query parameter.", valueName: "key=value"))
    var fields: [String] = []

    @Option(
        name: [.customShort("H"), .customLong("header")],
        help: ArgumentHelp(
            "Request header: only Accept and X-GitHub-Api-Version (they are part of the cache key).",
            valueName: "name: value"))
    var headers: [String] = []

    @OptionGroup var options: GetOptions

    func validate() throws {
        guard !path.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("PATH is empty") }
        _ = try parsedFields()
        _ = try parsedHeaders()
    }

    func run(in context: CommandContext) async throws {
        let session = try GetSession(options, context: context)
        let headers = try parsedHeaders()
        let target = try session.target(
            path, fields: try parsedFields(), accept: headers["accept"], apiVersion: headers["x-github-api-version"])
        context.output.body(try await session.body(target, paginate: options.paginate))
    }

    private func parsedFields() throws -> [(name: String, value: String)] {
        try RequestArguments.fields(fields).mapError { ValidationError($0.message) }.get()
    }

    private func parsedHeaders() throws -> [String: String] {
        try RequestArguments.headers(headers).mapError { ValidationError($0.message) }.get()
    }
}
