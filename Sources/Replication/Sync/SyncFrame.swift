import CacheCore
import LibP2P

/// One frame of a sync stream: `uvarint(len) ‖ payload`; an empty payload marks the end of a response.
public enum SyncFrame: Sendable, Equatable {
    /// A request or an entry (a Fernet token's ASCII bytes).
    case payload([UInt8])
    /// The end marker (`0x00`) that closes a response.
    case end

    /// The wire bytes of this frame.
    public var bytes: [UInt8] {
        switch self {
        case .end: return [0]
        case .payload(let payload):
            var out = Varint.encode(UInt64(payload.count))
            out += payload
            return out
        }
    }
}

/// Splits received stream bytes into frames, refusing any length prefix over ``SyncProtocol/maxFrameBytes`` before
/// buffering its payload.
public struct SyncFrameReader: Sendable {
    private var buffer: [UInt8] = []
    private var start = 0

    /// An empty reader.
    public init() {}

    /// Adds bytes read from the stream.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        if start > 0, start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, or `nil` until more bytes arrive.
    ///
    /// - Throws: `oversized` for a length over the cap, `malformed` for an invalid or non-minimal varint.
    public mutating func next() throws(Rejection) -> SyncFrame? {
        let pending = buffer[start...]
        let header: (value: UInt64, length: Int)?
        do {
            header = try Varint.decode(pending)
        } catch {
            throw Rejection(.malformed, "invalid frame length: \(error)")
        }
        guard let header else { return nil }
        guard header.value <= UInt64(SyncProtocol.maxFrameBytes) else {
            throw Rejection(.oversized, "frame of \(header.value) bytes exceeds \(SyncProtocol.maxFrameBytes)")
        }
        guard header.length == Varint.encodedLength(header.value) else {
            throw Rejection(.malformed, "frame length is not a minimal varint")
        }
        let count = Int(header.value)
        guard pending.count - header.length >= count else { return nil }
        let payloadStart = start + header.length
        start = payloadStart + count
        return count == 0 ? .end : .payload(Array(buffer[payloadStart..<start]))
    }
}
