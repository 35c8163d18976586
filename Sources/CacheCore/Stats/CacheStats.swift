import Foundation

/// The numbers `ghcache-stats` prints (DESIGN §4), read from the store's counters.
public struct CacheStats: Sendable, Equatable {
    /// Lookups served by fresh local entries.
    public var localHits = 0
    /// Lookups served by fresh entries from peers.
    public var peerHits = 0
    /// Lookups that needed a full answer from GitHub.
    public var misses = 0
    /// Lookups answered by a free 304.
    public var notModified = 0
    /// Stale copies served after errors, rate limits or `--offline`.
    public var staleServed = 0
    /// Lookups that failed.
    public var failures = 0
    /// Requests sent to GitHub.
    public var apiCalls = 0
    /// Entries in the store.
    public var cacheSize = 0
    /// Bytes of the store files (database + WAL).
    public var storeBytes = 0
    /// `CACHE_ENABLE_P2P`.
    public var p2pEnabled = true
    /// Whether a `ghcache-peer` heartbeat is recent.
    public var daemonRunning = false
    /// Peers the daemon is connected to (0 without a daemon).
    public var connectedPeers = 0
    /// The daemon's peer ID (`nil` without a daemon).
    public var peerID: String?
    /// The connected peers and how the daemon found each one (empty without a daemon).
    public var peers: [ConnectedPeer] = []
    /// The running daemon's own GitHub credential (`nil` without a daemon, or from a daemon that does not say).
    public var daemonCredential: CredentialStatus?
    /// The last rate-limit headers seen.
    public var rateLimit: RateLimitSnapshot?
    /// Gossip messages sent.
    public var gossipSent = 0
    /// Gossip messages received.
    public var gossipReceived = 0
    /// Gossip messages rejected, by reason.
    public var gossipRejected: [String: Int] = [:]
    /// Join-time sync exchanges completed as the requester.
    public var syncSessions = 0
    /// Entries received through join-time sync.
    public var syncEntriesReceived = 0
    /// Entries sent through join-time sync.
    public var syncEntriesSent = 0
    /// Sync requests refused, by reason (`undecryptable`: a peer with another fleet secret).
    public var syncRejected: [String: Int] = [:]

    /// Misses of this runner that the key's fleet owner filled.
    public var fills = 0
    /// Fills this daemon answered for other runners as the key's owner.
    public var fillsServed = 0
    /// Leases this daemon handed out as a key's owner without a credential (the runner fetched it itself).
    public var fillLeases = 0
    /// Fill attempts that failed over to the next owner or a local fetch.
    public var fillFallbacks = 0
    /// Fill answers refused, by reason (`key_mismatch`, `cid_mismatch`...).
    public var fillRejected: [String: Int] = [:]
    /// The access rule's work (`CACHE_SHARING`, docs/TRUST.md): proofs made, proofs answered `304` (free), tokens
    /// GitHub refused a cached body, proofs that drifted, unproven tokens refused because GitHub could not be asked.
    public var access = AccessCounts()
    /// Revalidations sent ahead of expiry (refresh-ahead, prewarm).
    public var refreshAhead = 0
    /// Entries marked stale by writes, webhooks and peers' invalidations.
    public var invalidated = 0
    /// Signed webhook deliveries accepted, and refused ones.
    public var webhooksAccepted = 0
    public var webhooksRejected = 0

    /// GraphQL queries answered from the cache, and asked of GitHub.
    public var graphQLHits = 0
    public var graphQLMisses = 0
    /// GraphQL requests relayed uncached (mutations, documents not certainly a query, no token).
    public var graphQLPassed = 0
    /// GraphQL rate-limit points the hits saved.
    public var graphQLPointsSaved = 0
    /// GraphQL answers stored.
    public var graphQLEntries = 0
    /// The last GraphQL rate-limit headers seen (`x-ratelimit-resource: graphql`).
    public var graphQLRateLimit: RateLimitSnapshot?

    /// `local_hits + peer_hits`.
    public var apiCallsSaved: Int { localHits + peerHits }

    /// Hits over all lookups (hits, misses, 304s, stale copies, failures); 0 with no lookups.
    public var hitRate: Double {
        let lookups = localHits + peerHits + misses + notModified + staleServed + failures
        return lookups == 0 ? 0 : Double(apiCallsSaved) / Double(lookups)
    }

    /// Empty statistics (no store yet).
    public init(p2pEnabled: Bool) {
        self.p2pEnabled = p2pEnabled
    }

    /// Reads the statistics of `store`.
    public init(store: CacheStore, p2pEnabled: Bool, now: Double) throws(GHCacheError) {
        self.p2pEnabled = p2pEnabled
        let counters = try store.counters()
        localHits = counters[Counter.localHits] ?? 0
        peerHits = counters[Counter.peerHits] ?? 0
        misses = counters[Counter.misses] ?? 0
        notModified = counters[Counter.notModified] ?? 0
        staleServed = counters[Counter.staleServed] ?? 0
        failures = counters[Counter.failures] ?? 0
        apiCalls = counters[Counter.apiCalls] ?? 0
        gossipSent = counters[Counter.gossipSent] ?? 0
        gossipReceived = counters[Counter.gossipReceived] ?? 0
        for (name, value) in counters where name.hasPrefix(Counter.gossipRejectedPrefix) {
            gossipRejected[String(name.dropFirst(Counter.gossipRejectedPrefix.count))] = value
        }
        syncSessions = counters[Counter.syncSessions] ?? 0
        syncEntriesReceived = counters[Counter.syncEntriesReceived] ?? 0
        syncEntriesSent = counters[Counter.syncEntriesSent] ?? 0
        for (name, value) in counters where name.hasPrefix(Counter.syncRejectedPrefix) {
            syncRejected[String(name.dropFirst(Counter.syncRejectedPrefix.count))] = value
        }
        fills = counters[Counter.fills] ?? 0
        fillsServed = counters[Counter.fillsServed] ?? 0
        fillLeases = counters[Counter.fillLeases] ?? 0
        fillFallbacks = counters[Counter.fillFallbacks] ?? 0
        refreshAhead = counters[Counter.refreshAhead] ?? 0
        access = AccessCounts(
            proofs: counters[Counter.accessProofs] ?? 0, proofsFree: counters[Counter.accessProofsFree] ?? 0,
            denied: counters[Counter.accessDenied] ?? 0, drift: counters[Counter.accessDrift] ?? 0,
            failClosed: counters[Counter.accessFailClosed] ?? 0)
        invalidated = counters[Counter.invalidated] ?? 0
        webhooksAccepted = counters[Counter.webhooks] ?? 0
        webhooksRejected = counters[Counter.webhooksRejected] ?? 0
        for (name, value) in counters where name.hasPrefix(Counter.fillRejectedPrefix) {
            fillRejected[String(name.dropFirst(Counter.fillRejectedPrefix.count))] = value
        }
        graphQLHits = counters[Counter.graphQLHits] ?? 0
        graphQLMisses = counters[Counter.graphQLMisses] ?? 0
        graphQLPassed = counters[Counter.graphQLPassed] ?? 0
        graphQLPointsSaved = counters[Counter.graphQLPointsSaved] ?? 0
        graphQLEntries = try store.graphQLCount()
        graphQLRateLimit = try store.lastRateLimit(graphQL: true)
        cacheSize = try store.size().entries
        storeBytes = store.fileBytes()
        rateLimit = try store.lastRateLimit()
        if let status = try store.peerStatus(), status.isAlive(now: now) {
            daemonRunning = true
            connectedPeers = status.connectedPeers.count
            // A daemon serving only the local endpoint (CACHE_ENABLE_P2P=false) has no peer ID.
            peerID = status.peerID.isEmpty ? nil : status.peerID
            peers = status.connectedPeers.map { ConnectedPeer(peer: $0, via: status.via[$0]) }
            daemonCredential = status.credential
        }
    }

    /// The `--json` document (sorted keys, one line).
    public func json() -> Data {
        let object: [String: Any] = [
            "local_hits": localHits, "peer_hits": peerHits, "misses": misses,
            "hit_rate": (hitRate * 10000).rounded() / 10000, "api_calls_saved": apiCallsSaved,
            "cache_size": cacheSize, "p2p_enabled": p2pEnabled, "daemon_running": daemonRunning,
            "connected_peers": connectedPeers, "peer_id": peerID ?? NSNull(), "not_modified": notModified,
            "peers": peers.map { ["peer": $0.peer, "via": $0.via.map { $0 as Any } ?? NSNull()] as [String: Any] },
            "stale_served": staleServed, "failures": failures, "api_calls": apiCalls,
            "rate_limit": Self.json(rateLimit),
            "graphql": [
                "hits": graphQLHits, "misses": graphQLMisses, "passed": graphQLPassed,
                "points_saved": graphQLPointsSaved, "entries": graphQLEntries,
                "rate_limit": Self.json(graphQLRateLimit),
            ] as [String: Any],
            "store_bytes": storeBytes,
            "gossip": ["sent": gossipSent, "received": gossipReceived, "rejected": gossipRejected] as [String: Any],
            "sync": [
                "sessions": syncSessions, "entries_received": syncEntriesReceived, "entries_sent": syncEntriesSent,
                "rejected": syncRejected,
            ] as [String: Any],
            "fill": [
                "filled": fills, "served": fillsServed, "leases": fillLeases, "fallbacks": fillFallbacks,
                "rejected": fillRejected,
                "refresh_ahead": refreshAhead,
            ] as [String: Any],
            "access": [
                "proofs": access.proofs, "proofs_free": access.proofsFree, "denied": access.denied,
                "drift": access.drift, "fail_closed": access.failClosed,
            ],
            "invalidated": invalidated,
            "daemon_credential": daemonCredential.map {
                [
                    "kind": $0.kind, "detail": $0.detail ?? NSNull(),
                    "expires_at": $0.expiresAt.map(TimeBounds.clampedInt) ?? NSNull(),
                ] as [String: Any]
            } ?? NSNull(),
            "webhooks": ["accepted": webhooksAccepted, "rejected": webhooksRejected] as [String: Any],
        ]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }
}

extension CacheStats {
    static func json(_ rateLimit: RateLimitSnapshot?) -> [String: Any] {
        [
            "remaining": rateLimit?.remaining ?? NSNull(), "limit": rateLimit?.limit ?? NSNull(),
            "reset": rateLimit?.reset.map(TimeBounds.clampedInt) ?? NSNull(),
            "observed_at": rateLimit.map { TimeBounds.clampedInt($0.observedAt) } ?? NSNull(),
        ]
    }
}

/// A peer the daemon is connected to, and how it found it.
/// The access rule's counters (``CacheStats/access``), named as the ``Counter`` they come from.
public struct AccessCounts: Sendable, Equatable {
    /// ``Counter/accessProofs``.
    public var proofs = 0
    /// ``Counter/accessProofsFree``.
    public var proofsFree = 0
    /// ``Counter/accessDenied``.
    public var denied = 0
    /// ``Counter/accessDrift``.
    public var drift = 0
    /// ``Counter/accessFailClosed``.
    public var failClosed = 0
}

public struct ConnectedPeer: Sendable, Equatable {
    /// The peer ID (`12D3KooW…`).
    public var peer: String
    /// `bootstrap` (CACHE_BOOTSTRAP_PEERS), `dns` (a DNS name in that list), `mdns` (the local network), `fleet`
    /// (another member's announcement) or `inbound` (it dialled us); `nil` from a daemon that does not say.
    public var via: String?

    /// A connected peer.
    public init(peer: String, via: String?) {
        self.peer = peer
        self.via = via
    }
}
