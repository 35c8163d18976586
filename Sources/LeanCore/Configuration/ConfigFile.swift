#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A configuration file or value that cannot be used: the message names the file, line or variable
/// and what to do (the caller turns it into a usage error, exit 2).
public struct UsageProblem: Error, Sendable, Equatable {
    /// The message printed after `error:`.
    public let message: String

    /// Creates a problem.
    public init(_ message: String) { self.message = message }
}

/// A `KEY=VALUE` configuration file (`$CACHE_DIR/config.env` or `--config FILE`).
///
/// Blank lines and lines starting with `#` are ignored; a leading `export ` is allowed; values may
/// be wrapped in single or double quotes. A later line for the same key wins.
public struct ConfigFile: Sendable, Equatable {
    /// The file the settings came from.
    public let path: String
    /// The settings, by key.
    public let values: [String: String]
    /// The line each key was last set on, for messages.
    public let lines: [String: Int]

    /// Parses the text of a config file; `path` is only used in messages.
    public static func parse(_ text: String, path: String) throws(UsageProblem) -> ConfigFile {
        var values: [String: String] = [:]
        var lines: [String: Int] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst("export ".count)).trimmingWhitespace() }
            guard let equals = line.firstIndex(of: "=") else {
                throw UsageProblem("\(path):\(index + 1): expected KEY=VALUE, found \"\(line)\"")
            }
            let key = line[..<equals].trimmingWhitespace()
            guard !key.isEmpty, key.allSatisfy({ $0 == "_" || $0.isASCIIDigitCharacter || ("A"..."Z").contains($0) })
            else {
                throw UsageProblem(
                    "\(path):\(index + 1): \"\(key)\" is not a setting name (use upper-case KEY=VALUE)")
            }
            values[key] = unquote(line[line.index(after: equals)...].trimmingWhitespace())
            lines[key] = index + 1
        }
        return ConfigFile(path: path, values: values, lines: lines)
    }

    /// Whether the directory holding `path` can be searched by this process.
    private static func directorySearchable(_ path: String) -> Bool {
        guard let slash = path.lastIndex(of: "/") else { return access(".", X_OK) == 0 }
        let directory = slash == path.startIndex ? "/" : String(path[..<slash])
        return access(directory, X_OK) == 0
    }

    /// Reads and parses a config file. A missing file is `nil` unless `required`.
    public static func load(path: String, required: Bool) throws(UsageProblem) -> ConfigFile? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let error = errno
            if error == ENOENT || error == ENOTDIR {
                if required { throw UsageProblem("config file \(path) does not exist") }
                return nil
            }
            // The implicit $CACHE_DIR/config.env in a directory that cannot be searched, or under a path too long:
            // a problem of the cache directory, which opening the store reports (exit 5), not of the file.
            if !required, error == ENAMETOOLONG || error == ELOOP || (error == EACCES && !directorySearchable(path)) {
                return nil
            }
            throw UsageProblem("cannot read config file \(path): check its permissions")
        }
        defer { close(descriptor) }
        let (bytes, complete) = FileDescriptorIO.readAll(descriptor)
        guard complete else { throw UsageProblem("cannot read config file \(path): check its permissions") }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw UsageProblem("config file \(path) is not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    private static func unquote(_ value: String) -> String {
        for quote in ["\"", "'"] where value.count >= 2 && value.hasPrefix(quote) && value.hasSuffix(quote) {
            return String(value.dropFirst().dropLast())
        }
        // An unquoted value may carry a trailing comment: `KEY=value  # note`.
        var previous: Character?
        for index in value.indices {
            if value[index] == "#" && previous == " " { return value[..<index].trimmingWhitespace() }
            previous = value[index]
        }
        return value
    }
}
