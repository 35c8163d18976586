import CacheCore
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
    /// `invalidate`: paths whose entries are stale, each receiver looking up its own keys.
    var paths: [Path]?
    /// `invalidate`: when the change happened, Unix milliseconds.
    var atMs: Int64?
    /// `invalidate`: whether each key's owner revalidates it after a short delay (a webhook: the data changed on
    /// GitHub) rather than leaving it to the next lookup (a write through an endpoint).
    var refresh: Bool?

    /// A stale path on the wire.
    struct Path: Codable, Sendable, Equatable {
        /// A normalised API path (`/repos/o/r/actions/runs`).
        var path: String
        /// Whether every path below it is stale too.
        var subpaths: Bool
    }

    enum CodingKeys: String, CodingKey {
        case type, peer, addrs, keys, paths, refresh
        case atMs = "at_ms"
    }

    /// The most addresses or keys one message may carry.
    static let maxItems = 256

    /// A member announcement.
    static func member(peer: String, addresses: [String]) -> ControlMessage {
        ControlMessage(
            type: .member, peer: peer, addrs: Array(addresses.prefix(maxItems)), keys: nil, paths: nil, atMs: nil,
            refresh: nil)
    }

    /// An invalidation of `keys` and `paths` at `atMilliseconds`.
    static func invalidate(_ invalidation: Invalidation) -> ControlMessage {
        ControlMessage(
            type: .invalidate, peer: nil, addrs: nil, keys: invalidation.keys,
            paths: invalidation.paths.map { Path(path: $0.path, subpaths: $0.subpaths) },
            atMs: ReplicatedEntry.milliseconds(invalidation.at), refresh: invalidation.refresh)
    }

    /// The content of a valid `invalidate` (bounded counts, hex keys, absolute paths), else `nil`.
    var invalidation: Invalidation? {
        let keys = self.keys ?? []
        let paths = self.paths ?? []
        guard type == .invalidate, let atMs, keys.count + paths.count <= Self.maxItems,
            keys.allSatisfy({ $0.utf8.count == 64 && $0.allSatisfy(\.isHexDigit) }),
            paths.allSatisfy({ $0.path.hasPrefix("/") && $0.path.utf8.count <= 1024 })
        else { return nil }
        return Invalidation(
            keys: keys, paths: paths.map { StalePath($0.path, subpaths: $0.subpaths) }, at: Double(atMs) / 1000,
            refresh: refresh ?? false)
    }
}
