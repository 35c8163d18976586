#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `CACHE_HTTP_LISTEN`: where the local endpoint listens on TCP (`HOST:PORT`; port 0 picks a free port).
public struct HTTPListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// An IPv4 or IPv6 address (without brackets), or `localhost`.
    public var host: String
    /// The TCP port (0: any free port).
    public var port: Int

    /// Creates an address.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `127.0.0.1:8787`, `[::1]:8787` or `localhost:8787`; `nil` for anything else.
    public init?(parsing text: String) {
        let trimmed = text.trimmingWhitespace()
        let hostPart: Substring
        let portPart: Substring
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]"), trimmed[trimmed.index(after: close)...].hasPrefix(":")
            else { return nil }
            hostPart = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            portPart = trimmed[trimmed.index(close, offsetBy: 2)...]
        } else {
            guard let colon = trimmed.lastIndex(of: ":") else { return nil }
            hostPart = trimmed[..<colon]
            portPart = trimmed[trimmed.index(after: colon)...]
            guard !hostPart.contains(":") else { return nil }
        }
        guard let port = ValueParsers.port(String(portPart)) else { return nil }
        let host = String(hostPart)
        var ipv4 = in_addr()
        var ipv6 = in6_addr()
        guard
            host.lowercased() == "localhost" || inet_pton(AF_INET, host, &ipv4) == 1
                || inet_pton(AF_INET6, host, &ipv6) == 1
        else { return nil }
        self.host = host.lowercased() == "localhost" ? "127.0.0.1" : host
        self.port = port
    }

    /// Whether the address is on the loopback interface (127.0.0.0/8 or ::1).
    public var isLoopback: Bool { host.hasPrefix("127.") || host == "::1" }

    /// `http://HOST:PORT` (IPv6 in brackets).
    public func origin(port actualPort: Int? = nil) -> String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "http://\(shownHost):\(actualPort ?? port)"
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
