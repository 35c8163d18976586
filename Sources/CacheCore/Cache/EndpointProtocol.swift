/// The headers the local endpoint (`ghcache-peer`'s `api.sock`) adds to GitHub's, shared by the endpoint and
/// by `ghcache-get` when it asks the daemon (``DaemonSocketForwarder``).
public enum EndpointHeader {
    /// Response: the lookup's outcome (``ServedFrom/endpointLabel``), or `pass` for an answer relayed
    /// without the cache (writes, GraphQL, requests without a token).
    public static let outcome = "X-GHCache"
    /// Response: why a stale copy was served (``HeaderText``-encoded).
    public static let warning = "X-GHCache-Warning"
    /// Response: the message of a failed lookup, as `ghcache-get` prints it (``HeaderText``-encoded).
    public static let error = "X-GHCache-Error"
    /// Response: the kind of a failed lookup (``ExitStatus/endpointName``), so `ghcache-get` exits as it would.
    public static let errorKind = "X-GHCache-Error-Kind"
    /// Request: freshness for this request in seconds, like `ghcache-get --ttl`.
    public static let ttl = "X-GHCache-TTL"
}

extension ExitStatus {
    /// The name of this status in ``EndpointHeader/errorKind``.
    public var endpointName: String {
        switch self {
        case .ok: "ok"
        case .githubError: "github"
        case .usage: "usage"
        case .unavailable: "unavailable"
        case .network: "network"
        case .store: "store"
        }
    }

    /// The status named `name` in ``EndpointHeader/errorKind``.
    public init?(endpointName name: String) {
        guard let status = Self.allCases.first(where: { $0.endpointName == name.lowercased() }) else { return nil }
        self = status
    }
}
