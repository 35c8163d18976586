import ArgumentParser
import CacheCore
import Foundation
import Logging
import GHCacheCLI
import LocalEndpoint
import Replication
import ServiceLifecycle

/// `ghcache-peer`: the replication daemon (default subcommand `run`) and `ghcache-peer id`.
public struct PeerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ghcache-peer",
        abstract:
            "Serve GitHub's REST API on this machine from the cache, and share cached responses with the other "
            + "runners of a fleet over encrypted libp2p gossip.",
        discussion: """
            Runs in the foreground until SIGTERM or SIGINT (SIGHUP is ignored: closing the terminal or a \
            reload by a service manager does not stop it). Every response ghcache-get fetches on this \
            machine is published to the fleet within milliseconds; entries from peers are checked \
            (fleet key, content ID, expiry, size) and stored, so ghcache-get answers them with no API \
            call. A peer that joins late catches up with the fleet's fresh entries at connection time.

            The daemon also serves GitHub's REST API locally from the same cache: plain HTTP on the unix \
            socket $CACHE_DIR/api.sock (mode 0600; 0660, for the daemon's group, with \
            CACHE_SOCKET_GROUP_ACCESS=true), and on TCP at CACHE_HTTP_LISTEN=HOST:PORT when set \
            (keep it on 127.0.0.1). Point gh at it with `gh config set http_unix_socket \
            $CACHE_DIR/api.sock`, or PyGithub, octokit and go-github at http://HOST:PORT. With \
            CACHE_ENABLE_P2P=false only the local endpoint runs (no libp2p, no fleet secret needed).

            All runners of a fleet need the same CACHE_P2P_SHARED_SECRET, or CACHE_P2P_SHARED_SECRET_FILE \
            naming a file that holds it (falling back to a long-lived GH_TOKEN, GITHUB_TOKEN, then `gh auth \
            token`; an installation or per-job ghs_ token is refused). To rotate it, give every runner the new \
            secret with the old one in CACHE_P2P_SHARED_SECRET_PREVIOUS, restarting them one by one, then drop \
            the previous one (README, "Rotating the fleet secret"). The identity key ($CACHE_DIR/peer-identity.key) keeps \
            the peer ID stable across restarts. See docs/FLEET.md.

            Finding peers: on one LAN nothing else is needed, the daemons find each other with mDNS \
            (CACHE_MDNS, default true; never on a daemon listening only on 127.0.0.1). Elsewhere put a \
            DNS name that lists the runners into CACHE_BOOTSTRAP_PEERS (/dns4/NAME/tcp/PORT, no peer \
            ID: every address it resolves to is dialled, again every CACHE_DNS_REFRESH seconds), or a \
            few runners' multiaddrs. A runner that reaches one peer learns the others from the \
            fleet's member announcements, dialling up to CACHE_MAX_PEERS (32) peers on its own. \
            Runners that share no network and no DNS name meet through a Kademlia DHT: a bootstrap \
            peer that serves /ipfs/kad/1.0.0 (any libp2p DHT node) is used to provide and look up a \
            key derived from the fleet secret, at start-up and every CACHE_DHT_REFRESH seconds \
            (60); CACHE_DHT=false turns it off, CACHE_DHT_SERVER=true also serves the DHT to \
            others. ghcache-stats shows how each peer was found.

            Fleet fill: each key has one owner among the fleet's members (they announce themselves \
            to each other). A miss on this runner asks the owner, which fetches or revalidates it \
            once for everyone; a dead or slow owner is abandoned after CACHE_FILL_TIMEOUT seconds \
            (default 5) and the key is fetched here. CACHE_PREWARM paths are kept warm from start-up; \
            with CACHE_REFRESH_AHEAD=N (default 0, off), keys still being polled are revalidated just \
            before they expire, at most N per minute.

            The daemon's own GitHub credential (for keys it owns, prewarm, refresh-ahead, webhook \
            revalidation; never a caller's token): a GitHub App (CACHE_GITHUB_APP_ID, \
            CACHE_GITHUB_APP_PRIVATE_KEY_FILE, and CACHE_GITHUB_APP_INSTALLATION_ID or \
            CACHE_GITHUB_APP_OWNER), whose installation tokens it mints and renews before they expire; \
            else a token read from CACHE_TOKEN_FILE whenever the file changes; else GITHUB_TOKEN, \
            GH_TOKEN or `gh auth token`. ghcache-stats shows which one, never the token.

            EXAMPLES
              $ ghcache-peer id
              $ CACHE_P2P_SHARED_SECRET=s3cret ghcache-peer
              $ CACHE_P2P_SHARED_SECRET=s3cret ghcache-peer --bootstrap /dns4/runners.internal/tcp/9000
              $ CACHE_P2P_SHARED_SECRET=s3cret ghcache-peer --port 9000 \\
                  --bootstrap /ip4/10.0.0.5/tcp/9000/p2p/12D3KooW...
              $ ghcache-peer --listen-address 127.0.0.1 --port 0 --log-level debug
              $ CACHE_ENABLE_P2P=false CACHE_HTTP_LISTEN=127.0.0.1:8787 ghcache-peer
              $ CACHE_GITHUB_APP_ID=123456 CACHE_GITHUB_APP_INSTALLATION_ID=7890123 \\
                  CACHE_GITHUB_APP_PRIVATE_KEY_FILE=/etc/ghcache/app.pem ghcache-peer

            \(PeerRunCommand.exitStatusHelp)
            """,
        version: GHCacheVersion.current,
        subcommands: [PeerRunCommand.self, PeerIDCommand.self],
        defaultSubcommand: PeerRunCommand.self)

    public init() {}
}

/// The settings both `ghcache-peer` subcommands take.
struct PeerOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("port"), help: ArgumentHelp("TCP port (overrides CACHE_LISTEN_PORT).", valueName: "port"))
    var port: String?

    @Option(
        name: .customLong("listen-address"),
        help: ArgumentHelp(
            "IP address to listen on (overrides CACHE_LISTEN_ADDRESS; default 0.0.0.0).", valueName: "address"))
    var listenAddress: String?

    @Option(
        name: .customLong("bootstrap"),
        help: ArgumentHelp(
            "Comma-separated multiaddrs or /dns4/NAME/tcp/PORT names to dial (overrides CACHE_BOOTSTRAP_PEERS).",
            valueName: "addrs"))
    var bootstrap: String?

    /// The configuration with these flags applied.
    func loadConfiguration() throws(GHCacheError) -> Configuration {
        var flags: [ConfigVariable: FlagValue] = [:]
        if let port { flags[.listenPort] = FlagValue(port, flag: "--port") }
        if let listenAddress { flags[.listenAddress] = FlagValue(listenAddress, flag: "--listen-address") }
        if let bootstrap { flags[.bootstrapPeers] = FlagValue(bootstrap, flag: "--bootstrap") }
        return try global.loadConfiguration(flags: flags)
    }
}

/// `ghcache-peer run` (the default): the daemon.
struct PeerRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon in the foreground (the default).",
        discussion: """
            Prints the peer ID and its multiaddrs on stdout once listening (nothing with \
            CACHE_ENABLE_P2P=false); the local endpoint's addresses and the logs go to stderr.

            \(exitStatusHelp)
            """)

    static let exitStatusHelp = """
        EXIT STATUS
          0  stopped by SIGTERM or SIGINT
          2  bad arguments or configuration value, no fleet secret (with CACHE_ENABLE_P2P=true), or a
             GitHub App or token file GitHub or the daemon refuses (key, App ID, installation, clock)
          3  another ghcache-peer is running for this CACHE_DIR
          4  cannot listen (port in use, address not on this machine), libp2p or CACHE_HTTP_LISTEN
          5  the store, the identity key or the socket $CACHE_DIR/api.sock could not be used
        """

    @OptionGroup var options: PeerOptions

    @Option(
        name: .customLong("log-level"),
        help: ArgumentHelp("trace, debug, info, notice, warning or error.", valueName: "level"))
    var logLevel: String = "info"

    init() {}

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level \(logLevel): expected trace, debug, info, notice, warning or error")
        }
    }

    func run() async throws {
        MemoryRelief.limitArenas()  // before the daemon's threads allocate (BENCHMARKS.md, "Daemon memory")
        // A hang-up (a closed terminal, `systemctl reload`) must not kill the daemon and leave api.sock behind.
        signal(SIGHUP, SIG_IGN)
        let configuration = try options.loadConfiguration()
        let secret = configuration.enableP2P ? try Self.fleetSecret(configuration) : nil
        if let warning = secret?.fleetWarning(environment: configuration.environment) { Output.warn(warning) }

        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = RedactingLogHandler(inner: StreamLogHandler.standardError(label: label))
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "ghcache.peer")
        if let listen = configuration.httpListen, !listen.isLoopback {
            Output.warn(
                "CACHE_HTTP_LISTEN=\(listen) is not a loopback address: anyone who can reach it can read every "
                    + "cached response with any token. Use 127.0.0.1:PORT unless that is really wanted")
        }
        try await Self.serve(configuration, secret: secret, logger: logger)
    }

    /// The composition root: the cache directory's lock, one store, one transport and one heartbeat first
    /// (``DaemonResources``), then the replication daemon over them (when libp2p is on), whose cache client and
    /// invalidator the local endpoint uses; all run in one `ServiceGroup` until SIGTERM or SIGINT.
    static func serve(_ configuration: Configuration, secret: FleetSecret?, logger: Logger) async throws {
        let resources = try DaemonResources.open(configuration, logger: logger)
        do {
            try await serve(configuration, secret: secret, resources: resources, logger: logger)
        } catch {
            await resources.close()
            throw error
        }
        await resources.close()
    }

    private static func serve(
        _ configuration: Configuration, secret: FleetSecret?, resources: DaemonResources, logger: Logger
    ) async throws {
        let endpointSettings = LocalEndpointSettings(configuration: configuration)
        let tokens = try await daemonCredential(configuration, resources: resources, logger: logger)
        var daemon: PeerDaemon?
        if let secret {
            let started = try await PeerDaemon.start(
                PeerDaemonSettings(configuration: configuration, secret: secret), resources: resources,
                tokens: tokens, logger: logger)
            for warning in started.warnings { Output.warn(warning) }
            Output.line(([started.peerID] + started.addresses).joined(separator: "\n"))
            let rotation: String = secret.previous == nil ? "" : " (still accepting \(FleetSecret.previousVariable))"
            Output.stderr(
                "ghcache-peer \(started.peerID) listening; fleet secret from \(secret.source.rawValue)\(rotation); "
                    + "topic \(started.topic); dialling \(started.bootstrapCount) bootstrap peer(s); "
                    + (started.mdnsEnabled
                        ? "mDNS on"
                        : configuration.mdns ? "mDNS off (listening on loopback only)" : "mDNS off (CACHE_MDNS=false)")
                    + (started.dhtServing.map { $0 ? "; DHT on (serving)" : "; DHT on (client)" }
                        ?? "; DHT off (CACHE_DHT=false)"))
            daemon = started
        } else {
            Output.stderr("peer-to-peer sharing is off (CACHE_ENABLE_P2P=false): serving the local endpoint only")
            resources.heartbeat.update { status in
                status.addresses =
                    ["unix:\(endpointSettings.socketPath)"]
                    + (endpointSettings.tcpListen.map { [$0.description] } ?? [])
            }
        }
        let fleet = daemon
        let client =
            fleet?.client
            ?? CacheClient(
                configuration: configuration, store: resources.store, transport: resources.transport,
                tokens: tokens, clock: resources.clock)
        let endpoint = try LocalEndpoint.start(
            endpointSettings, resources: resources, client: client, invalidator: fleet ?? resources.store,
            connectedPeers: { fleet?.connectedPeerCount },
            onListening: { Output.stderr("serving the GitHub API on \($0)") },
            logger: Logger(label: "ghcache.endpoint"))
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: HeartbeatService(heartbeat: resources.heartbeat)), .init(service: endpoint),
        ]
        if let fleet { services.insert(.init(service: fleet), at: 0) }

        var groupLogger = Logger(label: "ghcache.peer.lifecycle")
        groupLogger.logLevel = .warning
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: groupLogger))
        try await group.run()
    }

    /// The daemon's own credential (a GitHub App, `CACHE_TOKEN_FILE`, else the environment's token or `gh`), its
    /// first App token minted, and shown in the heartbeat row for `ghcache-stats`. A bad key, token file, App ID or
    /// installation stops the daemon here, with a message naming the variable.
    static func daemonCredential(_ configuration: Configuration, resources: DaemonResources, logger: Logger)
        async throws(GHCacheError) -> TokenProvider
    {
        let heartbeat = resources.heartbeat
        let tokens = try TokenProvider.daemon(
            configuration: configuration, transport: resources.transport, clock: resources.clock,
            note: { logger.notice("\($0)") }, onChange: { status in heartbeat.update { $0.credential = status } })
        try await tokens.prepare()
        let status = await tokens.status
        heartbeat.update { $0.credential = status }
        Output.stderr("GitHub credential of the daemon: \(status.summary)")
        return tokens
    }

    /// The fleet secret (and the previous one, during a rotation), or a message saying how to set one.
    static func fleetSecret(_ configuration: Configuration) throws(GHCacheError) -> FleetSecret {
        var settings: [String: String] = [:]
        settings[ConfigVariable.p2pSharedSecret.rawValue] = configuration.p2pSharedSecret
        settings[ConfigVariable.p2pSharedSecretFile.rawValue] = configuration.p2pSharedSecretFile
        settings[ConfigVariable.p2pSharedSecretPrevious.rawValue] = configuration.p2pSharedSecretPrevious
        settings[ConfigVariable.p2pSharedSecretPreviousFile.rawValue] = configuration.p2pSharedSecretPreviousFile
        settings[ConfigVariable.ghToken.rawValue] = configuration.ghToken
        settings[ConfigVariable.githubToken.rawValue] = configuration.githubToken
        let found: FleetSecret?
        do throws(FleetSecretError) {
            found = try FleetSecret.resolve(settings: settings, environment: configuration.environment)
        } catch {
            throw GHCacheError(error.message, exitStatus: .usage)
        }
        guard let secret = found else {
            throw GHCacheError(
                "no fleet secret: set CACHE_P2P_SHARED_SECRET (or CACHE_P2P_SHARED_SECRET_FILE) to the same value on "
                    + "every runner of the fleet (a long-lived GH_TOKEN, GITHUB_TOKEN or `gh auth token` is used when "
                    + "it is unset)", exitStatus: .usage)
        }
        return secret
    }
}

/// `ghcache-peer id`: the peer ID and addresses, without starting.
struct PeerIDCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "id",
        abstract: "Print this runner's peer ID and multiaddrs (creating the identity key if needed), then exit.",
        discussion: """
            The first line is the peer ID, each further line a multiaddr to put in other runners' \
            CACHE_BOOTSTRAP_PEERS. Addresses come from the configuration (CACHE_LISTEN_ADDRESS, \
            CACHE_LISTEN_PORT); with 0.0.0.0 one address per network interface is printed.

            EXAMPLES
              $ ghcache-peer id
              $ ghcache-peer id | sed -n 2p
            """)

    @OptionGroup var options: PeerOptions

    init() {}

    func run() async throws {
        let configuration = try options.loadConfiguration()
        let identity = try PeerDaemon.describeIdentity(
            cacheDirectory: configuration.cacheDir, listenAddress: configuration.listenAddress,
            port: configuration.listenPort)
        Output.line(([identity.peerID] + identity.addresses).joined(separator: "\n"))
    }
}

/// The heartbeat row rewritten every few seconds for as long as the daemon runs.
struct HeartbeatService: Service {
    let heartbeat: Heartbeat

    func run() async {
        await cancelWhenGracefulShutdown { await heartbeat.run() }
    }
}
