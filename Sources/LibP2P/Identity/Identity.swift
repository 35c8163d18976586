import Crypto
import Foundation

/// A node's Ed25519 identity: the private key, its libp2p `PublicKey` and `PeerID`.
public struct Identity: Sendable {
    /// The Ed25519 private key.
    public let privateKey: Curve25519.Signing.PrivateKey
    /// The libp2p public key.
    public let publicKey: PublicKey
    /// The peer ID derived from `publicKey`.
    public let peerID: PeerID

    /// Wraps an existing Ed25519 private key.
    public init(privateKey: Curve25519.Signing.PrivateKey) {
        self.privateKey = privateKey
        // A Curve25519 public key is always 32 bytes.
        self.publicKey = PublicKey(type: .ed25519, data: Array(privateKey.publicKey.rawRepresentation))
        self.peerID = PeerID(publicKey: publicKey)
    }

    /// A fresh random identity.
    public static func generate() -> Identity {
        Identity(privateKey: Curve25519.Signing.PrivateKey())
    }

    /// The identity with the given 32-byte Ed25519 seed (RFC 8032 private key).
    public init(seed: [UInt8]) throws(IdentityError) {
        guard seed.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw IdentityError("Ed25519 seed must be 32 bytes, got \(seed.count)")
        }
        self.init(privateKey: key)
    }

    /// The 32-byte Ed25519 seed.
    public var seed: [UInt8] { Array(privateKey.rawRepresentation) }

    /// Signs `message` with Ed25519 (RFC 8032); the result is 64 bytes.
    public func sign(_ message: some DataProtocol) throws -> [UInt8] {
        Array(try privateKey.signature(for: message))
    }

    /// The libp2p `PrivateKey` protobuf in the spec form: `08 01 12 40 ‖ seed32 ‖ pk32`.
    public var privateKeyProtobuf: [UInt8] {
        KeyProtobuf.encode(type: .ed25519, data: seed + publicKey.data)
    }

    /// Decodes a libp2p Ed25519 `PrivateKey` protobuf whose `Data` is the spec's 64-byte
    /// `seed ‖ public key` (the public half must match the seed) or py-libp2p's 32-byte seed.
    public init(privateKeyProtobuf bytes: [UInt8]) throws(IdentityError) {
        let (type, data) = try KeyProtobuf.decode(bytes, what: "private key")
        guard type == .ed25519 else { throw IdentityError("private key: type \(type) is not supported (only Ed25519)") }
        switch data.count {
        case 32:
            try self.init(seed: data)
        case 64:
            try self.init(seed: Array(data[0..<32]))
            guard publicKey.data == Array(data[32..<64]) else {
                throw IdentityError("private key: the public half does not match the seed")
            }
        default:
            throw IdentityError("private key: Ed25519 key data must be 32 or 64 bytes, got \(data.count)")
        }
    }
}
