import CacheCore
import Foundation

/// Where the fleet secret came from, in precedence order.
public enum SecretSource: String, Sendable, CaseIterable {
    /// `CACHE_P2P_SHARED_SECRET`: a secret shared by the whole fleet (the only reliable choice in Actions).
    case sharedSecret = "CACHE_P2P_SHARED_SECRET"
    /// `GH_TOKEN`.
    case ghToken = "GH_TOKEN"
    /// `GITHUB_TOKEN`.
    case githubToken = "GITHUB_TOKEN"
    /// The output of `gh auth token`.
    case ghCLI = "gh auth token"
}

/// The secret a fleet key is derived from, with its source. `description` never shows the value.
public struct FleetSecret: Sendable, CustomStringConvertible {
    /// The secret itself. Never log it.
    public let value: String
    /// Which setting supplied it.
    public let source: SecretSource

    /// A secret from a known source.
    public init(value: String, source: SecretSource) {
        self.value = value
        self.source = source
    }

    /// Finds the fleet secret: `CACHE_P2P_SHARED_SECRET`, else `GH_TOKEN`, else `GITHUB_TOKEN`, else the output of
    /// `gh auth token` (run with `environment`, at most ``GitHubCLI/timeout``). Empty values count as unset.
    ///
    /// - Parameters:
    ///   - settings: the merged configuration (flag > environment > config file) as variable name → value.
    ///   - environment: the process environment for running `gh` (its `PATH` finds the binary).
    /// - Returns: `nil` when no source has a secret.
    public static func resolve(settings: [String: String], environment: [String: String]) -> FleetSecret? {
        for source in [SecretSource.sharedSecret, .ghToken, .githubToken] {
            if let value = settings[source.rawValue]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty {
                return FleetSecret(value: value, source: source)
            }
        }
        if let token = ghAuthToken(environment: environment) {
            return FleetSecret(value: token, source: .ghCLI)
        }
        return nil
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
        guard environment["GITHUB_ACTIONS"] == "true", source != .sharedSecret else { return nil }
        return """
            CACHE_P2P_SHARED_SECRET is not set: the fleet key is derived from \(source.rawValue). GitHub Actions \
            gives every job its own token, so peers in other jobs cannot decrypt this peer's messages, nor it \
            theirs. Set CACHE_P2P_SHARED_SECRET to the same secret on every runner.
            """
    }

    public var description: String { "FleetSecret(from \(source.rawValue), redacted)" }
}
