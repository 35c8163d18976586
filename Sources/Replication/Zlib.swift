import CZlib

/// zlib streams (RFC 1950: deflate with a zlib header and Adler-32), as Python's `zlib.compress` and
/// `zlib.decompress` read and write them, using the system zlib.
enum Zlib {
    /// Compresses `bytes` into one zlib stream.
    static func compress(_ bytes: [UInt8], level: Int32 = 6) throws(ZlibError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(compressBound(uLong(bytes.count))))
        var outputCount = uLongf(output.count)
        let status = output.withUnsafeMutableBufferPointer { destination in
            bytes.withUnsafeBufferPointer { source in
                compress2(
                    destination.baseAddress, &outputCount, source.baseAddress, uLong(source.count), level)
            }
        }
        guard status == Z_OK else { throw .failed(status) }
        output.removeSubrange(Int(outputCount)...)
        return output
    }

    /// Decompresses exactly one zlib stream, producing at most `limit` bytes.
    ///
    /// Throws ``ZlibError/tooLarge(limit:)`` as soon as the output would pass `limit` (a zip bomb costs at most
    /// `limit` bytes of memory), ``ZlibError/corrupt`` for invalid or truncated data, and
    /// ``ZlibError/trailingData`` when bytes follow the end of the stream.
    static func decompress(_ bytes: [UInt8], limit: Int) throws(ZlibError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit_(&stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .failed(Z_MEM_ERROR)
        }
        defer { inflateEnd(&stream) }

        var output = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = bytes
        let inputCount = input.count
        let outcome = input.withUnsafeMutableBufferPointer { source -> Result<Void, ZlibError> in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(inputCount)
            while true {
                var status = Z_OK
                let produced = chunk.withUnsafeMutableBufferPointer { buffer -> Int in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return buffer.count - Int(stream.avail_out)
                }
                guard output.count + produced <= limit else { return .failure(.tooLarge(limit: limit)) }
                output.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_STREAM_END: return stream.avail_in == 0 ? .success(()) : .failure(.trailingData)
                case Z_OK: continue
                case Z_BUF_ERROR where produced > 0: continue
                default: return .failure(.corrupt)  // data/dictionary errors, or input ended mid-stream
                }
            }
        }
        try outcome.get()
        return output
    }
}

/// A zlib stream could not be produced or read.
enum ZlibError: Error, Equatable {
    /// Not a valid zlib stream (bad header, bad data, bad checksum, or truncated).
    case corrupt
    /// The decompressed data would exceed the limit.
    case tooLarge(limit: Int)
    /// Bytes follow the end of the zlib stream.
    case trailingData
    /// zlib itself failed (out of memory), with its status code.
    case failed(Int32)
}
