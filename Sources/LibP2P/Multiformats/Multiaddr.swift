#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A multiaddr: a sequence of protocol components such as `/ip4/127.0.0.1/tcp/9000/p2p/12D3KooW…`.
///
/// Supported protocols: `ip4`, `ip6`, `tcp` and `p2p` (text `/ipfs/` is accepted as a legacy alias
/// of `/p2p/` but never printed, because py-libp2p rejects it). Both the text and the binary form
/// (`(uvarint code ‖ value)*`) round-trip.
public struct Multiaddr: Hashable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    /// One protocol component of a multiaddr.
    public enum Component: Hashable, Sendable {
        /// An IPv4 address (4 bytes, network order).
        case ip4([UInt8])
        /// An IPv6 address (16 bytes, network order).
        case ip6([UInt8])
        /// A TCP port.
        case tcp(UInt16)
        /// A peer ID.
        case p2p(PeerID)

        /// The multicodec of the protocol.
        public var code: UInt64 {
            switch self {
            case .ip4: Multiaddr.ip4Code
            case .ip6: Multiaddr.ip6Code
            case .tcp: Multiaddr.tcpCode
            case .p2p: Multiaddr.p2pCode
            }
        }
    }

    static let ip4Code: UInt64 = 4
    static let tcpCode: UInt64 = 6
    static let ip6Code: UInt64 = 41
    static let p2pCode: UInt64 = 421

    /// The components, outermost first.
    public let components: [Component]

    /// Creates a multiaddr from components.
    public init(_ components: [Component]) {
        self.components = components
    }

    /// Parses the text form.
    ///
    /// - Throws: `MultiformatsError` quoting the input and naming the bad part, e.g.
    ///   `invalid multiaddr '/ip4/300.1.1.1': bad ip4 address '300.1.1.1'`.
    public init(parsing text: String) throws(MultiformatsError) {
        func fail(_ reason: String) -> MultiformatsError {
            MultiformatsError("invalid multiaddr '\(text)': \(reason)")
        }
        guard text.hasPrefix("/") else { throw fail("must start with '/'") }
        var parts = text.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        if parts.count > 1, parts.last == "" { parts = parts.dropLast() }
        guard !(parts.count == 1 && parts.first == "") else { throw fail("no components") }
        var components: [Component] = []
        var iterator = parts.makeIterator()
        while let name = iterator.next() {
            guard !name.isEmpty else { throw fail("empty component ('//')") }
            guard ["ip4", "ip6", "tcp", "p2p", "ipfs"].contains(name) else {
                throw fail("unsupported protocol '\(name)' (supported: ip4, ip6, tcp, p2p)")
            }
            guard let value = iterator.next(), !value.isEmpty else { throw fail("missing value after '/\(name)'") }
            switch name {
            case "ip4":
                guard let address = Multiaddr.parseIPv4(value) else { throw fail("bad ip4 address '\(value)'") }
                components.append(.ip4(address))
            case "ip6":
                guard let address = Multiaddr.parseIPv6(String(value)) else {
                    throw fail("bad ip6 address '\(value)'")
                }
                components.append(.ip6(address))
            case "tcp":
                guard value.allSatisfy(\.isASCII), let port = UInt16(value) else {
                    throw fail("bad tcp port '\(value)' (must be 0-65535)")
                }
                components.append(.tcp(port))
            default:
                do {
                    components.append(.p2p(try PeerID(parsing: String(value))))
                } catch {
                    throw fail("bad /\(name) value: \(error.description)")
                }
            }
        }
        self.init(components)
    }

    /// `LosslessStringConvertible`: `nil` if `description` is not a valid multiaddr.
    public init?(_ description: String) {
        guard let address = try? Multiaddr(parsing: description) else { return nil }
        self = address
    }

    /// Decodes the binary form.
    public init(bytes: [UInt8]) throws(MultiformatsError) {
        var cursor = ByteCursor(bytes)
        var components: [Component] = []
        while !cursor.isAtEnd {
            let code = try cursor.readVarint("multiaddr protocol code")
            switch code {
            case Multiaddr.ip4Code:
                components.append(.ip4(try cursor.read(4, "ip4 address")))
            case Multiaddr.ip6Code:
                components.append(.ip6(try cursor.read(16, "ip6 address")))
            case Multiaddr.tcpCode:
                let port = try cursor.read(2, "tcp port")
                components.append(.tcp(UInt16(port[0]) << 8 | UInt16(port[1])))
            case Multiaddr.p2pCode:
                let raw = try cursor.readLengthPrefixed("p2p peer ID")
                do {
                    components.append(.p2p(try PeerID(bytes: raw)))
                } catch {
                    throw MultiformatsError("bad /p2p value in binary multiaddr: \(error.description)")
                }
            default:
                throw MultiformatsError("unsupported multiaddr protocol code \(code)")
            }
        }
        guard !components.isEmpty else { throw MultiformatsError("empty binary multiaddr") }
        self.init(components)
    }

    /// The binary form.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        for component in components {
            Varint.encode(component.code, into: &out)
            switch component {
            case .ip4(let address), .ip6(let address):
                out += address
            case .tcp(let port):
                out += [UInt8(port >> 8), UInt8(port & 0xff)]
            case .p2p(let peer):
                Varint.encode(UInt64(peer.bytes.count), into: &out)
                out += peer.bytes
            }
        }
        return out
    }

    /// The text form; peer IDs print as `/p2p/<base58>`.
    public var description: String {
        components.map { component in
            switch component {
            case .ip4(let address): "/ip4/" + address.map(String.init).joined(separator: ".")
            case .ip6(let address): "/ip6/" + Multiaddr.formatIPv6(address)
            case .tcp(let port): "/tcp/\(port)"
            case .p2p(let peer): "/p2p/\(peer)"
            }
        }.joined()
    }

    /// The peer ID of the last `/p2p/` component, if any.
    public var peerID: PeerID? {
        for case .p2p(let peer) in components.reversed() { return peer }
        return nil
    }

    /// This address without its trailing `/p2p/` component (the part to dial).
    public var withoutPeerID: Multiaddr {
        if case .p2p = components.last { return Multiaddr(Array(components.dropLast())) }
        return self
    }

    /// This address with `component` appended.
    public func appending(_ component: Component) -> Multiaddr {
        Multiaddr(components + [component])
    }

    private static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var out: [UInt8] = []
        for octet in octets {
            guard (1...3).contains(octet.count), octet.allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = UInt8(octet)
            else { return nil }
            out.append(value)
        }
        return out
    }

    private static func parseIPv6(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    private static func formatIPv6(_ bytes: [UInt8]) -> String {
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes.prefix(16)) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else {
            return bytes.map { String($0, radix: 16) }.joined(separator: ":")
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
