import ArgumentParser
import CacheCore
import Foundation

/// What a command works with, handed to it rather than found by it: where its output goes, the environment its
/// settings come from, its clock, how it opens the store and how it reaches GitHub. ``live`` is the process's own;
/// tests build one with their own output and environment and run the commands in-process.
public struct CommandContext: Sendable {
    /// Where data and messages go.
    public var output: Output
    /// The environment settings are read from (flag > environment > config file > default).
    public var environment: [String: String]
    /// The time, Unix seconds.
    public var clock: @Sendable () -> Double
    /// Opens the store of a cache directory.
    public var openStore: @Sendable (_ directory: String, _ mode: CacheStore.Mode) throws(GHCacheError) -> CacheStore
    /// The HTTP client to GitHub for a configuration (created lazily: a cache hit never starts it).
    public var transport: @Sendable (Configuration) -> any GitHubTransport

    /// A context; every part but the output and the environment defaults to the live one.
    public init(
        output: Output, environment: [String: String],
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
        openStore:
            @escaping @Sendable (_ directory: String, _ mode: CacheStore.Mode) throws(GHCacheError) ->
            CacheStore = { directory, mode throws(GHCacheError) in
                try CacheStore.open(directory: directory, mode: mode)
            },
        transport: @escaping @Sendable (Configuration) -> any GitHubTransport = {
            HTTPTransport(connectTimeout: $0.connectTimeout, readTimeout: $0.timeout)
        }
    ) {
        self.output = output
        self.environment = environment
        self.clock = clock
        self.openStore = openStore
        self.transport = transport
    }

    /// The process's stdout, stderr, environment, clock, store and network.
    public static var live: CommandContext {
        CommandContext(output: .live, environment: ProcessInfo.processInfo.environment)
    }
}

/// A ghcache command whose work runs in a ``CommandContext``; `run()` runs it in the live one.
public protocol ContextCommand: AsyncParsableCommand {
    /// Does the command's work with `context`'s output, settings, clock, store and network.
    func run(in context: CommandContext) async throws
}

extension ContextCommand {
    public func run() async throws { try await run(in: .live) }
}
