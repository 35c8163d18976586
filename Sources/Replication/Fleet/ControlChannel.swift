import CacheCore
import Foundation
import LibP2P
import Logging

/// The fleet's control topic: this daemon announces itself (so every member knows every other one, and the owner of
/// every key), learns the other members, and dials the ones it is not connected to, so fills go straight to the
/// owner however the bootstrap lists were drawn.
struct ControlChannel: Sendable {
    let gossip: GossipSub
    let codec: FleetCodec
    let membership: Membership
    let addresses: [Multiaddr]
    let intake: EntryIntake
    /// Dials the members this host is not connected to (within the connection target).
    let dialer: Dialer
    let logger: Logger

    /// The most members dialled in one round.
    static let dialsPerRound = 16

    var topic: String { codec.topic + "/control" }

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
                    if await dialer.dialAny(addresses, peer: peer, via: .fleet) { return }
                    logger.debug("cannot dial fleet member \(peer) at any announced address")
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
            }
            return .accept
        case .invalidate:
            return .ignore
        }
    }
}
