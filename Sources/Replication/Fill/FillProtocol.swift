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
    /// How often an owner without a credential looks for the row of the runner holding a key's lease.
    static let leasePollInterval: Duration = .milliseconds(20)
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
    /// The runner can fetch the key itself with its caller's token and takes the fleet's lease on it when the owner
    /// has no credential of its own (``FillAnswer/Outcome/lease``; absent: `false`, an older runner).
    var lease: Bool?
    /// A proof's turn, not a fill: the runner's copy was fetched at this time (Unix milliseconds, rounded up) and
    /// one of its callers' tokens must prove its access to it. The owner answers a row fetched later, or `lease`
    /// (prove now), or keeps the runner waiting while another proves (absent: a fill).
    var proofAfterMs: Int64?

    enum CodingKeys: String, CodingKey {
        case key, url, accept, ttl, revalidate, lease
        case apiVersion = "api_version"
        case noCache = "no_cache"
        case proofAfterMs = "proof_after_ms"
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
        lease = lookup.token != nil ? true : nil
        proofAfterMs = lookup.proofBaseline.map { Int64(($0 * 1000).rounded(.up)) }
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
        /// The owner has no credential of its own: the runner fetches the key itself, with its caller's token, and
        /// holds the fleet's lease on it until ``FillAnswer/leaseUntilMs``; the owner answers the runners that ask
        /// meanwhile with the row once it arrives (gossip). Sent only to a request with `lease: true`.
        case lease
    }

    /// The outcome (any other value on the wire is `malformed`).
    var outcome: Outcome
    /// How the owner answered (`hit`, `miss`, `revalidated`, `coalesced`, `relayed`), or why it failed.
    var detail: String
    /// With `lease`: when the lease ends (Unix milliseconds, the owner's clock); another runner gets it then.
    var leaseUntilMs: Int64?

    enum CodingKeys: String, CodingKey {
        case outcome, detail
        case leaseUntilMs = "lease_until_ms"
    }

    static func ok(_ detail: String) -> FillAnswer { FillAnswer(outcome: .ok, detail: detail) }
    static func error(_ detail: String) -> FillAnswer {
        FillAnswer(outcome: .error, detail: String(detail.prefix(512)))
    }
    static func lease(until: Double) -> FillAnswer {
        FillAnswer(outcome: .lease, detail: "fetch it yourself", leaseUntilMs: Int64(until * 1000))
    }
}
