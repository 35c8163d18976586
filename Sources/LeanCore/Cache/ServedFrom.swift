/// Where an answer came from, as printed by `--verbose`.
public enum ServedFrom: Sendable, Equatable {
    /// A fresh copy fetched on this machine.
    case localHit
    /// A fresh copy received from a peer.
    case peerHit
    /// A copy another process fetched while this one waited (one API call for both).
    case joinedConcurrentFetch
    /// A full answer from GitHub.
    case miss
    /// GitHub confirmed the stored copy with `304 Not Modified`.
    case revalidated
    /// A stale copy, served because GitHub could not or must not be asked.
    case stale
    /// A copy the key's owner in the fleet fetched or revalidated for this lookup (fleet fill: one API
    /// call for the whole fleet).
    case filled

    /// The `--verbose` label.
    public var label: String {
        switch self {
        case .localHit: "HIT local"
        case .peerHit: "HIT peer"
        case .joinedConcurrentFetch: "HIT local (fetched by a concurrent process)"
        case .miss: "MISS"
        case .revalidated: "REVALIDATED"
        case .stale: "STALE"
        case .filled: "HIT peer (filled by the key's owner)"
        }
    }
}

extension ServedFrom {
    /// The value of the local endpoint's `X-GHCache` response header for this outcome.
    public var endpointLabel: String {
        switch self {
        case .localHit: "hit-local"
        case .peerHit: "hit-peer"
        case .joinedConcurrentFetch: "coalesced"
        case .miss: "miss"
        case .revalidated: "revalidated"
        case .stale: "stale"
        case .filled: "fill"
        }
    }

    /// The outcome named by an `X-GHCache` value (an unknown value from a newer daemon counts as a miss:
    /// the answer was fetched somewhere); `nil` for `pass` (not a cache lookup) or garbage.
    public init?(endpointLabel: String) {
        switch endpointLabel.lowercased() {
        case "hit-local": self = .localHit
        case "hit-peer": self = .peerHit
        case "coalesced": self = .joinedConcurrentFetch
        case "miss": self = .miss
        case "revalidated": self = .revalidated
        case "stale": self = .stale
        case "fill": self = .filled
        case "pass", "": return nil
        default:
            guard endpointLabel.allSatisfy({ $0.isLetter || $0 == "-" }) else { return nil }
            self = .miss
        }
    }
}
