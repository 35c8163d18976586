import ArgumentParser
import CacheCore
import Foundation

/// `ghcache-gc`: expire, evict and compact the store.
public struct GCCommand: ContextCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ghcache-gc",
        abstract: "Expire, evict and compact the local store.",
        discussion: """
            Drops entries more than CACHE_MAX_STALE past their expiry (they can no longer be served, \
            even stale), then evicts the least recently used entries beyond CACHE_MAX_ENTRIES \
            (default 10000) and beyond CACHE_MAX_BYTES of bodies (default 256M), then compacts the \
            file. Safe while other ghcache processes use the store; counters are kept. --reset \
            deletes the store (also a corrupt or foreign one) and creates an empty one.

            EXAMPLES
              $ ghcache-gc --dry-run
              $ ghcache-gc --json | jq .expired
              $ ghcache-gc --reset
              # cron: */30 * * * * ghcache-gc >/dev/null

            \(CommandEntry.exitStatusHelp)
            """,
        version: GHCacheVersion.current)

    @OptionGroup var global: GlobalOptions

    @Flag(name: .customLong("dry-run"), help: "Report what would be removed without changing anything.")
    var dryRun = false

    @Flag(help: "Print a JSON summary instead of text.")
    var json = false

    @Flag(help: "Delete the store and create an empty one (the recovery for a corrupt store).")
    var reset = false

    @Option(name: .customLong("max-entries"), help: ArgumentHelp("Overrides CACHE_MAX_ENTRIES.", valueName: "n"))
    var maxEntries: String?

    @Option(
        name: .customLong("max-bytes"), help: ArgumentHelp("Overrides CACHE_MAX_BYTES (e.g. 64M).", valueName: "size"))
    var maxBytes: String?

    @Option(
        name: .customLong("max-stale"),
        help: ArgumentHelp("Overrides CACHE_MAX_STALE (e.g. 24h).", valueName: "duration"))
    var maxStale: String?

    public init() {}

    public func validate() throws {
        if reset && dryRun { throw ValidationError("--reset cannot be combined with --dry-run") }
    }

    public func run(in context: CommandContext) async throws {
        var flags: [ConfigVariable: FlagValue] = [:]
        if let maxEntries { flags[.maxEntries] = FlagValue(maxEntries, flag: "--max-entries") }
        if let maxBytes { flags[.maxBytes] = FlagValue(maxBytes, flag: "--max-bytes") }
        if let maxStale { flags[.maxStale] = FlagValue(maxStale, flag: "--max-stale") }
        let configuration = try global.loadConfiguration(flags: flags, in: context)
        if reset {
            let path = try CacheStore.reset(directory: configuration.cacheDir)
            if json {
                context.output.body(Data(#"{"reset":true,"store":"\#(path)"}"#.utf8))
            } else {
                context.output.line("reset: \(path) is now an empty store")
            }
            return
        }
        let store = try context.openStore(configuration.cacheDir, .readWrite)
        for notice in store.notices { context.output.warn(notice) }
        let report = try store.collectGarbage(
            maxEntries: configuration.maxEntries, maxBytes: configuration.maxBytes, maxStale: configuration.maxStale,
            now: context.clock(), dryRun: dryRun)
        if json {
            context.output.body(Self.json(report))
        } else {
            context.output.line(Self.text(report))
        }
    }

    static func json(_ report: GCReport) -> Data {
        let object: [String: Any] = [
            "dry_run": report.dryRun, "expired": report.expired, "evicted_lru_entries": report.evictedForCount,
            "evicted_lru_bytes": report.evictedForBytes, "entries_before": report.entriesBefore,
            "entries_after": report.entriesAfter, "body_bytes_before": report.bodyBytesBefore,
            "body_bytes_after": report.bodyBytesAfter, "file_bytes_before": report.fileBytesBefore,
            "file_bytes_after": report.fileBytesAfter,
        ]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    static func text(_ report: GCReport) -> String {
        let verb = report.dryRun ? "would remove" : "removed"
        let removed = report.expired + report.evictedForCount + report.evictedForBytes
        return """
            \(verb) \(removed) entries: \(report.expired) expired, \(report.evictedForCount) beyond the entry limit, \
            \(report.evictedForBytes) beyond the byte limit
            entries \(report.entriesBefore) -> \(report.entriesAfter), body bytes \(report.bodyBytesBefore) -> \
            \(report.bodyBytesAfter), file bytes \(report.fileBytesBefore) -> \(report.fileBytesAfter)
            """
    }
}
