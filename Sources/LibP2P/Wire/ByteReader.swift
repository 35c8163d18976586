/// A source of byte chunks: a TCP connection, a decrypted Noise channel or a yamux stream.
protocol ByteChunkSource {
    /// The next chunk of bytes (possibly empty), or `nil` at end of stream.
    mutating func nextChunk() async throws -> [UInt8]?
}

/// Raised when a peer's bytes end before a complete message was read.
struct UnexpectedEOF: Error, CustomStringConvertible {
    var description: String { "the peer closed the connection in the middle of a message" }
}

/// Buffers a `ByteChunkSource` so that framed messages can be read regardless of how the bytes
/// were chunked on the wire (a frame may straddle chunks, a chunk may hold several frames).
struct ByteReader<Source: ByteChunkSource> {
    var source: Source
    private var buffer: [UInt8] = []
    private var start = 0

    init(_ source: Source, buffered: [UInt8] = []) {
        self.source = source
        self.buffer = buffered
    }

    /// The number of bytes already buffered and not yet consumed.
    var bufferedCount: Int { buffer.count - start }

    /// Removes and returns everything buffered but not yet consumed.
    mutating func takeBuffered() -> [UInt8] {
        defer {
            buffer = []
            start = 0
        }
        return Array(buffer[start...])
    }

    /// Reads more bytes into the buffer; returns `false` at end of stream.
    private mutating func fill() async throws -> Bool {
        guard let chunk = try await source.nextChunk() else { return false }
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: chunk)
        return true
    }

    /// Returns whatever is buffered, or the next non-empty chunk; `nil` at end of stream.
    mutating func readAvailable() async throws -> [UInt8]? {
        while bufferedCount == 0 {
            guard try await fill() else { return nil }
        }
        return takeBuffered()
    }

    /// Reads exactly `count` bytes.
    /// - Throws: `UnexpectedEOF` if the stream ends first.
    mutating func readExactly(_ count: Int) async throws -> [UInt8] {
        while bufferedCount < count {
            guard try await fill() else { throw UnexpectedEOF() }
        }
        defer { start += count }
        return Array(buffer[start..<start + count])
    }

    /// Reads exactly `count` bytes, or returns `nil` if the stream ends cleanly before the first.
    mutating func readExactlyOrEOF(_ count: Int) async throws -> [UInt8]? {
        if bufferedCount == 0 {
            guard try await fill() else { return nil }
        }
        return try await readExactly(count)
    }

    /// Reads an unsigned varint of at most `maxBytes` bytes.
    /// - Throws: `WireError` if it is longer, `UnexpectedEOF` if the stream ends first.
    mutating func readUVarint(maxBytes: Int = 10) async throws -> UInt64 {
        var varint = VarintAccumulator(maxBytes: maxBytes)
        while true {
            if let value = try varint.add(try await readExactly(1)[0]) { return value }
        }
    }

    /// Reads a uvarint length prefix (at most `maxSize`) and then that many bytes.
    mutating func readLengthPrefixed(maxSize: Int) async throws -> [UInt8] {
        let length = try await readUVarint()
        guard length <= UInt64(maxSize) else {
            throw WireError("message of \(length) bytes exceeds the limit of \(maxSize)")
        }
        return try await readExactly(Int(length))
    }
}

/// A framing or size violation in bytes received from a peer.
public struct WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A human-readable explanation.
    public let description: String

    /// Creates an error with the given explanation.
    public init(_ description: String) {
        self.description = description
    }
}

/// Decodes a uvarint one byte at a time, for readers that pull bytes from a stream.
struct VarintAccumulator {
    let maxBytes: Int
    private var value: UInt64 = 0
    private var count = 0

    init(maxBytes: Int = Varint.maxLength) {
        self.maxBytes = min(maxBytes, Varint.maxLength)
    }

    /// Whether no byte was added yet.
    var isEmpty: Bool { count == 0 }

    /// Adds the next byte; returns the value once the last byte arrived.
    /// - Throws: `WireError` if the varint is longer than `maxBytes` or overflows 64 bits.
    mutating func add(_ byte: UInt8) throws(WireError) -> UInt64? {
        guard count < maxBytes else { throw WireError("varint longer than \(maxBytes) bytes") }
        guard count < 9 || byte <= 1 else { throw WireError("varint overflows 64 bits") }
        value |= UInt64(byte & 0x7f) << (7 * UInt64(count))
        count += 1
        return byte & 0x80 == 0 ? value : nil
    }
}
