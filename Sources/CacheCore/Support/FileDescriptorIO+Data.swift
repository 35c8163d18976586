#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation

extension FileDescriptorIO {
    /// Writes all of `data`; returns `false` when the reader is gone (EPIPE) or another error ends the write.
    @discardableResult
    public static func write(_ data: Data, to descriptor: Int32) -> Bool {
        data.withUnsafeBytes { write($0, to: descriptor) }
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
}
