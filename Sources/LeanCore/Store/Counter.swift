/// Names of the statistics in the `counters` table. Every process adds to the same numbers.
///
/// Each `ghcache-get` lookup adds one to exactly one of ``localHits``, ``peerHits``, ``misses``,
/// ``notModified``, ``staleServed`` or ``failures``; ``apiCalls`` counts requests sent to GitHub.
public enum Counter {
    /// Lookups answered by a fresh entry fetched on this machine (or by a concurrent fetch of it).
    public static let localHits = "local_hits"
    /// Lookups answered by the row a concurrent process fetched while they waited (a subset of ``localHits``).
    public static let coalesced = "coalesced"
    /// Lookups answered by a fresh entry that arrived from a peer.
    public static let peerHits = "peer_hits"
    /// Lookups that needed a full response from GitHub.
    public static let misses = "misses"
    /// Lookups answered by a free `304 Not Modified` revalidation.
    public static let notModified = "not_modified"
    /// Lookups answered by a stale copy after an error, a rate limit or `--offline`.
    public static let staleServed = "stale_served"
    /// Lookups that failed with no usable copy.
    public static let failures = "failures"
    /// Conditional requests a token made to prove that GitHub shows it a cached body (docs/TRUST.md).
    public static let accessProofs = "access_proofs"
    /// Proofs answered `304`: free, and the token reads the cached body.
    public static let accessProofsFree = "access_proofs_free"
    /// Tokens GitHub refused (`401`/`403`/`404`) a body the cache held: GitHub's answer was relayed, never the body.
    public static let accessDenied = "access_denied"
    /// Proofs answered `200` with the very bytes cached: GitHub's ETag formula did not match (a drift).
    public static let accessDrift = "access_drift"
    /// Unproven tokens refused a cached copy because GitHub could not be asked.
    public static let accessFailClosed = "access_fail_closed"
    /// Requests sent to GitHub (each page, each revalidation).
    public static let apiCalls = "api_calls"
    /// Entries a peer sent that were stored (new or newer).
    public static let peerStored = "peer_stored"
    /// Gossip messages published by the daemon.
    public static let gossipSent = "gossip_sent"
    /// Gossip messages received by the daemon.
    public static let gossipReceived = "gossip_received"
    /// Prefix of the gossip rejections by reason: `gossip_rejected.<reason>`.
    public static let gossipRejectedPrefix = "gossip_rejected."
    /// Gossip messages dropped for `reason` (e.g. `undecryptable`, `cid_mismatch`, `expired`).
    public static func gossipRejected(_ reason: String) -> String { gossipRejectedPrefix + reason }
    /// Join-time sync exchanges the daemon completed as the requester.
    public static let syncSessions = "sync_sessions"
    /// Entries received through join-time sync and stored.
    public static let syncEntriesReceived = "sync_entries_received"
    /// Entries sent to peers through join-time sync.
    public static let syncEntriesSent = "sync_entries_sent"
    /// Prefix of the refused sync requests by reason: `sync_rejected.<reason>`.
    public static let syncRejectedPrefix = "sync_rejected."
    /// Misses of this runner that the key's owner in the fleet filled (one API call for the fleet).
    public static let fills = "fills"
    /// Fill requests this daemon answered for other runners as the key's owner.
    public static let fillsServed = "fills_served"
    /// Leases this daemon, a key's owner without a credential of its own, handed to a runner that then fetched the
    /// key itself with its caller's token.
    public static let fillLeases = "fill_leases"
    /// Fill attempts that failed (timeout, dead owner, bad answer) and fell back to the next owner or a local fetch.
    public static let fillFallbacks = "fill_fallbacks"
    /// Prefix of the refused fill answers by reason: `fill_rejected.<reason>` (`key_mismatch`, `cid_mismatch`...).
    public static let fillRejectedPrefix = "fill_rejected."
    /// A fill answer dropped for `reason`.
    public static func fillRejected(_ reason: String) -> String { fillRejectedPrefix + reason }
    /// Entries marked stale by a write through the endpoint, a webhook, or a peer's invalidation.
    public static let invalidated = "invalidated"
    /// Signed webhook deliveries the endpoint accepted.
    public static let webhooks = "webhooks"
    /// Webhook deliveries refused for a missing or wrong `X-Hub-Signature-256`.
    public static let webhooksRejected = "webhooks_rejected"
    /// Revalidations the daemon sent ahead of expiry for keys it owns (refresh-ahead, prewarm).
    public static let refreshAhead = "refresh_ahead"
    /// GraphQL queries answered from the cache (``Counter/graphQLPointsSaved`` adds what each would have cost).
    public static let graphQLHits = "graphql_hits"
    /// GraphQL queries that could be cached and were asked of GitHub.
    public static let graphQLMisses = "graphql_misses"
    /// GraphQL requests relayed uncached (mutations, subscriptions, documents not certainly a query, no token).
    public static let graphQLPassed = "graphql_passed"
    /// GraphQL rate-limit points the hits saved: each hit adds the cost its answer reported (`rateLimit { cost }`),
    /// else 1, GitHub's minimum cost of a call.
    public static let graphQLPointsSaved = "graphql_points_saved"
}
