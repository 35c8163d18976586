import Foundation
import LibP2P

/// The content ID of a cached body: CIDv1, codec raw (0x55), sha2-256, base32 lower (`bafkrei…`), over the exact
/// body bytes. The one place Replication computes CIDs.
enum ContentID {
    /// The CID text of `body`; `hello world` gives `bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e`.
    static func of(_ body: some DataProtocol) -> String {
        CID.raw(sha256Of: body).description
    }
}
