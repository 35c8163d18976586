import Crypto

/// A Noise `CipherState` for `ChaChaPoly`: a key and a 64-bit message counter.
///
/// The 96-bit nonce is 4 zero bytes followed by the counter as 64-bit little-endian
/// (`noise/README.md`, Noise spec §5.1). Used during the handshake (with associated data `h`) and,
/// after `Split()`, once per transport direction (with empty associated data).
struct NoiseCipherState: Sendable {
    private let key: SymmetricKey
    private(set) var nonce: UInt64 = 0

    /// The ChaChaPoly authentication tag length.
    static let tagLength = 16

    init(key: [UInt8]) {
        self.key = SymmetricKey(data: key)
    }

    private mutating func nextNonce() throws -> ChaChaPoly.Nonce {
        guard nonce < UInt64.max else { throw NoiseError.nonceExhausted }
        var bytes = [UInt8](repeating: 0, count: 4)
        withUnsafeBytes(of: nonce.littleEndian) { bytes.append(contentsOf: $0) }
        nonce += 1
        return try ChaChaPoly.Nonce(data: bytes)
    }

    /// Encrypts `plaintext`, returning `ciphertext ‖ tag`.
    mutating func encrypt(_ plaintext: [UInt8], associatedData: [UInt8] = []) throws -> [UInt8] {
        let box = try ChaChaPoly.seal(plaintext, using: key, nonce: nextNonce(), authenticating: associatedData)
        return Array(box.ciphertext) + Array(box.tag)
    }

    /// Decrypts `ciphertext ‖ tag`.
    /// - Throws: `NoiseError.decryptionFailed` if the message is too short or not authentic.
    mutating func decrypt(_ message: [UInt8], associatedData: [UInt8] = []) throws -> [UInt8] {
        guard message.count >= Self.tagLength else { throw NoiseError.decryptionFailed }
        let split = message.count - Self.tagLength
        do {
            let box = try ChaChaPoly.SealedBox(
                nonce: nextNonce(), ciphertext: message[..<split], tag: message[split...])
            return Array(try ChaChaPoly.open(box, using: key, authenticating: associatedData))
        } catch {
            throw NoiseError.decryptionFailed
        }
    }
}
