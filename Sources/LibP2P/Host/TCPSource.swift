import NIOCore

/// The inbound bytes of a TCP connection as a chunk source.
struct TCPSource: ByteChunkSource {
    var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator

    mutating func nextChunk() async throws -> [UInt8]? {
        guard var buffer = try await iterator.next() else { return nil }
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }
}

/// A yamux stream's received bytes as a chunk source (for multistream negotiation).
struct StreamSource: ByteChunkSource {
    let stream: YamuxStream

    mutating func nextChunk() async throws -> [UInt8]? { try await stream.read() }
}

extension Multiaddr {
    /// The multiaddr `/ip4|ip6/<ip>/tcp/<port>` of a socket address, if it is an IP address.
    init?(socketAddress: SocketAddress?) {
        guard let socketAddress, let ip = socketAddress.ipAddress, let port = socketAddress.port,
            let portNumber = UInt16(exactly: port)
        else { return nil }
        let family = socketAddress.protocol == .inet6 ? "ip6" : "ip4"
        guard let addr = try? Multiaddr(parsing: "/\(family)/\(ip)/tcp/\(portNumber)") else { return nil }
        self = addr
    }

    /// The host and port to connect to or bind, from `/ip4|ip6/<ip>/tcp/<port>[/p2p/<id>]`.
    var tcpEndpoint: (host: String, port: Int)? {
        let parts = withoutPeerID.components
        guard parts.count == 2, case .tcp(let port) = parts[1] else { return nil }
        switch parts[0] {
        case .ip4, .ip6:
            let text = Multiaddr([parts[0]]).description  // "/ip4/127.0.0.1"
            guard let host = text.split(separator: "/").last else { return nil }
            return (String(host), Int(port))
        default:
            return nil
        }
    }
}
