#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation

/// Reads and writes raw file descriptors. Foundation's `FileHandle.write(_:)`,
/// `availableData` and `readDataToEndOfFile()` trap (`try!`) on EINTR (a signal such as SIGCHLD
/// during the call) and on EPIPE (`ghcache-get | head -1`); these retry or report instead.
public enum FileDescriptorIO {
    /// Writes all of `data`; returns `false` when the reader is gone (EPIPE) or another error ends the write.
    @discardableResult
    public static func write(_ data: Data, to descriptor: Int32) -> Bool {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
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
    }

    /// Everything up to end of file (or the first error other than EINTR).
    public static func readToEnd(_ descriptor: Int32) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return data
            }
        }
    }

    /// Ignore SIGPIPE so that a closed pipe is an EPIPE error from `write`, not the death of the process.
    public static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }
}
