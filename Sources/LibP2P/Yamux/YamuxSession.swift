import Synchronization

/// A yamux session (`yamux/README.md`) over a secured byte stream.
///
/// The dialer (client) opens odd stream ids, the listener even ones. Frames are written through
/// `sink` (one call per frame, which the Noise layer encrypts as one message) and read by `run`
/// from a byte reader, so frames may straddle Noise messages.
final class YamuxSession: Sendable {
    /// Per-stream initial window in both directions (256 KiB).
    static let initialWindow = 256 * 1024
    /// The largest DATA payload we send: header + payload fit one Noise message (65519 bytes).
    static let maxDataPayload = 65519 - YamuxHeader.length
    /// The largest DATA length we accept in a frame header (py's limit).
    static let maxFrameLength = 16 * 1024 * 1024

    /// Session limits.
    struct Configuration: Sendable {
        /// Streams open at once on one connection (both directions).
        var maxStreams = 256
        /// Received bytes buffered per stream before it is reset.
        var maxBufferedBytesPerStream = 1024 * 1024
        /// How long a write waits for window credit.
        var windowTimeout = Duration.seconds(10)
    }

    let isClient: Bool
    let configuration: Configuration
    private let sink: @Sendable ([UInt8]) throws -> Void
    private let state: Mutex<State>

    private struct State {
        var streams: [UInt32: YamuxStream] = [:]
        var nextID: UInt32
        var closed = false
    }

    /// - Parameters:
    ///   - isClient: `true` on the dialer side.
    ///   - sink: writes one encoded frame; throws once the connection is gone.
    init(isClient: Bool, configuration: Configuration = .init(), sink: @escaping @Sendable ([UInt8]) throws -> Void) {
        self.isClient = isClient
        self.configuration = configuration
        self.sink = sink
        self.state = Mutex(State(nextID: isClient ? 1 : 2))
    }

    /// The number of open streams.
    var streamCount: Int { state.withLock { $0.streams.count } }

    /// Whether the session has ended.
    var isClosed: Bool { state.withLock { $0.closed } }

    func send(_ header: YamuxHeader, payload: ArraySlice<UInt8> = []) throws {
        try sink(header.encoded + payload)
    }

    /// Opens an outbound stream (`WINDOW_UPDATE|SYN`).
    func openStream() throws -> YamuxStream {
        let stream = try state.withLock { s throws(YamuxError) -> YamuxStream in
            guard !s.closed else { throw .connectionClosed }
            guard s.streams.count < configuration.maxStreams else { throw .tooManyStreams }
            guard s.nextID < UInt32.max - 1 else { throw .tooManyStreams }
            let stream = YamuxStream(id: s.nextID, session: self)
            s.streams[s.nextID] = stream
            s.nextID += 2
            return stream
        }
        try send(YamuxHeader(type: .windowUpdate, flags: .syn, streamID: stream.id, length: 0))
        return stream
    }

    /// Removes a finished stream from the table.
    func forget(_ id: UInt32) {
        _ = state.withLock { $0.streams.removeValue(forKey: id) }
    }

    /// Sends GO_AWAY (normal) and ends all streams.
    func goAway() {
        try? send(YamuxHeader(type: .goAway, streamID: 0, length: YamuxHeader.GoAwayCode.normal.rawValue))
        close()
    }

    /// Ends the session: every stream fails with `connectionClosed`.
    func close() {
        let streams = state.withLock { s in
            s.closed = true
            defer { s.streams = [:] }
            return Array(s.streams.values)
        }
        streams.forEach { $0.fail(.connectionClosed) }
    }

    /// Reads and dispatches frames until EOF, GO_AWAY or a protocol violation; then closes the
    /// session. Inbound streams are acknowledged and passed to `onInbound`.
    /// - Returns: `nil` for a normal end (EOF or GO_AWAY), else the error that ended it.
    func run<S: ByteChunkSource>(
        _ reader: inout ByteReader<S>, onInbound: (YamuxStream) -> Void
    ) async -> (any Error)? {
        defer { close() }
        do {
            while let headerBytes = try await reader.readExactlyOrEOF(YamuxHeader.length) {
                let header = try YamuxHeader(decoding: headerBytes)
                var body: [UInt8] = []
                if header.type == .data {
                    guard header.length <= Self.maxFrameLength else {
                        throw YamuxError.protocolViolation("DATA frame of \(header.length) bytes")
                    }
                    body = try await reader.readExactly(Int(header.length))
                }
                if try handle(header, body: body, onInbound: onInbound) == .stop { return nil }
            }
            return nil
        } catch let error as YamuxError {
            try? send(YamuxHeader(type: .goAway, streamID: 0, length: YamuxHeader.GoAwayCode.protocolError.rawValue))
            return error
        } catch let error as WireError {
            try? send(YamuxHeader(type: .goAway, streamID: 0, length: YamuxHeader.GoAwayCode.protocolError.rawValue))
            return error
        } catch {
            return error
        }
    }

    private enum Next { case proceed, stop }

    private func handle(_ header: YamuxHeader, body: [UInt8], onInbound: (YamuxStream) -> Void) throws -> Next {
        switch header.type {
        case .ping:
            if header.flags.contains(.syn) {
                try send(YamuxHeader(type: .ping, flags: .ack, streamID: 0, length: header.length))
            }
            return .proceed
        case .goAway:
            return .stop
        case .data, .windowUpdate:
            break
        }
        guard header.streamID != 0 else { throw YamuxError.protocolViolation("stream frame on stream 0") }
        var stream = state.withLock { $0.streams[header.streamID] }
        if header.flags.contains(.syn) {
            guard stream == nil, let opened = acceptInbound(header.streamID) else {
                // Wrong parity, id in use or over the limit: refuse this stream only.
                try send(YamuxHeader(type: .windowUpdate, flags: .rst, streamID: header.streamID, length: 0))
                return .proceed
            }
            stream = opened
            try send(YamuxHeader(type: .windowUpdate, flags: .ack, streamID: opened.id, length: 0))
            onInbound(opened)
        }
        guard let stream else { return .proceed }  // a stream we already closed or reset
        if header.type == .data {
            if !stream.receive(body, limit: configuration.maxBufferedBytesPerStream) {
                stream.reset()
                return .proceed
            }
        } else if header.length > 0 {
            stream.grant(header.length)
        }
        if header.flags.contains(.rst) {
            stream.fail(.reset)
        } else if header.flags.contains(.fin) {
            stream.remoteFinished()
        }
        return .proceed
    }

    private func acceptInbound(_ id: UInt32) -> YamuxStream? {
        let remoteParity: UInt32 = isClient ? 0 : 1
        guard id % 2 == remoteParity else { return nil }
        return state.withLock { s in
            guard !s.closed, s.streams[id] == nil, s.streams.count < configuration.maxStreams else { return nil }
            let stream = YamuxStream(id: id, session: self)
            s.streams[id] = stream
            return stream
        }
    }
}
