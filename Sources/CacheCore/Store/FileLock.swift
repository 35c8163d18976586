#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive advisory lock on a file (`flock`), held by one process at a time.
///
/// Opening, migrating, quarantining and resetting the store happen under this lock so that
/// concurrent processes never race on schema creation or on moving a corrupt file aside.
enum FileLock {
    /// Runs `body` while holding the lock on `path` (created 0600 if missing).
    static func withLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw GHCacheError(
                "cannot open lock file \(path): \(String(cString: strerror(errno))); "
                    + "check the permissions of the cache directory", exitStatus: .store)
        }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw GHCacheError("cannot lock \(path): \(String(cString: strerror(errno)))", exitStatus: .store)
            }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}

/// `open(2)`, callable where a type's own `open` shadows the C function.
func posixOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    open(path, flags, mode)
}
