import CacheCore
import Foundation

/// Constants of the fill protocol (docs/PROTOCOL.md §7): a runner that misses asks the key's owner to fetch it.
public enum FillProtocol {
    /// The multistream-select protocol ID.
    public static let id = "/ghcache/fill/1.0.0"
    /// The most fill streams one remote peer may have open at once on the owner.
    static let maxConcurrentPerPeer = 64
    /// How long an owner waits for the request frame.
    static let requestTimeout: Duration = .seconds(5)
    /// How many owners are asked before the runner fetches the key itself.
    static let maxOwnersTried = 2
    /// How long a peer whose fill failed is left out of owner lists.
    static let suspectFor: Duration = .seconds(30)
}

/// What a runner asks the owner of a key (the first frame of a fill stream).
struct FillRequest: Codable, Sendable, Equatable {
    /// The cache key; must be the hash of the other fields.
    var key: String
    /// Normalised path and sorted query.
    var url: String
    /// `Accept`.
    var accept: String
    /// `X-GitHub-Api-Version`.
    var apiVersion: String
    /// The TTL the runner applies, in seconds (the owner uses it, so both agree on freshness).
    var ttl: Int
    /// `--no-cache`: the owner must ask GitHub even if its copy is fresh.
    var noCache: Bool
    /// Refresh-ahead: revalidate the owner's copy unless it was refreshed since it entered the refresh window
    /// (absent: `false`).
    var revalidate: Bool?

    enum CodingKeys: String, CodingKey {
        case key, url, accept, ttl, revalidate
        case apiVersion = "api_version"
        case noCache = "no_cache"
    }

    /// The longest TTL a request may carry (30 days).
    static let maxTTL = 30 * 24 * 3600

    init(_ lookup: ForwardedLookup) {
        key = lookup.target.key
        url = lookup.target.pathAndQuery
        accept = lookup.target.accept
        apiVersion = lookup.target.apiVersion
        ttl = lookup.ttl
        noCache = lookup.options.noCache
        revalidate = lookup.options.revalidate
    }

    /// The request target, or `nil` when the fields do not hash to ``key`` or are out of bounds.
    func target(apiBase: URL) -> RequestTarget? {
        guard key.utf8.count == 64, url.utf8.count <= Envelope.maxFieldBytes, accept.utf8.count <= 1024,
            apiVersion.utf8.count <= 64, (0...Self.maxTTL).contains(ttl),
            let target = try? RequestTarget(url, accept: accept, apiVersion: apiVersion, apiBase: apiBase),
            target.key == key
        else { return nil }
        return target
    }
}

/// The owner's answer (the first response frame); with `ok`, the entry follows as a second frame, sealed exactly as
/// a gossip message.
struct FillAnswer: Codable, Sendable, Equatable {
    /// Whether the entry follows.
    enum Outcome: String, Codable, Sendable {
        /// The entry follows.
        case ok
        /// The runner tries the next owner, then fetches itself.
        case error
    }

    /// The outcome (any other value on the wire is `malformed`).
    var outcome: Outcome
    /// How the owner answered (`hit`, `miss`, `revalidated`, `coalesced`), or why it failed.
    var detail: String

    static func ok(_ detail: String) -> FillAnswer { FillAnswer(outcome: .ok, detail: detail) }
    static func error(_ detail: String) -> FillAnswer {
        FillAnswer(outcome: .error, detail: String(detail.prefix(512)))
    }
}
