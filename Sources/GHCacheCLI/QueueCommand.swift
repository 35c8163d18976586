import ArgumentParser
import CacheCore
import Foundation

/// `ghcache-get queue OWNER/REPO...`: queued workflow runs per repository.
struct QueueCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Count queued workflow runs of one or more repositories (TTL 60 s).",
        discussion: """
            Asks GET /repos/OWNER/REPO/actions/runs?status=queued per repository (the same cache \
            entry as `runs OWNER/REPO --status queued`) and prints one JSON object: the \
            total_count of each repository and their sum, e.g.

              {"repos":{"octo-org/api":0,"octo-org/app":3},"total":3}

            EXAMPLES
              $ ghcache-get queue octo-org/app octo-org/api | jq .total
            """)

    @Argument(help: ArgumentHelp("Repositories.", valueName: "owner/repo"))
    var repositories: [String]

    @OptionGroup var options: GetOptions

    func validate() throws {
        guard !repositories.isEmpty else { throw ValidationError("give at least one OWNER/REPO") }
        for repository in repositories { try validateRepository(repository) }
        if options.paginate { throw ValidationError("--paginate does not apply to queue (it reads total_count)") }
    }

    func run(in context: CommandContext) async throws {
        let session = try GetSession(options, context: context)
        let counts = try await session.run { () async throws(GHCacheError) -> [String: Int] in
            var counts: [String: Int] = [:]
            for repository in repositories {
                let target = try session.target(
                    "/repos/\(repository)/actions/runs", fields: [(name: "status", value: "queued")])
                counts[repository] = try Self.queuedCount(try await session.single(target).body, repository: repository)
            }
            return counts
        }
        let object: [String: Any] = ["repos": counts, "total": counts.values.reduce(0, +)]
        context.output.body(
            try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    private static func queuedCount(_ body: Data, repository: String) throws(GHCacheError) -> Int {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw GHCacheError("the runs of \(repository) are not a JSON object", exitStatus: .githubError)
        }
        if let total = object["total_count"] as? Int { return total }
        if let runs = object["workflow_runs"] as? [Any] { return runs.count }
        throw GHCacheError("the runs of \(repository) have no total_count", exitStatus: .githubError)
    }
}
