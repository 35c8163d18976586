import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// libp2p mDNS discovery (`discovery/mdns.md`) over IPv4 multicast `224.0.0.251:5353`: answers queries for
/// `_p2p._udp.local` with this peer's addresses, queries at start (then 1 s, 2 s, 4 s… later), every
/// ``Configuration/queryInterval`` and when the interfaces change, and reports every peer other answers name.
///
/// An answer carries a PTR `_p2p._udp.local` → `<peer-name>._p2p._udp.local`, a TXT record on that name with one
/// `dnsaddr=<multiaddr>/p2p/<peer id>` string per address (the address on the interface the answer goes out on
/// first), and SRV and A records (py-libp2p's zeroconf needs them to complete its look-up). Received TXT strings are
/// read in both spellings, `dnsaddr=` repeated (the spec, go-libp2p) and `dnsaddr=`, `dnsaddr2=`… (py-libp2p 0.8.1).
/// Loopback addresses are never advertised. Malformed packets are counted and dropped; answers go out at most once
/// a second per interface (RFC 6762 §6), so a flood of queries cannot turn this host into an amplifier.
public final class MDNSDiscovery: Sendable {
    /// Names, intervals and limits.
    public struct Configuration: Sendable {
        /// The service name queried and answered.
        public var serviceName = "_p2p._udp.local"
        /// How often to query again (discovery of peers that missed our announcements).
        public var queryInterval: Duration = .seconds(30)
        /// How often the interfaces are checked; a new one gets an announcement and a query.
        public var interfaceCheckInterval: Duration = .seconds(5)
        /// The TTL of our records, in seconds.
        public var ttl: UInt32 = 120
        /// The UDP port (5353).
        public var port = 5353
        /// The most addresses kept of one discovered peer.
        public var maxAddressesPerPeer = 32

        /// The defaults of the spec.
        public init() {}
    }

    /// This peer.
    public let peerID: PeerID
    public let configuration: Configuration
    private let addresses: @Sendable () -> [Multiaddr]
    private let peerName: String
    private let malformedPackets = Atomic<Int>(0)

    static let group = "224.0.0.251"

    /// A discovery service for `peerID`, advertising what `addresses` returns at the time of each answer (addresses
    /// ending in `/p2p/<peerID>` or not; loopback ones are left out).
    public init(
        peerID: PeerID, configuration: Configuration = .init(), addresses: @escaping @Sendable () -> [Multiaddr]
    ) {
        self.peerID = peerID
        self.configuration = configuration
        self.addresses = addresses
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        peerName = String((0..<32).map { _ in alphabet.randomElement()! })
    }

    /// Packets that were not valid DNS messages (dropped).
    public var malformed: Int { malformedPackets.load(ordering: .relaxed) }

    /// A peer found on the local network.
    public struct Found: Sendable, Equatable {
        /// Its peer ID (from the `/p2p/` part of its addresses).
        public let peer: PeerID
        /// Its advertised addresses, each ending in `/p2p/<peer>`.
        public let addresses: [Multiaddr]
    }

    /// Runs until cancelled, calling `found` for every other peer an answer names (again at every answer).
    /// - Throws: when the UDP socket cannot be opened (port 5353 unavailable, no IPv4).
    public func run(found: @escaping @Sendable (Found) async -> Void) async throws {
        let (packets, sink) = AsyncStream.makeStream(of: Packet.self, bufferingPolicy: .bufferingNewest(256))
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .channelOption(ChannelOptions.socketOption(.init(rawValue: SO_REUSEPORT)), value: 1)
            .bind(host: "0.0.0.0", port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Receiver(sink: sink))
                    return channel
                }
            }
        defer {
            sink.finish()
            channel.close(promise: nil)
        }
        let sender = try Sender(channel: channel, port: configuration.port)
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await packet in packets {
                        await self.handle(packet, sender: sender, found: found)
                    }
                }
                group.addTask { await self.maintain(sender: sender) }
            }
        } onCancel: {
            sink.finish()
        }
    }

    // MARK: loops

    /// Joins the group on new interfaces (announcing and querying there), re-queries periodically, and sends answers
    /// that were held back by the once-a-second limit.
    private func maintain(sender: Sender) async {
        var known: Set<String> = []
        var lastQuery = ContinuousClock.now
        // RFC 6762 §5.2: the first queries 1 s, 2 s, 4 s… apart, up to the query interval (a responder that was
        // still probing when the first one went out answers a later one).
        var queryDelay = Duration.seconds(1)
        var lastCheck = ContinuousClock.now - configuration.interfaceCheckInterval
        while !Task.isCancelled {
            let now = ContinuousClock.now
            if now - lastCheck >= configuration.interfaceCheckInterval {
                lastCheck = now
                let interfaces = Self.multicastInterfaces()
                let current = Set(interfaces.map(\.key))
                if current != known {
                    for interface in interfaces where !known.contains(interface.key) {
                        await sender.join(interface)
                    }
                    sender.setInterfaces(interfaces)
                    known = current
                    if !interfaces.isEmpty {
                        await sender.sendAnswers(self.answers)
                        await sender.send(query())
                        lastQuery = now
                        queryDelay = .seconds(1)
                    }
                }
            }
            if now - lastQuery >= min(queryDelay, configuration.queryInterval) {
                lastQuery = now
                queryDelay = queryDelay * 2
                await sender.send(query())
            }
            if sender.takePending() { await sender.sendAnswers(self.answers) }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    private func handle(_ packet: Packet, sender: Sender, found: @Sendable (Found) async -> Void) async {
        let message: DNSMessage
        do {
            message = try DNSMessage.decode(packet.bytes)
        } catch {
            malformedPackets.add(1, ordering: .relaxed)
            return
        }
        if message.isResponse {
            for peer in peers(in: message) { await found(peer) }
            return
        }
        guard asksForUs(message) else { return }
        if packet.sourcePort != configuration.port {
            // A legacy unicast query (RFC 6762 §6.7): answer the source directly, echoing the ID and questions.
            var reply = answers(nil)
            reply.id = message.id
            reply.questions = message.questions
            await sender.send(reply, to: packet.source)
        } else {
            await sender.requestAnswers(self.answers)
        }
    }

    // MARK: messages

    private var service: DNSName { DNSName(configuration.serviceName) }
    private var instance: DNSName { service.prepending(peerName) }
    private var hostName: DNSName { DNSName("\(peerName).local") }

    func query() -> DNSMessage {
        .query([DNSQuestion(name: service, type: DNSRecordData.typePTR)])
    }

    /// Whether a query asks for our service, instance or host name.
    func asksForUs(_ message: DNSMessage) -> Bool {
        message.questions.contains { question in
            let any = question.type == DNSRecordData.typeANY
            if question.name == service { return question.type == DNSRecordData.typePTR || any }
            if question.name == instance {
                return question.type == DNSRecordData.typeSRV || question.type == DNSRecordData.typeTXT || any
            }
            if question.name == hostName { return question.type == DNSRecordData.typeA || any }
            return false
        }
    }

    /// Our answer for the interface with IPv4 address `local` (its address goes first), `nil` for any.
    func answers(_ local: [UInt8]?) -> DNSMessage {
        let own = addresses().filter { !$0.isLoopback && !$0.isDNS && ($0.peerID == nil || $0.peerID == peerID) }
            .map { $0.peerID == nil ? $0.appending(.p2p(peerID)) : $0 }
        func ip4(_ address: Multiaddr) -> [UInt8]? {
            for case .ip4(let bytes) in address.components { return bytes }
            return nil
        }
        let ordered = own.filter { local != nil && ip4($0) == local } + own.filter { local == nil || ip4($0) != local }
        let strings = ordered.map { Array("dnsaddr=\($0)".utf8) }.filter { $0.count <= 255 }
        let port =
            ordered.lazy.compactMap { address -> UInt16? in
                for case .tcp(let port) in address.components { return port }
                return nil
            }.first ?? 0
        var ipv4: [[UInt8]] = []
        for address in ordered { if let ip = ip4(address), !ipv4.contains(ip) { ipv4.append(ip) } }
        let ttl = configuration.ttl
        var additionals = [
            DNSRecord(name: instance, cacheFlush: true, ttl: ttl, data: .txt(strings)),
            DNSRecord(
                name: instance, cacheFlush: true, ttl: ttl,
                data: .srv(priority: 0, weight: 0, port: port, target: hostName)),
        ]
        additionals += ipv4.map { DNSRecord(name: hostName, cacheFlush: true, ttl: ttl, data: .a($0)) }
        return .response(
            answers: [DNSRecord(name: service, ttl: ttl, data: .ptr(instance))], additionals: additionals)
    }

    /// The peers the TXT records of a response name (ours left out), with their `dnsaddr` addresses.
    func peers(in message: DNSMessage) -> [Found] {
        var byPeer: [PeerID: [Multiaddr]] = [:]
        var order: [PeerID] = []
        for record in message.answers + message.authorities + message.additionals {
            guard case .txt(let strings) = record.data, record.name.hasSuffix(service), record.name != service else {
                continue
            }
            for string in strings {
                guard let address = Self.dnsaddr(string), let peer = address.peerID, peer != peerID else { continue }
                if byPeer[peer] == nil {
                    order.append(peer)
                    byPeer[peer] = []
                }
                if byPeer[peer]!.count < configuration.maxAddressesPerPeer, !byPeer[peer]!.contains(address) {
                    byPeer[peer]!.append(address)
                }
            }
        }
        return order.map { Found(peer: $0, addresses: byPeer[$0] ?? []) }
    }

    /// The multiaddr of a TXT string `dnsaddr=…` or `dnsaddrN=…` (keys compared without case, RFC 6763 §6.4).
    static func dnsaddr(_ string: [UInt8]) -> Multiaddr? {
        guard let equals = string.firstIndex(of: UInt8(ascii: "=")) else { return nil }
        let key = String(decoding: string[..<equals], as: UTF8.self).lowercased()
        guard key.hasPrefix("dnsaddr"), key.dropFirst(7).allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let value = String(decoding: string[(equals + 1)...], as: UTF8.self)
        return try? Multiaddr(parsing: value)
    }

    // MARK: interfaces

    /// An IPv4 interface that is up, supports multicast and is not loopback.
    struct Interface: Sendable {
        let device: NIONetworkDevice
        let address: [UInt8]
        var key: String { "\(device.name)/\(address)" }
    }

    static func multicastInterfaces() -> [Interface] {
        guard let devices = try? System.enumerateDevices() else { return [] }
        return devices.compactMap { device in
            guard device.multicastSupported, case .v4(let v4)? = device.address else { return nil }
            let bytes = withUnsafeBytes(of: v4.address.sin_addr) { Array($0) }
            guard bytes.first != 127 else { return nil }
            return Interface(device: device, address: bytes)
        }
    }
}

/// A received datagram.
struct Packet: Sendable {
    let bytes: [UInt8]
    let source: SocketAddress
    var sourcePort: Int { source.port ?? 0 }
}

/// Feeds received datagrams into a bounded stream (the newest are kept under a flood).
private final class Receiver: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let sink: AsyncStream<Packet>.Continuation

    init(sink: AsyncStream<Packet>.Continuation) { self.sink = sink }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        guard envelope.data.readableBytes <= DNSMessage.maxSize else { return }
        sink.yield(Packet(bytes: Array(envelope.data.readableBytesView), source: envelope.remoteAddress))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {}  // e.g. ICMP errors: keep listening
}

/// Sends on every multicast interface, with the once-a-second answer limit.
private final class Sender: Sendable {
    let channel: any Channel
    let destination: SocketAddress
    private let state = Mutex<
        (interfaces: [MDNSDiscovery.Interface], lastAnswer: ContinuousClock.Instant?, pending: Bool)
    >(
        ([], nil, false))

    init(channel: any Channel, port: Int) throws {
        self.channel = channel
        destination = try SocketAddress(ipAddress: MDNSDiscovery.group, port: port)
    }

    func join(_ interface: MDNSDiscovery.Interface) async {
        guard let multicast = channel as? any MulticastChannel else { return }
        try? await multicast.joinGroup(destination, device: interface.device).get()
    }

    func setInterfaces(_ interfaces: [MDNSDiscovery.Interface]) {
        state.withLock { $0.interfaces = interfaces }
    }

    /// Sends `message` on every interface.
    func send(_ message: DNSMessage) async {
        for interface in state.withLock({ $0.interfaces }) { await send(message, on: interface) }
    }

    /// Sends `answers(interface address)` on every interface and restarts the once-a-second window.
    func sendAnswers(_ answers: (([UInt8]?) -> DNSMessage)) async {
        let interfaces = state.withLock { s in
            s.lastAnswer = .now
            s.pending = false
            return s.interfaces
        }
        for interface in interfaces { await send(answers(interface.address), on: interface) }
    }

    /// Answers now, or once the window since the last answer has passed.
    func requestAnswers(_ answers: (([UInt8]?) -> DNSMessage)) async {
        let now = state.withLock { s in
            if let last = s.lastAnswer, ContinuousClock.now - last < .seconds(1) {
                s.pending = true
                return false
            }
            return true
        }
        if now { await sendAnswers(answers) }
    }

    /// Whether a held-back answer is due now.
    func takePending() -> Bool {
        state.withLock { s in
            guard s.pending, s.lastAnswer.map({ ContinuousClock.now - $0 >= .seconds(1) }) ?? true else { return false }
            s.pending = false
            return true
        }
    }

    /// Sends `message` to `address` (unicast).
    func send(_ message: DNSMessage, to address: SocketAddress) async {
        let buffer = channel.allocator.buffer(bytes: message.encode())
        try? await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer)).get()
    }

    private func send(_ message: DNSMessage, on interface: MDNSDiscovery.Interface) async {
        guard let provider = channel as? any SocketOptionProvider else { return }
        var address = in_addr()
        withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: interface.address) }
        let envelope = AddressedEnvelope(
            remoteAddress: destination, data: channel.allocator.buffer(bytes: message.encode()))
        let channel = self.channel
        let interfaceAddress = address
        // Both in one event-loop turn, so a concurrent send cannot switch the interface in between.
        try? await channel.eventLoop.flatSubmit {
            provider.setIPMulticastIF(interfaceAddress).flatMap { channel.writeAndFlush(envelope) }
        }.get()
    }
}
