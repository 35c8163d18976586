import LibP2P
import Logging
import Synchronization

/// The fleet's rendezvous on the Kademlia DHT (`CACHE_DHT`): at start-up and every `interval`, the daemon provides
/// the fleet's DHT key (``FleetKey/dhtKey``) to the DHT servers closest to it and looks up the key's other
/// providers, then dials those it is not connected to (within `CACHE_MAX_PEERS`, recorded as `via: dht`).
///
/// The DHT servers are whatever bootstrap peers (and, in server mode, other daemons) identify as serving
/// `/ipfs/kad/1.0.0`: ``KadDHT`` adds them to its routing table as they connect. A provider record is only a
/// candidate: the dial authenticates the peer ID with Noise, and only the fleet key makes it a member (its gossip
/// and sync are rejected otherwise). A provider dialled here that has not announced itself as a member (on the
/// control topic, sealed with the fleet key) within `probation` is disconnected and not dialled again for
/// `rejectionTime`, so forged records cannot hold the connection target.
struct Rendezvous: Sendable {
    let dht: KadDHT
    let key: [UInt8]
    let dialer: Dialer
    /// The addresses announced in our provider records.
    let addresses: [Multiaddr]
    let interval: Duration
    /// Whether a peer is a fleet member (it announced itself with the fleet key recently).
    let isMember: @Sendable (PeerID) -> Bool
    /// How long a provider dialled through the DHT has to prove membership.
    var probation: Duration
    /// How long a provider that failed probation is not dialled again.
    var rejectionTime: Duration = .seconds(3600)
    /// How often to check for a first DHT server while the routing table is empty.
    var waitInterval: Duration = .milliseconds(250)
    /// Providers that failed probation, until when (at most ``maxRejected``; the oldest go first).
    let rejected = Rejected()
    /// The most providers remembered as rejected.
    static let maxRejected = 1024

    final class Rejected: Sendable {
        private let until = Mutex<[PeerID: ContinuousClock.Instant]>([:])

        func contains(_ peer: PeerID, now: ContinuousClock.Instant = .now) -> Bool {
            until.withLock { ($0[peer] ?? now) > now }
        }

        func insert(_ peer: PeerID, until deadline: ContinuousClock.Instant) {
            until.withLock { map in
                let now = ContinuousClock.now
                map = map.filter { $0.value > now }
                if map.count >= Rendezvous.maxRejected, let oldest = map.min(by: { $0.value < $1.value })?.key {
                    map[oldest] = nil
                }
                map[peer] = deadline
            }
        }
    }

    /// Runs rounds (and the probation of the providers they dialled) until cancelled.
    func run(logger: Logger) async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.rounds(logger: logger) }
            group.addTask { await self.enforceProbation(logger: logger) }
        }
    }

    /// Disconnects peers dialled through the DHT that are still not members `probation` after they connected.
    private func enforceProbation(logger: Logger) async {
        var since: [PeerID: ContinuousClock.Instant] = [:]
        while !Task.isCancelled {
            let now = ContinuousClock.now
            let candidates = dialer.host.connectedPeers.filter { dialer.source(of: $0) == .dht && !isMember($0) }
            since = since.filter { candidates.contains($0.key) }
            for peer in candidates {
                let first = since[peer] ?? now
                since[peer] = first
                if now - first >= probation {
                    logger.warning(
                        "DHT provider \(peer) did not prove fleet membership within \(probation): disconnected")
                    rejected.insert(peer, until: now + rejectionTime)
                    since[peer] = nil
                    dialer.host.closeConnection(to: peer)
                }
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    private func rounds(logger: Logger) async {
        var rounds = 0
        var lastFailure = ""
        while !Task.isCancelled {
            guard dht.hasServers else {
                try? await Task.sleep(for: waitInterval)
                continue
            }
            do {
                let found = try await round(logger: logger)
                rounds += 1
                if rounds == 1 { logger.info("DHT rendezvous: \(found) other provider(s) of the fleet key") }
                lastFailure = ""
            } catch {
                let text = "\(error)"
                if text != lastFailure { logger.warning("DHT rendezvous failed: \(text); retrying in \(interval)") }
                lastFailure = text
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// One round: provide, look up, dial. Returns how many other providers were found.
    func round(logger: Logger) async throws -> Int {
        let reached = try await dht.provide(key, addresses: addresses)
        let providers = try await dht.findProviders(of: key, count: dialer.maxPeers + 1)
            .filter { $0.id != dialer.host.peerID }
        logger.debug(
            "DHT round: provided to \(reached) server(s); other providers: \(providers.map { "\($0.id) \($0.addresses)" })"
        )
        await withDiscardingTaskGroup { group in
            for provider in providers where !dialer.host.isConnected(to: provider.id) && !rejected.contains(provider.id)
            {
                let tcp = provider.addresses.filter { !$0.isDNS && $0.tcpPort != nil }
                group.addTask {
                    let connected = await dialer.dialAny(tcp, peer: provider.id, via: .dht)
                    logger.debug("DHT provider \(provider.id) at \(tcp.map(\.description)): connected \(connected)")
                }
            }
        }
        return providers.count
    }
}
