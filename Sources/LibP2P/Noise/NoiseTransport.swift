import Synchronization

/// Noise transport framing (`noise/README.md` §Wire Format): every message is
/// `u16 big-endian length ‖ ciphertext`, at most 65535 bytes, so at most 65519 bytes of plaintext.
enum NoiseFraming {
    /// The largest Noise message.
    static let maxMessageLength = 65535
    /// The largest plaintext per transport message.
    static let maxPlaintextLength = maxMessageLength - NoiseCipherState.tagLength

    /// Prefixes `message` with its u16 big-endian length.
    static func frame(_ message: [UInt8]) -> [UInt8] {
        [UInt8(message.count >> 8), UInt8(message.count & 0xff)] + message
    }

    /// Reads one length-prefixed Noise message.
    static func readMessage<S: ByteChunkSource>(_ reader: inout ByteReader<S>) async throws -> [UInt8]? {
        guard let length = try await reader.readExactlyOrEOF(2) else { return nil }
        return try await reader.readExactly(Int(length[0]) << 8 | Int(length[1]))
    }
}

/// The receive direction of an established Noise channel, as decrypted byte chunks.
struct NoiseTransportSource<Inner: ByteChunkSource>: ByteChunkSource {
    var inner: ByteReader<Inner>
    var cipher: NoiseCipherState

    mutating func nextChunk() async throws -> [UInt8]? {
        guard let message = try await NoiseFraming.readMessage(&inner) else { return nil }
        return try cipher.decrypt(message)
    }
}

/// The send direction of an established Noise channel.
///
/// `send` encrypts and enqueues atomically, so frames from concurrent streams keep their nonce
/// order on the wire. Large plaintexts are split into several messages; empty ones are never sent
/// (py-libp2p reads an empty message as end of stream).
final class NoiseTransportWriter: Sendable {
    private struct State {
        var cipher: NoiseCipherState
        var output: AsyncStream<[UInt8]>.Continuation?
    }
    private let state: Mutex<State>

    /// - Parameter output: receives the framed ciphertexts in wire order.
    init(cipher: NoiseCipherState, output: AsyncStream<[UInt8]>.Continuation) {
        state = Mutex(State(cipher: cipher, output: output))
    }

    /// Encrypts and enqueues `plaintext`.
    /// - Throws: `YamuxError.connectionClosed` after `finish()`.
    func send(_ plaintext: [UInt8]) throws {
        guard !plaintext.isEmpty else { return }
        try state.withLock { s in
            guard let output = s.output else { throw YamuxError.connectionClosed }
            var offset = 0
            while offset < plaintext.count {
                let end = min(offset + NoiseFraming.maxPlaintextLength, plaintext.count)
                output.yield(NoiseFraming.frame(try s.cipher.encrypt(Array(plaintext[offset..<end]))))
                offset = end
            }
        }
    }

    /// Ends the output stream; later sends throw.
    func finish() {
        state.withLock { s in
            s.output?.finish()
            s.output = nil
        }
    }
}
