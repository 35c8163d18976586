import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive `flock` on `$CACHE_DIR/daemon.lock`, held for the daemon's life: one `ghcache-peer` per cache
/// directory, with or without libp2p. The kernel drops it when the process dies, so a killed daemon never
/// blocks the next one (and its stale `api.sock` is replaced).
public final class DaemonLock: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// Takes the lock of `cacheDirectory`, or says which process holds it.
    public static func acquire(cacheDirectory: String) throws(GHCacheError) -> DaemonLock {
        let path = (cacheDirectory as NSString).appendingPathComponent("daemon.lock")
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw GHCacheError(
                "cannot open \(path): \(String(cString: strerror(errno))); check the permissions of CACHE_DIR",
                exitStatus: .store)
        }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            let reason = errno
            close(fd)
            if reason == EWOULDBLOCK {
                throw GHCacheError(
                    "another ghcache-peer is already running for \(cacheDirectory); stop it first, or give this one "
                        + "its own CACHE_DIR", exitStatus: .unavailable)
            }
            throw GHCacheError("cannot lock \(path): \(String(cString: strerror(reason)))", exitStatus: .store)
        }
        return DaemonLock(descriptor: fd)
    }

    /// Releases the lock.
    public func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
