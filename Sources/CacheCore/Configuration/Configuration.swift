import Foundation

/// The resolved settings of one ghcache process (DESIGN §2).
///
/// Precedence: command-line flag > environment > config file > default. The config file is
/// `--config FILE` when given (then it must exist), else `$CACHE_DIR/config.env` if present.
/// `CACHE_DIR` itself comes from a flag, the environment, or the `--config` file (the file in
/// the cache directory cannot move the cache directory).
public struct Configuration: Sendable {
    /// Directory of the store, the fingerprint key, the peer identity and sockets.
    public var cacheDir: String
    /// TTL rules and default TTL.
    public var ttlPolicy: TTLPolicy
    /// How long GraphQL answers stay fresh (`CACHE_GRAPHQL_TTL`, `CACHE_GRAPHQL_TTL_RULES`).
    public var graphQLTTL: GraphQLTTLPolicy
    /// `ghcache-gc` keeps at most this many entries (least recently used go first).
    public var maxEntries: Int
    /// `ghcache-gc` keeps at most this many body bytes (least recently used go first).
    public var maxBytes: Int
    /// How long past its expiry a stale copy may still be served after an error, in seconds.
    public var maxStale: Int
    /// Read timeout for one GitHub request, in seconds (a hung response is cut after it).
    public var timeout: Double
    /// TCP connect timeout, in seconds.
    public var connectTimeout: Double
    /// Whether `ghcache-peer` runs libp2p replication (`false`: it serves only the local endpoint).
    public var enableP2P: Bool
    /// `CACHE_HTTP_LISTEN`: the TCP address of the local endpoint, if it should listen on TCP at all.
    public var httpListen: HTTPListenAddress?
    /// Whether `api.sock` is made 0660 instead of 0600 (`CACHE_SOCKET_GROUP_ACCESS`): the members of the daemon's
    /// group may then use the local endpoint (a packaged daemon's system group), without access to the store.
    public var socketGroupAccess: Bool
    /// The libp2p TCP port of `ghcache-peer`.
    public var listenPort: Int
    /// The IP address `ghcache-peer` listens on (`CACHE_LISTEN_ADDRESS`, default `0.0.0.0`).
    public var listenAddress: String
    /// Multiaddrs `ghcache-peer` dials at start, as typed: the daemon checks each one and skips
    /// (with a warning) those it cannot use, so one bad entry never stops the others.
    public var bootstrapPeers: [String]
    /// `CACHE_P2P_SHARED_SECRET` as set (see ``fleetSecretCandidates``).
    public var p2pSharedSecret: String?
    /// `CACHE_P2P_SHARED_SECRET_FILE` as set: the path of a file holding the fleet secret (read by `ghcache-peer`).
    public var p2pSharedSecretFile: String?
    /// `CACHE_P2P_SHARED_SECRET_PREVIOUS` as set: the secret being rotated out (still accepted, never used to seal).
    public var p2pSharedSecretPrevious: String?
    /// `CACHE_P2P_SHARED_SECRET_PREVIOUS_FILE` as set: the path of a file holding the previous secret.
    public var p2pSharedSecretPreviousFile: String?
    /// `GITHUB_TOKEN` as set.
    public var githubToken: String?
    /// `GH_TOKEN` as set.
    public var ghToken: String?
    /// `CACHE_TOKEN_FILE`: a file holding the daemon's own token, read again whenever it changes.
    public var tokenFile: String?
    /// `CACHE_GITHUB_APP_ID`, `CACHE_GITHUB_APP_PRIVATE_KEY_FILE`, `CACHE_GITHUB_APP_INSTALLATION_ID` and
    /// `CACHE_GITHUB_APP_OWNER` as set; ``daemonApp()`` checks that they make one App credential.
    public var githubAppVariables: (id: String?, keyFile: String?, installationID: Int?, owner: String?)
    /// Base URL of the GitHub REST API.
    public var apiURL: URL
    /// Whether a daemon's misses go to the key's owner in the fleet (`CACHE_FLEET_FILL`; `false`: every runner
    /// fetches its misses itself, with its own token, and refresh-ahead is off).
    public var fleetFill: Bool
    /// How long, in seconds, a daemon waits for the fleet owners of a key to fill a miss before it fetches
    /// the key itself (`CACHE_FILL_TIMEOUT`).
    public var fillTimeout: Double
    /// The most refresh-ahead revalidations of polled keys a daemon sends per minute (`CACHE_REFRESH_AHEAD`; 0, the
    /// default: none — refreshing before expiry spends calls to save latency).
    public var refreshAheadPerMinute: Int
    /// The secret of the GitHub webhook whose deliveries `POST /webhook` accepts (`CACHE_WEBHOOK_SECRET`).
    public var webhookSecret: String?
    /// Paths kept warm by refresh-ahead whether or not they are read (`CACHE_PREWARM`); paths without
    /// wildcards are also fetched when the daemon starts.
    public var prewarm: [PathPattern]
    /// Whether `ghcache-peer` finds and announces peers on the local network with mDNS (`CACHE_MDNS`).
    public var mdns: Bool
    /// How many peers `ghcache-peer` connects to on its own from discovery (DNS names, mDNS, fleet member
    /// announcements) before it stops dialling more (`CACHE_MAX_PEERS`); inbound connections do not count against it.
    public var maxPeers: Int
    /// How often, in seconds, DNS names in the bootstrap list are resolved again (`CACHE_DNS_REFRESH`).
    public var dnsRefresh: Double
    /// Who may read a cached body: `CACHE_SHARING` and `CACHE_ACCESS_TTL` (docs/TRUST.md).
    public var access: AccessRule
    /// Whether `ghcache-peer` finds its fleet through the Kademlia DHT of its bootstrap peers (`CACHE_DHT`).
    public var dht: Bool
    /// Whether `ghcache-peer` also serves the DHT to others: answers lookups, keeps provider records
    /// (`CACHE_DHT_SERVER`; off by default, so a runner spends nothing on strangers' records).
    public var dhtServer: Bool
    /// How often, in seconds, `ghcache-peer` announces itself under the fleet's DHT key and looks up the others
    /// (`CACHE_DHT_REFRESH`).
    public var dhtRefresh: Double
    /// The config file that was read, if any.
    public var configFile: String?
    /// Non-fatal remarks (unknown keys in the config file), to print on stderr.
    public var warnings: [String]
    /// The environment the configuration was read from (for `gh` and `XDG_*` look-ups).
    public var environment: [String: String]

    /// Path of the SQLite store.
    public var storePath: String { CacheStore.storePath(in: cacheDir) }

    /// Path of the datagram socket a running `ghcache-peer` listens on for local writes.
    public var peerSocketPath: String { joinPath(cacheDir, "peer.sock") }

    /// Path of the unix stream socket on which `ghcache-peer` serves GitHub's REST API (the local endpoint).
    public var apiSocketPath: String { joinPath(cacheDir, "api.sock") }

    /// The explicitly configured API token (`GITHUB_TOKEN`, then `GH_TOKEN`), without asking `gh`.
    public var explicitToken: String? { githubToken ?? ghToken }

    /// The fleet secret in order of preference, before asking `gh`: `CACHE_P2P_SHARED_SECRET`,
    /// `GH_TOKEN`, `GITHUB_TOKEN` (DESIGN §2).
    public var fleetSecretCandidates: [String] { [p2pSharedSecret, ghToken, githubToken].compactMap { $0 } }

    /// Loads the configuration.
    ///
    /// - Parameters:
    ///   - flags: values given on the command line, by variable (they win over everything).
    ///   - environment: the process environment.
    ///   - configFilePath: `--config FILE`, if given.
    public static func load(
        flags: [ConfigVariable: FlagValue] = [:],
        environment: [String: String] = ProcessInfo.processInfo.environment,
        configFilePath: String? = nil
    ) throws(GHCacheError) -> Configuration {
        do {
            let sources = try SettingSources.load(
                flags: flags, environment: environment, configFilePath: configFilePath,
                homeDirectory: passwordDatabaseHome)
            return try Configuration(sources: sources, environment: environment)
        } catch {
            throw GHCacheError(error.message, exitStatus: .usage)
        }
    }

    /// The user's home directory from the password database (for when `HOME` is unset).
    private static func passwordDatabaseHome() -> String? {
        guard let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir else { return nil }
        return String(cString: directory)
    }

    private init(sources resolver: SettingSources, environment: [String: String]) throws(UsageProblem) {
        let cacheDir = resolver.cacheDir
        self.cacheDir = cacheDir
        ttlPolicy = try resolver.ttlPolicy()
        graphQLTTL = GraphQLTTLPolicy(
            defaultTTL: try resolver.value(.graphQLTTL, "a number of seconds", ValueParsers.seconds)
                ?? GraphQLTTLPolicy.defaultSeconds)
        if let (text, source) = resolver.raw(.graphQLTTLRules) {
            switch GraphQLTTLPolicy.parseRules(text) {
            case .success(let rules): graphQLTTL.rules = rules
            case .failure(let error):
                throw UsageProblem(
                    "CACHE_GRAPHQL_TTL_RULES=\(text) (from \(source)): \"\(error.rule)\" is not a rule "
                        + "OPERATION=SECONDS such as PullRequestList=30 or Repository*=300")
            }
        }
        maxEntries = try resolver.value(.maxEntries, "a number of entries", ValueParsers.count) ?? 10000
        maxBytes =
            try resolver.value(.maxBytes, "a size in bytes (e.g. 268435456, 256M, 1G)", ValueParsers.bytes)
            ?? 256 << 20
        maxStale = try resolver.value(.maxStale, "a number of seconds", ValueParsers.seconds) ?? 86400
        timeout = try resolver.value(.timeout, "a positive number of seconds", ValueParsers.positiveInterval) ?? 10
        connectTimeout =
            try resolver.value(.connectTimeout, "a positive number of seconds", ValueParsers.positiveInterval) ?? 5
        enableP2P = try resolver.value(.enableP2P, "true or false", ValueParsers.bool) ?? true
        httpListen = try resolver.value(
            .httpListen, "HOST:PORT with an IP address or localhost, such as 127.0.0.1:8787 or [::1]:8787",
            HTTPListenAddress.init(parsing:))
        socketGroupAccess = try resolver.value(.socketGroupAccess, "true or false", ValueParsers.bool) ?? false
        listenPort = try resolver.value(.listenPort, "a TCP port (0-65535)", ValueParsers.port) ?? 9000
        listenAddress =
            try resolver.value(.listenAddress, "an IPv4 or IPv6 address such as 0.0.0.0", ValueParsers.ipAddress)
            ?? "0.0.0.0"
        bootstrapPeers = resolver.raw(.bootstrapPeers).map { ValueParsers.listItems($0.value) } ?? []
        p2pSharedSecret = try resolver.value(.p2pSharedSecret, Self.secretExpectation, ValueParsers.secret)
        p2pSharedSecretFile = resolver.raw(.p2pSharedSecretFile)?.value
        p2pSharedSecretPrevious = try resolver.value(
            .p2pSharedSecretPrevious, Self.secretExpectation, ValueParsers.secret)
        p2pSharedSecretPreviousFile = resolver.raw(.p2pSharedSecretPreviousFile)?.value
        githubToken = try resolver.value(.githubToken, Self.secretExpectation, ValueParsers.secret)
        ghToken = try resolver.value(.ghToken, Self.secretExpectation, ValueParsers.secret)
        tokenFile = try resolver.value(.tokenFile, Self.pathExpectation, ValueParsers.path)
        githubAppVariables = (
            try resolver.value(
                .githubAppID, "an App ID (digits) or client ID (Iv…) from the App's settings page",
                ValueParsers.appIdentifier),
            try resolver.value(.githubAppPrivateKeyFile, Self.pathExpectation, ValueParsers.path),
            try resolver.value(
                .githubAppInstallationID, "an installation ID (a positive number)", ValueParsers.positiveCount),
            try resolver.value(
                .githubAppOwner, "an organisation or user login such as octo-org", ValueParsers.githubLogin)
        )
        apiURL =
            try resolver.value(.apiURL, "an http(s) URL such as https://api.github.com", Self.httpURL)
            ?? URL(string: "https://api.github.com")!
        fleetFill = try resolver.value(.fleetFill, "true or false", ValueParsers.bool) ?? true
        fillTimeout =
            try resolver.value(.fillTimeout, "a positive number of seconds", ValueParsers.positiveInterval) ?? 5
        refreshAheadPerMinute =
            try resolver.value(.refreshAhead, "a number of revalidations per minute", ValueParsers.count) ?? 0
        webhookSecret = try resolver.value(.webhookSecret, Self.secretExpectation, ValueParsers.secret)
        mdns = try resolver.value(.mdns, "true or false", ValueParsers.bool) ?? true
        maxPeers = try resolver.value(.maxPeers, "a number of peers", ValueParsers.count) ?? 32
        dnsRefresh =
            try resolver.value(.dnsRefresh, "a positive number of seconds", ValueParsers.positiveInterval) ?? 30
        let mode = try resolver.value(.sharing, "verified, token or fleet") {
            SharingMode(rawValue: $0.trimmingWhitespace())
        }
        access = AccessRule(
            mode: mode ?? .verified,
            accessTTL: try resolver.value(.accessTTL, "a number of seconds", ValueParsers.seconds) ?? 300)
        dht = try resolver.value(.dht, "true or false", ValueParsers.bool) ?? true
        dhtServer = try resolver.value(.dhtServer, "true or false", ValueParsers.bool) ?? false
        dhtRefresh =
            try resolver.value(.dhtRefresh, "a positive number of seconds", ValueParsers.positiveInterval) ?? 60
        prewarm = []
        if let (text, source) = resolver.raw(.prewarm) {
            switch PathPattern.parseList(text) {
            case .success(let patterns): prewarm = patterns
            case .failure(let error):
                throw UsageProblem(
                    "CACHE_PREWARM=\(text) (from \(source)): \"\(error.rule)\" is not a path pattern such as "
                        + "/repos/octo-org/app/actions/runs?status=queued or /orgs/octo-org/actions/runners")
            }
        }
        for secret in [
            p2pSharedSecret, p2pSharedSecretPrevious, githubToken, ghToken, webhookSecret, apiURL.password, apiURL.user,
        ] {
            Redaction.register(secret)
        }
        configFile = resolver.file?.path
        warnings = resolver.unknownSettingWarnings
        self.environment = environment
    }

    static let pathExpectation = "a file path (no control characters)"

    private static let secretExpectation =
        "a value without control characters (a carriage return from a file with Windows line endings, or a line "
        + "break?); the value is not shown"

    /// An `http(s)://HOST[:PORT][/PATH]` URL with a port from 1 to 65535 if one is given.
    static func httpURL(_ text: String) -> URL? {
        var trimmed = text.trimmingWhitespace()
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard !Redaction.hasControlCharacter(trimmed), let url = URL(string: trimmed),
            let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil,
            (url.port.map { (1...65535).contains($0) } ?? true)
        else { return nil }
        return url
    }
}

/// The daemon's credential as a GitHub App: `CACHE_GITHUB_APP_ID`, `CACHE_GITHUB_APP_PRIVATE_KEY_FILE`, and
/// `CACHE_GITHUB_APP_INSTALLATION_ID` or `CACHE_GITHUB_APP_OWNER` (whose installation is looked up).
public struct GitHubAppSettings: Sendable, Equatable {
    /// The App's application ID or client ID (the JWT's `iss`).
    public var appID: String
    /// The path of the App's private key (PEM).
    public var privateKeyFile: String
    /// The installation whose tokens the daemon uses, when given.
    public var installationID: Int?
    /// The organisation or user the App is installed on, to find the installation when no ID is given.
    public var owner: String?

    /// Creates settings.
    public init(appID: String, privateKeyFile: String, installationID: Int?, owner: String?) {
        self.appID = appID
        self.privateKeyFile = privateKeyFile
        self.installationID = installationID
        self.owner = owner
    }
}

extension Configuration {
    /// The daemon's credential as a GitHub App, `nil` when none of `CACHE_GITHUB_APP_*` is set; an error naming
    /// what is missing, or the conflict with `CACHE_TOKEN_FILE`. (Checked by the daemon only: `ghcache-get` does not
    /// use the App, and each variable alone is valid to it.)
    public func daemonApp() throws(GHCacheError) -> GitHubAppSettings? {
        let (appID, keyFile, installation, owner) = githubAppVariables
        guard appID != nil || keyFile != nil || installation != nil || owner != nil else { return nil }
        func problem(_ message: String) -> GHCacheError { GHCacheError(message, exitStatus: .usage) }
        guard let appID else {
            throw problem(
                "CACHE_GITHUB_APP_ID is not set but other CACHE_GITHUB_APP_* variables are: set it to the App's ID "
                    + "(the App's settings page, \"App ID\" or \"Client ID\")")
        }
        guard let keyFile else {
            throw problem(
                "CACHE_GITHUB_APP_ID is set without CACHE_GITHUB_APP_PRIVATE_KEY_FILE: set it to the path of the "
                    + "App's private key (.pem, generated on the App's settings page)")
        }
        guard installation != nil || owner != nil else {
            throw problem(
                "CACHE_GITHUB_APP_ID is set without CACHE_GITHUB_APP_INSTALLATION_ID or CACHE_GITHUB_APP_OWNER: set "
                    + "the installation ID, or the organisation or user the App is installed on")
        }
        guard tokenFile == nil else {
            throw problem(
                "CACHE_TOKEN_FILE and CACHE_GITHUB_APP_ID are both set: the daemon has one credential of its own; "
                    + "unset one of them")
        }
        return GitHubAppSettings(appID: appID, privateKeyFile: keyFile, installationID: installation, owner: owner)
    }
}
