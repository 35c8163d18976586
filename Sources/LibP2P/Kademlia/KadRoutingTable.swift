import Crypto

/// A point in the Kademlia key space: SHA-256 of a key's bytes (a peer's binary ID, or a provider key), as the
/// spec and py-libp2p define it; distance is the XOR of two points read as a 256-bit big-endian number.
public struct KadPoint: Hashable, Sendable, Comparable {
    /// The 32 bytes.
    public let bytes: [UInt8]

    /// The point of `key`.
    public init(key: [UInt8]) {
        bytes = Array(SHA256.hash(data: key))
    }

    /// The point of a peer.
    public init(peer: PeerID) {
        self.init(key: peer.bytes)
    }

    private init(raw: [UInt8]) {
        bytes = raw
    }

    /// The XOR distance to `other`, itself a point (compare distances with `<`).
    public func distance(to other: KadPoint) -> KadPoint {
        KadPoint(raw: zip(bytes, other.bytes).map { $0 ^ $1 })
    }

    /// The number of leading bits this point shares with `other` (256 when equal).
    public func commonPrefixLength(with other: KadPoint) -> Int {
        for (index, (a, b)) in zip(bytes, other.bytes).enumerated() where a != b {
            return index * 8 + (a ^ b).leadingZeroBitCount
        }
        return 256
    }

    public static func < (lhs: KadPoint, rhs: KadPoint) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}

/// The Kademlia routing table: DHT servers we know, in k-buckets by the length of the prefix their point shares
/// with ours. A bucket holds at most `bucketSize` peers; when it is full a new peer is refused (long-lived peers
/// are the likeliest to stay, and a flood of new identities cannot push them out), until one of them fails.
struct KadRoutingTable: Sendable {
    /// A peer in the table.
    struct Entry: Sendable {
        var peer: PeerID
        var addresses: [Multiaddr]
        var lastSeen: ContinuousClock.Instant
    }

    let local: KadPoint
    let bucketSize: Int
    private(set) var buckets: [[Entry]] = Array(repeating: [], count: 257)

    init(local: PeerID, bucketSize: Int) {
        self.local = KadPoint(peer: local)
        self.bucketSize = bucketSize
    }

    /// The number of peers in the table.
    var count: Int { buckets.reduce(0) { $0 + $1.count } }

    /// Every peer in the table.
    var peers: [PeerID] { buckets.flatMap { $0.map(\.peer) } }

    private func bucket(of peer: PeerID) -> Int { local.commonPrefixLength(with: KadPoint(peer: peer)) }

    /// Adds `peer` or refreshes it (moved to the bucket's tail; new addresses replace the old unless empty).
    /// Returns `false` when its bucket is full or the peer is ourselves.
    @discardableResult
    mutating func add(_ peer: PeerID, addresses: [Multiaddr]) -> Bool {
        let index = bucket(of: peer)
        guard index < 256 else { return false }
        let kept = Array(addresses.prefix(KadMessage.maxAddresses))
        if let position = buckets[index].firstIndex(where: { $0.peer == peer }) {
            var entry = buckets[index].remove(at: position)
            if !kept.isEmpty { entry.addresses = kept }
            entry.lastSeen = .now
            buckets[index].append(entry)
            return true
        }
        guard buckets[index].count < bucketSize else { return false }
        buckets[index].append(Entry(peer: peer, addresses: kept, lastSeen: .now))
        return true
    }

    /// Removes `peer` (it failed to answer).
    mutating func remove(_ peer: PeerID) {
        let index = bucket(of: peer)
        guard index < 256 else { return }
        buckets[index].removeAll { $0.peer == peer }
    }

    /// The addresses known for `peer`, if it is in the table.
    func addresses(of peer: PeerID) -> [Multiaddr]? {
        let index = bucket(of: peer)
        guard index < 256 else { return nil }
        return buckets[index].first { $0.peer == peer }?.addresses
    }

    /// The `count` peers closest to `key`, nearest first, leaving out `excluding`.
    func closest(to key: [UInt8], count: Int, excluding: PeerID? = nil) -> [Entry] {
        let target = KadPoint(key: key)
        return buckets.joined()
            .filter { $0.peer != excluding }
            .map { (entry: $0, distance: KadPoint(peer: $0.peer).distance(to: target)) }
            .sorted { $0.distance < $1.distance }
            .prefix(count)
            .map { $0.entry }
    }
}
