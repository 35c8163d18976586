import Crypto

/// The Noise `SymmetricState` (Noise spec §5.2) for `Noise_XX_25519_ChaChaPoly_SHA256`:
/// chaining key `ck`, handshake hash `h`, and an optional cipher.
struct NoiseSymmetricState {
    /// The protocol name; exactly 32 bytes (= HASHLEN), so it is used as `h` without hashing.
    static let protocolName = "Noise_XX_25519_ChaChaPoly_SHA256"

    private(set) var chainingKey: [UInt8]
    private(set) var handshakeHash: [UInt8]
    private var cipher: NoiseCipherState?

    /// Initializes with the protocol name and mixes in the (empty) prologue.
    init(prologue: [UInt8] = []) {
        let name = Array(Self.protocolName.utf8)
        handshakeHash = name
        chainingKey = name
        mixHash(prologue)
    }

    /// `h = SHA256(h ‖ data)`.
    mutating func mixHash(_ data: [UInt8]) {
        var hasher = SHA256()
        hasher.update(data: handshakeHash)
        hasher.update(data: data)
        handshakeHash = Array(hasher.finalize())
    }

    /// `ck, k = HKDF(ck, ikm)`; resets the nonce.
    mutating func mixKey(_ inputKeyMaterial: [UInt8]) {
        let (ck, k) = Self.hkdf(chainingKey: chainingKey, inputKeyMaterial: inputKeyMaterial)
        chainingKey = ck
        cipher = NoiseCipherState(key: k)
    }

    /// Encrypts (if a key is set) and mixes the ciphertext into `h`.
    mutating func encryptAndHash(_ plaintext: [UInt8]) throws -> [UInt8] {
        let ciphertext: [UInt8]
        if var c = cipher {
            ciphertext = try c.encrypt(plaintext, associatedData: handshakeHash)
            cipher = c
        } else {
            ciphertext = plaintext
        }
        mixHash(ciphertext)
        return ciphertext
    }

    /// Decrypts (if a key is set) and mixes the ciphertext into `h`.
    mutating func decryptAndHash(_ ciphertext: [UInt8]) throws -> [UInt8] {
        let plaintext: [UInt8]
        if var c = cipher {
            plaintext = try c.decrypt(ciphertext, associatedData: handshakeHash)
            cipher = c
        } else {
            plaintext = ciphertext
        }
        mixHash(ciphertext)
        return plaintext
    }

    /// `Split()`: the two transport ciphers (first: initiator → responder).
    func split() -> (NoiseCipherState, NoiseCipherState) {
        let (k1, k2) = Self.hkdf(chainingKey: chainingKey, inputKeyMaterial: [])
        return (NoiseCipherState(key: k1), NoiseCipherState(key: k2))
    }

    /// The raw key bytes `Split()` derives, for test vectors.
    func splitKeys() -> ([UInt8], [UInt8]) {
        Self.hkdf(chainingKey: chainingKey, inputKeyMaterial: [])
    }

    /// Noise `HKDF` with two outputs = RFC 5869 HKDF-SHA256(salt: ck, info: "", L: 64).
    private static func hkdf(chainingKey: [UInt8], inputKeyMaterial: [UInt8]) -> ([UInt8], [UInt8]) {
        let okm = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: inputKeyMaterial), salt: chainingKey,
            info: [UInt8](), outputByteCount: 64)
        let bytes = okm.withUnsafeBytes { Array($0) }
        return (Array(bytes[0..<32]), Array(bytes[32..<64]))
    }
}
