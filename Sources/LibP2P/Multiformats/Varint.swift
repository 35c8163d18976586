/// Unsigned LEB128 varints as used throughout multiformats and libp2p (`unsigned-varint` spec).
public enum Varint {
    /// The longest varint accepted by default: 10 bytes carry a full `UInt64`.
    public static let maxLength = 10

    /// Encodes `value` as a minimal unsigned varint.
    public static func encode(_ value: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        encode(value, into: &out)
        return out
    }

    /// Appends the minimal unsigned varint encoding of `value` to `out`.
    public static func encode(_ value: UInt64, into out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// The number of bytes `encode(value)` produces.
    public static func encodedLength(_ value: UInt64) -> Int {
        var v = value
        var n = 1
        while v >= 0x80 {
            v >>= 7
            n += 1
        }
        return n
    }

    /// Decodes a varint at the start of `bytes`.
    ///
    /// - Parameters:
    ///   - bytes: input; only the varint prefix is read.
    ///   - maxLength: the most bytes the varint may occupy (at most 10).
    /// - Returns: the value and the number of bytes consumed, or `nil` if `bytes` ends before the
    ///   varint does (more input may complete it).
    /// - Throws: `MultiformatsError` if the varint is longer than `maxLength` or overflows `UInt64`.
    public static func decode<Bytes: Collection<UInt8>>(
        _ bytes: Bytes, maxLength: Int = Varint.maxLength
    ) throws(MultiformatsError) -> (value: UInt64, length: Int)? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var count = 0
        for byte in bytes {
            count += 1
            if count > min(maxLength, Varint.maxLength) {
                throw MultiformatsError("varint longer than \(min(maxLength, Varint.maxLength)) bytes")
            }
            let low = UInt64(byte & 0x7f)
            if shift == 63 && low > 1 {
                throw MultiformatsError("varint overflows 64 bits")
            }
            value |= low << shift
            if byte & 0x80 == 0 {
                return (value, count)
            }
            shift += 7
        }
        return nil
    }
}

/// A cursor over a byte array for decoding binary multiformats; every read is bounds-checked.
struct ByteCursor {
    let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var isAtEnd: Bool { offset >= bytes.count }
    var remaining: Int { bytes.count - offset }

    /// Reads a varint; `what` names the value in the error message.
    mutating func readVarint(_ what: String) throws(MultiformatsError) -> UInt64 {
        guard let (value, length) = try Varint.decode(bytes[offset...]) else {
            throw MultiformatsError("truncated varint (\(what))")
        }
        offset += length
        return value
    }

    /// Reads exactly `count` bytes; `what` names the value in the error message.
    mutating func read(_ count: Int, _ what: String) throws(MultiformatsError) -> [UInt8] {
        guard count >= 0, count <= remaining else {
            throw MultiformatsError("truncated \(what): need \(count) bytes, \(remaining) left")
        }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Reads a varint length, then that many bytes.
    mutating func readLengthPrefixed(_ what: String) throws(MultiformatsError) -> [UInt8] {
        let length = try readVarint("\(what) length")
        guard length <= UInt64(remaining) else {
            throw MultiformatsError("truncated \(what): need \(length) bytes, \(remaining) left")
        }
        return try read(Int(length), what)
    }
}
