#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A setting given on the command line, with the flag that carried it (for messages).
public struct FlagValue: Sendable, Equatable {
    /// The value as typed.
    public var value: String
    /// The flag, e.g. `--max-stale`.
    public var flag: String

    /// Creates a flag value.
    public init(_ value: String, flag: String) {
        self.value = value
        self.flag = flag
    }
}

/// Where every setting of one process comes from (DESIGN §2): command-line flags > environment > config file.
///
/// The config file is `--config FILE` when given (then it must exist), else `$CACHE_DIR/config.env` if present.
/// `CACHE_DIR` itself comes from a flag, the environment, or the `--config` file (the file in the cache directory
/// cannot move the cache directory). `Configuration` (CacheCore) turns these into typed settings; `ghcache-get`'s
/// lean hit path reads the few it needs from here directly.
public struct SettingSources: Sendable {
    /// Values given on the command line.
    public let flags: [ConfigVariable: FlagValue]
    /// The environment without empty values (an empty variable counts as unset).
    public let environment: [String: String]
    /// The config file that was read, if any.
    public let file: ConfigFile?
    /// The resolved cache directory (`~` expanded).
    public let cacheDir: String

    /// Resolves the cache directory and reads the config file. `homeDirectory` is asked for the user's home when
    /// `HOME` is unset or empty and the cache directory needs it (`nil`: `/`); it is a parameter so that this module
    /// needs no name service (the full program reads the password database; the front hands over instead).
    public static func load(
        flags: [ConfigVariable: FlagValue], environment: [String: String], configFilePath: String?,
        homeDirectory: () -> String?
    ) throws(UsageProblem) -> SettingSources {
        let env = environment.filter { !$0.value.isEmpty }
        var file: ConfigFile?
        if let configFilePath {
            file = try ConfigFile.load(path: configFilePath, required: true)
        }
        let cacheDir = flags[.cacheDir]?.value ?? env[ConfigVariable.cacheDir.rawValue] ?? file?.values["CACHE_DIR"]
        func home() -> String { env["HOME"] ?? homeDirectory() ?? "/" }
        let resolvedDir = expandTilde(cacheDir ?? defaultCacheDir(environment: env, home: home), home: home)
        if configFilePath == nil {
            file = try ConfigFile.load(path: joinPath(resolvedDir, "config.env"), required: false)
        }
        return SettingSources(flags: flags, environment: env, file: file, cacheDir: resolvedDir)
    }

    /// The value of `variable` as typed, and where it came from (the flag, `environment`, or `FILE:LINE`).
    public func raw(_ variable: ConfigVariable) -> (value: String, source: String)? {
        if let flag = flags[variable] { return (flag.value, flag.flag) }
        if let value = environment[variable.rawValue] { return (value, "environment") }
        if let file, let value = file.values[variable.rawValue], !value.isEmpty {
            return (value, "\(file.path):\(file.lines[variable.rawValue] ?? 0)")
        }
        return nil
    }

    /// The value of `variable` parsed by `parse`; `nil` when unset; a problem naming the variable, the value
    /// (hidden for secrets), `expectation` and the source when `parse` refuses it.
    public func value<T>(_ variable: ConfigVariable, _ expectation: String, _ parse: (String) -> T?)
        throws(UsageProblem) -> T?
    {
        guard let (text, source) = raw(variable) else { return nil }
        guard let value = parse(text) else {
            let shown = variable.isSecret ? "<hidden>" : Redaction.redact(text)
            throw UsageProblem("\(variable.rawValue)=\(shown) is not \(expectation) (from \(source))")
        }
        return value
    }

    /// Remarks about keys of the config file that are no setting (printed as warnings; not fatal).
    public var unknownSettingWarnings: [String] {
        guard let file else { return [] }
        let known = Set(ConfigVariable.allCases.map(\.rawValue))
        return file.values.keys.sorted().filter { !known.contains($0) }.map { key in
            "ignoring unknown setting \(key) in \(file.path):\(file.lines[key] ?? 0)"
        }
    }

    /// `$XDG_CACHE_HOME/ghcache` (absolute XDG paths only), else `~/.cache/ghcache`.
    private static func defaultCacheDir(environment: [String: String], home: () -> String) -> String {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return joinPath(xdg, "ghcache")
        }
        return joinPath(home(), ".cache/ghcache")
    }

    private static func expandTilde(_ path: String, home: () -> String) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        return home() + path.dropFirst()
    }
}

/// `directory/name`, with one `/` between them.
public func joinPath(_ directory: String, _ name: String) -> String {
    var base = directory
    while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
    return base == "/" ? "/" + name : base + "/" + name
}
