import Foundation
import Synchronization

/// Which credential a process sends with its own requests, as `ghcache-stats` shows it: never the token itself.
public struct CredentialStatus: Sendable, Equatable, Codable {
    /// `environment` (`GITHUB_TOKEN`/`GH_TOKEN`), `token-file`, `gh`, `app` or `none`.
    public var kind: String
    /// The variable, the file's path, or `app ID, installation N`.
    public var detail: String?
    /// When the token in use expires (Unix seconds, this machine's clock): GitHub App installation tokens only.
    public var expiresAt: Double?

    /// Creates a status.
    public init(kind: String, detail: String? = nil, expiresAt: Double? = nil) {
        self.kind = kind
        self.detail = detail
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case kind, detail
        case expiresAt = "expires_at"
    }

    /// `app 12345, installation 678, token expires in 52m` and the like.
    public var summary: String {
        var text = [kind, detail].compactMap { $0 }.joined(separator: " ")
        if let expiresAt { text += ", token expires \(formatTime(expiresAt))" }
        return text
    }
}

/// The token a process sends with its own requests (those made on nobody else's behalf), from one source:
///
/// - `ghcache-get` (``init(configuration:note:)``): `GITHUB_TOKEN`, then `GH_TOKEN`, then `gh auth token` if `gh` is
///   on `PATH`, resolved once when a request first needs it; else requests go unauthenticated (60/h) and a one-line
///   note goes to stderr.
/// - the daemon (``daemon(configuration:transport:clock:note:onChange:)``): a GitHub App (`CACHE_GITHUB_APP_*`,
///   installation tokens minted and renewed before they expire), else `CACHE_TOKEN_FILE` (read again whenever the
///   file changes), else the same as `ghcache-get`. Everything the daemon asks GitHub for itself (fleet fills it owns,
///   refresh-ahead, prewarming, revalidation after a webhook) uses it.
///
/// A request whose token GitHub answers 401 tells ``rejected(_:)``, which renews the token (App) or reads the file
/// again, once; the request is then retried once with the new token. Tokens are kept in memory only and registered
/// with ``Redaction`` so that no log line shows them.
public final class TokenProvider: Sendable {
    private enum Source: Sendable {
        /// `GITHUB_TOKEN`/`GH_TOKEN`, else `gh auth token`; resolved once (``resolved``).
        case environment
        case file(TokenFile)
        case app(GitHubAppTokens)
    }

    private let source: Source
    private let configuration: Configuration
    private let note: @Sendable (String) -> Void
    private let resolved: Mutex<String??>

    /// `ghcache-get`'s provider; `note` receives the unauthenticated notice.
    public convenience init(configuration: Configuration, note: @escaping @Sendable (String) -> Void) {
        self.init(source: .environment, configuration: configuration, note: note)
    }

    /// A provider that always answers `token` (`nil`: unauthenticated, with no notice). The daemon's endpoint
    /// passes each caller's token per call instead (``CacheClient/get(_:options:token:)``).
    public convenience init(fixed token: String?, configuration: Configuration) {
        self.init(source: .environment, configuration: configuration, note: { _ in }, resolved: .some(token))
    }

    private init(
        source: Source, configuration: Configuration, note: @escaping @Sendable (String) -> Void,
        resolved: String?? = nil
    ) {
        self.source = source
        self.configuration = configuration
        self.note = note
        self.resolved = Mutex(resolved)
    }

    /// The daemon's own credential: the GitHub App when `CACHE_GITHUB_APP_ID` is set, else `CACHE_TOKEN_FILE`, else
    /// the environment and `gh`. Reads the App's key or the token file now, so that a bad one stops the daemon at
    /// start-up with a message naming the variable; ``prepare()`` then mints the App's first token.
    ///
    /// - Parameters:
    ///   - note: told what an operator should know (a token file that became unreadable, a renewal that failed).
    ///   - onChange: told the new ``status`` whenever it changes (a token minted or read again).
    public static func daemon(
        configuration: Configuration, transport: any GitHubTransport,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
        note: @escaping @Sendable (String) -> Void, onChange: @escaping @Sendable (CredentialStatus) -> Void = { _ in }
    ) throws(GHCacheError) -> TokenProvider {
        if let app = try configuration.daemonApp() {
            let key = try GitHubAppKey.load(path: app.privateKeyFile)
            let tokens = GitHubAppTokens(
                settings: app, key: key, apiURL: configuration.apiURL, transport: transport, clock: clock,
                note: note, onChange: onChange)
            return TokenProvider(source: .app(tokens), configuration: configuration, note: note)
        }
        if let path = configuration.tokenFile {
            let file = TokenFile(path: path, note: note)
            _ = try file.token()
            return TokenProvider(source: .file(file), configuration: configuration, note: note)
        }
        return TokenProvider(configuration: configuration, note: note)
    }

    /// Mints the App's first installation token (other sources resolve their token now). A definite refusal (wrong App
    /// ID, clock skew, no such installation) is thrown; when GitHub cannot be reached the daemon starts anyway and
    /// mints the token when a request needs it.
    public func prepare() async throws(GHCacheError) {
        switch source {
        case .app(let app): try await app.prepare()
        case .environment, .file: _ = try await token()  // `gh` asked now, so the status says what it found
        }
    }

    /// The token to send, or `nil` for unauthenticated requests.
    public func token() async throws(GHCacheError) -> String? {
        switch source {
        case .environment:
            if let cached = resolved.withLock({ $0 }) { return cached }
            let token = configuration.explicitToken ?? Self.ghAuthToken(configuration: configuration)
            if token == nil {
                note(
                    "no GitHub token (GITHUB_TOKEN, GH_TOKEN or `gh auth login`): sending unauthenticated requests (60 per hour)"
                )
            }
            Redaction.register(token)
            resolved.withLock { $0 = .some(token) }
            return token
        case .file(let file): return try file.token()
        case .app(let app): return try await app.token()
        }
    }

    /// GitHub answered 401 to `token`: renews the App's token or reads the token file again. Returns whether a
    /// different token is now available (the caller retries once with it); `false` when there is nothing to renew
    /// (a token from the environment) or renewing gave the same token or failed.
    public func rejected(_ token: String) async -> Bool {
        switch source {
        case .environment: return false
        case .file(let file): return file.reread(rejected: token)
        case .app(let app): return await app.rejected(token)
        }
    }

    /// Which credential this is (never the token).
    public var status: CredentialStatus {
        get async {
            switch source {
            case .environment:
                if configuration.githubToken != nil {
                    return CredentialStatus(kind: "environment", detail: "GITHUB_TOKEN")
                }
                if configuration.ghToken != nil { return CredentialStatus(kind: "environment", detail: "GH_TOKEN") }
                switch resolved.withLock({ $0 }) {
                case .some(.some): return CredentialStatus(kind: "gh", detail: "gh auth token")
                case .some(.none): return CredentialStatus(kind: "none")
                case .none: return CredentialStatus(kind: "gh", detail: "gh auth token, if gh is logged in")
                }
            case .file(let file): return CredentialStatus(kind: "token-file", detail: file.path)
            case .app(let app): return await app.status
            }
        }
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
