import Foundation
import Synchronization

/// Finds the API token when (and only when) a request needs one: `GITHUB_TOKEN`, then `GH_TOKEN`,
/// then `gh auth token` if `gh` is on `PATH`; else requests go unauthenticated (60/h) and a
/// one-line note goes to stderr. The token is kept in memory only.
public final class TokenProvider: Sendable {
    private let configuration: Configuration
    private let note: @Sendable (String) -> Void
    private let resolved = Mutex<String??>(nil)

    /// Creates a provider; `note` receives the unauthenticated notice.
    public init(configuration: Configuration, note: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.note = note
    }

    /// The token, resolved once per process.
    public func token() -> String? {
        if let cached = resolved.withLock({ $0 }) { return cached }
        let token = configuration.explicitToken ?? Self.ghAuthToken(configuration: configuration)
        if token == nil {
            note(
                "no GitHub token (GITHUB_TOKEN, GH_TOKEN or `gh auth login`): sending unauthenticated requests (60 per hour)"
            )
        }
        resolved.withLock { $0 = .some(token) }
        return token
    }

    /// `gh auth token` (with `--hostname` for GitHub Enterprise), or `nil` when `gh` is missing,
    /// fails, or takes more than 5 s.
    static func ghAuthToken(configuration: Configuration) -> String? {
        guard let gh = findExecutable("gh", path: configuration.environment["PATH"] ?? "/usr/bin:/bin") else {
            return nil
        }
        var arguments = ["auth", "token"]
        if let host = configuration.apiURL.host, host != "api.github.com" {
            arguments += ["--hostname", host]
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gh)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            return nil
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        guard process.terminationStatus == 0 else { return nil }
        let token = String(decoding: data, as: UTF8.self).trimmingWhitespace()
        return token.isEmpty ? nil : token
    }

    static func findExecutable(_ name: String, path: String) -> String? {
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
