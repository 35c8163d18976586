import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns `/dns`, `/dns4` and `/dns6` multiaddrs into the `/ip4` and `/ip6` addresses to dial, with the system
/// resolver (`getaddrinfo`: `/etc/hosts`, then DNS, as `nsswitch.conf` says).
///
/// `getaddrinfo` blocks, so it runs on a Dispatch worker thread, never on an event loop or a Swift concurrency
/// thread; the caller waits at most `timeout` (a look-up still running then is abandoned).
public enum DNSResolver {
    /// The addresses `address` names: its DNS component replaced by every A (`/dns4`), AAAA (`/dns6`) or both
    /// (`/dns`) record, in resolver order, without duplicates. An address without a DNS component is returned as is.
    ///
    /// - Throws: ``DNSResolutionError`` when the name does not resolve (or to no address of the wanted family) or
    ///   the look-up takes longer than `timeout`.
    public static func resolve(_ address: Multiaddr, timeout: Duration = .seconds(5))
        async throws(DNSResolutionError) -> [Multiaddr]
    {
        guard let index = address.components.firstIndex(where: { Self.query(for: $0) != nil }),
            let (name, family) = Self.query(for: address.components[index])
        else { return [address] }
        let ips = try await lookup(name, family: family, timeout: timeout)
        var seen = Set<Multiaddr>()
        return ips.compactMap { ip in
            var components = address.components
            components[index] = ip
            let resolved = Multiaddr(components)
            return seen.insert(resolved).inserted ? resolved : nil
        }
    }

    /// The IP components (`.ip4` / `.ip6`) of `name`.
    public static func lookup(_ name: String, family: Int32 = AF_UNSPEC, timeout: Duration = .seconds(5))
        async throws(DNSResolutionError) -> [Multiaddr.Component]
    {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<LookupResult, Never>) in
            let once = Once(continuation)
            DispatchQueue.global().async { once.resume(blockingLookup(name, family: family)) }
            Task {
                try? await Task.sleep(for: timeout)
                once.resume(.failure(DNSResolutionError("resolving \(name) took longer than \(timeout)")))
            }
        }
        return try result.get()
    }

    private typealias LookupResult = Result<[Multiaddr.Component], DNSResolutionError>

    private static func query(for component: Multiaddr.Component) -> (String, Int32)? {
        switch component {
        case .dns(let name): (name, AF_UNSPEC)
        case .dns4(let name): (name, AF_INET)
        case .dns6(let name): (name, AF_INET6)
        default: nil
        }
    }

    private static func blockingLookup(_ name: String, family: Int32) -> LookupResult {
        var hints = addrinfo()
        hints.ai_family = family
        #if canImport(Darwin)
            hints.ai_socktype = SOCK_STREAM
        #else
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &list)
        guard status == 0, let first = list else {
            let reason = status == 0 ? "no address" : String(cString: gai_strerror(status))
            return .failure(DNSResolutionError("cannot resolve \(name): \(reason)"))
        }
        defer { freeaddrinfo(list) }
        var out: [Multiaddr.Component] = []
        for entry in sequence(first: first, next: { $0.pointee.ai_next }) {
            guard let address = entry.pointee.ai_addr else { continue }
            switch Int32(address.pointee.sa_family) {
            case AF_INET:
                let bytes = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
                    withUnsafeBytes(of: ipv4.pointee.sin_addr) { Array($0) }
                }
                out.append(.ip4(bytes))
            case AF_INET6:
                let bytes = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { ipv6 in
                    withUnsafeBytes(of: ipv6.pointee.sin6_addr) { Array($0) }
                }
                out.append(.ip6(bytes))
            default:
                continue
            }
        }
        guard !out.isEmpty else { return .failure(DNSResolutionError("cannot resolve \(name): no usable address")) }
        return .success(out)
    }

    /// Resumes a continuation once: with the look-up's result or the timeout, whichever comes first.
    private final class Once: Sendable {
        private let continuation: Mutex<CheckedContinuation<LookupResult, Never>?>

        init(_ continuation: CheckedContinuation<LookupResult, Never>) {
            self.continuation = Mutex(continuation)
        }

        func resume(_ result: LookupResult) {
            let taken = continuation.withLock { c in
                defer { c = nil }
                return c
            }
            taken?.resume(returning: result)
        }
    }
}

/// A DNS name that did not resolve, with a message naming it.
public struct DNSResolutionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What failed, e.g. `cannot resolve runners.internal: Name or service not known`.
    public let description: String

    /// An error with `description`.
    public init(_ description: String) {
        self.description = description
    }
}
