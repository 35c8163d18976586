import ArgumentParser
import CacheCore

/// `ghcache-get`: answer GitHub REST GETs from the cache, else from GitHub.
public struct GetCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ghcache-get",
        abstract: "Answer GitHub REST GETs from the local cache, else from GitHub; print the JSON body.",
        discussion: """
            Answers come from the local store while fresh (TTL rules), then from a free conditional \
            request (304), then from GitHub. If GitHub fails (5xx, timeout, refused connection, \
            secondary rate limit) a stale copy up to --max-stale old is printed with a warning. \
            Stdout carries only the body; messages go to stderr.

            EXAMPLES
              $ ghcache-get repos octo-org | jq -r '.[].full_name'
              $ ghcache-get runs octo-org/app --status queued --verbose
              $ ghcache-get runners --org octo-org --paginate
              $ ghcache-get queue octo-org/app octo-org/api
              $ ghcache-get api /repos/octo-org/app/actions/runs -f status=in_progress -f per_page=100
              $ ghcache-get rate-limit
              $ ghcache-get graphql -f query='query { viewer { login } }'

            SETTINGS (flag > environment > config file > default)
              GITHUB_TOKEN, GH_TOKEN (else `gh auth token`), GITHUB_API_URL, CACHE_DIR, \
            CACHE_DEFAULT_TTL, CACHE_TTL_RULES, CACHE_GRAPHQL_TTL, CACHE_GRAPHQL_TTL_RULES, CACHE_MAX_STALE, \
            CACHE_TIMEOUT, CACHE_CONNECT_TIMEOUT; config file: $CACHE_DIR/config.env or --config FILE.

            \(CommandEntry.exitStatusHelp)
            """,
        version: GHCacheVersion.current,
        subcommands: [
            ReposCommand.self, RunsCommand.self, RunnersCommand.self, QueueCommand.self, RateLimitCommand.self,
            APICommand.self, GraphQLCommand.self,
        ]
    )

    public init() {}
}

/// Checks an `OWNER/REPO` argument.
func validateRepository(_ text: String) throws {
    if let problem = RequestArguments.repositoryProblem(text) { throw ValidationError(problem) }
}

/// Checks an owner, user or organisation name.
func validateOwner(_ text: String) throws {
    if let problem = RequestArguments.ownerProblem(text) { throw ValidationError(problem) }
}

extension GetCommand {
    /// `arguments` with the flags typed before the subcommand moved after its name, as gh accepts them
    /// (`ghcache-get --offline api /path` = `ghcache-get api --offline /path`): every option is the subcommand's.
    /// Unchanged when the first argument is not a flag, or no subcommand name follows before `--`.
    public static func subcommandFirst(_ arguments: [String]) -> [String] {
        guard let first = arguments.first, first.hasPrefix("-") else { return arguments }
        let names = Set(configuration.subcommands.map { $0._commandName })
        for (index, argument) in arguments.enumerated() {
            if argument == "--" { return arguments }
            if names.contains(argument) {
                return [argument] + arguments[..<index] + arguments[(index + 1)...]
            }
        }
        return arguments
    }
}
