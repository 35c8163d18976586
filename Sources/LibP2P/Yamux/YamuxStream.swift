import Synchronization

/// One yamux stream: an ordered, flow-controlled, bidirectional byte stream inside a session.
///
/// Receive side: data is buffered in frames; as the application drains the buffer the stream
/// returns window credit to the peer (every half window), so messages larger than the window
/// flow without waiting for the whole message. Send side: writes wait (bounded) for credit.
final class YamuxStream: Sendable {
    /// The stream id (odd: opened by the dialer, even: by the listener).
    let id: UInt32
    private let session: YamuxSession
    private let state: Mutex<State>

    private struct State {
        var chunks: [[UInt8]] = []
        var chunkOffset = 0
        var pushedBack: [UInt8] = []
        var buffered = 0
        var consumedSinceUpdate = 0
        var remoteClosed = false
        var localClosed = false
        var failure: YamuxError?
        var sendWindow = Int64(YamuxSession.initialWindow)
        var readWaiters: [CheckedContinuation<Void, Never>] = []
        var windowWaiters: [CheckedContinuation<Void, Never>] = []

        var hasReadable: Bool { !pushedBack.isEmpty || !chunks.isEmpty || remoteClosed || failure != nil }

        mutating func takeWaiters() -> [CheckedContinuation<Void, Never>] {
            defer {
                readWaiters = []
                windowWaiters = []
            }
            return readWaiters + windowWaiters
        }
    }

    init(id: UInt32, session: YamuxSession) {
        self.id = id
        self.session = session
        self.state = Mutex(State())
    }

    // MARK: reading

    /// Returns up to `maxCount` received bytes, `nil` once the peer half-closed and everything was
    /// read.
    /// - Throws: `YamuxError` if the stream was reset or the connection closed.
    func read(maxCount: Int = .max) async throws -> [UInt8]? {
        while true {
            enum Outcome {
                case data([UInt8], credit: Int)
                case end
                case failed(YamuxError)
                case wait
            }
            let outcome: Outcome = state.withLock { s in
                if !s.pushedBack.isEmpty {
                    let n = min(maxCount, s.pushedBack.count)
                    defer { s.pushedBack.removeFirst(n) }
                    return .data(Array(s.pushedBack[0..<n]), credit: 0)
                }
                if let first = s.chunks.first {
                    let n = min(maxCount, first.count - s.chunkOffset)
                    let bytes = Array(first[s.chunkOffset..<s.chunkOffset + n])
                    s.chunkOffset += n
                    if s.chunkOffset == first.count {
                        s.chunks.removeFirst()
                        s.chunkOffset = 0
                    }
                    s.buffered -= n
                    s.consumedSinceUpdate += n
                    var credit = 0
                    if s.consumedSinceUpdate >= YamuxSession.initialWindow / 2 && !s.remoteClosed {
                        credit = s.consumedSinceUpdate
                        s.consumedSinceUpdate = 0
                    }
                    return .data(bytes, credit: credit)
                }
                if let failure = s.failure { return .failed(failure) }
                if s.remoteClosed { return .end }
                return .wait
            }
            switch outcome {
            case .data(let bytes, let credit):
                if credit > 0 {
                    try? session.send(
                        YamuxHeader(type: .windowUpdate, streamID: id, length: UInt32(credit)))
                }
                return bytes
            case .end: return nil
            case .failed(let error): throw error
            case .wait:
                await wait(forWindow: false)
                try Task.checkCancellation()
            }
        }
    }

    /// Puts bytes read too far (by a framing reader) back in front of the buffer.
    func unread(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        state.withLock { $0.pushedBack = bytes + $0.pushedBack }
    }

    /// Reads exactly `count` bytes.
    /// - Throws: `UnexpectedEOF` if the peer half-closes first.
    func readExactly(_ count: Int) async throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            guard let chunk = try await read(maxCount: count - out.count) else { throw UnexpectedEOF() }
            out += chunk
        }
        return out
    }

    /// Reads a uvarint length (at most `maxSize`) and then that many bytes; `nil` if the peer
    /// half-closed before the first byte of the length.
    func readLengthPrefixed(maxSize: Int) async throws -> [UInt8]? {
        var varint = VarintAccumulator()
        var decoded: UInt64?
        while decoded == nil {
            guard let byte = try await read(maxCount: 1)?.first else {
                if varint.isEmpty { return nil }
                throw UnexpectedEOF()
            }
            decoded = try varint.add(byte)
        }
        let length = decoded ?? 0
        guard length <= UInt64(maxSize) else {
            throw WireError("message of \(length) bytes exceeds the limit of \(maxSize)")
        }
        return try await readExactly(Int(length))
    }

    // MARK: writing

    /// Writes `bytes`, splitting into DATA frames that fit the send window and one Noise message.
    /// - Throws: `YamuxError.windowTimeout` if the peer grants no credit for `windowTimeout`,
    ///   or the stream's failure.
    func write(_ bytes: [UInt8]) async throws {
        var offset = 0
        while offset < bytes.count {
            let deadline = ContinuousClock.now + session.configuration.windowTimeout
            var granted = 0
            while granted == 0 {
                let result: Result<Int, YamuxError> = state.withLock { s in
                    if let failure = s.failure { return .failure(failure) }
                    if s.localClosed { return .failure(.writeAfterClose) }
                    let n = Int(min(Int64(bytes.count - offset), s.sendWindow, Int64(YamuxSession.maxDataPayload)))
                    s.sendWindow -= Int64(n)
                    return .success(n)
                }
                granted = try result.get()
                if granted == 0 {
                    guard ContinuousClock.now < deadline else { throw YamuxError.windowTimeout }
                    let timer = Task { [weak self] in
                        try? await Task.sleep(until: deadline)
                        self?.wakeAll()
                    }
                    await wait(forWindow: true)
                    timer.cancel()
                    try Task.checkCancellation()
                }
            }
            let header = YamuxHeader(type: .data, streamID: id, length: UInt32(granted))
            try session.send(header, payload: bytes[offset..<offset + granted])
            offset += granted
        }
    }

    /// Half-closes our side (`WINDOW_UPDATE|FIN`); the peer may keep sending.
    func closeWrite() throws {
        let (send, bothClosed) = state.withLock { s -> (Bool, Bool) in
            guard !s.localClosed, s.failure == nil else { return (false, false) }
            s.localClosed = true
            return (true, s.remoteClosed)
        }
        guard send else { return }
        if bothClosed { session.forget(id) }
        try session.send(YamuxHeader(type: .windowUpdate, flags: .fin, streamID: id, length: 0))
    }

    /// Resets the stream (`WINDOW_UPDATE|RST`): both directions end at once; local readers and
    /// writers fail with `error`.
    func reset(_ error: YamuxError = .reset) {
        guard fail(error) else { return }
        try? session.send(YamuxHeader(type: .windowUpdate, flags: .rst, streamID: id, length: 0))
    }

    // MARK: events from the session

    /// Buffers received DATA; `false` if that exceeds the per-stream buffer limit.
    func receive(_ bytes: [UInt8], limit: Int) -> Bool {
        let (accepted, waiters) = state.withLock { s -> (Bool, [CheckedContinuation<Void, Never>]) in
            guard s.failure == nil, !s.remoteClosed else { return (true, []) }
            guard s.buffered + bytes.count <= limit else { return (false, []) }
            if !bytes.isEmpty {
                s.chunks.append(bytes)
                s.buffered += bytes.count
            }
            return (true, s.takeWaiters())
        }
        waiters.forEach { $0.resume() }
        return accepted
    }

    /// Adds a WINDOW_UPDATE delta to the send window.
    func grant(_ delta: UInt32) {
        let waiters = state.withLock { s in
            s.sendWindow = min(s.sendWindow + Int64(delta), Int64(UInt32.max) * 16)
            return s.takeWaiters()
        }
        waiters.forEach { $0.resume() }
    }

    /// The peer half-closed.
    func remoteFinished() {
        let (waiters, bothClosed) = state.withLock { s in
            s.remoteClosed = true
            return (s.takeWaiters(), s.localClosed)
        }
        if bothClosed { session.forget(id) }
        waiters.forEach { $0.resume() }
    }

    /// Marks the stream failed (reset or connection gone); returns `false` if it already was.
    @discardableResult
    func fail(_ error: YamuxError) -> Bool {
        let (first, waiters) = state.withLock { s -> (Bool, [CheckedContinuation<Void, Never>]) in
            guard s.failure == nil else { return (false, []) }
            s.failure = error
            return (true, s.takeWaiters())
        }
        if first { session.forget(id) }
        waiters.forEach { $0.resume() }
        return first
    }

    /// Runs `body`; if it takes longer than `timeout`, resets the stream so that `body`'s reads
    /// and writes fail with `YamuxError.timedOut`.
    func withDeadline<T>(_ timeout: Duration, _ body: () async throws -> T) async throws -> T {
        let timer = Task { [weak self] in
            do {
                try await Task.sleep(for: timeout)
                self?.reset(.timedOut)
            } catch {}
        }
        defer { timer.cancel() }
        return try await body()
    }

    // MARK: waiting

    private func wakeAll() {
        state.withLock { $0.takeWaiters() }.forEach { $0.resume() }
    }

    private func wait(forWindow: Bool) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { s -> Bool in
                    let ready = Task.isCancelled || s.failure != nil || (forWindow ? s.sendWindow > 0 : s.hasReadable)
                    if !ready {
                        if forWindow { s.windowWaiters.append(c) } else { s.readWaiters.append(c) }
                    }
                    return ready
                }
                if ready { c.resume() }
            }
        } onCancel: {
            wakeAll()
        }
    }
}

/// A yamux stream or session failure.
public enum YamuxError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The stream was reset (by either side).
    case reset
    /// The connection carrying the stream closed.
    case connectionClosed
    /// The peer granted no send window within the configured time.
    case windowTimeout
    /// Write after `closeWrite()`.
    case writeAfterClose
    /// The per-connection stream limit is reached.
    case tooManyStreams
    /// A deadline on the stream passed (negotiation or a bounded read).
    case timedOut
    /// The peer violated the yamux protocol.
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .reset: "the stream was reset"
        case .connectionClosed: "the connection closed"
        case .windowTimeout: "timed out waiting for the peer to accept more data (yamux window)"
        case .writeAfterClose: "write after the stream was closed for writing"
        case .tooManyStreams: "too many streams on this connection"
        case .timedOut: "the stream timed out"
        case .protocolViolation(let why): "yamux protocol violation: \(why)"
        }
    }
}
