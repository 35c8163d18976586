/// A yamux frame header (`yamux/README.md`): 12 bytes big-endian,
/// `version u8 | type u8 | flags u16 | streamID u32 | length u32`.
struct YamuxHeader: Equatable, Sendable {
    /// The frame type.
    enum FrameType: UInt8, Sendable {
        /// `length` bytes of stream data follow.
        case data = 0
        /// `length` is a delta added to the peer's send window.
        case windowUpdate = 1
        /// Session ping; `length` is an opaque value, stream 0.
        case ping = 2
        /// Session termination; `length` is the error code.
        case goAway = 3
    }

    /// Frame flags.
    struct Flags: OptionSet, Sendable {
        let rawValue: UInt16
        /// Opens a stream (or a ping request).
        static let syn = Flags(rawValue: 1)
        /// Acknowledges a stream open (or answers a ping).
        static let ack = Flags(rawValue: 2)
        /// Half-closes the sender's side of the stream.
        static let fin = Flags(rawValue: 4)
        /// Resets the stream.
        static let rst = Flags(rawValue: 8)
    }

    /// GO_AWAY error codes.
    enum GoAwayCode: UInt32 {
        case normal = 0
        case protocolError = 1
        case internalError = 2
    }

    /// The encoded header length.
    static let length = 12
    /// The only protocol version.
    static let version: UInt8 = 0

    var type: FrameType
    var flags: Flags
    var streamID: UInt32
    var length: UInt32

    /// The 12 wire bytes.
    var encoded: [UInt8] {
        var out: [UInt8] = [Self.version, type.rawValue, UInt8(flags.rawValue >> 8), UInt8(flags.rawValue & 0xff)]
        for value in [streamID, length] {
            out.append(contentsOf: [
                UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff),
            ])
        }
        return out
    }

    /// Decodes 12 header bytes.
    /// - Throws: `WireError` for a wrong length, an unknown version or type.
    init(decoding bytes: [UInt8]) throws(WireError) {
        guard bytes.count == Self.length else { throw WireError("yamux header of \(bytes.count) bytes") }
        guard bytes[0] == Self.version else { throw WireError("yamux version \(bytes[0]) is not 0") }
        guard let type = FrameType(rawValue: bytes[1]) else { throw WireError("unknown yamux frame type \(bytes[1])") }
        func u32(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
        }
        self.type = type
        self.flags = Flags(rawValue: UInt16(bytes[2]) << 8 | UInt16(bytes[3]))
        self.streamID = u32(4)
        self.length = u32(8)
    }

    init(type: FrameType, flags: Flags = [], streamID: UInt32, length: UInt32) {
        self.type = type
        self.flags = flags
        self.streamID = streamID
        self.length = length
    }
}
