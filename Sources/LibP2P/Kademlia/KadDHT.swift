import Synchronization

/// Limits and timings of a ``KadDHT``.
public struct KadConfiguration: Sendable {
    /// k: peers per bucket, peers returned per reply, providers kept per key, the width of a lookup.
    public var bucketSize = 20
    /// α: queries in flight per lookup.
    public var alpha = 3
    /// Queries one lookup makes at most, whatever the replies say.
    public var maxQueriesPerLookup = 60
    /// Lookups (FIND_NODE, GET_PROVIDERS, provide) running at once; more wait for a slot.
    public var maxLookups = 4
    /// One query: dial if needed, open the stream, ask, read the reply.
    public var queryTimeout: Duration = .seconds(10)
    /// Inbound `/ipfs/kad/1.0.0` streams served at once (all peers); more are reset.
    public var maxInboundStreams = 32
    /// Requests served per inbound stream before it is closed.
    public var maxRequestsPerStream = 64
    /// An inbound stream silent for this long is closed.
    public var inboundIdleTimeout: Duration = .seconds(30)
    /// Keys with provider records kept for others (server mode).
    public var maxProviderKeys = 1024
    /// How long a provider record lives unless its provider announces it again.
    public var providerLifetime: Duration = .seconds(24 * 3600)
    /// Whether a connection dialled only for a query is closed after it.
    public var closeQueryConnections = true

    /// The defaults.
    public init() {}
}

/// Failures of DHT operations.
public enum KadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The routing table is empty: no DHT server is known to ask.
    case noPeers
    /// The peer answered with an RPC other than the one asked.
    case unexpectedReply(String)
    /// The DHT was stopped.
    case stopped
    /// A request this node does not serve (the stream is reset).
    case refused(String)

    public var description: String {
        switch self {
        case .noPeers: "kad: no DHT server known (add a bootstrap peer that speaks /ipfs/kad/1.0.0)"
        case .unexpectedReply(let what): "kad: unexpected reply: \(what)"
        case .stopped: "kad: the DHT was stopped"
        case .refused(let what): "kad: refused \(what)"
        }
    }
}

/// The Kademlia DHT (`/ipfs/kad/1.0.0`, libp2p kad-dht spec), interoperable with py-libp2p 0.8.1: peer routing
/// (iterative FIND_NODE) and content routing (ADD_PROVIDER, GET_PROVIDERS); PING is answered, values
/// (PUT/GET_VALUE) are not stored (GET_VALUE is answered with closer peers only, PUT_VALUE resets the stream).
///
/// In client mode the DHT asks others and serves nothing (identify does not list the protocol, so other nodes
/// keep it out of their routing tables). In server mode it also answers FIND_NODE, GET_PROVIDERS and
/// ADD_PROVIDER, and keeps provider records for others. Peers enter the routing table when identify says they
/// serve the protocol, when ``addPeer(_:addresses:)`` names them, and when they answer a query.
///
/// Everything a peer sends is bounded (``KadMessage`` limits, ``KadConfiguration``), and a provider record is
/// only accepted from the provider itself (the Noise-authenticated sender of ADD_PROVIDER).
public final class KadDHT: Sendable {
    /// The protocol id.
    public static let protocolID = "/ipfs/kad/1.0.0"

    /// The host the DHT runs on.
    public let host: Host
    /// Whether the DHT serves requests from others.
    public let isServer: Bool
    /// Limits and timings.
    public let configuration: KadConfiguration
    private let state: Mutex<State>
    private let lookups: LookupSlots
    private let watcher: Mutex<Task<Void, Never>?> = Mutex(nil)

    private struct State {
        var table: KadRoutingTable
        var providers: KadProviderStore
        var inboundStreams = 0
        var stopped = false
    }

    /// Creates a DHT on `host` and starts it: in server mode the stream handler is registered; in both modes
    /// new connections whose identify lists the protocol are added to the routing table.
    public init(host: Host, server: Bool, configuration: KadConfiguration = .init()) {
        self.host = host
        self.isServer = server
        self.configuration = configuration
        self.state = Mutex(
            State(
                table: KadRoutingTable(local: host.peerID, bucketSize: configuration.bucketSize),
                providers: KadProviderStore(
                    maxKeys: configuration.maxProviderKeys, maxPerKey: configuration.bucketSize,
                    lifetime: configuration.providerLifetime)))
        self.lookups = LookupSlots(configuration.maxLookups)
        if server {
            host.setStreamHandler(Self.protocolID) { [weak self] stream in
                guard let self else { return stream.reset() }
                await self.serve(stream)
            }
        }
        let events = host.events()
        let task = Task { [weak self] in
            for await event in events {
                guard case .connected(let peer) = event, let self else { continue }
                Task { await self.learnFromIdentify(peer) }
            }
        }
        watcher.withLock { $0 = task }
    }

    /// Stops answering and watching; lookups in progress end with ``KadError/stopped``.
    public func stop() {
        state.withLock { $0.stopped = true }
        if isServer { host.removeStreamHandler(Self.protocolID) }
        watcher.withLock { $0?.cancel() }
        lookups.stop()
    }

    /// The peers in the routing table.
    public var routingTablePeers: [PeerID] { state.withLock { $0.table.peers } }

    /// Whether a lookup has a server to start from: the routing table, or a connected peer whose identify lists
    /// the protocol (a server that failed a query leaves the table but comes back this way).
    public var hasServers: Bool {
        !routingTablePeers.isEmpty
            || host.connectedPeers.contains { host.peerInfo($0)?.protocols.contains(Self.protocolID) == true }
    }

    /// The number of provider records kept for others.
    public var providerRecordCount: Int { state.withLock { $0.providers.recordCount } }

    /// Adds a DHT server to the routing table (a bootstrap node). Returns `false` when its bucket is full.
    @discardableResult
    public func addPeer(_ peer: PeerID, addresses: [Multiaddr]) -> Bool {
        guard peer != host.peerID else { return false }
        return state.withLock { $0.table.add(peer, addresses: addresses.map(\.withoutPeerID)) }
    }

    /// Waits (bounded) for identify on a new connection and adds the peer if it serves the DHT.
    private func learnFromIdentify(_ peer: PeerID) async {
        for _ in 0..<50 {
            if let info = host.peerInfo(peer) {
                if info.protocols.contains(Self.protocolID) { addPeer(peer, addresses: info.listenAddresses) }
                return
            }
            guard host.isConnected(to: peer) else { return }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    // MARK: client

    /// The `bucketSize` peers closest to `key` in the network (iterative FIND_NODE, α queries in flight).
    /// - Throws: ``KadError/noPeers`` when no DHT server is known; ``KadError/stopped``.
    public func findClosestPeers(to key: [UInt8]) async throws -> [KadMessage.Peer] {
        try await lookups.run { try await self.lookup(key, type: .findNode, wantProviders: 0).closest }
    }

    /// Providers of `key`: the local records first, then an iterative GET_PROVIDERS lookup that stops once
    /// `count` providers are known. The peers are candidates only: nothing proves they are who they claim
    /// until a dial authenticates them.
    public func findProviders(of key: [UInt8], count: Int = 20) async throws -> [KadMessage.Peer] {
        let (local, tableIsEmpty) = state.withLock { ($0.providers.providers(of: key), $0.table.count == 0) }
        if local.count >= count || (tableIsEmpty && !local.isEmpty) { return Array(local.prefix(count)) }
        let found = try await lookups.run {
            try await self.lookup(key, type: .getProviders, wantProviders: count - local.count).providers
        }
        var seen = Set(local.map(\.id))
        return local + found.filter { seen.insert($0.id).inserted }.prefix(count - local.count)
    }

    /// Announces this host as a provider of `key` with `addresses`: ADD_PROVIDER to the k closest servers found
    /// (and into our own store in server mode). Returns how many servers took the announcement.
    @discardableResult
    public func provide(_ key: [UInt8], addresses: [Multiaddr]) async throws -> Int {
        let me = KadMessage.Peer(id: host.peerID, addresses: addresses.map(\.withoutPeerID))
        if isServer {
            state.withLock { _ = $0.providers.add(key: key, provider: me.id, addresses: me.addresses) }
        }
        let closest = try await findClosestPeers(to: key)
        let message = KadMessage(type: .addProvider, key: key, providerPeers: [me])
        var sent = 0
        let targets = closest.filter { $0.id != host.peerID }
        for start in stride(from: 0, to: targets.count, by: configuration.alpha) {
            let batch = targets[start..<min(start + configuration.alpha, targets.count)]
            sent += await withTaskGroup(of: Bool.self) { group in
                for peer in batch {
                    group.addTask {
                        (try? await self.send(message, to: peer.id, addresses: peer.addresses, expectReply: false))
                            != nil
                    }
                }
                var ok = 0
                for await delivered in group where delivered { ok += 1 }
                return ok
            }
        }
        return sent
    }

    private struct LookupResult {
        var closest: [KadMessage.Peer]
        var providers: [KadMessage.Peer]
    }

    /// An iterative lookup (spec "Peer routing"): ask the α closest unasked candidates, merge the closer peers
    /// they return, and stop when the k closest candidates have all answered or failed, when `wantProviders`
    /// providers are known, or after `maxQueriesPerLookup` queries.
    private func lookup(_ key: [UInt8], type: KadMessage.MessageType, wantProviders: Int) async throws
        -> LookupResult
    {
        let target = KadPoint(key: key)
        let k = configuration.bucketSize
        var candidates: [PeerID: (addresses: [Multiaddr], distance: KadPoint)] = [:]
        for entry in state.withLock({ $0.table.closest(to: key, count: k) }) {
            candidates[entry.peer] = (entry.addresses, KadPoint(peer: entry.peer).distance(to: target))
        }
        if candidates.isEmpty {
            // Servers leave the table when a query fails; connected ones come back from their identify record.
            for peer in host.connectedPeers {
                guard let info = host.peerInfo(peer), info.protocols.contains(Self.protocolID) else { continue }
                addPeer(peer, addresses: info.listenAddresses)
                candidates[peer] = (
                    info.listenAddresses.map(\.withoutPeerID), KadPoint(peer: peer).distance(to: target)
                )
            }
        }
        guard !candidates.isEmpty else { throw KadError.noPeers }
        var asked = Set<PeerID>()
        var answered = Set<PeerID>()
        var providers: [KadMessage.Peer] = []
        var providerIDs = Set<PeerID>()
        let request = KadMessage(type: type, key: key)

        func nearest() -> [PeerID] {
            candidates.sorted { $0.value.distance < $1.value.distance }.prefix(k).map(\.key)
        }

        while asked.count < configuration.maxQueriesPerLookup {
            guard !state.withLock({ $0.stopped }) else { throw KadError.stopped }
            let batch = nearest().filter { !asked.contains($0) }.prefix(
                min(configuration.alpha, configuration.maxQueriesPerLookup - asked.count))
            if batch.isEmpty { break }
            asked.formUnion(batch)
            let targets = batch.map { ($0, candidates[$0]?.addresses ?? []) }
            let replies = await withTaskGroup(of: (PeerID, KadMessage?).self) { group in
                for (peer, addresses) in targets {
                    group.addTask {
                        (peer, try? await self.send(request, to: peer, addresses: addresses, expectReply: true))
                    }
                }
                var replies: [(PeerID, KadMessage?)] = []
                for await reply in group { replies.append(reply) }
                return replies
            }
            for (peer, reply) in replies {
                guard let reply, reply.type == type else {
                    candidates[peer] = nil
                    state.withLock { $0.table.remove(peer) }
                    continue
                }
                answered.insert(peer)
                state.withLock { _ = $0.table.add(peer, addresses: candidates[peer]?.addresses ?? []) }
                for closer in reply.closerPeers where closer.id != host.peerID && candidates[closer.id] == nil {
                    guard !closer.addresses.isEmpty || host.isConnected(to: closer.id) else { continue }
                    // A peer whose identify we hold and that does not serve the DHT is not worth a query.
                    if let info = host.peerInfo(closer.id), !info.protocols.contains(Self.protocolID) { continue }
                    candidates[closer.id] = (
                        closer.addresses.map(\.withoutPeerID), KadPoint(peer: closer.id).distance(to: target)
                    )
                }
                // Bound the candidate set: only the nearest 4k are worth keeping.
                if candidates.count > 4 * k {
                    let keep = Set(candidates.sorted { $0.value.distance < $1.value.distance }.prefix(4 * k).map(\.key))
                    candidates = candidates.filter { keep.contains($0.key) || asked.contains($0.key) }
                }
                for provider in reply.providerPeers where providerIDs.insert(provider.id).inserted {
                    providers.append(provider)
                }
            }
            if wantProviders > 0, providers.count >= wantProviders { break }
            if nearest().allSatisfy({ asked.contains($0) }) { break }
        }
        let closest = nearest().filter { answered.contains($0) }.map {
            KadMessage.Peer(id: $0, addresses: candidates[$0]?.addresses ?? [])
        }
        return LookupResult(closest: closest, providers: providers)
    }

    /// Sends one request to `peer` (dialling `addresses`, or those in the routing table, when not connected)
    /// and reads the reply if `expectReply`.
    private func send(
        _ message: KadMessage, to peer: PeerID, addresses: [Multiaddr] = [], expectReply: Bool
    ) async throws -> KadMessage? {
        var dialled = false
        if !host.isConnected(to: peer) {
            let known = addresses.isEmpty ? (state.withLock { $0.table.addresses(of: peer) } ?? []) : addresses
            for address in known.prefix(4) where address.tcpEndpoint != nil {
                if (try? await host.dial(address.withoutPeerID.appending(.p2p(peer)))) == peer {
                    dialled = true
                    break
                }
            }
            guard dialled else { throw HostError.notConnected(peer) }
        }
        // A connection opened only for this query is closed after it (and gone before this returns): lookups
        // would otherwise leave one open to every DHT node they met, and fill the owner's connection target.
        let result: Result<KadMessage?, any Error>
        do {
            result = .success(try await exchange(message, with: peer, expectReply: expectReply))
        } catch {
            result = .failure(error)
        }
        if dialled && configuration.closeQueryConnections {
            host.closeConnection(to: peer)
            for _ in 0..<100 where host.isConnected(to: peer) { try? await Task.sleep(for: .milliseconds(10)) }
        }
        return try result.get()
    }

    private func exchange(_ message: KadMessage, with peer: PeerID, expectReply: Bool) async throws -> KadMessage? {
        let stream = try await host.newStream(to: peer, protocols: [Self.protocolID])
        do {
            let reply = try await stream.yamux.withDeadline(configuration.queryTimeout) { () -> KadMessage? in
                try await stream.writeLengthPrefixed(message.encoded)
                guard expectReply else { return nil }
                guard let bytes = try await stream.readLengthPrefixed(maxSize: KadMessage.maxSize) else {
                    throw KadError.unexpectedReply("the peer closed the stream without answering")
                }
                return try KadMessage(decoding: bytes)
            }
            try? await stream.closeWrite()
            if !expectReply {
                // No reply is defined (py-libp2p echoes, go-libp2p does not): wait, briefly, for the peer to close
                // its side, so the request was read before the connection may close.
                _ = try? await stream.yamux.withDeadline(.seconds(2)) {
                    while try await stream.read() != nil {}
                }
            }
            if let reply, reply.type != message.type {
                throw KadError.unexpectedReply("\(reply.type) to \(message.type)")
            }
            return reply ?? message
        } catch {
            stream.reset()
            throw error
        }
    }

    // MARK: server

    /// Serves one inbound stream: requests until the peer closes, an error, the idle timeout or the request cap.
    private func serve(_ stream: P2PStream) async {
        let admitted = state.withLock { s in
            guard !s.stopped, s.inboundStreams < configuration.maxInboundStreams else { return false }
            s.inboundStreams += 1
            return true
        }
        guard admitted else { return stream.reset() }
        defer { state.withLock { $0.inboundStreams -= 1 } }
        let sender = stream.remotePeer
        do {
            for _ in 0..<configuration.maxRequestsPerStream {
                let bytes = try await stream.yamux.withDeadline(configuration.inboundIdleTimeout) {
                    try await stream.readLengthPrefixed(maxSize: KadMessage.maxSize)
                }
                guard let bytes else { break }
                let request = try KadMessage(decoding: bytes)
                guard let reply = try answer(request, from: sender) else { continue }
                try await stream.writeLengthPrefixed(reply.encoded)
            }
            try await stream.closeWrite()
        } catch {
            stream.reset()
        }
    }

    /// The reply to one request (`nil` for ADD_PROVIDER, which go-libp2p and py-libp2p clients do not read).
    /// - Throws: for requests we refuse (the stream is then reset, as the spec says for errors).
    func answer(_ request: KadMessage, from sender: PeerID) throws -> KadMessage? {
        let k = configuration.bucketSize
        switch request.type {
        case .findNode, .getValue:
            guard !request.key.isEmpty else { throw KadError.refused("FIND_NODE without a key") }
            var closer = closerPeers(to: request.key, excluding: sender)
            // FIND_NODE for a peer we are connected to names it first (the spec's exception for the target).
            if request.type == .findNode, let target = try? PeerID(bytes: request.key), target != sender {
                if target == host.peerID {
                    closer.insert(KadMessage.Peer(id: target, addresses: ownAddresses, connection: .connected), at: 0)
                } else if !closer.contains(where: { $0.id == target }), let info = host.peerInfo(target) {
                    let peer = KadMessage.Peer(
                        id: target, addresses: info.listenAddresses.map(\.withoutPeerID), connection: .connected)
                    closer.insert(peer, at: 0)
                }
            }
            return KadMessage(type: request.type, key: request.key, closerPeers: Array(closer.prefix(k)))
        case .getProviders:
            guard !request.key.isEmpty else { throw KadError.refused("GET_PROVIDERS without a key") }
            let providers = state.withLock { $0.providers.providers(of: request.key) }
            return KadMessage(
                type: .getProviders, key: request.key, closerPeers: closerPeers(to: request.key, excluding: sender),
                providerPeers: providers)
        case .addProvider:
            guard !request.key.isEmpty else { throw KadError.refused("ADD_PROVIDER without a key") }
            // Only the sender may announce itself (Noise proved its ID); other entries are ignored.
            for provider in request.providerPeers where provider.id == sender && !provider.addresses.isEmpty {
                state.withLock {
                    _ = $0.providers.add(key: request.key, provider: sender, addresses: provider.addresses)
                }
            }
            return nil
        case .ping:
            return KadMessage(type: .ping)
        case .putValue:
            throw KadError.refused("PUT_VALUE (values are not stored)")
        }
    }

    private var ownAddresses: [Multiaddr] { host.listenAddresses.map(\.withoutPeerID) }

    private func closerPeers(to key: [UInt8], excluding sender: PeerID) -> [KadMessage.Peer] {
        state.withLock { $0.table.closest(to: key, count: configuration.bucketSize, excluding: sender) }.map {
            KadMessage.Peer(
                id: $0.peer, addresses: $0.addresses,
                connection: host.isConnected(to: $0.peer) ? .connected : .canConnect)
        }
    }
}

/// A counting semaphore for lookups in flight.
private final class LookupSlots: Sendable {
    private let state: Mutex<(free: Int, waiters: [CheckedContinuation<Bool, Never>], stopped: Bool)>

    init(_ slots: Int) {
        state = Mutex((max(1, slots), [], false))
    }

    func run<T>(_ body: () async throws -> T) async throws -> T {
        let granted = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let immediate: Bool? = state.withLock { s in
                if s.stopped { return false }
                if s.free > 0 {
                    s.free -= 1
                    return true
                }
                s.waiters.append(continuation)
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
        guard granted else { throw KadError.stopped }
        defer {
            let next = state.withLock { s -> CheckedContinuation<Bool, Never>? in
                if s.waiters.isEmpty {
                    s.free += 1
                    return nil
                }
                return s.waiters.removeFirst()
            }
            next?.resume(returning: true)
        }
        return try await body()
    }

    func stop() {
        let waiters = state.withLock { s in
            s.stopped = true
            defer { s.waiters = [] }
            return s.waiters
        }
        waiters.forEach { $0.resume(returning: false) }
    }
}
