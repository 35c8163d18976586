import ArgumentParser

/// `ghcache-get runners (--org ORG | --repo OWNER/REPO)`: self-hosted runners.
struct RunnersCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "runners",
        abstract: "List self-hosted runners of an organisation or a repository (TTL 300 s).",
        discussion: """
            GET /orgs/ORG/actions/runners or /repos/OWNER/REPO/actions/runners.

            EXAMPLES
              $ ghcache-get runners --org octo-org | jq '.runners[] | select(.status == "online") | .name'
              $ ghcache-get runners --repo octo-org/app --paginate | jq length
            """)

    @Option(help: "Organisation whose runners to list.")
    var org: String?

    @Option(help: ArgumentHelp("Repository whose runners to list.", valueName: "owner/repo"))
    var repo: String?

    @OptionGroup var options: GetOptions

    func validate() throws {
        switch (org, repo) {
        case (let org?, nil): try validateOwner(org)
        case (nil, let repo?): try validateRepository(repo)
        default: throw ValidationError("give exactly one of --org ORG or --repo OWNER/REPO")
        }
    }

    func run(in context: CommandContext) async throws {
        let session = try GetSession(options, context: context)
        let path = org.map { "/orgs/\($0)/actions/runners" } ?? "/repos/\(repo ?? "")/actions/runners"
        context.output.body(try await session.body(try session.target(path), paginate: options.paginate))
    }
}
