import Foundation

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
    public static func parse(_ text: String, path: String) throws(GHCacheError) -> ConfigFile {
        var values: [String: String] = [:]
        var lines: [String: Int] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst("export ".count)).trimmingWhitespace() }
            guard let equals = line.firstIndex(of: "=") else {
                throw GHCacheError(
                    "\(path):\(index + 1): expected KEY=VALUE, found \"\(line)\"", exitStatus: .usage)
            }
            let key = line[..<equals].trimmingWhitespace()
            guard !key.isEmpty, key.allSatisfy({ $0 == "_" || $0.isASCIIDigitCharacter || ("A"..."Z").contains($0) })
            else {
                throw GHCacheError(
                    "\(path):\(index + 1): \"\(key)\" is not a setting name (use upper-case KEY=VALUE)",
                    exitStatus: .usage)
            }
            values[key] = unquote(line[line.index(after: equals)...].trimmingWhitespace())
            lines[key] = index + 1
        }
        return ConfigFile(path: path, values: values, lines: lines)
    }

    /// Reads and parses a config file. A missing file is `nil` unless `required`.
    public static func load(path: String, required: Bool) throws(GHCacheError) -> ConfigFile? {
        guard FileManager.default.fileExists(atPath: path) else {
            if required {
                throw GHCacheError("config file \(path) does not exist", exitStatus: .usage)
            }
            return nil
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GHCacheError("cannot read config file \(path): check its permissions", exitStatus: .usage)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw GHCacheError("config file \(path) is not UTF-8 text", exitStatus: .usage)
        }
        return try parse(text, path: path)
    }

    private static func unquote(_ value: String) -> String {
        for quote in ["\"", "'"] where value.count >= 2 && value.hasPrefix(quote) && value.hasSuffix(quote) {
            return String(value.dropFirst().dropLast())
        }
        // An unquoted value may carry a trailing comment: `KEY=value  # note`.
        if let hash = value.range(of: " #") { return value[..<hash.lowerBound].trimmingWhitespace() }
        return value
    }
}
