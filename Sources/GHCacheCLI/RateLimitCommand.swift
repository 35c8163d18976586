import ArgumentParser

/// `ghcache-get rate-limit`: GET /rate_limit.
struct RateLimitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rate-limit",
        abstract:
            "Show the token's rate limits (GET /rate_limit; free, so always asked live; cached copy only on errors).",
        discussion: """
            EXAMPLES
              $ ghcache-get rate-limit | jq .resources.core
            """)

    @OptionGroup var options: GetOptions

    func run() async throws {
        let session = try GetSession(options)
        Output.body(try await session.body(try session.target("/rate_limit"), paginate: false))
    }
}
