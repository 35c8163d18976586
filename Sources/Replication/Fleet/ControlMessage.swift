import Foundation

/// A message on the fleet's control topic (docs/PROTOCOL.md §8): JSON sealed like every non-entry message.
struct ControlMessage: Codable, Sendable, Equatable {
    /// What the message says.
    enum Kind: String, Codable, Sendable {
        /// "I am a member of the fleet and serve fills at these addresses."
        case member
        /// "These keys changed on GitHub at this time: their copies are stale."
        case invalidate
    }

    /// The kind.
    var type: Kind
    /// `member`: the announcing peer ID; must be the gossip message's signed `from`.
    var peer: String?
    /// `member`: multiaddrs to dial it, `/ip4/…/tcp/…/p2p/…`.
    var addrs: [String]?
    /// `invalidate`: the cache keys (hex SHA-256).
    var keys: [String]?
    /// `invalidate`: when the change happened, Unix milliseconds.
    var atMs: Int64?

    enum CodingKeys: String, CodingKey {
        case type, peer, addrs, keys
        case atMs = "at_ms"
    }

    /// The most addresses or keys one message may carry.
    static let maxItems = 256

    /// A member announcement.
    static func member(peer: String, addresses: [String]) -> ControlMessage {
        ControlMessage(type: .member, peer: peer, addrs: Array(addresses.prefix(maxItems)), keys: nil, atMs: nil)
    }

    /// An invalidation of `keys` at `atMilliseconds`.
    static func invalidate(keys: [String], atMilliseconds: Int64) -> ControlMessage {
        ControlMessage(type: .invalidate, peer: nil, addrs: nil, keys: keys, atMs: atMilliseconds)
    }
}
