/// The libp2p Noise handshake payload (`noise/README.md` §The libp2p Handshake Payload):
/// `NoiseHandshakePayload { bytes identity_key = 1; bytes identity_sig = 2; NoiseExtensions extensions = 4; }`.
///
/// `identity_sig` signs `"noise-libp2p-static-key:" ‖ X25519 static public key` with the identity
/// key. Extensions are neither sent nor interpreted (py-libp2p sends none).
struct NoiseHandshakePayload: Equatable, Sendable {
    /// The prefix of the signed bytes.
    static let signaturePrefix = Array("noise-libp2p-static-key:".utf8)

    /// The serialized libp2p `PublicKey` protobuf.
    var identityKey: [UInt8]
    /// The identity key's signature over `signaturePrefix ‖ static key`.
    var identitySignature: [UInt8]

    /// The bytes the identity key signs.
    static func signedBytes(staticKey: [UInt8]) -> [UInt8] { signaturePrefix + staticKey }

    /// The protobuf encoding.
    var encoded: [UInt8] {
        var w = ProtobufWriter()
        w.writeBytes(field: 1, identityKey)
        w.writeBytes(field: 2, identitySignature)
        return w.bytes
    }

    /// Decodes a payload; unknown fields (extensions) are skipped.
    /// - Throws: `NoiseError.invalidPayload` if malformed or the key or signature is missing.
    init(decoding bytes: [UInt8]) throws(NoiseError) {
        var key: [UInt8] = []
        var sig: [UInt8] = []
        var reader = ProtobufReader(bytes)
        do {
            while let field = try reader.next() {
                switch field.number {
                case 1: key = field.bytesValue ?? []
                case 2: sig = field.bytesValue ?? []
                default: continue
                }
            }
        } catch {
            throw .invalidPayload(error.description)
        }
        guard !key.isEmpty, !sig.isEmpty else { throw .invalidPayload("missing identity key or signature") }
        identityKey = key
        identitySignature = sig
    }

    init(identityKey: [UInt8], identitySignature: [UInt8]) {
        self.identityKey = identityKey
        self.identitySignature = identitySignature
    }
}
