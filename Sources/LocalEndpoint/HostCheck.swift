#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import CacheCore
import Synchronization

/// Which `Host` values the TCP listener answers (DNS rebinding): a page in a browser on this machine can make a name
/// of its own resolve to 127.0.0.1 and read the cache through it, but its requests still carry that name. So only
/// names of the listener's own address are answered — `localhost`, a loopback address, the configured address (or
/// any address literal when it listens on all interfaces) — and anything else gets `421 Misdirected Request`. A
/// request without `Host` (HTTP/1.0) is answered: browsers always send one. The unix socket is not checked.
struct HostCheck: Sendable {
    /// The configured listen address (`CACHE_HTTP_LISTEN`'s host, `localhost` already made `127.0.0.1`).
    let listenHost: String

    /// Whether `authority` (the `Host` header: `name`, `name:port`, `[v6]:port`) names this listener.
    func accepts(_ authority: String?) -> Bool {
        guard let authority else { return true }
        var host = Substring(authority.lowercased())
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.lastIndex(of: ":") {
            host = host[..<colon]
        }
        if host.hasSuffix(".") { host = host.dropLast() }
        let name = String(host)
        if name == "localhost" || name == listenHost.lowercased() { return true }
        guard let literal = Self.addressLiteral(name) else { return false }
        return literal.isLoopback || listenHost == "0.0.0.0" || listenHost == "::"
    }

    /// For an IP address literal, whether it is a loopback one; `nil` for a name.
    private static func addressLiteral(_ text: String) -> (isLoopback: Bool, text: String)? {
        var ipv4 = in_addr()
        var ipv6 = in6_addr()
        if inet_pton(AF_INET, text, &ipv4) == 1 { return (text.hasPrefix("127."), text) }
        if inet_pton(AF_INET6, text, &ipv6) == 1 {
            let loopback: [UInt8] = Array(repeating: 0, count: 15) + [1]
            return (withUnsafeBytes(of: &ipv6) { Array($0) } == loopback, text)
        }
        return nil
    }
}

/// Request bodies held at once across every connection (each is relayed whole): a budget that a new body must fit
/// in, so that many large uploads at once cannot take the daemon's memory. What does not fit is refused with `503`
/// and `Retry-After`.
final class BodyBudget: Sendable {
    let limit: Int
    private let used: Mutex<Int>

    init(limit: Int) {
        self.limit = limit
        used = Mutex(0)
    }

    /// Takes `bytes` from the budget; `false` (nothing taken) when they do not fit.
    func reserve(_ bytes: Int) -> Bool {
        used.withLock { used in
            guard bytes <= limit - used else { return false }
            used += bytes
            return true
        }
    }

    /// Gives `bytes` back.
    func release(_ bytes: Int) {
        used.withLock { $0 = max(0, $0 - bytes) }
    }

    /// Bytes held now.
    var inUse: Int { used.withLock { $0 } }
}

/// The bytes one body has taken from a ``BodyBudget`` so far.
final class BodyReservation: Sendable {
    private let bytes = Mutex(0)

    var taken: Int { bytes.withLock { $0 } }

    func add(_ count: Int) { bytes.withLock { $0 += count } }
}
