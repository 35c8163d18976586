import Foundation

/// A CIDv1 content identifier: `0x01 ‖ uvarint(codec) ‖ multihash`, printed in multibase base32.
public struct CID: Hashable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    /// The multicodec for raw binary content.
    public static let rawCodec: UInt64 = 0x55
    /// The multicodec for a libp2p public key (used by peer IDs in CID form).
    public static let libp2pKeyCodec: UInt64 = 0x72

    /// The content multicodec.
    public let codec: UInt64
    /// The content's multihash.
    public let multihash: Multihash

    /// Creates a CIDv1 from its parts.
    public init(codec: UInt64, multihash: Multihash) {
        self.codec = codec
        self.multihash = multihash
    }

    /// The CIDv1 (codec raw, sha2-256) of `bytes`: e.g. the content ID of a cached body.
    ///
    /// `CID.raw(sha256Of: Array("hello world".utf8)).description` is
    /// `bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e`.
    public static func raw<Bytes: DataProtocol>(sha256Of bytes: Bytes) -> CID {
        CID(codec: rawCodec, multihash: .sha256(of: bytes))
    }

    /// Decodes a binary CIDv1; CIDv0 (a bare multihash) is not accepted.
    public init(bytes: [UInt8]) throws(MultiformatsError) {
        var cursor = ByteCursor(bytes)
        let version = try cursor.readVarint("CID version")
        guard version == 1 else { throw MultiformatsError("unsupported CID version \(version) (only CIDv1)") }
        let codec = try cursor.readVarint("CID codec")
        let multihash = try Multihash.read(from: &cursor)
        guard cursor.isAtEnd else { throw MultiformatsError("CID has \(cursor.remaining) trailing bytes") }
        self.init(codec: codec, multihash: multihash)
    }

    /// Parses a multibase CIDv1 string (base32 `b…` or base58btc `z…`).
    public init(parsing text: String) throws(MultiformatsError) {
        try self.init(bytes: Multibase.decode(text).bytes)
    }

    /// `LosslessStringConvertible`: `nil` if `description` is not a valid CIDv1.
    public init?(_ description: String) {
        guard let cid = try? CID(parsing: description) else { return nil }
        self = cid
    }

    /// The binary encoding.
    public var bytes: [UInt8] {
        var out = Varint.encode(1)
        Varint.encode(codec, into: &out)
        out += multihash.bytes
        return out
    }

    /// The canonical text form: multibase base32 (`b…`).
    public var description: String { Multibase.base32.encode(bytes) }
}
