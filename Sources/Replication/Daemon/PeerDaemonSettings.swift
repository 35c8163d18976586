import CacheCore
import Foundation
import LibP2P

/// What a ``PeerDaemon`` needs, usually built from CacheCore's `Configuration` with ``init(configuration:secret:)``.
public struct PeerDaemonSettings: Sendable {
    /// The cache directory: store, identity key, local socket.
    public var cacheDirectory: String
    /// The IP address to listen on (`0.0.0.0` for every IPv4 interface).
    public var listenAddress: String
    /// The TCP port to listen on (0 picks a free one).
    public var listenPort: Int
    /// Multiaddrs to keep connected to, as typed (bad ones are skipped with a warning).
    public var bootstrapPeers: [String]
    /// The fleet secret the key and topic derive from.
    public var secret: FleetSecret
    /// The most entries one join-time sync asks for.
    public var maxEntries: Int
    /// How often the store is tailed for local rows the socket did not announce.
    public var tailInterval: Duration = .seconds(1)
    /// libp2p host limits and timeouts.
    public var host = HostConfiguration()
    /// Gossipsub parameters.
    public var gossip = GossipParameters()
    /// The datagram socket `ghcache-get` notifies (`$CACHE_DIR/peer.sock`).
    public var socketPath: String
    /// Bootstrap dialing back-off.
    var bootstrap = Bootstrap()
    /// The configuration the daemon's own lookups (fills it serves for other runners, refresh-ahead) run with.
    public var configuration: Configuration
    /// How often this daemon announces itself on the control topic (and dials members it is not connected to).
    public var announceInterval: Duration = .seconds(5)
    /// A member not heard from for this long is no longer an owner of anything.
    public var memberExpiry: Duration = .seconds(16)
    /// How long after a webhook's invalidation the owners revalidate the changed keys (GitHub's ETags can lag).
    public var invalidationRefreshDelay: Duration = .seconds(3)
    /// How long refresh-ahead and prewarming wait after start-up to learn the fleet's members (`nil`: two
    /// announcement intervals).
    public var refreshStartDelay: Duration?
    /// How often refresh-ahead looks for keys about to expire.
    public var refreshInterval: Duration = .milliseconds(250)
    /// Whether to find and announce peers with mDNS on the local network (never on a loopback-only listener).
    public var mdns: Bool
    /// The connection target: discovery (DNS names, mDNS, member announcements) dials no more once this many peers
    /// are connected.
    public var maxPeers: Int
    /// Whether to find the fleet through the Kademlia DHT of the bootstrap peers that serve it.
    public var dht: Bool
    /// Whether to serve the DHT to others (answer lookups, keep provider records).
    public var dhtServer: Bool
    /// How often the fleet's DHT key is provided and its providers looked up.
    public var dhtRefresh: Duration
    /// Kademlia limits and timings.
    public var kad = KadConfiguration()

    /// Settings from a loaded configuration and a resolved fleet secret.
    public init(configuration: Configuration, secret: FleetSecret) {
        cacheDirectory = configuration.cacheDir
        listenAddress = configuration.listenAddress
        listenPort = configuration.listenPort
        bootstrapPeers = configuration.bootstrapPeers
        self.secret = secret
        maxEntries = configuration.maxEntries
        socketPath = configuration.peerSocketPath
        host.agentVersion = "ghcache-peer/\(GHCacheVersion.current)"
        mdns = configuration.mdns
        maxPeers = configuration.maxPeers
        dht = configuration.dht
        dhtServer = configuration.dhtServer
        dhtRefresh = .milliseconds(Int(configuration.dhtRefresh * 1000))
        bootstrap.resolveInterval = .milliseconds(Int(configuration.dnsRefresh * 1000))
        self.configuration = configuration
    }

    /// The identity key file (`$CACHE_DIR/peer-identity.key`, mode 0600).
    public var identityPath: String { Self.identityPath(in: cacheDirectory) }

    /// The identity key file in `cacheDirectory`.
    public static func identityPath(in cacheDirectory: String) -> String {
        (cacheDirectory as NSString).appendingPathComponent("peer-identity.key")
    }
}
