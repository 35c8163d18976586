/// What a peer says about itself in identify (`identify/README.md`), proto2 message `Identify`.
public struct IdentifyInfo: Sendable, Equatable {
    /// The peer's libp2p public key (field 1).
    public var publicKey: PublicKey?
    /// Addresses the peer listens on (field 2); unparsable ones are skipped.
    public var listenAddresses: [Multiaddr] = []
    /// Protocols the peer handles (field 3).
    public var protocols: [String] = []
    /// Our address as the peer sees it (field 4).
    public var observedAddress: Multiaddr?
    /// E.g. `ipfs/0.1.0` (field 5).
    public var protocolVersion: String?
    /// E.g. `py-libp2p/0.8.1` (field 6).
    public var agentVersion: String?

    /// Creates a record.
    public init(
        publicKey: PublicKey? = nil, listenAddresses: [Multiaddr] = [], protocols: [String] = [],
        observedAddress: Multiaddr? = nil, protocolVersion: String? = nil, agentVersion: String? = nil
    ) {
        self.publicKey = publicKey
        self.listenAddresses = listenAddresses
        self.protocols = protocols
        self.observedAddress = observedAddress
        self.protocolVersion = protocolVersion
        self.agentVersion = agentVersion
    }

    /// The protobuf encoding (versions first, as go-libp2p writes them).
    var encoded: [UInt8] {
        var w = ProtobufWriter()
        if let protocolVersion { w.writeString(field: 5, protocolVersion) }
        if let agentVersion { w.writeString(field: 6, agentVersion) }
        if let publicKey { w.writeBytes(field: 1, publicKey.protobuf) }
        for addr in listenAddresses { w.writeBytes(field: 2, addr.bytes) }
        for proto in protocols { w.writeString(field: 3, proto) }
        if let observedAddress { w.writeBytes(field: 4, observedAddress.bytes) }
        return w.bytes
    }

    /// Decodes a record, skipping unknown fields (py's `signedPeerRecord` = 8) and addresses of
    /// protocols we do not know.
    /// - Throws: `ProtobufError` if malformed, `IdentityError` if the public key is invalid.
    init(decoding bytes: [UInt8]) throws {
        var reader = ProtobufReader(bytes)
        while let field = try reader.next() {
            switch (field.number, field.bytesValue) {
            case (1, let value?): publicKey = try PublicKey(protobuf: value)
            case (2, let value?): if let addr = try? Multiaddr(bytes: value) { listenAddresses.append(addr) }
            case (3, _): if let proto = field.stringValue { protocols.append(proto) }
            case (4, let value?): observedAddress = try? Multiaddr(bytes: value)
            case (5, _): protocolVersion = field.stringValue
            case (6, _): agentVersion = field.stringValue
            default: continue
            }
        }
    }
}

/// The identify protocol: the responder writes one length-prefixed `Identify` and closes.
enum Identify {
    /// The protocol id.
    static let protocolID = "/ipfs/id/1.0.0"
    /// The `protocolVersion` we send.
    static let protocolVersion = "ipfs/0.1.0"
    /// The largest identify message we read.
    static let maxMessageSize = 64 * 1024

    /// Parses a reply: one uvarint-prefixed message, or (older peers) a bare protobuf up to EOF.
    static func parse(_ reply: [UInt8]) throws -> IdentifyInfo {
        var length: UInt64 = 0
        var shift: UInt64 = 0
        for (index, byte) in reply.prefix(5).enumerated() {
            length |= UInt64(byte & 0x7f) << shift
            shift += 7
            if byte & 0x80 == 0 {
                if length == UInt64(reply.count - index - 1) {
                    return try IdentifyInfo(decoding: Array(reply[(index + 1)...]))
                }
                break
            }
        }
        return try IdentifyInfo(decoding: reply)
    }
}

extension Host {
    /// Asks `peer` for its identify record and remembers it (see `peerInfo(_:)`).
    /// - Throws: if the peer is not connected, refuses, or sends a malformed record or one whose
    ///   key does not belong to `peer`.
    @discardableResult
    public func identify(_ peer: PeerID) async throws -> IdentifyInfo {
        let stream = try await newStream(to: peer, protocols: [Identify.protocolID])
        do {
            let reply = try await stream.yamux.withDeadline(configuration.negotiationTimeout) {
                var reply: [UInt8] = []
                while let chunk = try await stream.read() {
                    reply += chunk
                    guard reply.count <= Identify.maxMessageSize + 8 else {
                        throw WireError("identify reply exceeds \(Identify.maxMessageSize) bytes")
                    }
                }
                return reply
            }
            let info = try Identify.parse(reply)
            if let key = info.publicKey, PeerID(publicKey: key) != peer {
                throw WireError("identify: the public key does not belong to \(peer)")
            }
            try await stream.closeWrite()
            store(info, for: peer)
            return info
        } catch {
            stream.reset()
            throw error
        }
    }

    /// What a peer can dial for one of our listen addresses: a wildcard (`0.0.0.0`, `::`) is replaced by the
    /// machine's interface addresses (nobody can dial `/ip4/0.0.0.0`).
    static func dialable(_ address: Multiaddr) -> [Multiaddr] {
        let plain = address.withoutPeerID
        guard plain.components.count == 2, case .tcp(let port) = plain.components[1] else { return [plain] }
        switch plain.components[0] {
        case .ip4(let bytes) where bytes.allSatisfy({ $0 == 0 }):
            return AdvertisedAddresses.of(listenAddress: "0.0.0.0", port: Int(port))
        case .ip6(let bytes) where bytes.allSatisfy({ $0 == 0 }):
            return AdvertisedAddresses.of(listenAddress: "::", port: Int(port))
        default:
            return [plain]
        }
    }

    /// Our identify record as seen on `stream`'s connection.
    func identifyRecord(observed: Multiaddr?) -> IdentifyInfo {
        IdentifyInfo(
            publicKey: identity.publicKey,
            listenAddresses: listenAddresses.flatMap(Self.dialable),
            protocols: protocols,
            observedAddress: observed,
            protocolVersion: Identify.protocolVersion,
            agentVersion: configuration.agentVersion)
    }

    func serveIdentify(_ stream: P2PStream) async {
        do {
            try await stream.writeLengthPrefixed(identifyRecord(observed: stream.connection.remoteAddress).encoded)
            try await stream.closeWrite()
        } catch {
            stream.reset()
        }
    }
}
