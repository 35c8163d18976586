import Foundation

extension FileDescriptorIO {
    /// Writes all of `data`; returns `false` when the reader is gone (EPIPE) or another error ends the write.
    @discardableResult
    public static func write(_ data: Data, to descriptor: Int32) -> Bool {
        data.withUnsafeBytes { write($0, to: descriptor) }
    }

    /// Everything up to end of file (or the first error other than EINTR).
    public static func readToEnd(_ descriptor: Int32) -> Data {
        Data(readAll(descriptor).bytes)
    }
}
