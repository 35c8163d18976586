import Crypto
import LibP2P
import Synchronization

/// The fleet as this daemon knows it: the peers that announced themselves on the control topic recently (with the
/// addresses to dial them), and the owner of every key among them (rendezvous hashing).
///
/// Rendezvous (highest-random-weight) hashing: the owners of a key are the members ordered by
/// `SHA-256(peer ID bytes ‖ key)`, highest first. Every daemon with the same member list computes the same order,
/// and a peer joining or leaving moves only the keys it wins or held (about 1/N of them).
final class Membership: Sendable {
    /// One announced peer.
    struct Member: Sendable, Equatable {
        /// Where it can be dialled.
        var addresses: [Multiaddr]
        /// When its last announcement arrived.
        var lastSeen: ContinuousClock.Instant
        /// Not chosen as an owner before this instant (a fill to it failed, or it disconnected).
        var suspectUntil: ContinuousClock.Instant?
    }

    /// This daemon's peer ID (always a member, never expires).
    let localPeer: PeerID
    /// A member whose last announcement is older than this is forgotten.
    let expiry: Duration
    private let members = Mutex<[PeerID: Member]>([:])

    /// The most members kept (announcements from more peers than this are ignored until some expire).
    static let maxMembers = 1024

    init(localPeer: PeerID, expiry: Duration) {
        self.localPeer = localPeer
        self.expiry = expiry
    }

    /// Records an announcement from `peer`. Returns `true` when the peer was not a live member before.
    @discardableResult
    func heard(_ peer: PeerID, addresses: [Multiaddr], now: ContinuousClock.Instant = .now) -> Bool {
        guard peer != localPeer else { return false }
        return members.withLock { members in
            let wasLive = members[peer].map { now - $0.lastSeen <= expiry } ?? false
            guard members[peer] != nil || members.count < Self.maxMembers else { return false }
            members[peer] = Member(addresses: addresses, lastSeen: now, suspectUntil: members[peer]?.suspectUntil)
            return !wasLive
        }
    }

    /// Keeps `peer` out of owner lists for `duration` (it failed a fill or went away); a later announcement does not
    /// lift this early.
    func suspect(_ peer: PeerID, for duration: Duration, now: ContinuousClock.Instant = .now) {
        members.withLock { members in
            guard var member = members[peer] else { return }
            member.suspectUntil = now + duration
            members[peer] = member
        }
    }

    /// Drops `peer` (it disconnected); its next announcement brings it back.
    func forget(_ peer: PeerID) {
        _ = members.withLock { $0.removeValue(forKey: peer) }
    }

    /// The live members other than this daemon, with their addresses (expired ones are dropped).
    func live(now: ContinuousClock.Instant = .now) -> [PeerID: [Multiaddr]] {
        members.withLock { members in
            members = members.filter { now - $0.value.lastSeen <= expiry }
            return members.mapValues(\.addresses)
        }
    }

    /// The addresses `peer` announced.
    func addresses(of peer: PeerID) -> [Multiaddr] {
        members.withLock { $0[peer]?.addresses ?? [] }
    }

    /// The owners of `key`, best first: this daemon and every live, unsuspected member, in rendezvous order.
    func owners(of key: String, now: ContinuousClock.Instant = .now) -> [PeerID] {
        let candidates = members.withLock { members in
            members.compactMap { peer, member -> PeerID? in
                guard now - member.lastSeen <= expiry, member.suspectUntil.map({ now >= $0 }) ?? true else {
                    return nil
                }
                return peer
            }
        }
        return Self.rank([localPeer] + candidates, key: key)
    }

    /// `peers` in rendezvous order for `key` (highest weight first; ties, which need a SHA-256 collision of the
    /// first 8 bytes, broken by peer ID bytes).
    static func rank(_ peers: [PeerID], key: String) -> [PeerID] {
        peers.map { (peer: $0, weight: weight($0, key: key)) }
            .sorted {
                $0.weight != $1.weight ? $0.weight > $1.weight : $0.peer.bytes.lexicographicallyPrecedes($1.peer.bytes)
            }
            .map(\.peer)
    }

    /// The rendezvous weight of `peer` for `key`: the first 8 bytes of SHA-256(peer ID bytes ‖ UTF-8 key), big-endian.
    static func weight(_ peer: PeerID, key: String) -> UInt64 {
        var hash = SHA256()
        hash.update(data: peer.bytes)
        hash.update(data: Array(key.utf8))
        return hash.finalize().prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
