import CacheCore
import Foundation

/// Where the fleet secret came from, in precedence order.
public enum SecretSource: String, Sendable, CaseIterable {
    /// `CACHE_P2P_SHARED_SECRET`: a secret shared by the whole fleet (the only reliable choice in Actions).
    case sharedSecret = "CACHE_P2P_SHARED_SECRET"
    /// `CACHE_P2P_SHARED_SECRET_FILE`: the same, read from a file (a Kubernetes or Vault secret mount).
    case sharedSecretFile = "CACHE_P2P_SHARED_SECRET_FILE"
    /// `GH_TOKEN`.
    case ghToken = "GH_TOKEN"
    /// `GITHUB_TOKEN`.
    case githubToken = "GITHUB_TOKEN"
    /// The output of `gh auth token`.
    case ghCLI = "gh auth token"

    /// Whether the secret is an API token standing in for a fleet secret.
    var isToken: Bool { self == .ghToken || self == .githubToken || self == .ghCLI }
}

/// The secret a fleet key is derived from, with its source, and the previous secret during a rotation.
/// `description` never shows a value.
public struct FleetSecret: Sendable, CustomStringConvertible {
    /// The secret itself: what this daemon seals with. Never log it.
    public let value: String
    /// Which setting supplied it.
    public let source: SecretSource
    /// `CACHE_P2P_SHARED_SECRET_PREVIOUS` (or its `_FILE`): during a rotation, messages sealed with it are still
    /// accepted (like Python's `MultiFernet`), never produced. Never log it.
    public let previous: String?

    /// A secret from a known source.
    public init(value: String, source: SecretSource, previous: String? = nil) {
        self.value = value
        self.source = source
        self.previous = previous
    }

    /// The variables of the previous secret (a rotation in progress).
    public static let previousVariable = "CACHE_P2P_SHARED_SECRET_PREVIOUS"
    public static let previousFileVariable = "CACHE_P2P_SHARED_SECRET_PREVIOUS_FILE"

    /// Token prefixes of credentials that expire within hours or with the job (installation and per-job tokens,
    /// user-to-server and refresh tokens): a fleet key derived from one splits the fleet the moment it is replaced.
    static let expiringTokenPrefixes = ["ghs_", "ghu_", "ghr_"]

    /// Finds the fleet secret: `CACHE_P2P_SHARED_SECRET` or `CACHE_P2P_SHARED_SECRET_FILE` (setting both is an
    /// error), else `GH_TOKEN`, else `GITHUB_TOKEN`, else the output of `gh auth token` (run with `environment`, at
    /// most ``GitHubCLI/timeout``), the last three only when they are long-lived tokens (`ghp_`, `github_pat_`,
    /// `gho_`...): an installation or per-job token (`ghs_`) is refused. Empty values count as unset; files are read
    /// and trimmed. The previous secret (`CACHE_P2P_SHARED_SECRET_PREVIOUS` or its `_FILE`) is read the same way.
    ///
    /// - Parameters:
    ///   - settings: the merged configuration (flag > environment > config file) as variable name → value.
    ///   - environment: the process environment for running `gh` (its `PATH` finds the binary).
    /// - Returns: `nil` when no source has a secret.
    /// - Throws: a ``FleetSecretError`` saying what to set when a source cannot be used.
    public static func resolve(settings: [String: String], environment: [String: String]) throws(FleetSecretError)
        -> FleetSecret?
    {
        let previous = try explicit(
            settings, plain: previousVariable, file: previousFileVariable)
        if let shared = try explicit(
            settings, plain: SecretSource.sharedSecret.rawValue, file: SecretSource.sharedSecretFile.rawValue)
        {
            guard shared.value != previous?.value else {
                throw FleetSecretError(
                    "\(previousVariable) is the same as \(shared.source.rawValue): set it to the secret being "
                        + "replaced, or unset it once every runner has the new one")
            }
            return FleetSecret(value: shared.value, source: shared.source, previous: previous?.value)
        }
        if previous != nil {
            throw FleetSecretError(
                "\(previousVariable) is set without CACHE_P2P_SHARED_SECRET: a rotation needs the new secret in "
                    + "CACHE_P2P_SHARED_SECRET (or CACHE_P2P_SHARED_SECRET_FILE)")
        }
        var token: FleetSecret?
        for source in [SecretSource.ghToken, .githubToken] {
            if let value = settings[source.rawValue]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty {
                token = FleetSecret(value: value, source: source)
                break
            }
        }
        if token == nil, let value = ghAuthToken(environment: environment) {
            token = FleetSecret(value: value, source: .ghCLI)
        }
        guard let token else { return nil }
        if let prefix = expiringTokenPrefixes.first(where: token.value.hasPrefix) {
            throw FleetSecretError(
                """
                no fleet secret: \(token.source.rawValue) holds a \(prefix)… token (an installation, per-job or \
                expiring token), which is replaced every job or hour, so a fleet key derived from it would split \
                the fleet. Set CACHE_P2P_SHARED_SECRET (or CACHE_P2P_SHARED_SECRET_FILE, a file holding it) to the \
                same long random value on every runner
                """)
        }
        return token
    }

    /// The secret of `plain` or of the file named by `file` (trimmed), or `nil` when neither is set.
    static func explicit(_ settings: [String: String], plain: String, file: String) throws(FleetSecretError)
        -> (value: String, source: SecretSource)?
    {
        let value = settings[plain]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let path = settings[file]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        switch (value.isEmpty, path.isEmpty) {
        case (true, true): return nil
        case (false, false):
            throw FleetSecretError("both \(plain) and \(file) are set: set only one of them")
        case (false, true):
            return (value, plain == SecretSource.sharedSecret.rawValue ? .sharedSecret : .sharedSecretFile)
        case (true, false):
            let contents: String
            do {
                contents = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                let reason = FileManager.default.fileExists(atPath: path) ? "it cannot be read" : "it does not exist"
                throw FleetSecretError(
                    "\(file)=\(path): \(reason) (the daemon runs as uid \(getuid())); point it at a readable file "
                        + "holding the fleet secret")
            }
            let secret = contents.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !secret.isEmpty else {
                throw FleetSecretError("\(file)=\(path): the file is empty; write the fleet secret into it")
            }
            guard ValueParsers.secret(secret) != nil else {
                throw FleetSecretError(
                    "\(file)=\(path): the secret has a control character inside (several lines?); the file must "
                        + "hold the secret alone, on one line")
            }
            Redaction.register(secret)
            return (secret, .sharedSecretFile)
        }
    }

    /// The token `gh auth token` prints, or `nil` if `gh` is missing, fails, prints nothing, or hangs.
    static func ghAuthToken(environment: [String: String]) -> String? {
        GitHubCLI.output(["gh", "auth", "token"], environment: environment)
    }

    /// A warning for the operator when this secret cannot work across a fleet, else `nil`.
    ///
    /// In GitHub Actions (`GITHUB_ACTIONS=true`) every job receives its own `GITHUB_TOKEN`, so peers that derive the
    /// fleet key from a token rather than `CACHE_P2P_SHARED_SECRET` cannot decrypt each other's messages.
    public func fleetWarning(environment: [String: String]) -> String? {
        guard environment["GITHUB_ACTIONS"] == "true", source.isToken else { return nil }
        return """
            CACHE_P2P_SHARED_SECRET is not set: the fleet key is derived from \(source.rawValue). GitHub Actions \
            gives every job its own token, so peers in other jobs cannot decrypt this peer's messages, nor it \
            theirs. Set CACHE_P2P_SHARED_SECRET to the same secret on every runner.
            """
    }

    public var description: String {
        "FleetSecret(from \(source.rawValue)\(previous == nil ? "" : ", with a previous one"), redacted)"
    }
}

/// Why no fleet secret can be used: the message names the variable to set.
public struct FleetSecretError: Error, Sendable, CustomStringConvertible {
    /// What happened and what to do.
    public let message: String

    init(_ message: String) { self.message = message }

    public var description: String { message }
}
