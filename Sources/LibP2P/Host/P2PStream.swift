/// A stream to a peer after protocol negotiation: a yamux stream speaking `protocolID`.
///
/// Reads return the bytes as they arrive; window credit goes back to the peer as they are read,
/// so large messages flow. Writes wait (bounded by `HostConfiguration.windowTimeout`) for credit.
/// One reader and one writer at a time.
public final class P2PStream: Sendable {
    /// The negotiated protocol.
    public let protocolID: String
    /// The peer at the other end.
    public let remotePeer: PeerID
    let yamux: YamuxStream
    let connection: Connection

    init(protocolID: String, remotePeer: PeerID, yamux: YamuxStream, connection: Connection) {
        self.protocolID = protocolID
        self.remotePeer = remotePeer
        self.yamux = yamux
        self.connection = connection
    }

    /// The next received bytes, or `nil` once the peer closed its side (FIN).
    /// - Throws: `YamuxError` if the stream was reset or the connection closed.
    public func read() async throws -> [UInt8]? {
        try await yamux.read()
    }

    /// Reads exactly `count` bytes.
    /// - Throws: if the peer closes first, or on reset.
    public func readExactly(_ count: Int) async throws -> [UInt8] {
        try await yamux.readExactly(count)
    }

    /// Writes `bytes` (any size; split into frames, waiting for window credit).
    public func write(_ bytes: [UInt8]) async throws {
        try await yamux.write(bytes)
    }

    /// Writes `uvarint(bytes.count) ‖ bytes`.
    public func writeLengthPrefixed(_ bytes: [UInt8]) async throws {
        try await yamux.write(Wire.lengthPrefixed(bytes))
    }

    /// Reads one uvarint length-prefixed message of at most `maxSize` bytes; `nil` if the peer
    /// closed its side before the next message.
    /// - Throws: `WireError` if the announced length exceeds `maxSize`.
    public func readLengthPrefixed(maxSize: Int) async throws -> [UInt8]? {
        try await yamux.readLengthPrefixed(maxSize: maxSize)
    }

    /// Closes our side (FIN); the peer can still send until it closes too.
    public func closeWrite() async throws {
        try yamux.closeWrite()
    }

    /// Aborts the stream in both directions (RST).
    public func reset() {
        yamux.reset()
    }
}
