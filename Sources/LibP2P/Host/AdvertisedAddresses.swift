#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The multiaddrs other peers can dial: the listen address, or every interface address when it is the wildcard.
public enum AdvertisedAddresses {
    /// `/ip4/<a>/tcp/<port>/p2p/<peer>` for `listenAddress`; for `0.0.0.0` (or `::`) one per IPv4 (or IPv6)
    /// interface address, loopback last.
    public static func of(listenAddress: String, port: Int, peer: PeerID) -> [Multiaddr] {
        of(listenAddress: listenAddress, port: port).map { $0.appending(.p2p(peer)) }
    }

    /// `/ip4/<a>/tcp/<port>` for `listenAddress`, or one per interface address for the wildcard (no peer ID).
    public static func of(listenAddress: String, port: Int) -> [Multiaddr] {
        let isIPv6 = listenAddress.contains(":")
        let hosts: [String]
        if listenAddress == "0.0.0.0" || listenAddress == "::" {
            let found = interfaceAddresses(ipv6: isIPv6)
            hosts = found.isEmpty ? [isIPv6 ? "::1" : "127.0.0.1"] : found
        } else {
            hosts = [listenAddress]
        }
        return hosts.compactMap { host in
            try? Multiaddr(parsing: "/\(host.contains(":") ? "ip6" : "ip4")/\(host)/tcp/\(port)")
        }
    }

    /// The addresses of the machine's interfaces that are up, loopback last.
    private static func interfaceAddresses(ipv6: Bool) -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var external: [String] = []
        var loopback: [String] = []
        for pointer in sequence(first: first, next: { $0.pointee.ifa_next }) {
            let interface = pointer.pointee
            guard let address = interface.ifa_addr, interface.ifa_flags & UInt32(IFF_UP) != 0 else { continue }
            let family = Int32(address.pointee.sa_family)
            guard family == (ipv6 ? AF_INET6 : AF_INET) else { continue }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            let converted: UnsafePointer<CChar>? =
                if ipv6 {
                    address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { ipv6Address in
                        var raw = ipv6Address.pointee.sin6_addr
                        return inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count))
                    }
                } else {
                    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4Address in
                        var raw = ipv4Address.pointee.sin_addr
                        return inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
                    }
                }
            guard converted != nil else { continue }
            let host = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard !host.hasPrefix("fe80") else { continue }  // link-local IPv6 needs a zone: not dialable as is
            if interface.ifa_flags & UInt32(IFF_LOOPBACK) != 0 { loopback.append(host) } else { external.append(host) }
        }
        return external + loopback
    }
}
