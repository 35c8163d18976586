import LibP2P
import Logging

/// The fleet's rendezvous on the Kademlia DHT (`CACHE_DHT`): at start-up and every `interval`, the daemon provides
/// the fleet's DHT key (``FleetKey/dhtKey``) to the DHT servers closest to it and looks up the key's other
/// providers, then dials those it is not connected to (within `CACHE_MAX_PEERS`, recorded as `via: dht`).
///
/// The DHT servers are whatever bootstrap peers (and, in server mode, other daemons) identify as serving
/// `/ipfs/kad/1.0.0`: ``KadDHT`` adds them to its routing table as they connect. A provider record is only a
/// candidate: the dial authenticates the peer ID with Noise, and only the fleet key makes it a member (its gossip
/// and sync are rejected otherwise), so a forged record costs one refused dial.
struct Rendezvous: Sendable {
    let dht: KadDHT
    let key: [UInt8]
    let dialer: Dialer
    /// The addresses announced in our provider records.
    let addresses: [Multiaddr]
    let interval: Duration
    /// How often to check for a first DHT server while the routing table is empty.
    var waitInterval: Duration = .milliseconds(250)

    /// Runs rounds until cancelled.
    func run(logger: Logger) async {
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
            for provider in providers where !dialer.host.isConnected(to: provider.id) {
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
