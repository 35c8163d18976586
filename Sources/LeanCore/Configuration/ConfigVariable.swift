/// Every setting ghcache reads, by its environment / config-file name (DESIGN §2).
public enum ConfigVariable: String, Sendable, CaseIterable, Hashable {
    case cacheDir = "CACHE_DIR"
    case defaultTTL = "CACHE_DEFAULT_TTL"
    case ttlRules = "CACHE_TTL_RULES"
    case graphQLTTL = "CACHE_GRAPHQL_TTL"
    case graphQLTTLRules = "CACHE_GRAPHQL_TTL_RULES"
    case maxEntries = "CACHE_MAX_ENTRIES"
    case maxBytes = "CACHE_MAX_BYTES"
    case maxStale = "CACHE_MAX_STALE"
    case timeout = "CACHE_TIMEOUT"
    case connectTimeout = "CACHE_CONNECT_TIMEOUT"
    case enableP2P = "CACHE_ENABLE_P2P"
    case httpListen = "CACHE_HTTP_LISTEN"
    case socketGroupAccess = "CACHE_SOCKET_GROUP_ACCESS"
    case listenPort = "CACHE_LISTEN_PORT"
    case listenAddress = "CACHE_LISTEN_ADDRESS"
    case bootstrapPeers = "CACHE_BOOTSTRAP_PEERS"
    case p2pSharedSecret = "CACHE_P2P_SHARED_SECRET"
    case p2pSharedSecretFile = "CACHE_P2P_SHARED_SECRET_FILE"
    case p2pSharedSecretPrevious = "CACHE_P2P_SHARED_SECRET_PREVIOUS"
    case p2pSharedSecretPreviousFile = "CACHE_P2P_SHARED_SECRET_PREVIOUS_FILE"
    case githubToken = "GITHUB_TOKEN"
    case ghToken = "GH_TOKEN"
    case tokenFile = "CACHE_TOKEN_FILE"
    case githubAppID = "CACHE_GITHUB_APP_ID"
    case githubAppPrivateKeyFile = "CACHE_GITHUB_APP_PRIVATE_KEY_FILE"
    case githubAppInstallationID = "CACHE_GITHUB_APP_INSTALLATION_ID"
    case githubAppOwner = "CACHE_GITHUB_APP_OWNER"
    case apiURL = "GITHUB_API_URL"
    case fleetFill = "CACHE_FLEET_FILL"
    case fillTimeout = "CACHE_FILL_TIMEOUT"
    case refreshAhead = "CACHE_REFRESH_AHEAD"
    case prewarm = "CACHE_PREWARM"
    case webhookSecret = "CACHE_WEBHOOK_SECRET"
    case mdns = "CACHE_MDNS"
    case maxPeers = "CACHE_MAX_PEERS"
    case dnsRefresh = "CACHE_DNS_REFRESH"
    case dht = "CACHE_DHT"
    case dhtServer = "CACHE_DHT_SERVER"
    case dhtRefresh = "CACHE_DHT_REFRESH"
    case sharing = "CACHE_SHARING"
    case accessTTL = "CACHE_ACCESS_TTL"

    /// The default, as shown in documentation (`nil` when there is none).
    public var documentedDefault: String {
        switch self {
        case .cacheDir: "$XDG_CACHE_HOME/ghcache or ~/.cache/ghcache"
        case .defaultTTL: "300"
        case .ttlRules: "(none; built-in rules apply)"
        case .graphQLTTL: "60"
        case .graphQLTTLRules: "(none)"
        case .maxEntries: "10000"
        case .maxBytes: "268435456 (256 MiB)"
        case .maxStale: "86400 (24 h)"
        case .timeout: "10"
        case .connectTimeout: "5"
        case .enableP2P: "true"
        case .httpListen: "(none: the unix socket $CACHE_DIR/api.sock only)"
        case .socketGroupAccess: "false (api.sock is 0600)"
        case .listenPort: "9000"
        case .listenAddress: "0.0.0.0 (all IPv4 interfaces)"
        case .bootstrapPeers: "(empty)"
        case .p2pSharedSecret: "GH_TOKEN, GITHUB_TOKEN, then `gh auth token` (long-lived tokens only, never `ghs_`)"
        case .p2pSharedSecretFile: "(none; a file holding CACHE_P2P_SHARED_SECRET, exclusive with it)"
        case .p2pSharedSecretPrevious, .p2pSharedSecretPreviousFile: "(none; the secret being rotated out)"
        case .githubToken, .ghToken: "(none)"
        case .tokenFile: "(none: the daemon uses GITHUB_TOKEN, GH_TOKEN or `gh auth token`)"
        case .githubAppID: "(none: the daemon does not authenticate as a GitHub App)"
        case .githubAppPrivateKeyFile, .githubAppOwner: "(none)"
        case .githubAppInstallationID: "(none: found from CACHE_GITHUB_APP_OWNER)"
        case .apiURL: "https://api.github.com"
        case .fleetFill: "true"
        case .fillTimeout: "5"
        case .refreshAhead: "0 (off; N: at most N revalidations of polled keys per minute)"
        case .prewarm: "(none)"
        case .webhookSecret: "(none: POST /webhook is off)"
        case .mdns: "true"
        case .maxPeers: "32"
        case .dnsRefresh: "30"
        case .dht: "true"
        case .dhtServer: "false"
        case .dhtRefresh: "60"
        case .sharing: "verified (see docs/TRUST.md)"
        case .accessTTL: "300"
        }
    }

    /// Whether values of this variable are secrets that must never be printed.
    public var isSecret: Bool {
        switch self {
        case .githubToken, .ghToken, .p2pSharedSecret, .p2pSharedSecretPrevious, .webhookSecret: true
        default: false
        }
    }
}

extension ConfigVariable {
    /// Whether `text` is certainly a value this variable accepts, checked with the parsers `Configuration` uses.
    /// `ghcache-get`'s lean hit path answers only when every set variable passes, so that a bad value is always
    /// reported (by the full program) as it would be without the lean path. Conservative for `GITHUB_API_URL`:
    /// only plain URLs pass (see ``ValueParsers/plainHTTPURL(_:)``).
    public func isCertainlyValid(_ text: String) -> Bool {
        switch self {
        case .defaultTTL, .maxStale, .graphQLTTL, .accessTTL: ValueParsers.seconds(text) != nil
        case .graphQLTTLRules: (try? GraphQLTTLPolicy.parseRules(text).get()) != nil
        case .sharing: SharingMode(rawValue: text.trimmingWhitespace()) != nil
        case .ttlRules: (try? TTLRule.parseList(text).get()) != nil
        case .maxEntries, .refreshAhead, .maxPeers: ValueParsers.count(text) != nil
        case .maxBytes: ValueParsers.bytes(text) != nil
        case .timeout, .connectTimeout, .fillTimeout, .dnsRefresh, .dhtRefresh:
            ValueParsers.positiveInterval(text) != nil
        case .enableP2P, .fleetFill, .mdns, .dht, .dhtServer, .socketGroupAccess: ValueParsers.bool(text) != nil
        case .httpListen: HTTPListenAddress(parsing: text) != nil
        case .listenPort: ValueParsers.port(text) != nil
        case .listenAddress: ValueParsers.ipAddress(text) != nil
        case .apiURL: ValueParsers.plainHTTPURL(text) != nil
        case .prewarm: (try? PathPattern.parseList(text).get()) != nil
        case .p2pSharedSecret, .p2pSharedSecretPrevious, .githubToken, .ghToken, .webhookSecret:
            ValueParsers.secret(text) != nil
        case .githubAppID: ValueParsers.appIdentifier(text) != nil
        case .githubAppInstallationID: ValueParsers.positiveCount(text) != nil
        case .githubAppOwner: ValueParsers.githubLogin(text) != nil
        case .tokenFile, .githubAppPrivateKeyFile: ValueParsers.path(text) != nil
        case .cacheDir, .bootstrapPeers, .p2pSharedSecretFile, .p2pSharedSecretPreviousFile: true
        }
    }
}
