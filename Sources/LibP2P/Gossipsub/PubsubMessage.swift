/// A validated message delivered to a local subscriber.
public struct PubsubMessage: Sendable, Equatable {
    /// The message ID: `from ‖ seqno`.
    public let id: [UInt8]
    /// The originator (who signed it).
    public let from: PeerID
    /// The originator's sequence number.
    public let seqno: [UInt8]
    /// The topic of the subscription it is delivered to.
    public let topic: String
    /// The payload.
    public let data: [UInt8]
    /// The peer that sent it to us (the originator or a relay).
    public let receivedFrom: PeerID
}

/// What a topic validator decides about a received message (`pubsub/README.md` §Message validation).
public enum ValidationResult: Sendable, Equatable {
    /// Deliver and forward.
    case accept
    /// Drop, do not forward, count as rejected (the message is invalid).
    case reject
    /// Drop and do not forward, without blaming the sender (e.g. stale or unwanted).
    case ignore
}

/// Why a received message or RPC was rejected; the keys of `GossipCounters.rejected`.
public enum GossipRejectReason: String, Error, Sendable, CaseIterable, Codable {
    /// The RPC could not be decoded.
    case malformedRPC = "malformed_rpc"
    /// The RPC exceeded the size limit.
    case oversizedRPC = "oversized_rpc"
    /// The message has no (valid) `from`, no `seqno` or no topic.
    case malformedMessage = "malformed_message"
    /// The message is not signed (StrictSign).
    case unsigned
    /// The `key` field does not match `from`, or no key can be derived.
    case keyMismatch = "key_mismatch"
    /// The signature does not verify.
    case invalidSignature = "invalid_signature"
    /// A topic validator returned `.reject`.
    case validator
}

/// Message counters of a router since it started.
public struct GossipCounters: Sendable, Equatable, Codable {
    /// Messages published by this node.
    public var published = 0
    /// Messages received from peers (including duplicates and invalid ones).
    public var received = 0
    /// Deliveries to local subscriptions (one per subscribed topic of a message).
    public var delivered = 0
    /// Received messages already seen.
    public var duplicates = 0
    /// Message copies sent to peers while relaying others' messages.
    public var forwarded = 0
    /// Messages dropped without blame: topic not subscribed, our own message echoed, or a
    /// validator returned `.ignore`.
    public var ignored = 0
    /// Rejected messages and RPCs by reason.
    public var rejected: [GossipRejectReason: Int] = [:]
    /// RPCs to peers dropped because the peer's send queue was full or its stream failed.
    public var droppedOutbound = 0
    /// Deliveries dropped because a local subscriber fell too far behind.
    public var droppedLocal = 0

    /// All counters zero.
    public init() {}
}
