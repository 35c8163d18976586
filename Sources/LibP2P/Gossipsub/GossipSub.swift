import Foundation
import Logging

/// Gossipsub (`/meshsub/1.1.0`, falling back to `/meshsub/1.0.0`) on a `Host`, interoperable
/// with py-libp2p 0.8.1 (spec §8).
///
/// Per peer it opens one outbound stream and only writes on it, and it reads only the streams the
/// peer opened (two unidirectional streams per peer, `pubsub/README.md` §Stream management).
/// The protocol logic lives in `GossipRouter`; this actor moves its RPCs over streams, runs the
/// heartbeat, topic validators and local subscriptions.
///
/// ```swift
/// let gossip = GossipSub(host: host)
/// await gossip.start()
/// let messages = await gossip.subscribe("chat")
/// await gossip.setValidator(topic: "chat") { message in message.data.isEmpty ? .reject : .accept }
/// try await gossip.publish(topic: "chat", data: Array("hello".utf8))
/// for await message in messages { print(message.from, message.data.count) }
/// ```
public actor GossipSub {
    /// A topic validator: runs on every received message of its topic before the message is
    /// delivered or forwarded.
    public typealias Validator = @Sendable (PubsubMessage) async -> ValidationResult

    /// The protocol IDs served and proposed, in preference order.
    public static let protocolIDs = ["/meshsub/1.1.0", "/meshsub/1.0.0"]

    /// The host carrying the streams.
    public nonisolated let host: Host
    /// Router parameters.
    public nonisolated let parameters: GossipParameters
    private var router: GossipRouter
    private var validators: [String: Validator] = [:]
    private var subscribers: [String: [UInt64: AsyncStream<PubsubMessage>.Continuation]] = [:]
    private var writers: [PeerID: PeerWriter] = [:]
    private var background: [Task<Void, Never>] = []
    private var nextID: UInt64 = 0
    private var isRunning = false
    private let logger = Logger(label: "libp2p.gossipsub")

    /// Creates the service; call `start()` to begin.
    public init(host: Host, parameters: GossipParameters = .init()) {
        self.host = host
        self.parameters = parameters
        let nanoseconds = UInt64(max(0, Date().timeIntervalSince1970) * 1e9)
        self.router = GossipRouter(
            localPeer: host.peerID, parameters: parameters, firstSeqno: nanoseconds, seed: .random(in: 0...UInt64.max))
    }

    /// Registers the stream handlers, starts following peer connections (including those
    /// already open) and starts the heartbeat.
    public func start() {
        guard !isRunning else { return }
        isRunning = true
        for id in Self.protocolIDs {
            host.setStreamHandler(id) { [weak self] stream in await self?.readLoop(stream) }
        }
        let events = host.events()
        background.append(
            Task { [weak self] in
                for await event in events {
                    switch event {
                    case .connected(let peer): await self?.peerConnected(peer)
                    case .disconnected(let peer): await self?.peerDisconnected(peer)
                    }
                }
            })
        for peer in host.connectedPeers { peerConnected(peer) }
        let interval = parameters.heartbeatInterval
        background.append(
            Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    guard let self, !Task.isCancelled else { return }
                    await self.heartbeat()
                }
            })
    }

    /// Stops the heartbeat, closes our outbound streams, removes the handlers and ends every
    /// subscription stream.
    public func stop() async {
        guard isRunning else { return }
        isRunning = false
        Self.protocolIDs.forEach(host.removeStreamHandler)
        background.forEach { $0.cancel() }
        background = []
        for writer in writers.values { writer.finish() }
        writers = [:]
        for continuation in subscribers.values.flatMap(\.values) { continuation.finish() }
        subscribers = [:]
    }

    // MARK: public API

    /// Subscribes to `topic` and returns a stream of its validated messages from other peers
    /// (own publishes are not delivered). The first subscription to a topic announces it to
    /// peers and joins the mesh; several streams may subscribe to the same topic.
    /// The subscription lasts as long as the stream: discarding or cancelling it releases it
    /// (the last release of a topic unsubscribes), as does `unsubscribe`.
    public func subscribe(_ topic: String) -> AsyncStream<PubsubMessage> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: PubsubMessage.self, bufferingPolicy: .bufferingOldest(parameters.subscriptionBufferSize))
        guard !topic.isEmpty else {
            continuation.finish()
            return stream
        }
        nextID += 1
        let id = nextID
        subscribers[topic, default: [:]][id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.removeSubscriber(topic: topic, id: id) }
        }
        apply(router.subscribe(topic, now: .now))
        return stream
    }

    /// Unsubscribes from `topic`: ends its subscription streams, announces it and leaves the mesh.
    public func unsubscribe(_ topic: String) {
        let continuations = subscribers.removeValue(forKey: topic) ?? [:]
        continuations.values.forEach { $0.finish() }
        apply(router.unsubscribe(topic, now: .now))
    }

    /// Signs `data` (StrictSign) and publishes it to `topic`; returns the message ID.
    ///
    /// The message goes to every connected peer subscribed to the topic (flood publish) and is
    /// then advertised by gossip. Publishing with no peers is not an error.
    /// - Throws: `GossipError.messageTooLarge` beyond the 1 MiB RPC limit, `.invalidTopic`.
    @discardableResult
    public func publish(topic: String, data: [UInt8]) throws -> [UInt8] {
        let (id, output) = try router.publish(topic: topic, data: data, identity: host.identity, now: .now)
        apply(output)
        return id
    }

    /// Sets (or with `nil` removes) the validator of `topic`.
    public func setValidator(topic: String, _ validator: Validator?) {
        validators[topic] = validator
    }

    /// Message counters since creation.
    public var counters: GossipCounters { router.counters }

    /// Our current mesh peers for `topic`.
    public func meshPeers(_ topic: String) -> Set<PeerID> { router.meshPeers(topic) }

    /// Connected peers known to subscribe to `topic`.
    public func peers(subscribedTo topic: String) -> Set<PeerID> { router.peers(subscribedTo: topic) }

    /// Peers with which gossipsub is active.
    public var peers: Set<PeerID> { router.connectedPeers }

    // MARK: peers and streams

    private func peerConnected(_ peer: PeerID) {
        guard isRunning, writers[peer] == nil, peer != host.peerID else { return }
        let writer = PeerWriter(peer: peer, capacity: parameters.maxQueuedRPCsPerPeer)
        writers[peer] = writer
        writer.run(host: host, protocols: Self.protocolIDs) { [weak self] in
            await self?.outboundFailed(peer, writer: writer)
        }
        apply(router.addPeer(peer))
    }

    private func peerDisconnected(_ peer: PeerID) {
        writers.removeValue(forKey: peer)?.finish()
        router.removePeer(peer)
    }

    /// The peer does not speak gossipsub (or our stream to it broke for good): forget it.
    private func outboundFailed(_ peer: PeerID, writer: PeerWriter) {
        guard writers[peer] === writer else { return }
        writers[peer] = nil
        router.removePeer(peer)
        logger.debug("no gossipsub stream to peer", metadata: ["libp2p.peer": "\(peer)"])
    }

    /// Reads the RPCs of one inbound stream until it ends.
    private nonisolated func readLoop(_ stream: P2PStream) async {
        let peer = stream.remotePeer
        await peerConnected(peer)
        while true {
            do {
                guard let frame = try await stream.readLengthPrefixed(maxSize: parameters.maxRPCSize) else { break }
                await receive(frame, from: peer)
            } catch let error as WireError {
                await record(.oversizedRPC, peer: peer, error: error)
                stream.reset()
                return
            } catch {
                stream.reset()
                return
            }
        }
        try? await stream.closeWrite()
    }

    private func receive(_ frame: [UInt8], from peer: PeerID) async {
        let rpc: GossipRPC
        do {
            rpc = try GossipRPC(decoding: frame, maxSubscriptions: parameters.maxSubscriptionsPerRPC)
        } catch {
            record(.malformedRPC, peer: peer, error: error)
            return
        }
        guard writers[peer] != nil else { return }  // stopped, or the peer left meanwhile
        await applyValidating(router.handle(rpc, from: peer, now: .now))
    }

    private func record(_ reason: GossipRejectReason, peer: PeerID, error: any Error) {
        router.recordRejectedRPC(reason)
        logger.debug("dropped RPC", metadata: ["libp2p.peer": "\(peer)", "reason": "\(error)"])
    }

    private func heartbeat() {
        apply(router.heartbeat(now: .now))
    }

    private func removeSubscriber(topic: String, id: UInt64) {
        guard subscribers[topic]?.removeValue(forKey: id) != nil else { return }
        if subscribers[topic]?.isEmpty == true {
            subscribers[topic] = nil
            apply(router.unsubscribe(topic, now: .now))
        }
    }

    // MARK: router output

    /// Sends RPCs and delivers messages; pending validations are run by `applyValidating`.
    private func apply(_ output: GossipRouter.Output) {
        var dropped = 0
        for (peer, rpc) in output.rpcs {
            guard let writer = writers[peer], writer.enqueue(rpc.encoded()) else {
                dropped += 1
                continue
            }
        }
        var droppedLocal = 0
        for message in output.deliveries {
            for continuation in (subscribers[message.topic] ?? [:]).values {
                if case .dropped = continuation.yield(message) { droppedLocal += 1 }
            }
        }
        if dropped > 0 || droppedLocal > 0 { router.recordDropped(outbound: dropped, local: droppedLocal) }
    }

    private func applyValidating(_ output: GossipRouter.Output) async {
        apply(output)
        for item in output.pendingValidation {
            let result = await validate(item)
            apply(router.completeValidation(item.id, result: result))
        }
    }

    /// The combined verdict of the validators of the message's topics (reject > ignore > accept).
    private func validate(_ item: GossipRouter.PendingMessage) async -> ValidationResult {
        var verdict = ValidationResult.accept
        for topic in item.topics {
            guard let validator = validators[topic] else { continue }
            let message = PubsubMessage(
                id: item.id, from: item.origin, seqno: item.message.seqno ?? [], topic: topic, data: item.message.data,
                receivedFrom: item.receivedFrom)
            switch await validator(message) {
            case .reject: return .reject
            case .ignore: verdict = .ignore
            case .accept: break
            }
        }
        return verdict
    }
}
