#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Tells a running `ghcache-peer` about a local write: one datagram holding the row key, sent
/// to the UNIX datagram socket `$CACHE_DIR/peer.sock`. Best effort: never blocks, never fails
/// (no socket, no daemon, full buffer are all fine — the daemon also tails `seq`). `ghcache-get`'s ``StoreObserver``.
public struct LocalNotifier: StoreObserver {
    /// The daemon's datagram socket (`$CACHE_DIR/peer.sock`).
    public let socketPath: String

    /// A notifier for the socket at `socketPath`.
    public init(socketPath: String) { self.socketPath = socketPath }

    /// Sends `key` to the socket if one is there.
    public func stored(key: String) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return }
        var status = stat()
        guard lstat(socketPath, &status) == 0, (status.st_mode & S_IFMT) == S_IFSOCK else { return }
        #if canImport(Glibc)
            let fd = socket(
                AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
            let fd = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        guard fd >= 0 else { return }
        defer { close(fd) }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in pathBytes.enumerated() { buffer[index] = byte }
        }
        let message = Array(key.utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(
                    fd, message, message.count, Int32(MSG_DONTWAIT), socketAddress,
                    socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }
}
