/// A libp2p peer ID: the multihash of a serialized `PublicKey` (peer-ids spec).
///
/// Keys of at most 42 bytes (all Ed25519 keys) are inlined with the identity multihash, so the
/// public key can be recovered from the ID; longer keys are hashed with sha2-256.
/// The default text form is base58btc (`12D3KooW…` for Ed25519); `cidString` gives the CIDv1 form.
public struct PeerID: Hashable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    /// The longest serialized public key that is inlined with the identity multihash.
    public static let maxInlineKeyLength = 42

    /// The binary multihash (the bytes of gossipsub's `from` field and of `/p2p/` multiaddr values).
    public let bytes: [UInt8]

    /// The peer ID of `publicKey`.
    public init(publicKey: PublicKey) {
        let encoded = publicKey.protobuf
        let hash =
            encoded.count <= PeerID.maxInlineKeyLength ? Multihash.identity(encoded) : Multihash.sha256(of: encoded)
        bytes = hash.bytes
    }

    /// Validates and wraps a binary peer ID: an identity or sha2-256 multihash (an identity one
    /// must contain a decodable public key).
    public init(bytes: [UInt8]) throws(IdentityError) {
        if let problem = PeerID.problem(with: bytes) { throw IdentityError("invalid peer ID: \(problem)") }
        self.bytes = bytes
    }

    /// Parses a peer ID in either text form: base58btc (starting with `1` or `Qm`) or a multibase
    /// CIDv1 with codec libp2p-key (`bafz…`).
    public init(parsing text: String) throws(IdentityError) {
        let raw: [UInt8]
        do throws(MultiformatsError) {
            if text.hasPrefix("1") || text.hasPrefix("Qm") {
                raw = try Base58.decode(Substring(text))
            } else {
                let cid = try CID(parsing: text)
                guard cid.codec == CID.libp2pKeyCodec else {
                    throw MultiformatsError("CID codec is 0x\(String(cid.codec, radix: 16)), not libp2p-key (0x72)")
                }
                raw = cid.multihash.bytes
            }
        } catch {
            throw IdentityError("invalid peer ID '\(text)': \(error.description)")
        }
        if let problem = PeerID.problem(with: raw) { throw IdentityError("invalid peer ID '\(text)': \(problem)") }
        self.bytes = raw
    }

    /// Why `bytes` is not a valid peer ID, or `nil` if it is.
    private static func problem(with bytes: [UInt8]) -> String? {
        let hash: Multihash
        do {
            hash = try Multihash(bytes: bytes)
        } catch {
            return error.description
        }
        switch hash.code {
        case Multihash.identityCode:
            guard hash.digest.count <= maxInlineKeyLength else {
                return "inlined key longer than \(maxInlineKeyLength) bytes"
            }
            do {
                _ = try PublicKey(protobuf: hash.digest)
            } catch {
                return error.description
            }
            return nil
        case Multihash.sha256Code:
            return nil
        default:
            return "unsupported multihash code 0x\(String(hash.code, radix: 16))"
        }
    }

    /// `LosslessStringConvertible`: `nil` if `description` is not a valid peer ID.
    public init?(_ description: String) {
        guard let id = try? PeerID(parsing: description) else { return nil }
        self = id
    }

    /// The base58btc text form (`12D3KooW…` for Ed25519), the default to print.
    public var description: String { Base58.encode(bytes) }

    /// The CIDv1 text form: multibase base32 of `0x01 ‖ 0x72 ‖ multihash` (`bafzaa…` for Ed25519).
    public var cidString: String {
        Multibase.base32.encode([0x01, UInt8(CID.libp2pKeyCodec)] + bytes)
    }

    /// The public key inlined in an identity peer ID, or `nil` for a hashed (sha2-256) ID.
    public var publicKey: PublicKey? {
        guard let hash = try? Multihash(bytes: bytes), hash.code == Multihash.identityCode else { return nil }
        return try? PublicKey(protobuf: hash.digest)
    }
}
