import Testing

@testable import LibP2P

@Suite("multistream-select", .timeLimit(.minutes(1)))
struct MultistreamTests {
    @Test("messages encode as in the vectors")
    func vectors() throws {
        let v = try P2PTest.vectors("multistream")
        for (message, hex) in v {
            #expect(P2PTest.hex(Multistream.encode(message)) == hex as? String, "\(message)")
        }
    }

    @Test("dialer falls back after na; listener echoes the supported protocol")
    func negotiateWithFallback() async throws {
        let toListener = BytePipe()
        let toDialer = BytePipe()
        let chosen = try await withTimeout(5) {
            async let listener: String = {
                var reader = toListener.reader
                return try await Multistream.listen(
                    &reader, write: { toDialer.continuation.yield($0) }, supports: { $0 == "/b/1" })
            }()
            var reader = toDialer.reader
            let dialed = try await Multistream.dial(
                &reader, write: { toListener.continuation.yield($0) }, protocols: ["/a/1", "/b/1", "/c/1"])
            return [dialed, try await listener]
        }
        #expect(chosen == ["/b/1", "/b/1"])
    }

    @Test("dialer reports when nothing is supported")
    func unsupported() async throws {
        let toListener = BytePipe()
        let toDialer = BytePipe()
        let listenerTask = Task {
            var reader = toListener.reader
            return try? await Multistream.listen(
                &reader, write: { toDialer.continuation.yield($0) }, supports: { _ in false })
        }
        defer { listenerTask.cancel() }
        await #expect(throws: MultistreamError.unsupported(["/x", "/y"])) {
            try await withTimeout(5) {
                var reader = toDialer.reader
                return try await Multistream.dial(
                    &reader, write: { toListener.continuation.yield($0) }, protocols: ["/x", "/y"])
            }
        }
        toListener.continuation.finish()
    }

    @Test("strict framing: missing newline, oversize length, over-long varint, wrong header")
    func strictFraming() async throws {
        let cases: [[UInt8]] = [
            [0x03, 0x6e, 0x61, 0x0b],  // no trailing newline
            [0xff, 0x7f] + [UInt8](repeating: 0x61, count: 10),  // length 16383 > limit
            [UInt8](repeating: 0xff, count: 11),  // varint longer than 10 bytes
            [0x00],  // zero length
            Multistream.encode("/multistream/2.0.0"),
        ]
        for bytes in cases {
            let pipe = BytePipe()
            pipe.continuation.yield(bytes)
            pipe.continuation.finish()
            var reader = pipe.reader
            await #expect(throws: (any Error).self, "\(bytes)") {
                try await Multistream.listen(&reader, write: { _ in }, supports: { _ in true })
            }
        }
    }
}
