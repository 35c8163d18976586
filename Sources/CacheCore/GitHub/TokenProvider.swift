import Foundation
import Synchronization

/// Finds the API token when (and only when) a request needs one: `GITHUB_TOKEN`, then `GH_TOKEN`,
/// then `gh auth token` if `gh` is on `PATH`; else requests go unauthenticated (60/h) and a
/// one-line note goes to stderr. The token is kept in memory only.
public final class TokenProvider: Sendable {
    private let configuration: Configuration
    private let note: @Sendable (String) -> Void
    private let resolved: Mutex<String??>

    /// Creates a provider; `note` receives the unauthenticated notice.
    public init(configuration: Configuration, note: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.note = note
        self.resolved = Mutex(nil)
    }

    /// A provider that always answers `token` (`nil`: unauthenticated, with no notice). The daemon's endpoint
    /// passes each caller's token per call instead (``CacheClient/get(_:options:token:)``).
    public init(fixed token: String?, configuration: Configuration) {
        self.configuration = configuration
        self.note = { _ in }
        self.resolved = Mutex(.some(token))
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
    /// fails, prints nothing, or takes more than 5 s.
    static func ghAuthToken(configuration: Configuration) -> String? {
        var arguments = ["gh", "auth", "token"]
        if let host = configuration.apiURL.host, host != "api.github.com" {
            arguments += ["--hostname", host]
        }
        return GitHubCLI.output(arguments, environment: configuration.environment)
    }

    static func findExecutable(_ name: String, path: String) -> String? {
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// Runs the GitHub CLI, `gh`, for the token it knows.
public enum GitHubCLI {
    /// How long `gh` may take before it is abandoned.
    public static let timeout: Duration = .seconds(5)

    /// The single line `gh ARGUMENTS` prints, or `nil` when `gh` is not on `PATH` in `environment`, fails,
    /// prints nothing or several lines, or takes longer than ``timeout``.
    public static func output(_ arguments: [String], environment: [String: String]) -> String? {
        guard TokenProvider.findExecutable("gh", path: environment["PATH"] ?? "/usr/bin:/bin") != nil,
            let result = BoundedProcess.run(arguments, environment: environment, timeout: timeout),
            result.status == 0
        else { return nil }
        let text = String(decoding: result.standardOutput, as: UTF8.self).trimmingWhitespace()
        return text.isEmpty || text.contains(where: \.isNewline) ? nil : text
    }
}
