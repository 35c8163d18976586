#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads and writes raw file descriptors. Foundation's `FileHandle.write(_:)`,
/// `availableData` and `readDataToEndOfFile()` trap (`try!`) on EINTR (a signal such as SIGCHLD
/// during the call) and on EPIPE (`ghcache-get | head -1`); these retry or report instead.
/// (CacheCore adds the same for `Data`.)
public enum FileDescriptorIO {
    /// Writes all of `bytes`; returns `false` when the reader is gone (EPIPE) or another error ends the write.
    @discardableResult
    public static func write(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }

    /// Writes all of `bytes`; `false` as above.
    @discardableResult
    public static func write(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        bytes.withUnsafeBytes { write($0, to: descriptor) }
    }

    /// Everything up to end of file, or up to a read error other than EINTR (then `complete` is `false`).
    public static func readAll(_ descriptor: Int32) -> (bytes: [UInt8], complete: Bool) {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                bytes += buffer[0..<count]
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return (bytes, count == 0)
            }
        }
    }

    /// Ignore SIGPIPE so that a closed pipe is an EPIPE error from `write`, not the death of the process.
    public static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }
}
