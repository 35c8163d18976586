import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The UNIX datagram socket `$CACHE_DIR/peer.sock` on which `ghcache-get` announces each row it just fetched (one
/// datagram = one row key, see CacheCore's `LocalNotifier`). A small `poll`/`recv` loop on its own thread feeds
/// ``keys``; the socket file (mode 0600) is removed by ``stop()``, also called when the stream ends.
final class LocalWriteSocket: Sendable {
    /// The longest key accepted; longer datagrams are dropped.
    static let maxDatagramBytes = 4096

    /// The received keys. Ending the iteration (or cancelling it) closes the socket.
    let keys: AsyncStream<String>
    /// The socket file.
    let path: String
    private let stopped = Atomic<Bool>(false)

    /// Binds the socket at `path`, replacing a stale socket file left by a killed daemon.
    ///
    /// - Throws: a message naming the path when it cannot be bound (too long, not writable).
    init(path: String) throws {
        let fd = try Self.bind(path: path)
        self.path = path
        let (keys, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(4096))
        self.keys = keys
        continuation.onTermination = { [weak self] _ in self?.stop() }
        let thread = Thread { [self] in
            receiveLoop(fd: fd, continuation: continuation)
            close(fd)
            continuation.finish()
        }
        thread.name = "ghcache-peer.sock"
        thread.start()
    }

    /// Removes the socket file and stops the receive loop (within ~100 ms).
    func stop() {
        if !stopped.exchange(true, ordering: .acquiringAndReleasing) { unlink(path) }
    }

    private func receiveLoop(fd: Int32, continuation: AsyncStream<String>.Continuation) {
        var buffer = [UInt8](repeating: 0, count: Self.maxDatagramBytes + 1)
        while !stopped.load(ordering: .acquiring) {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard count > 0, count <= Self.maxDatagramBytes else { continue }
            if let key = String(validating: buffer[0..<count], as: UTF8.self), !key.isEmpty {
                continuation.yield(key)
            }
        }
    }

    private static func bind(path: String) throws -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw SocketError("the socket path \(path) is longer than the system allows (107 bytes)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in pathBytes.enumerated() { buffer[index] = byte }
        }
        #if canImport(Glibc)
            let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
            let fd = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        guard fd >= 0 else { throw SocketError("cannot create a socket: \(String(cString: strerror(errno)))") }
        var status = stat()
        if lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFSOCK { unlink(path) }
        let previousMask = umask(0o177)
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                systemBind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        umask(previousMask)
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw SocketError("cannot bind \(path): \(reason)")
        }
        return fd
    }
}

#if canImport(Glibc)
    private let systemBind = Glibc.bind
#elseif canImport(Darwin)
    private let systemBind = Darwin.bind
#endif

/// A local socket could not be set up.
struct SocketError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
