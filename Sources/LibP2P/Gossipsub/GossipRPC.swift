/// The gossipsub RPC protobuf (proto2, `pubsub/README.md` §The RPC, py-libp2p's `rpc.proto`; spec §8.2).
///
/// Hand-encoded with `ProtobufWriter` so that field order and presence are deterministic.
/// Decoding ignores unknown fields (py attaches `senderRecord` = 4 to every RPC; v1.2+ control
/// fields 5-8); this side never sends field 4.
public struct GossipRPC: Sendable, Equatable {
    /// A subscription change: `SubOpts { optional bool subscribe = 1; optional string topicid = 2; }`.
    public struct Subscription: Sendable, Equatable {
        /// `true` to subscribe, `false` to unsubscribe.
        public var subscribe: Bool
        /// The topic.
        public var topic: String

        /// Creates a subscription change.
        public init(subscribe: Bool, topic: String) {
            self.subscribe = subscribe
            self.topic = topic
        }
    }

    /// `ControlIHave { optional string topicID = 1; repeated bytes messageIDs = 2; }`.
    public struct IHave: Sendable, Equatable {
        public var topic: String
        public var messageIDs: [[UInt8]]

        public init(topic: String, messageIDs: [[UInt8]]) {
            self.topic = topic
            self.messageIDs = messageIDs
        }
    }

    /// `ControlPrune { optional string topicID = 1; repeated PeerInfo peers = 2; optional uint64 backoff = 3; }`.
    /// Peer exchange (field 2) is neither sent nor used.
    public struct Prune: Sendable, Equatable {
        public var topic: String
        /// Seconds the pruned peer must wait before grafting again (v1.1).
        public var backoff: UInt64?

        public init(topic: String, backoff: UInt64?) {
            self.topic = topic
            self.backoff = backoff
        }
    }

    /// `ControlMessage { ihave = 1; iwant = 2; graft = 3; prune = 4; }` (IWANT and GRAFT flattened).
    public struct Control: Sendable, Equatable {
        public var ihave: [IHave] = []
        /// Message IDs of all `ControlIWant { repeated bytes messageIDs = 1; }` entries.
        public var iwant: [[UInt8]] = []
        /// Topics of all `ControlGraft { optional string topicID = 1; }` entries.
        public var graft: [String] = []
        public var prune: [Prune] = []

        public init(ihave: [IHave] = [], iwant: [[UInt8]] = [], graft: [String] = [], prune: [Prune] = []) {
            self.ihave = ihave
            self.iwant = iwant
            self.graft = graft
            self.prune = prune
        }

        /// Whether there is nothing to send.
        public var isEmpty: Bool { ihave.isEmpty && iwant.isEmpty && graft.isEmpty && prune.isEmpty }
    }

    /// `repeated SubOpts subscriptions = 1`.
    public var subscriptions: [Subscription] = []
    /// `repeated Message publish = 2`.
    public var messages: [WireMessage] = []
    /// `optional ControlMessage control = 3`.
    public var control = Control()

    /// Creates an RPC.
    public init(subscriptions: [Subscription] = [], messages: [WireMessage] = [], control: Control = Control()) {
        self.subscriptions = subscriptions
        self.messages = messages
        self.control = control
    }

    /// Whether the RPC carries nothing.
    public var isEmpty: Bool { subscriptions.isEmpty && messages.isEmpty && control.isEmpty }

    /// The protobuf encoding (without the uvarint length prefix).
    public func encoded() -> [UInt8] {
        var rpc = ProtobufWriter()
        for subscription in subscriptions {
            var sub = ProtobufWriter()
            sub.writeBool(field: 1, subscription.subscribe)
            sub.writeString(field: 2, subscription.topic)
            rpc.writeMessage(field: 1, sub)
        }
        for message in messages {
            rpc.writeBytes(field: 2, message.encoded())
        }
        if !control.isEmpty {
            var c = ProtobufWriter()
            for ihave in control.ihave {
                var w = ProtobufWriter()
                w.writeString(field: 1, ihave.topic)
                for id in ihave.messageIDs { w.writeBytes(field: 2, id) }
                c.writeMessage(field: 1, w)
            }
            if !control.iwant.isEmpty {
                var w = ProtobufWriter()
                for id in control.iwant { w.writeBytes(field: 1, id) }
                c.writeMessage(field: 2, w)
            }
            for topic in control.graft {
                var w = ProtobufWriter()
                w.writeString(field: 1, topic)
                c.writeMessage(field: 3, w)
            }
            for prune in control.prune {
                var w = ProtobufWriter()
                w.writeString(field: 1, prune.topic)
                if let backoff = prune.backoff { w.writeVarint(field: 3, backoff) }
                c.writeMessage(field: 4, w)
            }
            rpc.writeMessage(field: 3, c)
        }
        return rpc.bytes
    }

    /// Decodes an RPC received from a peer.
    ///
    /// - Throws: `GossipError.malformedRPC` on invalid protobuf, a non-UTF-8 topic, or more than
    ///   `maxSubscriptions` subscription entries.
    public init(decoding bytes: [UInt8], maxSubscriptions: Int = 5000) throws(GossipError) {
        do throws(ProtobufError) {
            var reader = ProtobufReader(bytes)
            while let field = try reader.next() {
                switch (field.number, field.value) {
                case (1, .bytes(let value)):
                    guard subscriptions.count < maxSubscriptions else {
                        throw ProtobufError("more than \(maxSubscriptions) subscriptions")
                    }
                    subscriptions.append(try Self.decodeSubscription(value))
                case (2, .bytes(let value)):
                    messages.append(try WireMessage(decoding: value))
                case (3, .bytes(let value)):
                    try Self.decodeControl(value, into: &control)
                case (1...3, _):
                    throw ProtobufError("RPC field \(field.number) has the wrong wire type")
                default:
                    continue  // senderRecord (4) and anything newer
                }
            }
        } catch {
            throw GossipError.malformedRPC(error.description)
        }
    }

    private static func decodeSubscription(_ bytes: [UInt8]) throws(ProtobufError) -> Subscription {
        var subscription = Subscription(subscribe: false, topic: "")
        var reader = ProtobufReader(bytes)
        while let field = try reader.next() {
            switch (field.number, field.value) {
            case (1, .varint(let value)): subscription.subscribe = value != 0
            case (2, .bytes(let value)): subscription.topic = try string(value)
            default: continue
            }
        }
        return subscription
    }

    private static func decodeControl(_ bytes: [UInt8], into control: inout Control) throws(ProtobufError) {
        var reader = ProtobufReader(bytes)
        while let field = try reader.next() {
            guard case .bytes(let value) = field.value else { continue }
            var inner = ProtobufReader(value)
            switch field.number {
            case 1:
                var ihave = IHave(topic: "", messageIDs: [])
                while let f = try inner.next() {
                    switch (f.number, f.value) {
                    case (1, .bytes(let v)): ihave.topic = try string(v)
                    case (2, .bytes(let v)): ihave.messageIDs.append(v)
                    default: continue
                    }
                }
                control.ihave.append(ihave)
            case 2:
                while let f = try inner.next() {
                    if case (1, .bytes(let v)) = (f.number, f.value) { control.iwant.append(v) }
                }
            case 3:
                var topic = ""
                while let f = try inner.next() {
                    if case (1, .bytes(let v)) = (f.number, f.value) { topic = try string(v) }
                }
                control.graft.append(topic)
            case 4:
                var prune = Prune(topic: "", backoff: nil)
                while let f = try inner.next() {
                    switch (f.number, f.value) {
                    case (1, .bytes(let v)): prune.topic = try string(v)
                    case (3, .varint(let v)): prune.backoff = v
                    default: continue  // peer exchange (2) is not used
                    }
                }
                control.prune.append(prune)
            default:
                continue  // IDONTWANT (5) and v1.3 extensions are not negotiated
            }
        }
    }

    static func string(_ bytes: [UInt8]) throws(ProtobufError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ProtobufError("topic is not valid UTF-8")
        }
        return text
    }
}

/// A pubsub message as it appears on the wire:
/// `Message { from = 1; data = 2; seqno = 3; repeated topicIDs = 4; signature = 5; key = 6; }`.
public struct WireMessage: Sendable, Equatable {
    /// The originator's raw peer ID bytes.
    public var from: [UInt8]?
    /// The payload.
    public var data: [UInt8]
    /// The originator's sequence number (8 bytes big-endian by convention).
    public var seqno: [UInt8]?
    /// The topics (py and this implementation use exactly one).
    public var topics: [String]
    /// Ed25519 signature over `"libp2p-pubsub:" ‖ signedFields`.
    public var signature: [UInt8]?
    /// The originator's `PublicKey` protobuf (optional for Ed25519: it is inlined in `from`).
    public var key: [UInt8]?

    /// Creates a wire message.
    public init(
        from: [UInt8]?, data: [UInt8], seqno: [UInt8]?, topics: [String], signature: [UInt8]? = nil,
        key: [UInt8]? = nil
    ) {
        self.from = from
        self.data = data
        self.seqno = seqno
        self.topics = topics
        self.signature = signature
        self.key = key
    }

    /// The canonical encoding of fields 1-4 (always including `data`, even empty) that StrictSign
    /// signs and py re-derives to verify.
    public var signedFields: [UInt8] {
        var w = ProtobufWriter()
        if let from { w.writeBytes(field: 1, from) }
        w.writeBytes(field: 2, data)
        if let seqno { w.writeBytes(field: 3, seqno) }
        for topic in topics { w.writeString(field: 4, topic) }
        return w.bytes
    }

    /// The bytes an Ed25519 signature covers: `"libp2p-pubsub:" ‖ signedFields`.
    public var signingInput: [UInt8] { Array("libp2p-pubsub:".utf8) + signedFields }

    /// The full protobuf encoding.
    public func encoded() -> [UInt8] {
        var w = ProtobufWriter()
        var bytes = signedFields
        if let signature { w.writeBytes(field: 5, signature) }
        if let key { w.writeBytes(field: 6, key) }
        bytes += w.bytes
        return bytes
    }

    /// The default message ID: `from ‖ seqno`.
    public var id: [UInt8] { (from ?? []) + (seqno ?? []) }

    /// Decodes a message; unknown fields are ignored.
    public init(decoding bytes: [UInt8]) throws(ProtobufError) {
        self.init(from: nil, data: [], seqno: nil, topics: [])
        var reader = ProtobufReader(bytes)
        while let field = try reader.next() {
            guard case .bytes(let value) = field.value else { continue }
            switch field.number {
            case 1: from = value
            case 2: data = value
            case 3: seqno = value
            case 4: topics.append(try GossipRPC.string(value))
            case 5: signature = value
            case 6: key = value
            default: continue
            }
        }
    }
}
