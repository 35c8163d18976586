import ArgumentParser
import CacheCore

/// Cache options shared by every `ghcache-get` subcommand.
struct GetOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions

    @Flag(
        help: """
            Follow Link rel="next" and print ONE JSON array of all items. Array pages are \
            concatenated; for wrapped lists ({"total_count": N, "workflow_runs": [...]}, runners, \
            repositories, items, ...) the items of the wrapped array are concatenated and the \
            wrapper is dropped.
            """)
    var paginate = false

    @Option(
        help: ArgumentHelp("Freshness for this request (e.g. 30, 5m), instead of the TTL rules.", valueName: "seconds"))
    var ttl: String?

    @Flag(name: .customLong("no-cache"), help: "Ignore the cached copy and ask GitHub (the answer is still cached).")
    var noCache = false

    @Flag(help: "Never call GitHub: serve the cached copy (even stale, up to --max-stale) or exit 3.")
    var offline = false

    @Option(
        name: .customLong("max-stale"),
        help: ArgumentHelp(
            "How long past its expiry a cached copy may be served when GitHub fails (default 24h; CACHE_MAX_STALE).",
            valueName: "duration"))
    var maxStale: String?

    @Option(
        help: ArgumentHelp(
            "Seconds to wait for GitHub's answer before giving up (default 10; CACHE_TIMEOUT).", valueName: "seconds"))
    var timeout: String?

    @Flag(name: .shortAndLong, help: "Report the cache status (HIT local/peer, MISS, REVALIDATED, STALE) on stderr.")
    var verbose = false

    func validate() throws {
        if let ttl, parseDuration(ttl) == nil {
            throw ValidationError("--ttl \(ttl) is not a number of seconds (e.g. 30, 90s, 5m; at most 10 years)")
        }
        if noCache && offline {
            throw ValidationError("--no-cache and --offline contradict each other: pick one")
        }
    }

    /// The configuration with these flags applied.
    func configuration(in context: CommandContext) throws(GHCacheError) -> Configuration {
        var flags: [ConfigVariable: FlagValue] = [:]
        if let maxStale { flags[.maxStale] = FlagValue(maxStale, flag: "--max-stale") }
        if let timeout { flags[.timeout] = FlagValue(timeout, flag: "--timeout") }
        return try global.loadConfiguration(flags: flags, in: context)
    }

    /// The per-request options.
    func lookupOptions(_ configuration: Configuration) -> LookupOptions {
        LookupOptions(
            ttlOverride: ttl.flatMap(parseDuration), noCache: noCache, offline: offline,
            maxStale: configuration.maxStale)
    }
}
