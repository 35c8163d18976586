/// One Kademlia DHT RPC (`kad-dht/README.md`, proto `Message`), as sent on `/ipfs/kad/1.0.0` with a uvarint
/// length prefix.
///
/// Decoding is bounded: a message may be at most ``maxSize`` bytes, carry at most ``maxPeers`` peers in each list
/// and ``maxAddresses`` addresses per peer (extra ones are dropped), and a key of at most ``maxKeyLength`` bytes.
/// Peers whose ID is not a valid peer ID and addresses we cannot parse are skipped, as identify does; a trailing
/// `/p2p/<the peer's ID>` (py-libp2p adds one) is removed from addresses. The record
/// (field 3, PUT/GET_VALUE) and the signed peer records (fields 11 and Peer.4) are not used here and are skipped.
public struct KadMessage: Sendable, Equatable {
    /// The largest message read from a peer. py-libp2p's replies carry a signed envelope per peer (about 300 bytes
    /// each with addresses), so twenty closer peers plus twenty providers fit in a few tens of KiB.
    public static let maxSize = 256 * 1024
    /// The most peers kept per list (`closerPeers`, `providerPeers`).
    public static let maxPeers = 64
    /// The most addresses kept per peer.
    public static let maxAddresses = 16
    /// The longest key accepted (go-libp2p and py-libp2p refuse longer provider keys).
    public static let maxKeyLength = 128

    /// The RPC (field 1).
    public enum MessageType: UInt64, Sendable {
        case putValue = 0
        case getValue = 1
        case addProvider = 2
        case getProviders = 3
        case findNode = 4
        case ping = 5
    }

    /// What the sender knows about its connection to a peer (`Peer.connection`).
    public enum ConnectionType: UInt64, Sendable {
        case notConnected = 0
        case connected = 1
        case canConnect = 2
        case cannotConnect = 3
    }

    /// A peer in `closerPeers` or `providerPeers`.
    public struct Peer: Sendable, Equatable {
        /// The peer's ID (field 1).
        public var id: PeerID
        /// Its addresses (field 2), at most ``KadMessage/maxAddresses``.
        public var addresses: [Multiaddr]
        /// Field 3.
        public var connection: ConnectionType

        /// Creates a peer entry.
        public init(id: PeerID, addresses: [Multiaddr], connection: ConnectionType = .notConnected) {
            self.id = id
            self.addresses = addresses
            self.connection = connection
        }
    }

    /// The RPC.
    public var type: MessageType
    /// The key (field 2): a peer ID for FIND_NODE, a multihash for the provider RPCs.
    public var key: [UInt8]
    /// Peers closer to the key (field 8).
    public var closerPeers: [Peer]
    /// Providers of the key (field 9).
    public var providerPeers: [Peer]

    /// Creates a message.
    public init(type: MessageType, key: [UInt8] = [], closerPeers: [Peer] = [], providerPeers: [Peer] = []) {
        self.type = type
        self.key = key
        self.closerPeers = closerPeers
        self.providerPeers = providerPeers
    }

    /// The protobuf encoding (proto3: the type is written even when it is 0, as the reference encoders omit
    /// nothing a reader needs; an empty key is omitted).
    public var encoded: [UInt8] {
        var w = ProtobufWriter()
        w.writeVarint(field: 1, type.rawValue)
        if !key.isEmpty { w.writeBytes(field: 2, key) }
        for peer in closerPeers { w.writeBytes(field: 8, Self.encode(peer)) }
        for peer in providerPeers { w.writeBytes(field: 9, Self.encode(peer)) }
        return w.bytes
    }

    private static func encode(_ peer: Peer) -> [UInt8] {
        var w = ProtobufWriter()
        w.writeBytes(field: 1, peer.id.bytes)
        for address in peer.addresses.prefix(maxAddresses) { w.writeBytes(field: 2, address.bytes) }
        if peer.connection != .notConnected { w.writeVarint(field: 3, peer.connection.rawValue) }
        return w.bytes
    }

    /// Decodes a message received from a peer.
    /// - Throws: `ProtobufError` if the bytes are malformed, longer than ``maxSize``, name an unknown RPC, or
    ///   carry a key longer than ``maxKeyLength``.
    public init(decoding bytes: [UInt8]) throws(ProtobufError) {
        guard bytes.count <= Self.maxSize else {
            throw ProtobufError("kad message of \(bytes.count) bytes exceeds \(Self.maxSize)")
        }
        var reader = ProtobufReader(bytes)
        var type = MessageType.putValue
        var key: [UInt8] = []
        var closer: [Peer] = []
        var providers: [Peer] = []
        while let field = try reader.next() {
            switch (field.number, field.value) {
            case (1, .varint(let raw)):
                guard let known = MessageType(rawValue: raw) else { throw ProtobufError("unknown kad RPC type \(raw)") }
                type = known
            case (2, .bytes(let value)):
                guard value.count <= Self.maxKeyLength else {
                    throw ProtobufError("kad key of \(value.count) bytes exceeds \(Self.maxKeyLength)")
                }
                key = value
            case (8, .bytes(let value)):
                if closer.count < Self.maxPeers, let peer = try Self.decodePeer(value) { closer.append(peer) }
            case (9, .bytes(let value)):
                if providers.count < Self.maxPeers, let peer = try Self.decodePeer(value) { providers.append(peer) }
            case (1, _), (2, _), (8, _), (9, _):
                throw ProtobufError("kad message field \(field.number) has the wrong wire type")
            default:
                continue  // clusterLevelRaw, record, senderRecord and any newer field
            }
        }
        self.init(type: type, key: key, closerPeers: closer, providerPeers: providers)
    }

    /// A peer entry, or `nil` if its ID is missing or invalid (the entry is skipped, not the message).
    private static func decodePeer(_ bytes: [UInt8]) throws(ProtobufError) -> Peer? {
        var reader = ProtobufReader(bytes)
        var id: PeerID?
        var addresses: [Multiaddr] = []
        var connection = ConnectionType.notConnected
        while let field = try reader.next() {
            switch (field.number, field.value) {
            case (1, .bytes(let value)): id = try? PeerID(bytes: value)
            case (2, .bytes(let value)):
                if addresses.count < maxAddresses, let address = try? Multiaddr(bytes: value) {
                    addresses.append(address)
                }
            case (3, .varint(let raw)): connection = ConnectionType(rawValue: raw) ?? .notConnected
            default: continue
            }
        }
        guard let id else { return nil }
        // py-libp2p appends `/p2p/<id>` to each address: keep the transport part, drop addresses of another peer.
        let own = addresses.compactMap { address in
            address.peerID.map { $0 == id } ?? true ? address.withoutPeerID : nil
        }
        return Peer(id: id, addresses: own, connection: connection)
    }
}
