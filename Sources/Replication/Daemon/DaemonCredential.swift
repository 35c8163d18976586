import CacheCore
import Foundation

/// Whether this daemon has a GitHub credential of its own: the one place that decides it. A daemon without one
/// never calls GitHub on a caller's behalf without the caller's token: the keys it owns are fetched by a runner that
/// asked (``FillLeases``), and the work it would do alone (refresh-ahead, prewarm, revalidation after a webhook) is
/// off (docs/TRUST.md, "Daemons without a credential").
struct DaemonCredential: Sendable {
    /// The daemon's own token source (a GitHub App, `CACHE_TOKEN_FILE`, `GITHUB_TOKEN`, `GH_TOKEN`, `gh auth token`).
    let tokens: TokenProvider
    /// Whether it has a credential.
    let isPresent: Bool

    /// Looks once (at start-up) whether `tokens` has a credential (asking `gh` now when it is the source).
    init(tokens: TokenProvider) async {
        self.tokens = tokens
        _ = try? await tokens.token()
        isPresent = await tokens.status.kind != "none"
    }

    /// What the operator is told at start-up: the settings that do nothing without a credential.
    static func notices(configuration: Configuration, isPresent: Bool) -> [String] {
        guard !isPresent else { return [] }
        var idle: [String] = []
        if configuration.refreshAheadPerMinute > 0 { idle.append("CACHE_REFRESH_AHEAD") }
        if !configuration.prewarm.isEmpty { idle.append("CACHE_PREWARM") }
        if configuration.webhookSecret != nil { idle.append("the revalidation after a webhook (CACHE_WEBHOOK_SECRET)") }
        var notices = [
            "this daemon has no GitHub credential of its own (a GitHub App, CACHE_TOKEN_FILE, GITHUB_TOKEN, GH_TOKEN, "
                + "`gh auth token`): it calls "
                + "GitHub only with its callers' tokens, and a runner that asks fetches the keys this daemon owns "
                + "for the fleet"
        ]
        if !idle.isEmpty {
            notices.append(
                "\(idle.joined(separator: ", ")) need\(idle.count == 1 ? "s" : "") a credential of the daemon's own "
                    + "and do nothing without one: set CACHE_GITHUB_APP_* or CACHE_TOKEN_FILE (or GITHUB_TOKEN)")
        }
        return notices
    }
}
