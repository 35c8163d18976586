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

    /// How often the DNS names of the list are resolved again (new addresses are dialled).
    var resolveInterval: Duration = .seconds(30)
    /// The longest wait for one DNS look-up.
    var resolveTimeout: Duration = .seconds(5)

    /// The usable entries of `entries`, split into IP addresses and DNS names (`/dns4/runners.internal/tcp/9000`, a
    /// `/p2p/` part optional), and a warning naming each one that is skipped.
    static func parse(_ entries: [String], localPeer: PeerID) -> (
        addresses: [Multiaddr], names: [Multiaddr], warnings: [String]
    ) {
        var addresses: [Multiaddr] = []
        var names: [Multiaddr] = []
        var warnings: [String] = []
        for entry in entries {
            let address: Multiaddr
            do {
                address = try Multiaddr(parsing: entry)
            } catch {
                warnings.append("skipping bootstrap peer \(entry): \(error)")
                continue
            }
            let host = address.withoutPeerID.components.first
            let hasIP: Bool
            switch host {
            case .ip4, .ip6: hasIP = true
            default: hasIP = false
            }
            let shape = address.withoutPeerID.components.count == 2
            let hasTCP = shape && { if case .tcp = address.withoutPeerID.components[1] { true } else { false } }()
            guard (hasIP || address.isDNS), hasTCP else {
                warnings.append(
                    "skipping bootstrap peer \(entry): expected /ip4/<address>/tcp/<port>/p2p/<peer id> (or /ip6/...), "
                        + "or /dns4/<name>/tcp/<port> (or /dns/, /dns6/)")
                continue
            }
            if address.peerID == localPeer { continue }  // our own address in a fleet-wide list
            if address.isDNS {
                if !names.contains(address) { names.append(address) }
            } else if !addresses.contains(address) {
                addresses.append(address)
            }
        }
        return (addresses, names, warnings)
    }

    /// Keeps the host connected to `address` until cancelled.
    func maintain(_ address: Multiaddr, dialer: Dialer, logger: Logger) async {
        let host = dialer.host
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
                peer = try await dialer.dial(address, via: .bootstrap)
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

extension Bootstrap {
    /// Keeps the host connected to every address a DNS name resolves to, until cancelled: resolves `name` at once
    /// and every ``resolveInterval``, dials each new address (the peer ID comes from the Noise handshake unless the
    /// entry has `/p2p/`), redials addresses whose peer went away with back-off, and leaves this host's own address
    /// out (a Kubernetes headless service lists the pod itself). Dials stop at the connection target.
    func maintain(name: Multiaddr, dialer: Dialer, logger: Logger) async {
        struct Target {
            var peer: PeerID?
            var delay: Duration
            var notBefore: ContinuousClock.Instant
            var failures = 0
        }
        let host = dialer.host
        var targets: [Multiaddr: Target] = [:]
        var nextResolve = ContinuousClock.now
        var resolveFailures = 0
        var own = Set<Multiaddr>()
        while !Task.isCancelled {
            if ContinuousClock.now >= nextResolve {
                nextResolve = ContinuousClock.now + resolveInterval
                do {
                    let resolved = try await DNSResolver.resolve(name.withoutPeerID, timeout: resolveTimeout)
                        .filter { !dialer.isOwn($0) && !own.contains($0) }
                    if resolveFailures > 0 { logger.info("\(name) resolves again") }
                    resolveFailures = 0
                    for address in resolved where targets[address] == nil {
                        logger.debug("\(name) resolves to \(address)")
                        targets[address] = Target(delay: initialDelay, notBefore: .now)
                    }
                    // Addresses the name no longer lists are not redialled (their connections stay).
                    targets = targets.filter { resolved.contains($0.key) }
                } catch {
                    resolveFailures += 1
                    let level: Logger.Level =
                        resolveFailures == 1 || resolveFailures.isMultiple(of: 10) ? .warning : .debug
                    logger.log(level: level, "bootstrap name \(name): \(error); trying again in \(resolveInterval)")
                }
            }
            let now = ContinuousClock.now
            let due = targets.filter { address, target in
                now >= target.notBefore && !(target.peer.map { host.isConnected(to: $0) } ?? false)
            }
            if !due.isEmpty && dialer.hasRoom {
                let outcomes = await withTaskGroup(of: (Multiaddr, Result<PeerID, any Error>).self) { group in
                    for address in due.keys.prefix(Self.dialsPerRound) {
                        let target = name.peerID.map { address.appending(.p2p($0)) } ?? address
                        group.addTask {
                            do {
                                return (address, .success(try await dialer.dial(target, via: .dns)))
                            } catch {
                                return (address, .failure(error))
                            }
                        }
                    }
                    var outcomes: [(Multiaddr, Result<PeerID, any Error>)] = []
                    for await outcome in group { outcomes.append(outcome) }
                    return outcomes
                }
                for (address, outcome) in outcomes {
                    guard var target = targets[address] else { continue }
                    switch outcome {
                    case .success(let peer):
                        if target.failures > 0 {
                            logger.info("connected to \(address) (\(name)) after \(target.failures) failed dials")
                        }
                        target = Target(peer: peer, delay: initialDelay, notBefore: .now)
                    case .failure(let error) where Self.leadsBackHere(error):
                        own.insert(address)  // an address of this host that `isOwn` did not know
                        targets[address] = nil
                        continue
                    case .failure(let error):
                        target.failures += 1
                        let level: Logger.Level =
                            target.failures == 1 || target.failures.isMultiple(of: 10) ? .warning : .debug
                        logger.log(
                            level: level,
                            "cannot reach \(address) (\(name), attempt \(target.failures)): \(error); retrying")
                        target.notBefore = .now + target.delay * Double.random(in: 0.8...1.2)
                        target.delay = min(target.delay * 2, maxDelay)
                    }
                    targets[address] = target
                }
            }
            try? await Task.sleep(for: checkInterval)
        }
    }

    /// The most addresses of one name dialled at once.
    static let dialsPerRound = 16

    /// Whether a dial failed because the address is this host's own.
    static func leadsBackHere(_ error: any Error) -> Bool {
        if case .dialedSelf? = error as? HostError { return true }
        return false
    }
}
