import Crypto
import Foundation

/// A self-describing hash: `uvarint(code) ‖ uvarint(length) ‖ digest` (multiformats/multihash).
///
/// Only the two functions libp2p needs are produced here: `identity` (0x00, used to inline small
/// public keys in peer IDs) and `sha2-256` (0x12). Decoding accepts any code.
public struct Multihash: Hashable, Sendable {
    /// The multicodec of the identity "hash" (the digest is the input itself).
    public static let identityCode: UInt64 = 0x00
    /// The multicodec of sha2-256.
    public static let sha256Code: UInt64 = 0x12

    /// The hash function's multicodec.
    public let code: UInt64
    /// The digest bytes.
    public let digest: [UInt8]

    /// Creates a multihash from its parts.
    public init(code: UInt64, digest: [UInt8]) {
        self.code = code
        self.digest = digest
    }

    /// The identity multihash of `bytes`.
    public static func identity(_ bytes: [UInt8]) -> Multihash {
        Multihash(code: identityCode, digest: bytes)
    }

    /// The sha2-256 multihash of `bytes`.
    public static func sha256<Bytes: DataProtocol>(of bytes: Bytes) -> Multihash {
        Multihash(code: sha256Code, digest: Array(SHA256.hash(data: bytes)))
    }

    /// Decodes a binary multihash; the whole input must be consumed.
    public init(bytes: [UInt8]) throws(MultiformatsError) {
        var cursor = ByteCursor(bytes)
        self = try Multihash.read(from: &cursor)
        guard cursor.isAtEnd else {
            throw MultiformatsError("multihash has \(cursor.remaining) trailing bytes")
        }
    }

    /// Reads one multihash at the cursor.
    static func read(from cursor: inout ByteCursor) throws(MultiformatsError) -> Multihash {
        let code = try cursor.readVarint("multihash code")
        let digest = try cursor.readLengthPrefixed("multihash digest")
        if code == sha256Code && digest.count != 32 {
            throw MultiformatsError("sha2-256 multihash digest must be 32 bytes, got \(digest.count)")
        }
        return Multihash(code: code, digest: digest)
    }

    /// The binary encoding.
    public var bytes: [UInt8] {
        var out = Varint.encode(code)
        Varint.encode(UInt64(digest.count), into: &out)
        out += digest
        return out
    }
}
