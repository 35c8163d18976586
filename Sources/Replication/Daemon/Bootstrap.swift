import LibP2P
import Logging

/// The bootstrap peers (`CACHE_BOOTSTRAP_PEERS`): parsing that skips bad entries, and a dial loop per peer that
/// retries with exponential back-off and redials after a disconnect.
struct Bootstrap: Sendable {
    /// The first retry delay.
    var initialDelay: Duration = .milliseconds(500)
    /// The longest retry delay.
    var maxDelay: Duration = .seconds(30)
    /// How often a connected bootstrap peer is checked for a disconnect.
    var checkInterval: Duration = .milliseconds(500)

    /// The usable entries of `entries`, and a warning naming each one that is skipped.
    static func parse(_ entries: [String], localPeer: PeerID) -> (addresses: [Multiaddr], warnings: [String]) {
        var addresses: [Multiaddr] = []
        var warnings: [String] = []
        for entry in entries {
            let address: Multiaddr
            do {
                address = try Multiaddr(parsing: entry)
            } catch {
                warnings.append("skipping bootstrap peer \(entry): \(error)")
                continue
            }
            let hasIP = address.components.contains {
                if case .ip4 = $0 { true } else if case .ip6 = $0 { true } else { false }
            }
            let hasTCP = address.components.contains { if case .tcp = $0 { true } else { false } }
            guard hasIP, hasTCP else {
                warnings.append(
                    "skipping bootstrap peer \(entry): expected /ip4/<address>/tcp/<port>/p2p/<peer id> (or /ip6/...)")
                continue
            }
            if address.peerID == localPeer { continue }  // our own address in a fleet-wide list
            if !addresses.contains(address) { addresses.append(address) }
        }
        return (addresses, warnings)
    }

    /// Keeps `host` connected to `address` until cancelled.
    func maintain(_ address: Multiaddr, host: LibP2P.Host, logger: Logger) async {
        var peer = address.peerID
        var delay = initialDelay
        var failures = 0
        while !Task.isCancelled {
            if let peer, host.isConnected(to: peer) {
                delay = initialDelay
                try? await Task.sleep(for: checkInterval)
                continue
            }
            do {
                peer = try await host.dial(address)
                if failures > 0 { logger.info("connected to bootstrap peer \(address) after \(failures) failed dials") }
                failures = 0
                delay = initialDelay
            } catch {
                failures += 1
                let level: Logger.Level = failures == 1 || failures.isMultiple(of: 10) ? .warning : .debug
                logger.log(
                    level: level, "cannot reach bootstrap peer \(address) (attempt \(failures)): \(error); retrying")
                let jitter = Double.random(in: 0.8...1.2)
                try? await Task.sleep(for: delay * jitter)
                delay = min(delay * 2, maxDelay)
            }
        }
    }
}
