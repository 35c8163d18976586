import Foundation

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

/// The local endpoint's contract beyond GitHub's API, in one place for both ends: how a lookup's options travel in
/// a request (`ghcache-get` → ``DaemonSocketForwarder`` → the endpoint, or any client that sets them), and how a
/// failed lookup travels back so that `ghcache-get` fails exactly as it would have by itself.
public enum EndpointContract {
    /// The longest TTL a request may ask for, in seconds (as `--ttl` allows).
    public static let maxTTL = TimeBounds.maxSeconds

    /// The request headers that carry `options`: `Cache-Control` (`no-cache` = `--no-cache`, `only-if-cached` =
    /// `--offline`, `max-stale=N` = `--max-stale`) and `X-GHCache-TTL: N` (`--ttl`) when `ttl` is given.
    public static func requestHeaders(_ options: LookupOptions, ttl: Int?) -> [(String, String)] {
        var directives: [String] = []
        if options.noCache { directives.append("no-cache") }
        if options.offline { directives.append("only-if-cached") }
        directives.append("max-stale=\(options.maxStale)")
        var headers = [("Cache-Control", directives.joined(separator: ", "))]
        if let ttl { headers.append((EndpointHeader.ttl, String(ttl))) }
        return headers
    }

    /// The options a request's `Cache-Control` and `X-GHCache-TTL` values ask for; `maxStale` when it names none
    /// (a bare `max-stale` is any staleness). A bad value is a `usage` error that names it.
    public static func lookupOptions(cacheControl: String?, ttl: String?, maxStale: Int)
        -> Result<LookupOptions, GHCacheError>
    {
        var options = LookupOptions(maxStale: maxStale)
        for directive in (cacheControl ?? "").split(separator: ",") {
            let parts = directive.split(separator: "=", maxSplits: 1).map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            }
            switch parts.first ?? "" {
            case "no-cache": options.noCache = true
            case "only-if-cached": options.offline = true
            case "max-stale":
                guard parts.count == 2 else {
                    options.maxStale = TimeBounds.maxSeconds
                    continue
                }
                guard
                    let seconds = ValueParsers.count(parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
                else {
                    return .failure(
                        GHCacheError(
                            "Cache-Control: max-stale=\(parts[1]) is not a number of seconds", exitStatus: .usage))
                }
                // Beyond the longest duration ghcache keeps anything: "any age", as a bare max-stale.
                options.maxStale = min(seconds, TimeBounds.maxSeconds)
            default: continue
            }
        }
        if options.noCache && options.offline {
            return .failure(
                GHCacheError(
                    "Cache-Control: no-cache and only-if-cached contradict each other: pick one", exitStatus: .usage))
        }
        if let ttl {
            guard let seconds = ValueParsers.count(ttl), seconds <= maxTTL else {
                return .failure(
                    GHCacheError(
                        "\(EndpointHeader.ttl): \(ttl) is not a number of seconds (0 to \(maxTTL))",
                        exitStatus: .usage))
            }
            options.ttlOverride = seconds
        }
        return .success(options)
    }

    /// The response headers that say why a lookup failed: the message and its kind (the exit status).
    public static func errorHeaders(_ error: GHCacheError) -> [(String, String)] {
        [
            (EndpointHeader.error, HeaderText.encode(error.message)),
            (EndpointHeader.errorKind, error.exitStatus.endpointName),
        ]
    }

    /// The failure an answer's headers report, if any (`header` looks a header up by its name).
    public static func error(fromHeaders header: (String) -> String?) -> GHCacheError? {
        guard let message = header(EndpointHeader.error) else { return nil }
        let kind = header(EndpointHeader.errorKind).flatMap(ExitStatus.init(endpointName:))
        return GHCacheError(HeaderText.decode(message), exitStatus: kind ?? .githubError)
    }
}
