import LibP2P
import Synchronization

/// How this daemon found a connected peer (`ghcache-stats` shows it as `via`).
enum PeerSource: String, Sendable {
    /// An address in `CACHE_BOOTSTRAP_PEERS`.
    case bootstrap
    /// An address a DNS name in `CACHE_BOOTSTRAP_PEERS` resolved to.
    case dns
    /// An mDNS answer on the local network.
    case mdns
    /// Another member's announcement on the fleet's control topic.
    case fleet
    /// A provider record under the fleet's key in the Kademlia DHT.
    case dht
    /// The peer dialled us.
    case inbound
}

/// Every dial the daemon makes on its own: it records how each peer was found, keeps discovery (DNS names, mDNS,
/// member announcements) within the connection target, and never dials this host's own addresses.
final class Dialer: Sendable {
    let host: LibP2P.Host
    /// The most connected peers before discovery stops dialling more (`CACHE_MAX_PEERS`).
    let maxPeers: Int
    /// This host's own addresses (without `/p2p/`): skipped when a name or an announcement leads back here.
    let ownAddresses: Set<Multiaddr>
    /// How each connected peer we dialled first was found (a peer that dialled first is `inbound`: see `source`).
    private let sources = Mutex<[PeerID: PeerSource]>([:])
    private let dialling = Mutex<Set<PeerID>>([])

    init(host: LibP2P.Host, maxPeers: Int, ownAddresses: [Multiaddr]) {
        self.host = host
        self.maxPeers = maxPeers
        self.ownAddresses = Set(ownAddresses.map(\.withoutPeerID))
    }

    /// Whether discovery may dial one more peer (the connection target is not reached).
    var hasRoom: Bool { host.connectedPeers.count < maxPeers }

    /// How `peer` was found, if it is connected and we know: a peer whose oldest connection it opened itself is
    /// `inbound`; one we dialled first is known once its dial returns.
    func source(of peer: PeerID) -> PeerSource? {
        sources.withLock { $0[peer] } ?? (host.isOutbound(peer) == false ? .inbound : nil)
    }

    /// Forgets a peer that disconnected, unless it is connected again: events arrive after the fact, so a
    /// reconnection (recorded by its dial) may come before the old connection's `disconnected`.
    func disconnected(_ peer: PeerID) {
        sources.withLock { if !host.isConnected(to: peer) { $0.removeValue(forKey: peer) } }
    }

    /// Whether `address` is one of this host's own.
    func isOwn(_ address: Multiaddr) -> Bool { ownAddresses.contains(address.withoutPeerID) }

    /// Dials `address` and records `source` for the peer unless it was connected (and so found) already.
    /// - Throws: the dial's error.
    @discardableResult
    func dial(_ address: Multiaddr, via source: PeerSource) async throws -> PeerID {
        let peer = try await host.dial(address)
        sources.withLock { if $0[peer] == nil, host.isOutbound(peer) == true { $0[peer] = source } }
        return peer
    }

    /// Dials the first of `addresses` that answers as `peer`, unless the connection target is reached; records
    /// `source`. Loopback addresses are tried only when the peer announced nothing else (they would reach this
    /// machine, not the peer, unless both run on one machine). Returns whether `peer` is connected afterwards.
    @discardableResult
    func dialAny(_ addresses: [Multiaddr], peer: PeerID, via source: PeerSource) async -> Bool {
        if host.isConnected(to: peer) { return true }
        guard peer != host.peerID, hasRoom, dialling.withLock({ $0.insert(peer).inserted }) else { return false }
        defer { _ = dialling.withLock { $0.remove(peer) } }
        let external = addresses.filter { !$0.isLoopback }
        for address in (external.isEmpty ? addresses : external) where !isOwn(address) {
            var target = address.withoutPeerID
            target = target.appending(.p2p(peer))
            if (try? await dial(target, via: source)) == peer { return true }
        }
        return false
    }
}
