/// The gossipsub v1.1 router as a transport-agnostic state machine (`gossipsub-v1.0.md`,
/// `gossipsub-v1.1.md` without peer scoring and peer exchange; spec §8.3-8.4).
///
/// Every input (a peer connecting, an RPC arriving, a local publish, a heartbeat) returns a
/// `GossipRouter.Output`: RPCs to send, messages awaiting application validation, and messages
/// to deliver locally. Time is passed in, so the router is fully deterministic in tests; the
/// `GossipSub` actor drives it over real streams.
///
/// Received messages go through: StrictSign check → seen cache → `Output.pendingValidation`;
/// the caller runs the topic validator and reports back with `completeValidation`, and only
/// accepted messages are cached, delivered and forwarded to the mesh.
public struct GossipRouter: Sendable {
    /// What the caller must do after an input.
    public struct Output: Sendable {
        /// RPCs to send, in order, each at most `maxRPCSize` bytes encoded.
        public var rpcs: [(peer: PeerID, rpc: GossipRPC)] = []
        /// Received messages to validate, then pass to `completeValidation`.
        public var pendingValidation: [PendingMessage] = []
        /// Messages to hand to local subscribers.
        public var deliveries: [PubsubMessage] = []
    }

    /// A received message waiting for the application's verdict.
    public struct PendingMessage: Sendable {
        /// The message ID.
        public let id: [UInt8]
        /// The message as received.
        public let message: WireMessage
        /// Its originator (verified signer).
        public let origin: PeerID
        /// The peer that sent it to us.
        public let receivedFrom: PeerID
        /// Its topics that we subscribe to (the validators to run).
        public let topics: [String]
    }

    /// This node.
    public let localPeer: PeerID
    /// Router parameters.
    public let parameters: GossipParameters
    /// Counters since creation.
    public private(set) var counters = GossipCounters()
    /// Topics this node subscribes to.
    public private(set) var subscriptions: Set<String> = []

    private var peers: Set<PeerID> = []
    private var peerTopics: [PeerID: Set<String>] = [:]
    private var topicPeers: [String: Set<PeerID>] = [:]
    private var mesh: [String: Set<PeerID>] = [:]
    private var fanout: [String: Set<PeerID>] = [:]
    private var fanoutLastPublished: [String: ContinuousClock.Instant] = [:]
    private var backoff: [String: [PeerID: ContinuousClock.Instant]] = [:]
    private var ihavesThisHeartbeat: [PeerID: Int] = [:]
    private var iwantedThisHeartbeat: [PeerID: Int] = [:]
    private var pending: [[UInt8]: PendingMessage] = [:]
    private var cache: MessageCache
    private var seen: SeenCache
    private var nextSeqno: UInt64
    private var random: SplitMix64

    /// The longest backoff honoured from a peer's PRUNE (protects against absurd values).
    static let maxBackoff: Duration = .seconds(24 * 3600)

    /// Creates a router.
    /// - Parameters:
    ///   - localPeer: this node's peer ID.
    ///   - parameters: mesh degrees, timings and limits.
    ///   - firstSeqno: the first sequence number to publish with (e.g. the current time in ns,
    ///     so that numbers keep increasing across restarts).
    ///   - seed: seed of the random peer selection (fixed in tests).
    public init(
        localPeer: PeerID, parameters: GossipParameters = .init(), firstSeqno: UInt64, seed: UInt64
    ) {
        self.localPeer = localPeer
        self.parameters = parameters
        self.cache = MessageCache(historyLength: parameters.historyLength, historyGossip: parameters.historyGossip)
        self.seen = SeenCache(ttl: parameters.seenTTL)
        self.nextSeqno = firstSeqno
        self.random = SplitMix64(seed: seed)
    }

    // MARK: queries

    /// Our mesh peers for `topic`.
    public func meshPeers(_ topic: String) -> Set<PeerID> { mesh[topic] ?? [] }

    /// Our fanout peers for `topic` (published to but not subscribed).
    public func fanoutPeers(_ topic: String) -> Set<PeerID> { fanout[topic] ?? [] }

    /// Connected peers known to subscribe to `topic`.
    public func peers(subscribedTo topic: String) -> Set<PeerID> { (topicPeers[topic] ?? []).intersection(peers) }

    /// Connected peers.
    public var connectedPeers: Set<PeerID> { peers }

    /// Whether we must not graft `peer` into `topic` before the backoff it (or we) set expires.
    public func isBackedOff(_ peer: PeerID, topic: String, now: ContinuousClock.Instant) -> Bool {
        guard let until = backoff[topic]?[peer] else { return false }
        return until > now
    }

    /// Messages in the message cache.
    public var cachedMessageCount: Int { cache.count }

    // MARK: peers

    /// A peer connected: remember it and send it our subscriptions (the "hello" RPC).
    public mutating func addPeer(_ peer: PeerID) -> Output {
        var out = OutputBuilder(maxRPCSize: parameters.maxRPCSize)
        guard peer != localPeer, peers.insert(peer).inserted else { return out.output }
        if !subscriptions.isEmpty {
            out.subscriptions(to: peer, subscriptions.sorted().map { .init(subscribe: true, topic: $0) })
        }
        return out.output
    }

    /// A peer disconnected: forget its subscriptions and remove it from meshes (backoffs stay).
    public mutating func removePeer(_ peer: PeerID) {
        peers.remove(peer)
        for topic in peerTopics.removeValue(forKey: peer) ?? [] { topicPeers[topic]?.remove(peer) }
        for topic in mesh.keys { mesh[topic]?.remove(peer) }
        for topic in fanout.keys { fanout[topic]?.remove(peer) }
        ihavesThisHeartbeat[peer] = nil
        iwantedThisHeartbeat[peer] = nil
    }

    // MARK: local operations

    /// Subscribes: announces it to every peer and grafts up to `D` peers (fanout peers first).
    public mutating func subscribe(_ topic: String, now: ContinuousClock.Instant) -> Output {
        var out = OutputBuilder(maxRPCSize: parameters.maxRPCSize)
        guard subscriptions.insert(topic).inserted else { return out.output }
        for peer in peers { out.subscriptions(to: peer, [.init(subscribe: true, topic: topic)]) }
        var members = (fanout.removeValue(forKey: topic) ?? []).filter { !isBackedOff($0, topic: topic, now: now) }
        fanoutLastPublished[topic] = nil
        if members.count < parameters.d {
            let candidates = peers(subscribedTo: topic).subtracting(members)
                .filter { !isBackedOff($0, topic: topic, now: now) }
            members.formUnion(pick(parameters.d - members.count, from: candidates))
        }
        mesh[topic] = members
        for peer in members { out.graft(to: peer, topic: topic) }
        return out.output
    }

    /// Unsubscribes: announces it and prunes the mesh with the unsubscribe backoff.
    public mutating func unsubscribe(_ topic: String, now: ContinuousClock.Instant) -> Output {
        var out = OutputBuilder(maxRPCSize: parameters.maxRPCSize)
        guard subscriptions.remove(topic) != nil else { return out.output }
        for peer in peers { out.subscriptions(to: peer, [.init(subscribe: false, topic: topic)]) }
        for peer in mesh.removeValue(forKey: topic) ?? [] {
            out.prune(to: peer, topic: topic, backoff: parameters.unsubscribeBackoff)
            setBackoff(peer, topic: topic, duration: parameters.unsubscribeBackoff, now: now)
        }
        return out.output
    }

    /// Signs and publishes `data` to `topic`; returns the message ID and the RPCs to send.
    ///
    /// With `floodPublish` the message goes to every connected peer subscribed to the topic,
    /// otherwise to the mesh (or fanout when not subscribed).
    /// - Throws: `GossipError.messageTooLarge` if the RPC would exceed `maxRPCSize`.
    public mutating func publish(
        topic: String, data: [UInt8], identity: Identity, now: ContinuousClock.Instant
    ) throws -> (id: [UInt8], output: Output) {
        guard !topic.isEmpty else { throw GossipError.invalidTopic(topic) }
        let message = try WireMessage.signed(by: identity, data: data, seqno: nextSeqno, topic: topic)
        let size = OutputBuilder.rpcSize(ofMessage: message.encoded().count)
        guard size <= parameters.maxRPCSize else {
            throw GossipError.messageTooLarge(size: size, limit: parameters.maxRPCSize)
        }
        nextSeqno &+= 1
        let id = message.id
        _ = seen.insert(id, now: now)
        cache.put(message, id: id)
        counters.published += 1

        var targets: Set<PeerID>
        if subscriptions.contains(topic) {
            targets = mesh[topic] ?? []
        } else {
            var members = (fanout[topic] ?? []).intersection(peers(subscribedTo: topic))
            if members.count < parameters.d {
                members.formUnion(
                    pick(parameters.d - members.count, from: peers(subscribedTo: topic).subtracting(members)))
            }
            fanout[topic] = members
            fanoutLastPublished[topic] = now
            targets = members
        }
        if parameters.floodPublish { targets.formUnion(peers(subscribedTo: topic)) }
        var out = OutputBuilder(maxRPCSize: parameters.maxRPCSize)
        let encodedSize = message.encoded().count
        for peer in targets.sorted(by: { $0.bytes.lexicographicallyPrecedes($1.bytes) }) {
            out.message(to: peer, message, encodedSize: encodedSize)
        }
        return (id, out.output)
    }

    // MARK: received RPCs

    /// Processes an RPC from `peer` (which must have been added with `addPeer`).
    public mutating func handle(_ rpc: GossipRPC, from peer: PeerID, now: ContinuousClock.Instant) -> Output {
        var out = OutputBuilder(maxRPCSize: parameters.maxRPCSize)
        handleSubscriptions(rpc.subscriptions, from: peer, now: now, into: &out)
        for message in rpc.messages { handleMessage(message, from: peer, now: now, into: &out) }
        handleGraft(rpc.control.graft, from: peer, now: now, into: &out)
        handlePrune(rpc.control.prune, from: peer, now: now)
        handleIHave(rpc.control.ihave, from: peer, now: now, into: &out)
        handleIWant(rpc.control.iwant, from: peer, into: &out)
        return out.output
    }

    /// Counts an RPC that could not be decoded or was too large.
    public mutating func recordRejectedRPC(_ reason: GossipRejectReason) {
        counters.rejected[reason, default: 0] += 1
    }

    /// Counts RPCs or deliveries dropped by the caller (full queues).
    public mutating func recordDropped(outbound: Int = 0, local: Int = 0) {
        counters.droppedOutbound += outbound
        counters.droppedLocal += local
    }

    /// Applies the application's verdict on a pending message: on `.accept` it is cached,
    /// delivered and forwarded to the mesh peers of its topics (except the sender and originator).
    public mutating func completeValidation(_ id: [UInt8], result: ValidationResult) -> Output {
        var out = OutputBuilder(maxRPCSize: parameters.maxRPCSize)
        guard let item = pending.removeValue(forKey: id) else { return out.output }
        switch result {
        case .reject:
            counters.rejected[.validator, default: 0] += 1
            return out.output
        case .ignore:
            counters.ignored += 1
            return out.output
        case .accept:
            break
        }
        cache.put(item.message, id: id)
        var targets: Set<PeerID> = []
        for topic in item.topics {
            targets.formUnion(mesh[topic] ?? [])
            out.deliver(
                PubsubMessage(
                    id: id, from: item.origin, seqno: item.message.seqno ?? [], topic: topic, data: item.message.data,
                    receivedFrom: item.receivedFrom))
        }
        counters.delivered += item.topics.count
        targets.subtract([item.receivedFrom, item.origin])
        let encodedSize = item.message.encoded().count
        for peer in targets.intersection(peers).sorted(by: { $0.bytes.lexicographicallyPrecedes($1.bytes) }) {
            out.message(to: peer, item.message, encodedSize: encodedSize)
            counters.forwarded += 1
        }
        return out.output
    }

    private mutating func handleSubscriptions(
        _ changes: [GossipRPC.Subscription], from peer: PeerID, now: ContinuousClock.Instant,
        into out: inout OutputBuilder
    ) {
        for change in changes where !change.topic.isEmpty {
            if change.subscribe {
                var topics = peerTopics[peer] ?? []
                guard topics.contains(change.topic) || topics.count < parameters.maxTopicsPerPeer else { continue }
                topics.insert(change.topic)
                peerTopics[peer] = topics
                topicPeers[change.topic, default: []].insert(peer)
                let members = mesh[change.topic] ?? []
                if parameters.graftOnSubscribe, subscriptions.contains(change.topic), peers.contains(peer),
                    members.count < parameters.dLow, !members.contains(peer),
                    !isBackedOff(peer, topic: change.topic, now: now)
                {
                    mesh[change.topic, default: []].insert(peer)
                    out.graft(to: peer, topic: change.topic)
                }
            } else {
                peerTopics[peer]?.remove(change.topic)
                topicPeers[change.topic]?.remove(peer)
                mesh[change.topic]?.remove(peer)
                fanout[change.topic]?.remove(peer)
            }
        }
    }

    private mutating func handleMessage(
        _ message: WireMessage, from peer: PeerID, now: ContinuousClock.Instant, into out: inout OutputBuilder
    ) {
        counters.received += 1
        let id = message.id
        if seen.contains(id, now: now) || pending[id] != nil {
            counters.duplicates += 1
            return
        }
        let topics = message.topics.filter { subscriptions.contains($0) }
        guard !topics.isEmpty else {
            counters.ignored += 1
            return
        }
        switch message.verifyStrictSign() {
        case .failure(let reason):
            counters.rejected[reason, default: 0] += 1
            if reason != .malformedMessage { _ = seen.insert(id, now: now) }
        case .success(let origin):
            _ = seen.insert(id, now: now)
            guard origin != localPeer else {
                counters.ignored += 1
                return
            }
            let item = PendingMessage(id: id, message: message, origin: origin, receivedFrom: peer, topics: topics)
            pending[id] = item
            out.validate(item)
        }
    }

    private mutating func handleGraft(
        _ topics: [String], from peer: PeerID, now: ContinuousClock.Instant, into out: inout OutputBuilder
    ) {
        for topic in topics {
            guard subscriptions.contains(topic) else {
                out.prune(to: peer, topic: topic, backoff: parameters.pruneBackoff)
                continue
            }
            if mesh[topic]?.contains(peer) == true { continue }
            if isBackedOff(peer, topic: topic, now: now) {
                out.prune(to: peer, topic: topic, backoff: parameters.pruneBackoff)
                setBackoff(peer, topic: topic, duration: parameters.pruneBackoff, now: now)
                continue
            }
            mesh[topic, default: []].insert(peer)
        }
    }

    private mutating func handlePrune(_ prunes: [GossipRPC.Prune], from peer: PeerID, now: ContinuousClock.Instant) {
        for prune in prunes {
            mesh[prune.topic]?.remove(peer)
            let duration =
                prune.backoff.map { Duration.seconds(Int64(clamping: $0)) } ?? parameters.pruneBackoff
            setBackoff(peer, topic: prune.topic, duration: duration, now: now)
        }
    }

    private mutating func handleIHave(
        _ ihaves: [GossipRPC.IHave], from peer: PeerID, now: ContinuousClock.Instant, into out: inout OutputBuilder
    ) {
        guard !ihaves.isEmpty else { return }
        ihavesThisHeartbeat[peer, default: 0] += 1
        guard ihavesThisHeartbeat[peer, default: 0] <= parameters.maxIHaveMessages else { return }
        var wanted: [[UInt8]] = []
        var asked: Set<[UInt8]> = []
        var budget = parameters.maxIHaveLength - iwantedThisHeartbeat[peer, default: 0]
        for ihave in ihaves where subscriptions.contains(ihave.topic) {
            for id in ihave.messageIDs where budget > 0 {
                guard !seen.contains(id, now: now), pending[id] == nil, asked.insert(id).inserted else { continue }
                wanted.append(id)
                budget -= 1
            }
        }
        guard !wanted.isEmpty else { return }
        iwantedThisHeartbeat[peer, default: 0] += wanted.count
        out.iwant(to: peer, wanted)
    }

    private mutating func handleIWant(_ ids: [[UInt8]], from peer: PeerID, into out: inout OutputBuilder) {
        var served: Set<[UInt8]> = []
        for id in ids where served.insert(id).inserted {
            guard let message = cache.getForPeer(id, peer: peer, limit: parameters.gossipRetransmission) else {
                continue
            }
            out.message(to: peer, message, encodedSize: message.encoded().count)
        }
    }

    // MARK: heartbeat

    /// The periodic heartbeat: keeps each mesh between `D_lo` and `D_hi`, maintains fanout,
    /// emits IHAVE gossip, shifts the message cache and expires seen IDs and backoffs.
    public mutating func heartbeat(now: ContinuousClock.Instant) -> Output {
        var out = OutputBuilder(maxRPCSize: parameters.maxRPCSize)
        ihavesThisHeartbeat = [:]
        iwantedThisHeartbeat = [:]
        for topic in backoff.keys {
            backoff[topic] = backoff[topic]?.filter { $0.value > now }
            if backoff[topic]?.isEmpty == true { backoff[topic] = nil }
        }

        for topic in subscriptions.sorted() {
            var members = (mesh[topic] ?? []).intersection(peers(subscribedTo: topic))
            if members.count < parameters.dLow {
                let candidates = peers(subscribedTo: topic).subtracting(members)
                    .filter { !isBackedOff($0, topic: topic, now: now) }
                for peer in pick(parameters.d - members.count, from: candidates) {
                    members.insert(peer)
                    out.graft(to: peer, topic: topic)
                }
            } else if members.count > parameters.dHigh {
                let keep = Set(pick(parameters.d, from: members))
                for peer in members.subtracting(keep) {
                    out.prune(to: peer, topic: topic, backoff: parameters.pruneBackoff)
                    setBackoff(peer, topic: topic, duration: parameters.pruneBackoff, now: now)
                }
                members = keep
            }
            mesh[topic] = members
        }

        for topic in fanout.keys.sorted() {
            if let last = fanoutLastPublished[topic], last + parameters.fanoutTTL <= now {
                fanout[topic] = nil
                fanoutLastPublished[topic] = nil
                continue
            }
            var members = (fanout[topic] ?? []).intersection(peers(subscribedTo: topic))
            if members.count < parameters.d {
                members.formUnion(
                    pick(parameters.d - members.count, from: peers(subscribedTo: topic).subtracting(members)))
            }
            fanout[topic] = members
        }

        for topic in subscriptions.union(fanout.keys).sorted() {
            let ids = cache.gossipIDs(topic: topic)
            guard !ids.isEmpty else { continue }
            let candidates = peers(subscribedTo: topic).subtracting(mesh[topic] ?? []).subtracting(fanout[topic] ?? [])
            let count = max(parameters.dLazy, Int(parameters.gossipFactor * Double(candidates.count)))
            let advertised = Array(ids.suffix(parameters.maxIHaveLength))
            for peer in pick(count, from: candidates) {
                out.ihave(to: peer, .init(topic: topic, messageIDs: advertised))
            }
        }

        cache.shift()
        seen.prune(now: now)
        return out.output
    }

    // MARK: helpers

    private mutating func setBackoff(_ peer: PeerID, topic: String, duration: Duration, now: ContinuousClock.Instant) {
        let until = now + min(duration, Self.maxBackoff)
        if let current = backoff[topic]?[peer], current >= until { return }
        backoff[topic, default: [:]][peer] = until
    }

    /// Up to `count` peers chosen at random from `candidates`.
    private mutating func pick(_ count: Int, from candidates: Set<PeerID>) -> [PeerID] {
        guard count > 0 else { return [] }
        var list = candidates.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
        list.shuffle(using: &random)
        return Array(list.prefix(count))
    }
}

/// Accumulates a router `Output`, merging what goes to the same peer into as few RPCs as the
/// size limit allows.
struct OutputBuilder {
    let maxRPCSize: Int
    private(set) var output = GossipRouter.Output()
    /// Per peer: index in `output.rpcs` of the RPC being filled, and its encoded size so far.
    private var open: [PeerID: (index: Int, size: Int)] = [:]

    init(maxRPCSize: Int) { self.maxRPCSize = maxRPCSize }

    /// Encoded size of an RPC holding one message of `messageSize` bytes.
    static func rpcSize(ofMessage messageSize: Int) -> Int {
        1 + Varint.encodedLength(UInt64(messageSize)) + messageSize
    }

    mutating func subscriptions(to peer: PeerID, _ changes: [GossipRPC.Subscription]) {
        let size = changes.reduce(0) { $0 + 8 + $1.topic.utf8.count }
        modify(peer, adding: size) { $0.subscriptions += changes }
    }

    mutating func message(to peer: PeerID, _ message: WireMessage, encodedSize: Int) {
        modify(peer, adding: Self.rpcSize(ofMessage: encodedSize)) { $0.messages.append(message) }
    }

    mutating func graft(to peer: PeerID, topic: String) {
        modify(peer, adding: 16 + topic.utf8.count) { $0.control.graft.append(topic) }
    }

    mutating func prune(to peer: PeerID, topic: String, backoff: Duration) {
        let seconds = UInt64(max(0, backoff.components.seconds))
        modify(peer, adding: 24 + topic.utf8.count) { $0.control.prune.append(.init(topic: topic, backoff: seconds)) }
    }

    mutating func ihave(to peer: PeerID, _ ihave: GossipRPC.IHave) {
        let size = 16 + ihave.topic.utf8.count + ihave.messageIDs.reduce(0) { $0 + 4 + $1.count }
        modify(peer, adding: size) { $0.control.ihave.append(ihave) }
    }

    mutating func iwant(to peer: PeerID, _ ids: [[UInt8]]) {
        modify(peer, adding: 8 + ids.reduce(0) { $0 + 4 + $1.count }) { $0.control.iwant += ids }
    }

    mutating func validate(_ item: GossipRouter.PendingMessage) { output.pendingValidation.append(item) }

    mutating func deliver(_ message: PubsubMessage) { output.deliveries.append(message) }

    /// Applies `change` to the peer's open RPC, or to a new one if the size estimate would exceed the limit.
    private mutating func modify(_ peer: PeerID, adding size: Int, _ change: (inout GossipRPC) -> Void) {
        if let (index, current) = open[peer], current + size <= maxRPCSize {
            change(&output.rpcs[index].rpc)
            open[peer] = (index, current + size)
        } else {
            var rpc = GossipRPC()
            change(&rpc)
            output.rpcs.append((peer, rpc))
            open[peer] = (output.rpcs.count - 1, size)
        }
    }
}

/// A small, fast, seedable random generator (SplitMix64) for peer selection (tests use it for
/// reproducible fuzz inputs).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
