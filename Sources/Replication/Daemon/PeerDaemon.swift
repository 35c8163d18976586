import CacheCore
import Foundation
import LibP2P
import Logging
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `ghcache-peer` daemon as a swift-service-lifecycle `Service`: a libp2p host that publishes this machine's
/// fetches to the fleet topic, stores valid entries from peers, runs join-time sync on every new connection, keeps
/// the bootstrap peers connected and keeps the heartbeat's peer list current.
///
/// It works on the process's ``DaemonResources`` (store, transport, heartbeat) and owns the process's one
/// ``CacheClient`` (``client``: its forwarder is the fleet fill, its observer the publisher), which the local
/// endpoint uses too. ``start(_:resources:logger:)`` does everything that can fail for a user-visible reason
/// (identity, port), so the caller can report it before running the service; ``run()`` returns after a graceful
/// shutdown (or cancellation) with the socket removed.
public final class PeerDaemon: Service, Invalidator, Sendable {
    /// This daemon's peer ID (`12D3KooW…`).
    public let peerID: String
    /// The multiaddrs other peers can dial (`/ip4/…/tcp/…/p2p/12D3KooW…`).
    public let addresses: [String]
    /// Warnings for the operator found while starting (bad bootstrap entries, socket problems).
    public let warnings: [String]
    /// The fleet's gossipsub topic.
    public var topic: String { intake.codec.topic }
    /// How many bootstrap peers are dialled (the usable entries, DNS names included).
    public var bootstrapCount: Int { bootstrapAddresses.count + bootstrapNames.count }

    private let settings: PeerDaemonSettings
    let host: LibP2P.Host
    private let gossip: GossipSub
    private let intake: EntryIntake
    private let sync: SyncService
    private let publisher: Publisher
    private let heartbeat: Heartbeat
    private let socket: LocalWriteSocket?
    let membership: Membership
    private let control: ControlChannel
    private let fill: FleetFill
    private let fillService: FillService
    private let refreshAhead: RefreshAhead
    private let invalidations: Invalidations
    private let events: AsyncStream<PeerEvent>
    private let bootstrapAddresses: [Multiaddr]
    private let bootstrapNames: [Multiaddr]
    let dialer: Dialer
    /// The Kademlia DHT (`nil` with `CACHE_DHT=false`) and the fleet's rendezvous on it.
    let dht: KadDHT?
    private let rendezvous: Rendezvous?
    /// Whether the DHT runs and serves others: `nil` with `CACHE_DHT=false`, `false` in client mode.
    public var dhtServing: Bool? { dht?.isServer }
    private let logger: Logger

    /// The process's cache client: lookups the store cannot serve fresh go to the key's owner in the fleet (fleet
    /// fill) before GitHub; every row it writes from GitHub is published.
    public let client: CacheClient

    /// Marks resources stale on this runner and on every runner of the fleet (a write through the local endpoint, a
    /// webhook); with `refresh`, each key's owner revalidates it a moment later.
    public func invalidate(_ invalidation: Invalidation) async throws(GHCacheError) -> Int {
        let marked = try invalidations.apply(invalidation)
        await control.publish(invalidation)
        return marked
    }

    /// How many peers the libp2p host is connected to.
    public var connectedPeerCount: Int { host.connectedPeers.count }

    /// The peer IDs of the other fleet members this daemon heard from recently (the candidates to own a key).
    public var fleetMembers: [String] { membership.live().keys.map(\.description).sorted() }

    private init(
        settings: PeerDaemonSettings, resources: DaemonResources, host: LibP2P.Host, gossip: GossipSub,
        intake: EntryIntake, lastSeq: Int64, socket: LocalWriteSocket?, events: AsyncStream<PeerEvent>,
        addresses: [Multiaddr], bootstrap: [Multiaddr], bootstrapNames: [Multiaddr], warnings: [String],
        dhtKey: [UInt8], credential: DaemonCredential, logger: Logger
    ) {
        self.settings = settings
        self.heartbeat = resources.heartbeat
        self.host = host
        self.gossip = gossip
        self.intake = intake
        self.sync = SyncService(host: host, intake: intake, maxEntries: settings.maxEntries, logger: logger)
        let publisher = Publisher(
            gossip: gossip, intake: intake, localPeer: host.peerID.description, lastSeq: lastSeq)
        self.publisher = publisher
        self.socket = socket
        let membership = Membership(localPeer: host.peerID, expiry: settings.memberExpiry)
        self.membership = membership
        let dialer = Dialer(host: host, maxPeers: settings.maxPeers, ownAddresses: addresses)
        self.dialer = dialer
        // The fleet's leases on the keys this daemon owns: without a credential of its own, a runner that asks
        // fetches them; with or without, runners take turns to prove their tokens' access after a change.
        let fillTimeout = settings.configuration.fillTimeout
        let leases = FillLeases(store: resources.store, duration: fillTimeout / 2, clock: resources.clock)
        let fill = FleetFill(
            host: host, membership: membership, intake: intake, timeout: .milliseconds(Int(fillTimeout * 1000)),
            enabled: settings.configuration.fleetFill, leases: leases, hasCredential: credential.isPresent,
            logger: logger)
        self.fill = fill
        // Refresh-ahead and revalidations after an invalidation go through the fill, so only owners revalidate; the
        // fills this daemon serves as the owner fetch themselves (LookupOptions.askForwarder).
        let client = CacheClient(
            configuration: settings.configuration, store: resources.store, transport: resources.transport,
            tokens: credential.tokens, forwarder: fill, observer: publisher, clock: resources.clock)
        self.client = client
        self.fillService = FillService(
            client: client, intake: intake, localPeer: host.peerID.description, leases: leases,
            hasCredential: credential.isPresent,
            leaseWait: .milliseconds(Int(fillTimeout * 900)), logger: logger)
        self.refreshAhead = RefreshAhead(client: client, enabled: credential.isPresent, logger: logger)
        let invalidations = Invalidations(
            store: intake.store, membership: membership, client: client,
            delay: settings.invalidationRefreshDelay, refreshes: credential.isPresent, logger: logger)
        self.invalidations = invalidations
        self.control = ControlChannel(
            gossip: gossip, codec: intake.codec, membership: membership, addresses: addresses, intake: intake,
            dialer: dialer, logger: logger,
            onInvalidation: { invalidation in
                do throws(GHCacheError) {
                    try invalidations.apply(invalidation)
                } catch {
                    logger.warning("cannot mark entries stale: \(error.message)")
                }
            })
        self.events = events
        if settings.dht {
            let dht = KadDHT(host: host, server: settings.dhtServer, configuration: settings.kad)
            self.dht = dht
            self.rendezvous = Rendezvous(
                dht: dht, key: dhtKey, dialer: dialer, addresses: addresses, interval: settings.dhtRefresh,
                isMember: { membership.live()[$0] != nil }, probation: settings.memberExpiry + settings.announceInterval
            )
        } else {
            self.dht = nil
            self.rendezvous = nil
        }
        self.peerID = host.peerID.description
        self.addresses = addresses.map(\.description)
        self.bootstrapAddresses = bootstrap
        self.bootstrapNames = bootstrapNames
        self.warnings = warnings
        self.logger = logger
    }

    /// Loads (or creates) the identity, installs the fleet's token fingerprint key, listens and subscribes to the
    /// fleet topic, on the store and transport of `resources`. `tokens` is the daemon's own credential (the
    /// environment's token and `gh` when `nil`): what the daemon asks GitHub for itself is sent with it.
    ///
    /// - Throws: a ``GHCacheError`` saying what to do: the port is taken, the identity key or the store cannot be
    ///   used.
    public static func start(
        _ settings: PeerDaemonSettings, resources: DaemonResources, tokens: TokenProvider? = nil, logger: Logger
    ) async throws(GHCacheError) -> PeerDaemon {
        let store = resources.store
        let identity = try loadIdentity(path: settings.identityPath)
        var logger = logger
        logger[metadataKey: "ghcache.self"] = "\(identity.peerID)"
        let fleetKey = FleetKey(secret: settings.secret.value)
        // Every runner of the fleet fingerprints tokens with the same key, so validators travel (PROTOCOL §4).
        let fingerprintKeyPath = (settings.cacheDirectory as NSString).appendingPathComponent("fingerprint.key")
        let hadFingerprintKey = FileManager.default.fileExists(atPath: fingerprintKeyPath)
        if try TokenFingerprinter.install(key: fleetKey.tokenFingerprintKey, cacheDir: settings.cacheDirectory),
            hadFingerprintKey
        {
            logger.notice(
                """
                replaced \(fingerprintKeyPath) with the fleet's token fingerprint key; validators stored under \
                the previous key no longer match (one charged refresh each)
                """)
        }

        let host = LibP2P.Host(identity: identity, configuration: settings.host)
        let events = host.events()
        let bound: [Multiaddr]
        do {
            let ip = settings.listenAddress.contains(":") ? "ip6" : "ip4"
            bound = try await host.listen(
                on: Multiaddr(parsing: "/\(ip)/\(settings.listenAddress)/tcp/\(settings.listenPort)"))
        } catch {
            await host.shutdown()
            throw listenError(error, settings: settings)
        }
        let port = bound.lazy.compactMap(\.tcpPort).first ?? settings.listenPort
        let addresses = AdvertisedAddresses.of(listenAddress: settings.listenAddress, port: port, peer: host.peerID)

        var (bootstrap, names, warnings) = Bootstrap.parse(settings.bootstrapPeers, localPeer: host.peerID)
        let socket: LocalWriteSocket?
        do {
            socket = try LocalWriteSocket(path: settings.socketPath)
        } catch {
            socket = nil
            warnings.append("\(error); new rows are published within ~1 s by tailing the store instead")
        }

        let credential = await DaemonCredential(
            tokens: tokens
                ?? TokenProvider(configuration: settings.configuration) { [logger] in logger.notice("\($0)") })
        warnings += DaemonCredential.notices(configuration: settings.configuration, isPresent: credential.isPresent)
        // During a rotation (CACHE_P2P_SHARED_SECRET_PREVIOUS) what the previous key sealed is still opened, and its
        // topics are still followed; everything this daemon sends is sealed with the new key (docs/PROTOCOL.md §1).
        let codec = FleetCodec(key: fleetKey, previous: settings.secret.previous.map { [FleetKey(secret: $0)] } ?? [])
        let intake = EntryIntake(codec: codec, store: store, logger: logger, clock: resources.clock)
        let gossip = GossipSub(host: host, parameters: settings.gossip)
        let lastSeq: Int64
        do {
            lastSeq = try store.lastSeq()
        } catch {
            await host.shutdown()
            throw error
        }
        let daemon = PeerDaemon(
            settings: settings, resources: resources, host: host, gossip: gossip, intake: intake, lastSeq: lastSeq,
            socket: socket,
            events: events, addresses: addresses, bootstrap: bootstrap, bootstrapNames: names, warnings: warnings,
            dhtKey: fleetKey.dhtKey, credential: credential, logger: logger)
        host.setStreamHandler(SyncProtocol.id) { [sync = daemon.sync] stream in await sync.serve(stream) }
        host.setStreamHandler(FillProtocol.id) { [fillService = daemon.fillService] stream in
            await fillService.serve(stream)
        }
        for topic in [codec.topic] + codec.previousTopics {
            await gossip.setValidator(topic: topic) { [intake] message in Self.validate(message, intake: intake) }
        }
        for topic in daemon.control.topics {
            await gossip.setValidator(topic: topic) { [control = daemon.control] message in
                control.validate(message)
            }
        }
        await gossip.start()
        daemon.writeStatus()
        return daemon
    }

    /// Runs until a graceful shutdown (SIGTERM/SIGINT through the `ServiceGroup`) or cancellation, then cleans up.
    public func run() async throws {
        var streams: [AsyncStream<PubsubMessage>] = []
        for topic in [intake.codec.topic] + intake.codec.previousTopics + control.topics {
            streams.append(await gossip.subscribe(topic))
        }
        let subscriptions = streams
        writeStatus()
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                // Validated messages are stored (entries) or handled (control) by their topic's validator.
                for messages in subscriptions { group.addTask { for await _ in messages {} } }
                group.addTask { await self.control.run(interval: self.settings.announceInterval) }
                group.addTask {
                    await self.refreshAhead.run(
                        interval: self.settings.refreshInterval,
                        startDelay: self.settings.refreshStartDelay ?? self.settings.announceInterval * 2)
                }
                group.addTask { await self.followConnections() }
                group.addTask { await self.tailStore() }
                if let socket = self.socket {
                    group.addTask {
                        for await key in socket.keys { await self.publisher.publish(key: key) }
                    }
                }
                let bootstrap = self.settings.bootstrap
                for address in self.bootstrapAddresses {
                    group.addTask { await bootstrap.maintain(address, dialer: self.dialer, logger: self.logger) }
                }
                if self.mdnsEnabled {
                    group.addTask { await self.discoverLocally() }
                }
                if let rendezvous = self.rendezvous {
                    group.addTask { await rendezvous.run(logger: self.logger) }
                }
                for name in self.bootstrapNames {
                    group.addTask { await bootstrap.maintain(name: name, dialer: self.dialer, logger: self.logger) }
                }
            }
        }
        await shutdown()
    }

    private func shutdown() async {
        logger.info("shutting down")
        socket?.stop()
        dht?.stop()
        await gossip.stop()
        await host.shutdown()
    }

    // MARK: loops

    /// Runs join-time sync on every new connection and refreshes the heartbeat on every change.
    private func followConnections() async {
        await withDiscardingTaskGroup { group in
            for await event in events {
                guard !Task.isCancelled else { return }
                if case .disconnected(let peer) = event { dialer.disconnected(peer) }
                writeStatus()
                if case .connected(let peer) = event {
                    logger.info("connected", metadata: ["ghcache.peer": "\(peer)"])
                    group.addTask {
                        // An outbound connection's source is recorded when the dial returns, just after this event.
                        try? await Task.sleep(for: .milliseconds(100))
                        self.writeStatus()
                    }
                    group.addTask { await self.sync.request(from: peer) }
                    // Once the new peer has our subscription (its mesh forms at once), tell it who we are.
                    control.announceSoon()
                } else if case .disconnected(let peer) = event {
                    logger.info("disconnected", metadata: ["ghcache.peer": "\(peer)"])
                    membership.forget(peer)
                }
            }
        }
    }

    /// Whether mDNS discovery runs (`CACHE_MDNS`, and not on a loopback-only listener).
    public var mdnsEnabled: Bool { settings.mdns && !listensOnLoopbackOnly }

    /// Whether the daemon listens only on a loopback address (then mDNS would advertise nothing dialable).
    private var listensOnLoopbackOnly: Bool {
        settings.listenAddress.hasPrefix("127.") || settings.listenAddress == "::1"
    }

    /// mDNS on the local network: answers with this daemon's non-loopback addresses and dials the peers found.
    private func discoverLocally() async {
        let settings = self.settings
        let peer = host.peerID
        let port = host.listenAddresses.lazy.compactMap(\.tcpPort).first ?? settings.listenPort
        let mdns = MDNSDiscovery(peerID: peer) {
            AdvertisedAddresses.of(listenAddress: settings.listenAddress, port: port, peer: peer)
        }
        let (peers, sink) = AsyncStream.makeStream(of: MDNSDiscovery.Found.self, bufferingPolicy: .bufferingNewest(64))
        await withDiscardingTaskGroup { group in
            group.addTask {
                defer { sink.finish() }
                do {
                    try await mdns.run { found in
                        if !self.host.isConnected(to: found.peer) { sink.yield(found) }
                    }
                } catch {
                    self.logger.warning(
                        "mDNS discovery is off: cannot use UDP port 5353 (\(error)); CACHE_MDNS=false silences this")
                }
            }
            // Dials run off the receive loop; a peer already being dialled is not dialled twice.
            for await found in peers {
                group.addTask {
                    self.logger.debug("mDNS: found \(found.peer) at \(found.addresses.map(\.description))")
                    await self.dialer.dialAny(found.addresses, peer: found.peer, via: .mdns)
                }
            }
        }
    }

    private func tailStore() async {
        while !Task.isCancelled {
            await publisher.tail()
            try? await Task.sleep(for: settings.tailInterval)
        }
    }

    /// Puts this daemon's addresses and connected peers (with how each was found) into the heartbeat row.
    private func writeStatus() {
        let connected = host.connectedPeers
        var via: [String: String] = [:]
        for peer in connected { if let source = dialer.source(of: peer) { via[peer.description] = source.rawValue } }
        heartbeat.update { status in
            status.peerID = peerID
            status.addresses = addresses
            status.connectedPeers = connected.map(\.description).sorted()
            status.via = via
        }
    }

    // MARK: receiving

    /// The topic validator: stores a valid entry (accept, so it is forwarded), drops the rest and counts them.
    private static func validate(_ message: PubsubMessage, intake: EntryIntake) -> ValidationResult {
        let outcome = intake.take(message.data, from: message.from.description)
        switch outcome {
        case .stored:
            intake.count([Counter.gossipReceived: 1])
            return .accept
        case .duplicate, .storeFailed:
            intake.count([Counter.gossipReceived: 1])
            return .ignore
        case .rejected(let rejection):
            intake.count([Counter.gossipReceived: 1, Counter.gossipRejected(rejection.reason.rawValue): 1])
            return rejection.reason == .stale || rejection.reason == .expired ? .ignore : .reject
        }
    }

    // MARK: start-up

    /// The peer ID and dialable addresses of the identity in `cacheDirectory` (created if missing), without
    /// starting anything: what `ghcache-peer id` prints.
    public static func describeIdentity(cacheDirectory: String, listenAddress: String, port: Int)
        throws(GHCacheError) -> (peerID: String, addresses: [String])
    {
        let identity = try loadIdentity(path: PeerDaemonSettings.identityPath(in: cacheDirectory))
        let addresses = AdvertisedAddresses.of(listenAddress: listenAddress, port: port, peer: identity.peerID)
        return (identity.peerID.description, addresses.map(\.description))
    }

    private static func loadIdentity(path: String) throws(GHCacheError) -> Identity {
        do {
            return try Identity.loadOrCreate(at: path)
        } catch {
            throw GHCacheError(error.description, exitStatus: .store)
        }
    }

    private static func listenError(_ error: any Error, settings: PeerDaemonSettings) -> GHCacheError {
        let text = "\(error)"
        let endpoint = "\(settings.listenAddress):\(settings.listenPort)"
        if ListenFailure(error) == .addressInUse {
            return GHCacheError(
                "cannot listen on \(endpoint): the port is already in use (another ghcache-peer?). Stop the other "
                    + "process or choose a free port with --port or CACHE_LISTEN_PORT", exitStatus: .network)
        }
        return GHCacheError(
            "cannot listen on \(endpoint): \(text). Check --listen-address / CACHE_LISTEN_ADDRESS (an address of "
                + "this machine, e.g. 0.0.0.0 or 127.0.0.1) and --port / CACHE_LISTEN_PORT", exitStatus: .network)
    }
}

extension Multiaddr {
    /// The TCP port component, if any.
    var tcpPort: Int? {
        components.lazy.compactMap { if case .tcp(let port) = $0 { Int(port) } else { nil } }.first
    }
}
