import ArgumentParser

/// `ghcache-get runs OWNER/REPO [--status S]`: GET /repos/OWNER/REPO/actions/runs.
struct RunsCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List workflow runs (GET /repos/OWNER/REPO/actions/runs; TTL 120 s, 60 s for --status queued).",
        discussion: """
            EXAMPLES
              $ ghcache-get runs octo-org/app --status queued | jq .total_count
              $ ghcache-get runs octo-org/app --paginate | jq length
            """)

    @Argument(help: ArgumentHelp("Repository.", valueName: "owner/repo"))
    var repository: String

    @Option(help: "Only runs with this status (queued, in_progress, completed, success, failure, ...).")
    var status: String?

    @OptionGroup var options: GetOptions

    func validate() throws { try validateRepository(repository) }

    func run(in context: CommandContext) async throws {
        let session = try GetSession(options, context: context)
        let fields = status.map { [(name: "status", value: $0)] } ?? []
        let target = try session.target("/repos/\(repository)/actions/runs", fields: fields)
        context.output.body(try await session.body(target, paginate: options.paginate))
    }
}
