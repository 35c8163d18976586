/// A minimal protocol-buffers wire-format writer and reader for the small libp2p messages
/// (Noise handshake payload, identify, gossipsub RPC, keys).
///
/// Encoding is deterministic: fields are written in the order the caller appends them, with
/// minimal varints, which is what libp2p signatures over protobuf bytes require.

/// An error decoding protobuf bytes received from a peer or read from a file.
public struct ProtobufError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A human-readable explanation of what was malformed.
    public let description: String

    /// Creates an error with the given explanation.
    public init(_ description: String) {
        self.description = description
    }
}

/// Protobuf wire types used by libp2p messages (groups are not supported).
public enum ProtobufWireType: UInt8, Sendable {
    /// Varint: int32, int64, uint32, uint64, bool, enum.
    case varint = 0
    /// 64-bit little-endian fixed.
    case fixed64 = 1
    /// Length-delimited: bytes, string, embedded messages, packed repeated fields.
    case lengthDelimited = 2
    /// 32-bit little-endian fixed.
    case fixed32 = 5
}

/// Appends protobuf fields to a byte buffer.
public struct ProtobufWriter: Sendable {
    /// The encoded message so far.
    public private(set) var bytes: [UInt8] = []

    /// Creates an empty writer.
    public init() {}

    /// Appends a varint field (uint64, bool, enum).
    public mutating func writeVarint(field: Int, _ value: UInt64) {
        writeKey(field: field, wireType: .varint)
        Varint.encode(value, into: &bytes)
    }

    /// Appends a bool field as varint 0 or 1.
    public mutating func writeBool(field: Int, _ value: Bool) {
        writeVarint(field: field, value ? 1 : 0)
    }

    /// Appends a length-delimited bytes field (also used for embedded messages).
    public mutating func writeBytes(field: Int, _ value: [UInt8]) {
        writeKey(field: field, wireType: .lengthDelimited)
        Varint.encode(UInt64(value.count), into: &bytes)
        bytes.append(contentsOf: value)
    }

    /// Appends a UTF-8 string field.
    public mutating func writeString(field: Int, _ value: String) {
        writeBytes(field: field, Array(value.utf8))
    }

    /// Appends an embedded message field.
    public mutating func writeMessage(field: Int, _ message: ProtobufWriter) {
        writeBytes(field: field, message.bytes)
    }

    private mutating func writeKey(field: Int, wireType: ProtobufWireType) {
        Varint.encode(UInt64(field) << 3 | UInt64(wireType.rawValue), into: &bytes)
    }

}

/// One field read from a protobuf message.
public struct ProtobufField: Sendable {
    /// The field number.
    public let number: Int
    /// The value, according to its wire type.
    public let value: Value

    /// A field value by wire type.
    public enum Value: Sendable {
        /// A varint (or a fixed32/fixed64 widened to 64 bits).
        case varint(UInt64)
        /// A length-delimited value: bytes, string or embedded message.
        case bytes([UInt8])
    }

    /// The bytes of a length-delimited field, or `nil` for a varint.
    public var bytesValue: [UInt8]? {
        if case .bytes(let b) = value { return b }
        return nil
    }

    /// The value of a varint field, or `nil` for a length-delimited one.
    public var varintValue: UInt64? {
        if case .varint(let v) = value { return v }
        return nil
    }

    /// The UTF-8 string of a length-delimited field, or `nil` if not valid UTF-8 or not bytes.
    public var stringValue: String? {
        guard let b = bytesValue else { return nil }
        return String(validating: b, as: UTF8.self)
    }
}

/// Iterates the fields of an encoded protobuf message; every read is bounds-checked.
///
/// Unknown fields are returned like known ones; callers skip the numbers they do not know.
public struct ProtobufReader: Sendable {
    private let bytes: [UInt8]
    private var offset: Int

    /// Creates a reader over an encoded message.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
    }

    /// Reads the next field, or returns `nil` at the end of the message.
    /// - Throws: `ProtobufError` on truncated or malformed input.
    public mutating func next() throws(ProtobufError) -> ProtobufField? {
        guard offset < bytes.count else { return nil }
        let key = try readVarint()
        let number = key >> 3
        guard number > 0, number <= 536_870_911 else {
            throw ProtobufError("invalid field number \(number)")
        }
        let wire = UInt8(key & 7)
        switch ProtobufWireType(rawValue: wire) {
        case .varint:
            return ProtobufField(number: Int(number), value: .varint(try readVarint()))
        case .fixed64:
            return ProtobufField(number: Int(number), value: .varint(try readFixed(8)))
        case .fixed32:
            return ProtobufField(number: Int(number), value: .varint(try readFixed(4)))
        case .lengthDelimited:
            let length = try readVarint()
            guard length <= UInt64(bytes.count - offset) else {
                throw ProtobufError("field \(number): length \(length) exceeds the \(bytes.count - offset) bytes left")
            }
            let start = offset
            offset += Int(length)
            return ProtobufField(number: Int(number), value: .bytes(Array(bytes[start..<offset])))
        case nil:
            throw ProtobufError("field \(number): unsupported wire type \(wire)")
        }
    }

    private mutating func readFixed(_ count: Int) throws(ProtobufError) -> UInt64 {
        guard bytes.count - offset >= count else { throw ProtobufError("truncated fixed\(count * 8) field") }
        var value: UInt64 = 0
        for i in 0..<count { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        offset += count
        return value
    }

    private mutating func readVarint() throws(ProtobufError) -> UInt64 {
        let decoded: (value: UInt64, length: Int)?
        do { decoded = try Varint.decode(bytes[offset...]) } catch { throw ProtobufError(error.description) }
        guard let decoded else { throw ProtobufError("truncated varint") }
        offset += decoded.length
        return decoded.value
    }
}
