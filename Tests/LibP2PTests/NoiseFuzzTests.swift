import Testing

@testable import LibP2P

@Suite("Noise and multistream decoders under random input", .timeLimit(.minutes(1)))
struct NoiseFuzzTests {
    @Test("random and mutated Noise transport frames fail cleanly", arguments: 0..<4)
    func transportFrames(seed: Int) async throws {
        var rng = SplitMix64(seed: UInt64(seed) &+ 100)
        let key = [UInt8](repeating: 3, count: 32)
        var sender = NoiseCipherState(key: key)
        let valid = NoiseFraming.frame(try sender.encrypt(Array("/multistream/1.0.0\n".utf8)))
        for round in 0..<200 {
            var input: [UInt8]
            if round % 2 == 0 {
                input = (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                input = valid
                input[Int(rng.next() % UInt64(input.count))] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            }
            let pipe = BytePipe()
            pipe.continuation.yield(input)
            pipe.continuation.finish()
            var reader = ByteReader(NoiseTransportSource(inner: pipe.reader, cipher: NoiseCipherState(key: key)))
            await #expect(throws: (any Error).self) { try await reader.readExactly(1) }
        }
    }

    @Test("random handshake messages are rejected without crashing", arguments: 0..<2)
    func handshakeMessages(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &+ 200)
        for _ in 0..<200 {
            let message = (0..<Int(rng.next() % 260)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            var initiator = NoiseHandshakeXX(initiator: true, staticKey: .init())
            _ = try initiator.writeMessage1()
            #expect(throws: (any Error).self) { try initiator.readMessage2(message) }
            #expect(throws: (any Error).self) {
                try NoiseSecurity.verify(message, remoteStatic: NoiseHandshakeXX.PrivateKey().publicKey)
            }
        }
    }

    @Test("random multistream input fails negotiation cleanly", arguments: 0..<2)
    func multistream(seed: Int) async throws {
        var rng = SplitMix64(seed: UInt64(seed) &+ 300)
        for _ in 0..<200 {
            let input = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let pipe = BytePipe()
            pipe.continuation.yield(input)
            pipe.continuation.finish()
            var reader = pipe.reader
            await #expect(throws: (any Error).self) {
                try await Multistream.listen(&reader, write: { _ in }, supports: { _ in true })
            }
        }
    }
}
