import NIOCore
import NIOPosix
import Synchronization

/// A libp2p host: listens and dials over TCP, secures connections with Noise XX, multiplexes
/// them with yamux, and dispatches streams to protocol handlers (interoperable with py-libp2p).
///
/// ```swift
/// let host = Host(identity: .generate())
/// let addrs = try await host.listen(on: Multiaddr(parsing: "/ip4/127.0.0.1/tcp/0"))
/// host.setStreamHandler("/echo/1.0.0") { stream in
///     while let bytes = try? await stream.read() { try? await stream.write(bytes) }
/// }
/// let peer = try await host.dial(Multiaddr(parsing: "/ip4/127.0.0.1/tcp/9000/p2p/12D3KooW…"))
/// let stream = try await host.newStream(to: peer, protocols: ["/echo/1.0.0"])
/// ```
///
/// Identify (`/ipfs/id/1.0.0`) and ping (`/ipfs/ping/1.0.0`) are served by default. Call
/// `shutdown()` when done: it closes every listener, connection and stream.
public final class Host: Sendable {
    /// Handles an inbound stream that negotiated the handler's protocol. The handler owns the
    /// stream: it should close (`closeWrite`) or `reset` it when done.
    public typealias StreamHandler = @Sendable (P2PStream) async -> Void
    typealias Job = @Sendable () async -> Void

    /// This host's identity.
    public let identity: Identity
    /// Limits and timeouts.
    public let configuration: HostConfiguration
    private let group: any EventLoopGroup
    private let state: Mutex<State>
    private let jobs: AsyncStream<Job>.Continuation
    private let runner: Task<Void, Never>

    private struct State {
        var connections: [PeerID: [Connection]] = [:]
        var handlers: [String: StreamHandler] = [:]
        var servers: [any Channel] = []
        /// Inbound connections wrapped but not yet taken by the accept loop. A wrapped channel must end through
        /// `executeThenClose` (NIO stops the process when one is dropped unfinished), so each is held here until
        /// the accept loop or ``shutdown()`` takes it; after shutdown none is wrapped.
        var unaccepted: [ObjectIdentifier: NIOAsyncChannel<ByteBuffer, ByteBuffer>] = [:]
        var channels: [UInt64: any Channel] = [:]
        var listenAddresses: [Multiaddr] = []
        var subscribers: [UInt64: AsyncStream<PeerEvent>.Continuation] = [:]
        var peerInfo: [PeerID: IdentifyInfo] = [:]
        var nextID: UInt64 = 1
        var inboundConnections = 0
        var isShutDown = false

        mutating func makeID() -> UInt64 {
            defer { nextID += 1 }
            return nextID
        }
    }

    /// Creates a host; it does nothing on the network until `listen` or `dial`.
    public init(identity: Identity, configuration: HostConfiguration = .init()) {
        self.identity = identity
        self.configuration = configuration
        self.group = MultiThreadedEventLoopGroup.singleton
        self.state = Mutex(State())
        let (stream, continuation) = AsyncStream.makeStream(of: Job.self)
        self.jobs = continuation
        self.runner = Task {
            await withDiscardingTaskGroup { group in
                for await job in stream { group.addTask { await job() } }
            }
        }
        setStreamHandler(Identify.protocolID) { [weak self] stream in await self?.serveIdentify(stream) }
        setStreamHandler(Ping.protocolID) { stream in await Ping.serve(stream) }
    }

    /// This host's peer ID.
    public var peerID: PeerID { identity.peerID }

    /// The addresses we listen on, each ending in `/p2p/<our peer id>`.
    public var listenAddresses: [Multiaddr] { state.withLock { $0.listenAddresses } }

    /// Peers with at least one open connection.
    public var connectedPeers: [PeerID] { state.withLock { Array($0.connections.keys) } }

    /// Whether at least one connection to `peer` is open.
    public func isConnected(to peer: PeerID) -> Bool { state.withLock { $0.connections[peer] != nil } }

    /// Whether the oldest open connection to `peer` was dialled by us (`nil` when not connected).
    public func isOutbound(_ peer: PeerID) -> Bool? { state.withLock { $0.connections[peer]?.first?.isOutbound } }

    /// The protocols with a registered handler, sorted.
    public var protocols: [String] { state.withLock { $0.handlers.keys.sorted() } }

    /// What `peer` told us about itself via identify, if it answered.
    public func peerInfo(_ peer: PeerID) -> IdentifyInfo? { state.withLock { $0.peerInfo[peer] } }

    /// A new stream of connect/disconnect events. Each call returns an independent stream; it
    /// ends at `shutdown()`. Peers already connected are not replayed (see `connectedPeers`).
    public func events() -> AsyncStream<PeerEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: PeerEvent.self)
        let id: UInt64? = state.withLock { s in
            guard !s.isShutDown else { return nil }
            let id = s.makeID()
            s.subscribers[id] = continuation
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Registers (or replaces) the handler for inbound streams negotiating `protocolID`.
    public func setStreamHandler(_ protocolID: String, handler: @escaping StreamHandler) {
        state.withLock { $0.handlers[protocolID] = handler }
    }

    /// Removes the handler for `protocolID`; new streams for it are answered `na`.
    public func removeStreamHandler(_ protocolID: String) {
        _ = state.withLock { $0.handlers.removeValue(forKey: protocolID) }
    }

    // MARK: listening and dialing

    /// Starts accepting connections on a TCP multiaddr (`/ip4/127.0.0.1/tcp/0` picks a free port).
    /// - Returns: the bound addresses, each ending in `/p2p/<our peer id>`.
    /// - Throws: `HostError.unsupportedAddress`, or the bind error (e.g. port in use).
    public func listen(on address: Multiaddr) async throws -> [Multiaddr] {
        guard let endpoint = address.tcpEndpoint else { throw HostError.unsupportedAddress(address.description) }
        guard !state.withLock({ $0.isShutDown }) else { throw HostError.shutDown }
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .bind(host: endpoint.host, port: endpoint.port) { [weak self] child in
                child.eventLoop.makeCompletedFuture {
                    guard let self else { throw HostError.shutDown }
                    return try self.state.withLock { s in
                        guard !s.isShutDown else { throw HostError.shutDown }
                        let wrapped = try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child)
                        s.unaccepted[ObjectIdentifier(child)] = wrapped
                        return wrapped
                    }
                }
            }
        guard let bound = Multiaddr(socketAddress: server.channel.localAddress) else {
            server.channel.close(promise: nil)
            throw HostError.unsupportedAddress(address.description)
        }
        let full = bound.appending(.p2p(peerID))
        let accepted = state.withLock { s in
            guard !s.isShutDown else { return false }
            s.servers.append(server.channel)
            s.listenAddresses.append(full)
            return true
        }
        guard accepted, submit({ await self.acceptLoop(server) }) else {
            try? await server.channel.close()
            throw HostError.shutDown
        }
        return [full]
    }

    private func acceptLoop(_ server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>) async {
        try? await server.executeThenClose { inbound in
            for try await child in inbound {
                // Taken from `unaccepted` here, or already by shutdown(), which then ends it.
                guard state.withLock({ $0.unaccepted.removeValue(forKey: ObjectIdentifier(child.channel)) }) != nil
                else { continue }
                let admitted = state.withLock { s in
                    guard !s.isShutDown, s.inboundConnections < configuration.maxInboundConnections else {
                        return false
                    }
                    s.inboundConnections += 1
                    return true
                }
                guard admitted else {
                    await Self.discard(child)
                    continue
                }
                let started = submit {
                    await self.runConnection(child, expectedPeer: nil, isOutbound: false, ready: nil)
                    self.state.withLock { $0.inboundConnections -= 1 }
                }
                if !started { await Self.discard(child) }
            }
        }
    }

    /// Connects to `address` (`/ip4/<ip>/tcp/<port>/p2p/<peer id>`), runs Noise and yamux, and
    /// returns the authenticated peer. If the address names a peer we are already connected to,
    /// the existing connection is reused. An address without `/p2p/` is dialled too: the peer ID is
    /// then learnt from the Noise handshake. A DNS address must be resolved first (``DNSResolver``).
    /// - Throws: `NoiseError.peerIDMismatch` if the remote is not the peer in `/p2p/`;
    ///   `HostError.timeout` after `configuration.dialTimeout`; connection errors.
    public func dial(_ address: Multiaddr) async throws -> PeerID {
        guard let endpoint = address.tcpEndpoint else { throw HostError.unsupportedAddress(address.description) }
        let expected = address.peerID
        if let expected, isConnected(to: expected) { return expected }
        guard !state.withLock({ $0.isShutDown }) else { throw HostError.shutDown }
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.nanoseconds(Int64(configuration.dialTimeout.components.seconds) * 1_000_000_000))
                .connect(host: endpoint.host, port: endpoint.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw HostError.connectionFailed("cannot connect to \(address): \(Self.reason(error))")
        }
        let connection = try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<Connection, any Error>) in
            let ready = OneShot(continuation)
            let started = submit {
                await self.runConnection(channel, expectedPeer: expected, isOutbound: true, ready: ready.complete)
            }
            if !started {
                Task { await Self.discard(channel) }
                ready.complete(.failure(HostError.shutDown))
            }
        }
        return connection.remotePeer
    }

    /// A short reason for a TCP connect failure, without NIO type names.
    private static func reason(_ error: any Error) -> String {
        var error = error
        if let multi = error as? NIOConnectionError, let first = multi.connectionErrors.first?.error {
            error = first
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        if error is ChannelError { return "connection timed out" }
        return String(describing: error)
    }

    /// Closes every connection to `peer` (GO_AWAY, then TCP close).
    public func closeConnection(to peer: PeerID) {
        let connections = state.withLock { $0.connections[peer] ?? [] }
        connections.forEach { $0.close() }
    }

    /// Stops listening, closes all connections and streams, ends event streams, and waits
    /// (bounded) for all internal tasks. The host cannot be used afterwards.
    public func shutdown() async {
        let (servers, channels, connections, subscribers, unaccepted) = state.withLock { s in
            s.isShutDown = true
            defer {
                s.servers = []
                s.subscribers = [:]
                s.unaccepted = [:]
            }
            return (
                s.servers, Array(s.channels.values), s.connections.values.flatMap { $0 }, s.subscribers.values,
                Array(s.unaccepted.values)
            )
        }
        connections.forEach { $0.close() }
        for server in servers { try? await server.close() }
        for channel in unaccepted { await Self.discard(channel) }
        subscribers.forEach { $0.finish() }
        jobs.finish()
        let runner = self.runner
        let graceful = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await runner.value
                return true
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(2))
                return false
            }
            defer { group.cancelAll() }
            return await group.next() ?? false
        }
        if !graceful {
            channels.forEach { $0.close(promise: nil) }
            runner.cancel()
            await runner.value
        }
    }

    // MARK: streams

    /// Opens a stream to a connected peer and negotiates the first protocol of `protocols` the
    /// peer supports (proposing them in order, moving on after `na`).
    /// - Throws: `HostError.notConnected`; `MultistreamError.unsupported` if the peer refuses
    ///   all; `HostError.timeout` after `configuration.negotiationTimeout`.
    public func newStream(to peer: PeerID, protocols: [String]) async throws -> P2PStream {
        let candidates = state.withLock { $0.connections[peer] ?? [] }
        guard let connection = candidates.first(where: { !$0.session.isClosed }) else {
            throw HostError.notConnected(peer)
        }
        let stream = try connection.session.openStream()
        do {
            let chosen = try await stream.withDeadline(configuration.negotiationTimeout) {
                var reader = ByteReader(StreamSource(stream: stream))
                let chosen = try await Multistream.dial(
                    &reader, write: { try await stream.write($0) }, protocols: protocols)
                stream.unread(reader.takeBuffered())
                return chosen
            }
            return P2PStream(protocolID: chosen, remotePeer: peer, yamux: stream, connection: connection)
        } catch YamuxError.timedOut {
            throw HostError.timeout("negotiating \(protocols.joined(separator: ", ")) with \(peer)")
        } catch {
            stream.reset()
            throw error
        }
    }

    private func handler(for protocolID: String) -> StreamHandler? {
        state.withLock { $0.handlers[protocolID] }
    }

    private func acceptStream(_ stream: YamuxStream, on connection: Connection) {
        let started = submit {
            let negotiated: String
            do {
                negotiated = try await stream.withDeadline(self.configuration.negotiationTimeout) {
                    var reader = ByteReader(StreamSource(stream: stream))
                    let chosen = try await Multistream.listen(
                        &reader, write: { try await stream.write($0) }, supports: { self.handler(for: $0) != nil })
                    stream.unread(reader.takeBuffered())
                    return chosen
                }
            } catch {
                stream.reset()
                return
            }
            guard let handler = self.handler(for: negotiated) else {
                stream.reset()
                return
            }
            await handler(
                P2PStream(
                    protocolID: negotiated, remotePeer: connection.remotePeer, yamux: stream, connection: connection))
        }
        if !started { stream.reset() }
    }

    // MARK: connections

    /// Runs a job in the host's task group; `false` after shutdown.
    @discardableResult
    func submit(_ job: @escaping Job) -> Bool {
        if case .enqueued = jobs.yield(job) { return true }
        return false
    }

    /// Upgrades a TCP connection (multistream → Noise → multistream → yamux), registers it, and
    /// serves it until it closes.
    private func runConnection(
        _ channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, expectedPeer: PeerID?, isOutbound: Bool,
        ready: (@Sendable (Result<Connection, any Error>) -> Void)?
    ) async {
        let nioChannel = channel.channel
        let channelID: UInt64? = state.withLock { s in
            guard !s.isShutDown else { return nil }
            let id = s.makeID()
            s.channels[id] = nioChannel
            return id
        }
        guard let channelID else {
            await Self.discard(channel)
            ready?(.failure(HostError.shutDown))
            return
        }
        defer { _ = state.withLock { $0.channels.removeValue(forKey: channelID) } }
        let deadline = isOutbound ? configuration.dialTimeout : configuration.handshakeTimeout
        let timedOut = Mutex(false)
        let timer = Task {
            do {
                try await Task.sleep(for: deadline)
                timedOut.withLock { $0 = true }
                nioChannel.close(promise: nil)
            } catch {}
        }
        defer { timer.cancel() }
        let remoteAddress = Multiaddr(socketAddress: nioChannel.remoteAddress)
        do {
            try await channel.executeThenClose { inbound, outbound in
                var tcp = ByteReader(TCPSource(iterator: inbound.makeAsyncIterator()))
                let rawWrite: ([UInt8]) async throws -> Void = { try await outbound.write(ByteBuffer(bytes: $0)) }
                if isOutbound {
                    _ = try await Multistream.dial(&tcp, write: rawWrite, protocols: [NoiseSecurity.protocolID])
                } else {
                    _ = try await Multistream.listen(&tcp, write: rawWrite) { $0 == NoiseSecurity.protocolID }
                }
                let secured = try await NoiseSecurity.handshake(
                    &tcp, write: rawWrite, initiator: isOutbound, identity: identity, expectedPeer: expectedPeer)
                // A DNS name or a discovered address may lead back to this host: never keep a connection to ourselves.
                guard secured.remotePeer != identity.peerID else {
                    throw HostError.dialedSelf(remoteAddress?.description ?? "the address")
                }
                let (frames, output) = AsyncStream.makeStream(of: [UInt8].self)
                let writer = NoiseTransportWriter(cipher: secured.send, output: output)
                var secure = ByteReader(NoiseTransportSource(inner: tcp, cipher: secured.receive))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await frame in frames {
                            do { try await outbound.write(ByteBuffer(bytes: frame)) } catch { break }
                        }
                        nioChannel.close(promise: nil)
                    }
                    defer { writer.finish() }
                    let secureWrite: ([UInt8]) async throws -> Void = { try writer.send($0) }
                    if isOutbound {
                        _ = try await Multistream.dial(&secure, write: secureWrite, protocols: [Host.muxerID])
                    } else {
                        _ = try await Multistream.listen(&secure, write: secureWrite) { $0 == Host.muxerID }
                    }
                    let session = YamuxSession(isClient: isOutbound, configuration: configuration.yamux) {
                        try writer.send($0)
                    }
                    let connection = Connection(
                        id: channelID, remotePeer: secured.remotePeer, remoteAddress: remoteAddress,
                        isOutbound: isOutbound, session: session, writer: writer)
                    timer.cancel()
                    guard add(connection) else {
                        connection.close()
                        throw HostError.connectionFailed("connection limit for peer \(secured.remotePeer) reached")
                    }
                    ready?(.success(connection))
                    _ = await session.run(&secure) { stream in self.acceptStream(stream, on: connection) }
                    remove(connection)
                }
            }
        } catch {
            let failure: any Error =
                timedOut.withLock({ $0 })
                ? HostError.timeout("connection handshake with \(remoteAddress?.description ?? "peer")") : error
            ready?(.failure(failure))
        }
    }

    /// Closes a connection that will not be served. A `NIOAsyncChannel` must be closed through `executeThenClose`
    /// (which also finishes its writer): dropping one unfinished traps in NIO.
    private static func discard(_ channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        try? await channel.executeThenClose { _, _ in }
    }

    /// The stream muxer protocol id.
    static let muxerID = "/yamux/1.0.0"

    private func add(_ connection: Connection) -> Bool {
        let peer = connection.remotePeer
        let (added, first) = state.withLock { s -> (Bool, Bool) in
            guard !s.isShutDown else { return (false, false) }
            var list = s.connections[peer] ?? []
            guard list.count < configuration.maxConnectionsPerPeer else { return (false, false) }
            list.append(connection)
            s.connections[peer] = list
            if list.count == 1 {
                s.subscribers.values.forEach { $0.yield(.connected(peer)) }
            }
            return (true, list.count == 1)
        }
        if first && configuration.identifyOnConnect {
            submit { _ = try? await self.identify(peer) }
        }
        return added
    }

    private func remove(_ connection: Connection) {
        let peer = connection.remotePeer
        state.withLock { s in
            guard var list = s.connections[peer], list.contains(where: { $0 === connection }) else { return }
            list.removeAll { $0 === connection }
            if list.isEmpty {
                s.connections[peer] = nil
                s.peerInfo[peer] = nil
                s.subscribers.values.forEach { $0.yield(.disconnected(peer)) }
            } else {
                s.connections[peer] = list
            }
        }
    }

    func store(_ info: IdentifyInfo, for peer: PeerID) {
        state.withLock { s in
            if s.connections[peer] != nil { s.peerInfo[peer] = info }
        }
    }
}

/// Completes a checked continuation at most once.
final class OneShot<Value: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Value, any Error>?>

    init(_ continuation: CheckedContinuation<Value, any Error>) {
        self.continuation = Mutex(continuation)
    }

    /// Resumes the continuation with `result` unless it was resumed already.
    @Sendable func complete(_ result: Result<Value, any Error>) {
        let c = continuation.withLock { c in
            defer { c = nil }
            return c
        }
        c?.resume(with: result)
    }
}
