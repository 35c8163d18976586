import Crypto

/// The Noise XX handshake pattern with X25519 (`-> e` / `<- e, ee, s, es` / `-> s, se`).
///
/// Pure message processing, no I/O: the caller moves the three messages and their payloads.
/// Ephemeral keys can be injected for the deterministic test vector.
struct NoiseHandshakeXX {
    typealias PrivateKey = Curve25519.KeyAgreement.PrivateKey
    typealias PublicKey = Curve25519.KeyAgreement.PublicKey

    /// The X25519 public key length.
    static let keyLength = 32

    let isInitiator: Bool
    private var state = NoiseSymmetricState()
    private let staticKey: PrivateKey
    private let ephemeralKey: PrivateKey
    private var remoteEphemeral: PublicKey?
    /// The remote static X25519 key, known after message 2 (initiator) or 3 (responder).
    private(set) var remoteStatic: PublicKey?

    init(initiator: Bool, staticKey: PrivateKey, ephemeralKey: PrivateKey = PrivateKey()) {
        self.isInitiator = initiator
        self.staticKey = staticKey
        self.ephemeralKey = ephemeralKey
    }

    /// The handshake hash (channel binding), meaningful after the last message.
    var handshakeHash: [UInt8] { state.handshakeHash }

    private static func dh(_ priv: PrivateKey, _ pub: PublicKey?) throws -> [UInt8] {
        guard let pub else { throw NoiseError.handshake("missing remote key") }
        let secret = try priv.sharedSecretFromKeyAgreement(with: pub)
        return secret.withUnsafeBytes { Array($0) }
    }

    private static func publicKey(_ bytes: [UInt8]) throws -> PublicKey {
        do { return try PublicKey(rawRepresentation: bytes) } catch {
            throw NoiseError.handshake("invalid X25519 public key")
        }
    }

    // MARK: message 1: -> e

    /// Initiator: writes message 1 (`e`, empty payload).
    mutating func writeMessage1() throws -> [UInt8] {
        let e = Array(ephemeralKey.publicKey.rawRepresentation)
        state.mixHash(e)
        return e + (try state.encryptAndHash([]))
    }

    /// Responder: reads message 1; returns its (normally empty) payload.
    mutating func readMessage1(_ message: [UInt8]) throws -> [UInt8] {
        guard message.count >= Self.keyLength else { throw NoiseError.handshake("message 1 too short") }
        let e = Array(message[0..<Self.keyLength])
        remoteEphemeral = try Self.publicKey(e)
        state.mixHash(e)
        return try state.decryptAndHash(Array(message[Self.keyLength...]))
    }

    // MARK: message 2: <- e, ee, s, es

    /// Responder: writes message 2 carrying `payload`.
    mutating func writeMessage2(payload: [UInt8]) throws -> [UInt8] {
        let e = Array(ephemeralKey.publicKey.rawRepresentation)
        state.mixHash(e)
        state.mixKey(try Self.dh(ephemeralKey, remoteEphemeral))
        let s = try state.encryptAndHash(Array(staticKey.publicKey.rawRepresentation))
        state.mixKey(try Self.dh(staticKey, remoteEphemeral))
        return e + s + (try state.encryptAndHash(payload))
    }

    /// Initiator: reads message 2; returns the responder's payload.
    mutating func readMessage2(_ message: [UInt8]) throws -> [UInt8] {
        let sealedKey = Self.keyLength + NoiseCipherState.tagLength
        guard message.count >= Self.keyLength + sealedKey + NoiseCipherState.tagLength else {
            throw NoiseError.handshake("message 2 too short (\(message.count) bytes)")
        }
        let e = Array(message[0..<Self.keyLength])
        remoteEphemeral = try Self.publicKey(e)
        state.mixHash(e)
        state.mixKey(try Self.dh(ephemeralKey, remoteEphemeral))
        let s = try state.decryptAndHash(Array(message[Self.keyLength..<Self.keyLength + sealedKey]))
        remoteStatic = try Self.publicKey(s)
        state.mixKey(try Self.dh(ephemeralKey, remoteStatic))
        return try state.decryptAndHash(Array(message[(Self.keyLength + sealedKey)...]))
    }

    // MARK: message 3: -> s, se

    /// Initiator: writes message 3 carrying `payload`.
    mutating func writeMessage3(payload: [UInt8]) throws -> [UInt8] {
        let s = try state.encryptAndHash(Array(staticKey.publicKey.rawRepresentation))
        state.mixKey(try Self.dh(staticKey, remoteEphemeral))
        return s + (try state.encryptAndHash(payload))
    }

    /// Responder: reads message 3; returns the initiator's payload.
    mutating func readMessage3(_ message: [UInt8]) throws -> [UInt8] {
        let sealedKey = Self.keyLength + NoiseCipherState.tagLength
        guard message.count >= sealedKey + NoiseCipherState.tagLength else {
            throw NoiseError.handshake("message 3 too short (\(message.count) bytes)")
        }
        let s = try state.decryptAndHash(Array(message[0..<sealedKey]))
        remoteStatic = try Self.publicKey(s)
        state.mixKey(try Self.dh(ephemeralKey, remoteStatic))
        return try state.decryptAndHash(Array(message[sealedKey...]))
    }

    // MARK: split

    /// The transport ciphers `(send, receive)` for this side.
    func transportCiphers() -> (send: NoiseCipherState, receive: NoiseCipherState) {
        let (i2r, r2i) = state.split()
        return isInitiator ? (i2r, r2i) : (r2i, i2r)
    }

    /// The raw split keys `(initiator→responder, responder→initiator)`, for test vectors.
    func splitKeys() -> ([UInt8], [UInt8]) { state.splitKeys() }
}

/// A failure of the Noise secure channel.
public enum NoiseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A handshake message was malformed.
    case handshake(String)
    /// A message failed authentication (tampered, truncated or out of order).
    case decryptionFailed
    /// The 2^64 − 1 message limit was reached.
    case nonceExhausted
    /// The libp2p handshake payload was missing, malformed or its signature did not verify.
    case invalidPayload(String)
    /// The remote peer is not the one the dialed multiaddr named.
    case peerIDMismatch(expected: String, actual: String)

    public var description: String {
        switch self {
        case .handshake(let why): "Noise handshake failed: \(why)"
        case .decryptionFailed: "Noise message failed to decrypt (corrupted or forged)"
        case .nonceExhausted: "Noise nonce exhausted"
        case .invalidPayload(let why): "invalid Noise handshake payload: \(why)"
        case .peerIDMismatch(let expected, let actual):
            "remote peer is \(actual), but the address names \(expected)"
        }
    }
}
