import ArgumentParser
import CacheCore
import Foundation

/// `ghcache-stats`: cache and peer statistics.
public struct StatsCommand: ContextCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ghcache-stats",
        abstract: "Print cache and peer statistics of the local store.",
        discussion: """
            Counters live in the store, so they add up every ghcache process on this machine. Each \
            lookup counts once as a local hit, peer hit, miss, not_modified (free 304), stale_served \
            or failure; hit_rate = (local_hits + peer_hits) / lookups; api_calls_saved = local_hits + \
            peer_hits. Peer fields come from the ghcache-peer heartbeat ("no daemon" when it is \
            missing or older than 30 s). Never writes to the store.

            JSON KEYS (--json)
              local_hits, peer_hits, misses, hit_rate, api_calls_saved, cache_size, p2p_enabled, \
            daemon_running, connected_peers, peer_id, peers [{peer, via}], not_modified, stale_served, failures, api_calls, \
            rate_limit {remaining, limit, reset, observed_at}, store_bytes, \
            gossip {sent, received, rejected {reason: n}}, \
            sync {sessions, entries_received, entries_sent, rejected {reason: n}}, \
            fill {filled, served, leases, fallbacks, rejected {reason: n}, refresh_ahead}, \
            access {proofs, proofs_free, denied, drift, fail_closed}

            fill.filled counts misses of this runner that the key's owner in the fleet fetched (or \
            revalidated) for it; fill.served the fills this daemon answered as an owner; fill.leases the \
            fetches this daemon, an owner without a GitHub credential, handed to a runner that asked; \
            fill.fallbacks owners that failed (the next owner, then a local fetch, answered); \
            fill.refresh_ahead revalidations sent just before expiry for keys still being polled. \
            access counts the work of CACHE_SHARING=verified: conditional requests a token made to prove it may \
            read a cached body (proofs; proofs_free answered 304), tokens GitHub refused (denied), proofs answered \
            200 with the cached bytes (drift) and unproven tokens refused while GitHub could not be asked \
            (fail_closed).

            --watch redraws the table every --interval seconds (default 2) until interrupted; with \
            --json it prints one JSON object per line instead (JSON lines, for scripts). --count N \
            stops after N updates.

            peers lists each connected peer with how the daemon found it (via): bootstrap \
            (CACHE_BOOTSTRAP_PEERS), dns (a DNS name in that list), mdns (the local network), fleet \
            (another member's announcement), dht (a provider record under the fleet's DHT key) or \
            inbound (it dialled this runner).

            EXAMPLES
              $ ghcache-stats
              $ ghcache-stats --json | jq .hit_rate
              $ ghcache-stats --watch
              $ ghcache-stats --watch --json --interval 10 | jq --unbuffered .api_calls_saved

            \(CommandEntry.exitStatusHelp)
            """,
        version: GHCacheVersion.current)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Flag(help: "Keep printing: redraw the table (or print a JSON line with --json) every --interval seconds.")
    var watch = false

    @Option(help: ArgumentHelp("Seconds between updates with --watch.", valueName: "seconds"))
    var interval: Double = 2

    @Option(help: ArgumentHelp("With --watch, stop after this many updates.", valueName: "n"))
    var count: Int?

    public init() {}

    public func validate() throws {
        guard interval.isFinite, interval >= 0.1, interval <= 86400 else {
            throw ValidationError("--interval \(interval): expected a number of seconds between 0.1 and 86400")
        }
        if let count, count < 1 { throw ValidationError("--count \(count): expected at least 1") }
        if count != nil && !watch { throw ValidationError("--count only applies with --watch") }
    }

    public func run(in context: CommandContext) async throws {
        let configuration = try global.loadConfiguration(in: context)
        guard watch else {
            return try show(Self.read(configuration, in: context), configuration, redraw: false, in: context)
        }
        var updates = 0
        while count.map({ updates < $0 }) ?? true {
            if updates > 0 { try await Task.sleep(for: .milliseconds(Int(interval * 1000))) }
            try show(
                Self.read(configuration, in: context), configuration, redraw: !json && isatty(STDOUT_FILENO) == 1,
                in: context)
            updates += 1
        }
    }

    /// The statistics now (empty when no store exists yet).
    static func read(_ configuration: Configuration, in context: CommandContext) throws(GHCacheError) -> CacheStats {
        guard FileManager.default.fileExists(atPath: configuration.storePath) else {
            return CacheStats(p2pEnabled: configuration.enableP2P)
        }
        let store = try context.openStore(configuration.cacheDir, .readOnly)
        return try CacheStats(store: store, p2pEnabled: configuration.enableP2P, now: context.clock())
    }

    private func show(_ stats: CacheStats, _ configuration: Configuration, redraw: Bool, in context: CommandContext)
        throws
    {
        if json {
            context.output.body(stats.json())
        } else {
            // On a terminal, --watch redraws in place: cursor home, clear the screen.
            let table = Self.table(stats, storePath: configuration.storePath)
            context.output.line(
                redraw
                    ? "\u{1B}[H\u{1B}[2J" + table + "\n\nupdated \(Self.time(context.clock()))  (Ctrl-C to stop)"
                    : table)
        }
    }

    private static func time(_ seconds: Double) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    static func syncRow(_ stats: CacheStats) -> String {
        let refused = stats.syncRejected.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        return "\(stats.syncSessions) sessions, received \(stats.syncEntriesReceived), sent \(stats.syncEntriesSent)"
            + (refused.isEmpty ? "" : ", refused requests: " + refused.joined(separator: ", "))
    }

    static func fillRow(_ stats: CacheStats) -> String {
        let refused = stats.fillRejected.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        return
            "filled \(stats.fills), served \(stats.fillsServed), leases \(stats.fillLeases), fallbacks \(stats.fillFallbacks), "
            + "refresh-ahead \(stats.refreshAhead)"
            + (refused.isEmpty ? "" : ", refused answers: " + refused.joined(separator: ", "))
    }

    static func table(_ stats: CacheStats, storePath: String) -> String {
        let describe = { (limit: RateLimitSnapshot?) in
            limit.map { limit in
                let total = limit.limit.map { "/\($0)" } ?? ""
                let reset = limit.reset.map {
                    ", resets \(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: $0)))"
                }
                return "\(limit.remaining)\(total) remaining\(reset ?? "")"
            } ?? "not seen yet"
        }
        let rateLimit = describe(stats.rateLimit)
        let rejected =
            stats.gossipRejected.isEmpty
            ? "0"
            : stats.gossipRejected.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let daemon =
            !stats.daemonRunning
            ? "no daemon"
            : stats.peerID.map { "running, peer \($0), \(stats.connectedPeers) connected" }
                ?? "running (local endpoint only, no peer-to-peer)"
        let rows: [(String, String)] =
            [
                ("store", storePath),
                ("entries", "\(stats.cacheSize)"),
                ("store bytes", "\(stats.storeBytes)"),
                ("local hits", "\(stats.localHits)"),
                ("peer hits", "\(stats.peerHits)"),
                ("misses", "\(stats.misses)"),
                ("not modified (304)", "\(stats.notModified)"),
                ("stale served", "\(stats.staleServed)"),
                ("failures", "\(stats.failures)"),
                ("hit rate", String(format: "%.1f%%", stats.hitRate * 100)),
                ("api calls", "\(stats.apiCalls)"),
                ("api calls saved", "\(stats.apiCallsSaved)"),
                ("rate limit", rateLimit),
                ("p2p", stats.p2pEnabled ? "enabled" : "disabled (CACHE_ENABLE_P2P=false)"),
                ("daemon", daemon),
            ] + (stats.daemonCredential.map { [("  credential", $0.summary)] } ?? [])
        let peers: [(String, String)] = stats.peers.map { ("  peer", "\($0.peer) (\($0.via ?? "?"))") }
        let rest: [(String, String)] = [
            ("gossip", "sent \(stats.gossipSent), received \(stats.gossipReceived), rejected \(rejected)"),
            ("join-time sync", Self.syncRow(stats)),
            ("fleet fill", Self.fillRow(stats)),
            (
                "graphql",
                "hits \(stats.graphQLHits), misses \(stats.graphQLMisses), passed \(stats.graphQLPassed), "
                    + "points saved \(stats.graphQLPointsSaved), answers stored \(stats.graphQLEntries)"
            ),
            ("graphql rate limit", describe(stats.graphQLRateLimit)),
            (
                "access",
                "\(stats.access.proofs) proofs (\(stats.access.proofsFree) free), \(stats.access.denied) denied, "
                    + "\(stats.access.drift) drift, \(stats.access.failClosed) fail closed"
            ),
        ]
        let all = rows + peers + rest
        let width = all.map(\.0.count).max() ?? 0
        return all.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(
            separator: "\n")
    }
}
