import ArgumentParser

/// `ghcache-get rate-limit`: GET /rate_limit.
struct RateLimitCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "rate-limit",
        abstract:
            "Show the token's rate limits (GET /rate_limit; free, so always asked live; cached copy only on errors).",
        discussion: """
            EXAMPLES
              $ ghcache-get rate-limit | jq .resources.core
            """)

    @OptionGroup var options: GetOptions

    func run(in context: CommandContext) async throws {
        let session = try GetSession(options, context: context)
        context.output.body(try await session.body(try session.target("/rate_limit"), paginate: false))
    }
}
