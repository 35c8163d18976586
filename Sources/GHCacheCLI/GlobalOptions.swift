import ArgumentParser
import CacheCore

/// Options every ghcache binary takes: where the store and the config file are.
/// Mount with `@OptionGroup var global: GlobalOptions`, then call ``loadConfiguration(flags:)``.
public struct GlobalOptions: ParsableArguments {
    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "Read settings from FILE (KEY=VALUE lines) instead of $CACHE_DIR/config.env.", valueName: "file"))
    public var configFile: String?

    @Option(
        name: .customLong("cache-dir"),
        help: ArgumentHelp("Directory of the store (overrides CACHE_DIR).", valueName: "dir"))
    public var cacheDir: String?

    public init() {}

    /// Resolves the configuration: these flags and `flags` > `context`'s environment > config file > defaults.
    /// Prints the configuration's warnings (unknown settings) on the context's stderr.
    public func loadConfiguration(flags: [ConfigVariable: FlagValue] = [:], in context: CommandContext = .live)
        throws(GHCacheError) -> Configuration
    {
        var all = flags
        if let cacheDir { all[.cacheDir] = FlagValue(cacheDir, flag: "--cache-dir") }
        let configuration = try Configuration.load(
            flags: all, environment: context.environment, configFilePath: configFile)
        for warning in configuration.warnings { context.output.warn(warning) }
        return configuration
    }
}
