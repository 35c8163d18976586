import Crypto
import Foundation

/// Content identifiers for cached bodies: CIDv1, codec `raw` (0x55), multihash sha2-256,
/// multibase base32 lower-case (prefix `b`). `hello world` gives
/// `bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e`.
///
/// This is the small subset of CIDs that ghcache needs; the libp2p module has the full type.
public enum ContentID {
    /// The CID of `body`, as a string.
    public static func of(_ body: some DataProtocol) -> String {
        let digest = SHA256.hash(data: body)
        var bytes: [UInt8] = [0x01, 0x55, 0x12, 0x20]
        bytes.append(contentsOf: digest)
        return "b" + Base32.encodeLowercase(bytes)
    }

    /// Whether `cid` is the CID of `body`.
    public static func matches(_ cid: String, body: some DataProtocol) -> Bool {
        of(body) == cid
    }
}

/// RFC 4648 base32, lower-case alphabet, no padding (the multibase `b` encoding).
enum Base32 {
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    static func encodeLowercase(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                output.append(alphabet[Int((buffer >> UInt32(bits)) & 0x1F)])
            }
        }
        if bits > 0 {
            output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 0x1F)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}
