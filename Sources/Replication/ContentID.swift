import Crypto
import Foundation

/// The content ID of a cached body: CIDv1, codec raw (0x55), sha2-256, base32 lower (`bafkrei…`), over the exact
/// body bytes. The one place Replication computes CIDs.
///
/// Interim: computed here until LibP2P's Multiformats `CID` lands (branch `gossip`); then this becomes
/// `CID.raw(sha256Of: body).description`.
enum ContentID {
    /// The CID text of `body`; `hello world` gives `bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e`.
    static func of(_ body: some DataProtocol) -> String {
        // CIDv1 ‖ raw ‖ sha2-256 ‖ 32-byte digest, then multibase "b" + RFC 4648 base32 lower, unpadded.
        let bytes: [UInt8] = [0x01, 0x55, 0x12, 0x20] + SHA256.hash(data: body)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        var text = "b"
        var buffer = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                text.append(alphabet[(buffer >> bits) & 31])
            }
        }
        if bits > 0 { text.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return text
    }
}
