import Testing

@testable import LibP2P

/// Two yamux sessions connected by in-memory pipes (no Noise, no TCP).
private struct YamuxPair {
    let client: YamuxSession
    let server: YamuxSession
    let accepted: AsyncStream<YamuxStream>
    let toServer: BytePipe
    let toClient: BytePipe
    let tasks: [Task<Void, Never>]

    init(configuration: YamuxSession.Configuration = .init()) {
        let toServer = BytePipe()
        let toClient = BytePipe()
        let (accepted, acceptedContinuation) = AsyncStream.makeStream(of: YamuxStream.self)
        let client = YamuxSession(isClient: true, configuration: configuration) { toServer.continuation.yield($0) }
        let server = YamuxSession(isClient: false, configuration: configuration) { toClient.continuation.yield($0) }
        self.client = client
        self.server = server
        self.accepted = accepted
        self.toServer = toServer
        self.toClient = toClient
        tasks = [
            Task {
                var reader = toServer.reader
                _ = await server.run(&reader) { acceptedContinuation.yield($0) }
                acceptedContinuation.finish()
            },
            Task {
                var reader = toClient.reader
                _ = await client.run(&reader) { _ in }
            },
        ]
    }

    func stop() {
        toServer.continuation.finish()
        toClient.continuation.finish()
        tasks.forEach { $0.cancel() }
    }
}

@Suite("yamux", .timeLimit(.minutes(1)))
struct YamuxTests {
    @Test("headers encode as in the vectors")
    func headerVectors() throws {
        let v = try P2PTest.vectors("yamux_headers")
        let expected: [String: YamuxHeader] = [
            "open_stream_1_window_update_SYN": .init(type: .windowUpdate, flags: .syn, streamID: 1, length: 0),
            "ack_stream_1_window_update_ACK": .init(type: .windowUpdate, flags: .ack, streamID: 1, length: 0),
            "data_stream_1_len_20": .init(type: .data, streamID: 1, length: 20),
            "half_close_stream_1_window_update_FIN": .init(type: .windowUpdate, flags: .fin, streamID: 1, length: 0),
            "reset_stream_1_window_update_RST": .init(type: .windowUpdate, flags: .rst, streamID: 1, length: 0),
            "window_update_stream_1_plus_262144": .init(type: .windowUpdate, streamID: 1, length: 262_144),
            "ping_SYN_opaque_1": .init(type: .ping, flags: .syn, streamID: 0, length: 1),
            "ping_ACK_opaque_1": .init(type: .ping, flags: .ack, streamID: 0, length: 1),
            "go_away_normal": .init(type: .goAway, streamID: 0, length: 0),
        ]
        #expect(Set(v.keys) == Set(expected.keys))
        for (name, header) in expected {
            let bytes = try P2PTest.field(v, name)
            #expect(header.encoded == bytes, "\(name)")
            #expect(try YamuxHeader(decoding: bytes) == header, "\(name)")
        }
    }

    @Test("a 300 KB message crosses the 256 KiB window in both directions")
    func largeMessagesBothWays() async throws {
        let pair = YamuxPair()
        defer { pair.stop() }
        let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let echoed = try await withTimeout(20) {
            let server = Task {
                for await stream in pair.accepted {
                    guard let message = try await stream.readLengthPrefixed(maxSize: 1 << 20) else { return }
                    try await stream.write(Wire.lengthPrefixed(message))
                    try stream.closeWrite()
                }
            }
            defer { server.cancel() }
            let stream = try pair.client.openStream()
            try await stream.write(Wire.lengthPrefixed(payload))
            let back = try await stream.readLengthPrefixed(maxSize: 1 << 20)
            #expect(try await stream.read() == nil)
            return back
        }
        #expect(echoed == payload)
    }

    @Test("stream ids: dialer odd, listener even; FIN and RST reach the peer")
    func parityAndClose() async throws {
        let pair = YamuxPair()
        defer { pair.stop() }
        try await withTimeout(10) {
            let a = try pair.client.openStream()
            let b = try pair.client.openStream()
            #expect([a.id, b.id] == [1, 3])
            #expect(try pair.server.openStream().id == 2)
            var inbound = pair.accepted.makeAsyncIterator()
            let a2 = try #require(await inbound.next())
            let b2 = try #require(await inbound.next())
            try await a.write([1, 2, 3])
            try a.closeWrite()
            #expect(try await a2.read() == [1, 2, 3])
            #expect(try await a2.read() == nil)
            b.reset()
            await #expect(throws: YamuxError.reset) { try await b2.read() }
            await #expect(throws: YamuxError.writeAfterClose) { try await a.write([4]) }
        }
    }

    @Test("a peer exceeding the stream buffer gets the stream reset, the session lives")
    func bufferLimit() async throws {
        var configuration = YamuxSession.Configuration()
        configuration.maxBufferedBytesPerStream = 1000
        let pair = YamuxPair(configuration: configuration)
        defer { pair.stop() }
        try await withTimeout(10) {
            let stream = try pair.client.openStream()
            var inbound = pair.accepted.makeAsyncIterator()
            let peer = try #require(await inbound.next())
            try await stream.write([UInt8](repeating: 9, count: 5000))
            await #expect(throws: YamuxError.reset) {
                while try await peer.read() != nil {}
            }
            let second = try pair.client.openStream()
            try await second.write([7])
            let peer2 = try #require(await inbound.next())
            #expect(try await peer2.read() == [7])
        }
    }

    @Test("too many streams are refused with RST")
    func streamLimit() async throws {
        var configuration = YamuxSession.Configuration()
        configuration.maxStreams = 2
        let pair = YamuxPair(configuration: configuration)
        defer { pair.stop() }
        try await withTimeout(10) {
            _ = try pair.client.openStream()
            _ = try pair.client.openStream()
            #expect(throws: YamuxError.tooManyStreams) { try pair.client.openStream() }
        }
    }

    @Test("PING SYN is answered with PING ACK; GO_AWAY ends the session")
    func pingAndGoAway() async throws {
        let toSession = BytePipe()
        let (out, outContinuation) = AsyncStream.makeStream(of: [UInt8].self)
        let session = YamuxSession(isClient: true) { outContinuation.yield($0) }
        try await withTimeout(10) {
            let run = Task {
                var reader = toSession.reader
                return await session.run(&reader) { _ in }
            }
            toSession.continuation.yield(YamuxHeader(type: .ping, flags: .syn, streamID: 0, length: 7).encoded)
            var frames = out.makeAsyncIterator()
            #expect(await frames.next() == YamuxHeader(type: .ping, flags: .ack, streamID: 0, length: 7).encoded)
            toSession.continuation.yield(YamuxHeader(type: .goAway, streamID: 0, length: 0).encoded)
            #expect(await run.value == nil)
            #expect(session.isClosed)
        }
    }

    @Test("large window deltas (py grows to 16 MiB) are accepted; ACK never carries FIN or RST")
    func largeDeltas() async throws {
        let toSession = BytePipe()
        let (out, outContinuation) = AsyncStream.makeStream(of: [UInt8].self)
        let session = YamuxSession(isClient: true) { outContinuation.yield($0) }
        try await withTimeout(10) {
            let run = Task {
                var reader = toSession.reader
                return await session.run(&reader) { _ in }
            }
            defer { run.cancel() }
            let stream = try session.openStream()
            for _ in 0..<3 {
                toSession.continuation.yield(
                    YamuxHeader(type: .windowUpdate, streamID: stream.id, length: UInt32.max).encoded)
            }
            toSession.continuation.yield(YamuxHeader(type: .windowUpdate, flags: .syn, streamID: 2, length: 0).encoded)
            toSession.continuation.yield(YamuxHeader(type: .windowUpdate, flags: .fin, streamID: 2, length: 0).encoded)
            try await Task.sleep(for: .milliseconds(100))
            try await stream.write([UInt8](repeating: 5, count: 2_000_000))  // far beyond 256 KiB
            try stream.closeWrite()
            outContinuation.finish()
            var sent = 0
            for await frame in out {
                let header = try YamuxHeader(decoding: Array(frame.prefix(YamuxHeader.length)))
                if header.flags.contains(.ack) { #expect(header.flags == .ack, "ACK combined: \(header)") }
                if header.type == .data { sent += Int(header.length) }
            }
            #expect(sent == 2_000_000)
        }
    }

    @Test("random and mutated frames close the session without crashing", arguments: 0..<4)
    func fuzz(seed: Int) async throws {
        var rng = SplitMix64(seed: UInt64(seed))
        let valid =
            YamuxHeader(type: .windowUpdate, flags: .syn, streamID: 2, length: 0).encoded
            + YamuxHeader(type: .data, streamID: 2, length: 3).encoded + [1, 2, 3]
            + YamuxHeader(type: .ping, flags: .syn, streamID: 0, length: 1).encoded
        for round in 0..<200 {
            var input: [UInt8]
            if round % 2 == 0 {
                input = (0..<Int(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                input = valid
                for _ in 0..<3 { input[Int(rng.next() % UInt64(input.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            }
            let pipe = BytePipe()
            let session = YamuxSession(isClient: true) { _ in }
            pipe.continuation.yield(input)
            pipe.continuation.finish()
            try await withTimeout(5) {
                var reader = pipe.reader
                _ = await session.run(&reader) { _ in }
            }
            #expect(session.isClosed)
        }
    }
}
