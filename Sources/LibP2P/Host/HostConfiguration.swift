/// Limits and timeouts of a `Host`. The defaults suit py-libp2p peers on a LAN.
public struct HostConfiguration: Sendable {
    /// TCP connect plus security and muxer negotiation, per dial.
    public var dialTimeout: Duration = .seconds(10)
    /// Security and muxer negotiation of an inbound connection.
    public var handshakeTimeout: Duration = .seconds(10)
    /// multistream-select on a new stream.
    public var negotiationTimeout: Duration = .seconds(10)
    /// How long a stream write waits for the peer to grant window credit.
    public var windowTimeout: Duration = .seconds(10)
    /// Streams open at once per connection (both directions); more are refused with RST.
    public var maxStreamsPerConnection = 256
    /// Received bytes buffered per stream before the stream is reset.
    public var maxBufferedBytesPerStream = 1024 * 1024
    /// Connections kept per peer (simultaneous dials may create two); more are closed.
    public var maxConnectionsPerPeer = 3
    /// Inbound connections held at once (all peers); more are refused.
    public var maxInboundConnections = 256
    /// The `agentVersion` sent in identify.
    public var agentVersion = "swift-libp2p/0.1"
    /// Whether to ask every new peer for its identify record.
    public var identifyOnConnect = true

    /// The default configuration.
    public init() {}

    var yamux: YamuxSession.Configuration {
        var c = YamuxSession.Configuration()
        c.maxStreams = maxStreamsPerConnection
        c.maxBufferedBytesPerStream = max(maxBufferedBytesPerStream, YamuxSession.initialWindow)
        c.windowTimeout = windowTimeout
        return c
    }
}

/// A change in the set of connected peers.
public enum PeerEvent: Sendable, Hashable {
    /// The first connection to the peer was established.
    case connected(PeerID)
    /// The last connection to the peer closed.
    case disconnected(PeerID)
}

/// A host-level failure with a message meant for users.
public enum HostError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The multiaddr cannot be dialed or listened on.
    case unsupportedAddress(String)
    /// There is no open connection to the peer.
    case notConnected(PeerID)
    /// An operation did not finish in time.
    case timeout(String)
    /// The host was shut down.
    case shutDown
    /// The connection failed before it was established.
    case connectionFailed(String)
    /// The address leads back to this host (its own peer ID answered the handshake).
    case dialedSelf(String)

    public var description: String {
        switch self {
        case .unsupportedAddress(let addr):
            "cannot use the address \(addr): expected /ip4/<ip>/tcp/<port>[/p2p/<peer id>] or /ip6/..."
        case .notConnected(let peer): "not connected to peer \(peer)"
        case .timeout(let what): "timed out: \(what)"
        case .shutDown: "the libp2p host was shut down"
        case .connectionFailed(let why): "connection failed: \(why)"
        case .dialedSelf(let address): "\(address) is this host"
        }
    }
}
