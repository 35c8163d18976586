#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A multiaddr: a sequence of protocol components such as `/ip4/127.0.0.1/tcp/9000/p2p/12D3KooW…`.
///
/// Supported protocols: `ip4`, `ip6`, `dns`, `dns4`, `dns6`, `tcp` and `p2p` (text `/ipfs/` is accepted
/// as a legacy alias of `/p2p/` but never printed, because py-libp2p rejects it). Both the text and the
/// binary form (`(uvarint code ‖ value)*`; DNS names are length-prefixed UTF-8) round-trip. A DNS name is
/// not dialled as is: ``DNSResolver`` turns it into `/ip4` / `/ip6` addresses first.
public struct Multiaddr: Hashable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    /// One protocol component of a multiaddr.
    public enum Component: Hashable, Sendable {
        /// An IPv4 address (4 bytes, network order).
        case ip4([UInt8])
        /// An IPv6 address (16 bytes, network order).
        case ip6([UInt8])
        /// A DNS name resolved to IPv4 and IPv6 addresses (`/dns/runners.internal`).
        case dns(String)
        /// A DNS name resolved to IPv4 addresses only (`/dns4/…`).
        case dns4(String)
        /// A DNS name resolved to IPv6 addresses only (`/dns6/…`).
        case dns6(String)
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
            case .dns: Multiaddr.dnsCode
            case .dns4: Multiaddr.dns4Code
            case .dns6: Multiaddr.dns6Code
            }
        }
    }

    static let ip4Code: UInt64 = 4
    static let tcpCode: UInt64 = 6
    static let ip6Code: UInt64 = 41
    static let p2pCode: UInt64 = 421
    static let dnsCode: UInt64 = 0x35
    static let dns4Code: UInt64 = 0x36
    static let dns6Code: UInt64 = 0x37
    /// The longest DNS name accepted (RFC 1035: 253 characters in text form).
    static let maxDNSNameLength = 253

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
            guard ["ip4", "ip6", "dns", "dns4", "dns6", "tcp", "p2p", "ipfs"].contains(name) else {
                throw fail("unsupported protocol '\(name)' (supported: ip4, ip6, dns, dns4, dns6, tcp, p2p)")
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
            case "dns", "dns4", "dns6":
                guard let host = Multiaddr.validDNSName(Array(value.utf8)) else {
                    throw fail("bad /\(name) name '\(value)' (letters, digits, '-', '_' and '.', at most 253)")
                }
                components.append(name == "dns" ? .dns(host) : name == "dns4" ? .dns4(host) : .dns6(host))
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
            case Multiaddr.dnsCode, Multiaddr.dns4Code, Multiaddr.dns6Code:
                let raw = try cursor.readLengthPrefixed("dns name")
                guard let host = Multiaddr.validDNSName(raw) else {
                    throw MultiformatsError("bad dns name in binary multiaddr")
                }
                components.append(
                    code == Multiaddr.dnsCode ? .dns(host) : code == Multiaddr.dns4Code ? .dns4(host) : .dns6(host))
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
            case .dns(let name), .dns4(let name), .dns6(let name):
                Varint.encode(UInt64(name.utf8.count), into: &out)
                out += Array(name.utf8)
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
            case .dns(let name): "/dns/\(name)"
            case .dns4(let name): "/dns4/\(name)"
            case .dns6(let name): "/dns6/\(name)"
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

    /// Whether the address names a host by DNS (`/dns`, `/dns4`, `/dns6`): it must be resolved before dialling.
    public var isDNS: Bool {
        components.contains {
            switch $0 {
            case .dns, .dns4, .dns6: true
            default: false
            }
        }
    }

    /// Whether the address is a loopback IP address (`127.0.0.0/8` or `::1`).
    public var isLoopback: Bool {
        components.contains {
            switch $0 {
            case .ip4(let bytes): bytes.first == 127
            case .ip6(let bytes): bytes == [UInt8](repeating: 0, count: 15) + [1]
            default: false
            }
        }
    }

    /// This address with `component` appended.
    public func appending(_ component: Component) -> Multiaddr {
        Multiaddr(components + [component])
    }

    /// `bytes` as a DNS name if it is one we accept: 1-253 bytes of ASCII letters, digits, `-`, `_` and `.`
    /// (no empty label), lower-cased.
    private static func validDNSName(_ bytes: [UInt8]) -> String? {
        guard (1...maxDNSNameLength).contains(bytes.count) else { return nil }
        let allowed = bytes.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte)
                || byte == 0x2d || byte == 0x5f || byte == 0x2e
        }
        guard allowed else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).lowercased()
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        // One trailing dot (a fully-qualified name) is fine; empty labels elsewhere are not.
        let body = labels.last == "" && labels.count > 1 ? labels.dropLast() : labels[...]
        guard body.allSatisfy({ (1...63).contains($0.count) }) else { return nil }
        return text
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
