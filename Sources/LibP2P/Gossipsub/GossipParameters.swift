/// Gossipsub router parameters (`gossipsub-v1.0.md` §Parameters, `gossipsub-v1.1.md`; spec §8.4).
/// The defaults are the spec defaults.
public struct GossipParameters: Sendable, Equatable {
    /// Target mesh degree `D`.
    public var d = 6
    /// Lower mesh bound `D_lo`: below it the heartbeat grafts peers.
    public var dLow = 4
    /// Upper mesh bound `D_hi`: above it the heartbeat prunes down to `D`.
    public var dHigh = 12
    /// Peers to send IHAVE gossip to per topic per heartbeat, at least (`D_lazy`).
    public var dLazy = 6
    /// Fraction of eligible peers to gossip to, if more than `dLazy` (v1.1 `GossipFactor`).
    public var gossipFactor = 0.25
    /// Heartbeat period.
    public var heartbeatInterval: Duration = .seconds(1)
    /// How long a fanout topic (published to, not subscribed) is kept after the last publish.
    public var fanoutTTL: Duration = .seconds(60)
    /// Heartbeats of history in the message cache (`mcache_len`).
    public var historyLength = 5
    /// Heartbeats of history advertised in IHAVE (`mcache_gossip`).
    public var historyGossip = 3
    /// How long a message ID is remembered to drop duplicates.
    public var seenTTL: Duration = .seconds(120)
    /// Backoff after a PRUNE, when the peer does not say (v1.1 `PruneBackoff`).
    public var pruneBackoff: Duration = .seconds(60)
    /// Backoff announced in the PRUNEs sent when unsubscribing (v1.1 `UnsubscribeBackoff`).
    public var unsubscribeBackoff: Duration = .seconds(10)
    /// Publish own messages to every peer subscribed to the topic, not only the mesh (v1.1).
    public var floodPublish = true
    /// Graft a peer as soon as its subscription arrives if the mesh is below `dLow` (as py does).
    public var graftOnSubscribe = true
    /// Largest RPC sent or accepted, in bytes (py's `DefaultMaxMessageSize`).
    public var maxRPCSize = 1 << 20
    /// Subscription entries accepted in one RPC.
    public var maxSubscriptionsPerRPC = 5000
    /// Topics remembered per remote peer; further subscriptions are ignored.
    public var maxTopicsPerPeer = 100
    /// IHAVE messages accepted from a peer per heartbeat (v1.1 `MaxIHaveMessages`).
    public var maxIHaveMessages = 10
    /// Message IDs requested from a peer per heartbeat (v1.1 `MaxIHaveLength`).
    public var maxIHaveLength = 5000
    /// Times one message is sent to one peer in answer to IWANT (v1.1 `GossipRetransmission`).
    public var gossipRetransmission = 3
    /// RPCs queued per peer before further ones are dropped.
    public var maxQueuedRPCsPerPeer = 1024
    /// Messages buffered per local subscription before the oldest undelivered are dropped.
    public var subscriptionBufferSize = 4096

    /// The spec defaults.
    public init() {}
}
