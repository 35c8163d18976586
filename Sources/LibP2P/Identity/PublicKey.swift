import Crypto
import Foundation

/// The key algorithms of the libp2p `KeyType` enum (peer-ids spec).
public enum KeyType: UInt64, Sendable {
    case rsa = 0
    case ed25519 = 1
    case secp256k1 = 2
    case ecdsa = 3
}

/// A libp2p public key: `message PublicKey { required KeyType Type = 1; required bytes Data = 2; }`.
///
/// Any key type can be carried and encoded; only Ed25519 keys can verify signatures here.
public struct PublicKey: Hashable, Sendable {
    /// The key algorithm.
    public let type: KeyType
    /// The key bytes (32 raw bytes for Ed25519).
    public let data: [UInt8]

    /// Creates a public key from its parts.
    public init(type: KeyType, data: [UInt8]) {
        self.type = type
        self.data = data
    }

    /// An Ed25519 public key from its 32 raw bytes.
    public init(ed25519 raw: [UInt8]) throws(IdentityError) {
        guard raw.count == 32 else { throw IdentityError("Ed25519 public key must be 32 bytes, got \(raw.count)") }
        self.init(type: .ed25519, data: raw)
    }

    /// Decodes the protobuf encoding (strict: both fields required, no unknown fields, no trailing bytes).
    public init(protobuf bytes: [UInt8]) throws(IdentityError) {
        let (type, data) = try KeyProtobuf.decode(bytes, what: "public key")
        if type == .ed25519 && data.count != 32 {
            throw IdentityError("Ed25519 public key must be 32 bytes, got \(data.count)")
        }
        self.init(type: type, data: data)
    }

    /// The deterministic protobuf encoding; for Ed25519 always `08 01 12 20 ‖ key` (36 bytes).
    public var protobuf: [UInt8] { KeyProtobuf.encode(type: type, data: data) }

    /// Whether `signature` is a valid signature of `message` by this key.
    ///
    /// Always `false` for key types other than Ed25519.
    public func isValidSignature(_ signature: some DataProtocol, for message: some DataProtocol) -> Bool {
        guard type == .ed25519, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: data) else {
            return false
        }
        return key.isValidSignature(signature, for: message)
    }
}

/// The shared `{ Type = 1 (varint); Data = 2 (bytes) }` protobuf layout of libp2p public and private keys.
enum KeyProtobuf {
    static func encode(type: KeyType, data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x08]
        Varint.encode(type.rawValue, into: &out)
        out.append(0x12)
        Varint.encode(UInt64(data.count), into: &out)
        out += data
        return out
    }

    static func decode(_ bytes: [UInt8], what: String) throws(IdentityError) -> (KeyType, [UInt8]) {
        var cursor = ByteCursor(bytes)
        var type: KeyType?
        var data: [UInt8]?
        do {
            while !cursor.isAtEnd {
                let tag = try cursor.readVarint("field tag")
                switch tag {
                case 0x08:
                    let raw = try cursor.readVarint("key type")
                    guard let known = KeyType(rawValue: raw) else {
                        throw IdentityError("\(what): unknown key type \(raw)")
                    }
                    type = known
                case 0x12:
                    data = try cursor.readLengthPrefixed("key data")
                default:
                    throw IdentityError("\(what): unexpected protobuf field tag \(tag)")
                }
            }
        } catch let error as MultiformatsError {
            throw IdentityError("\(what): \(error.description)")
        } catch let error as IdentityError {
            throw error
        } catch {
            throw IdentityError("\(what): \(error)")
        }
        guard let type, let data else { throw IdentityError("\(what): missing Type or Data field") }
        return (type, data)
    }
}

/// An error about keys, peer IDs or identity files; the description says what is wrong and what to do.
public struct IdentityError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A human-readable explanation.
    public let description: String

    /// Creates an error with the given explanation.
    public init(_ description: String) {
        self.description = description
    }
}
