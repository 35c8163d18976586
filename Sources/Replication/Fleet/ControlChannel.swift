import CacheCore
import Foundation
import LibP2P
import Logging
import Synchronization

/// The fleet's control topic: this daemon announces itself (so every member knows every other one, and the owner of
/// every key), learns the other members, and dials the ones it is not connected to, so fills go straight to the
/// owner however the bootstrap lists were drawn.
final class ControlChannel: Sendable {
    let gossip: GossipSub
    let codec: FleetCodec
    let membership: Membership
    let addresses: [Multiaddr]
    let intake: EntryIntake
    /// Dials the members this host is not connected to (within the connection target).
    let dialer: Dialer
    let logger: Logger
    /// Applies an invalidation received from a peer (the daemon marks and, with `refresh`, revalidates).
    let onInvalidation: @Sendable (Invalidation) -> Void
    private let announcePending = Mutex(false)

    init(
        gossip: GossipSub, codec: FleetCodec, membership: Membership, addresses: [Multiaddr], intake: EntryIntake,
        dialer: Dialer, logger: Logger, onInvalidation: @escaping @Sendable (Invalidation) -> Void
    ) {
        self.onInvalidation = onInvalidation
        self.dialer = dialer
        self.gossip = gossip
        self.codec = codec
        self.membership = membership
        self.addresses = addresses
        self.intake = intake
        self.logger = logger
    }

    /// The most members dialled in one round.
    static let dialsPerRound = 16

    var topic: String { codec.topic + "/control" }
    /// The topics followed: ``topic`` and, during a rotation of the fleet secret, the previous key's.
    var topics: [String] { [topic] + codec.previousTopics.map { $0 + "/control" } }

    /// Publishes this daemon's announcement.
    func announce() async {
        let message = ControlMessage.member(
            peer: membership.localPeer.description, addresses: addresses.map(\.description))
        do {
            _ = try await gossip.publish(topic: topic, data: try codec.sealMessage(message))
        } catch {
            logger.debug("cannot announce on the control topic: \(error)")
        }
    }

    /// Publishes an invalidation to the fleet.
    func publish(_ invalidation: Invalidation) async {
        do {
            _ = try await gossip.publish(
                topic: topic, data: try codec.sealMessage(ControlMessage.invalidate(invalidation)))
        } catch {
            logger.warning("cannot tell the fleet about an invalidation: \(error)")
        }
    }

    /// Announces once within `delay`, however often it is asked meanwhile: after a new connection, and when a new
    /// member appears (so a newcomer learns every member within a moment, not at their next periodic announcement).
    func announceSoon(delay: Duration = .milliseconds(200)) {
        let first = announcePending.withLock { pending in
            defer { pending = true }
            return !pending
        }
        guard first else { return }
        Task {
            try? await Task.sleep(for: delay)
            announcePending.withLock { $0 = false }
            await announce()
        }
    }

    /// Announces every `interval` and dials live members this host is not connected to, until cancelled.
    func run(interval: Duration) async {
        while !Task.isCancelled {
            await announce()
            await dialMissingMembers()
            try? await Task.sleep(for: interval)
        }
    }

    private func dialMissingMembers() async {
        let host = gossip.host
        let room = max(0, dialer.maxPeers - host.connectedPeers.count)
        let missing = membership.live().filter { !host.isConnected(to: $0.key) }.prefix(min(Self.dialsPerRound, room))
        await withDiscardingTaskGroup { group in
            for (peer, addresses) in missing {
                group.addTask {
                    if await self.dialer.dialAny(addresses, peer: peer, via: .fleet) { return }
                    self.logger.debug("cannot dial fleet member \(peer) at any announced address")
                }
            }
        }
    }

    /// The topic validator: records announcements (the signed sender must be the announced peer).
    func validate(_ message: PubsubMessage) -> ValidationResult {
        let control: ControlMessage
        do {
            control = try codec.openMessage(ControlMessage.self, from: message.data)
        } catch {
            intake.count([Counter.gossipRejected(error.reason.rawValue): 1])
            return error.reason == .expired ? .ignore : .reject
        }
        switch control.type {
        case .member:
            guard control.peer == message.from.description, let texts = control.addrs,
                texts.count <= ControlMessage.maxItems
            else {
                intake.count([Counter.gossipRejected(RejectReason.malformed.rawValue): 1])
                return .reject
            }
            let addresses = texts.compactMap { try? Multiaddr(parsing: $0) }.filter { $0.peerID == message.from }
            if membership.heard(message.from, addresses: addresses) {
                logger.info("fleet member \(message.from) joined", metadata: ["ghcache.peer": "\(message.from)"])
                announceSoon()
            }
            return .accept
        case .invalidate:
            guard var invalidation = control.invalidation else {
                intake.count([Counter.gossipRejected(RejectReason.malformed.rawValue): 1])
                return .reject
            }
            // A peer's clock may run ahead; an invalidation is never dated after its arrival.
            invalidation.at = min(invalidation.at, intake.clock())
            onInvalidation(invalidation)
            return .accept
        }
    }
}
