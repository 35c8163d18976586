import ArgumentParser

/// `ghcache-get repos OWNER`: GET /users/OWNER/repos.
struct ReposCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "repos",
        abstract: "List the repositories of a user or organisation (GET /users/OWNER/repos; TTL 600 s).",
        discussion: """
            EXAMPLES
              $ ghcache-get repos octo-org --paginate | jq -r '.[].full_name'
            """)

    @Argument(help: "User or organisation.")
    var owner: String

    @OptionGroup var options: GetOptions

    func validate() throws { try validateOwner(owner) }

    func run(in context: CommandContext) async throws {
        let session = try GetSession(options, context: context)
        let target = try session.target("/users/\(owner)/repos")
        context.output.body(try await session.body(target, paginate: options.paginate))
    }
}
