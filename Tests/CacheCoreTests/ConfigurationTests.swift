import Foundation
import Testing

@testable import CacheCore

@Suite("Configuration: flag > environment > config file > default")
struct ConfigurationTests {
    @Test("defaults")
    func defaults() throws {
        let configuration = try Configuration.load(environment: ["HOME": "/home/u"])
        #expect(configuration.cacheDir == "/home/u/.cache/ghcache")
        #expect(configuration.ttlPolicy.defaultTTL == 300)
        #expect(configuration.maxEntries == 10000)
        #expect(configuration.maxBytes == 256 << 20)
        #expect(configuration.maxStale == 86400)
        #expect(configuration.enableP2P)
        #expect(configuration.listenPort == 9000)
        #expect(configuration.bootstrapPeers.isEmpty)
        #expect(configuration.mdns && configuration.maxPeers == 32 && configuration.dnsRefresh == 30)
        #expect(configuration.dht && !configuration.dhtServer && configuration.dhtRefresh == 60)
        #expect(configuration.apiURL.absoluteString == "https://api.github.com")
        #expect(configuration.explicitToken == nil)
        let xdg = try Configuration.load(environment: ["HOME": "/home/u", "XDG_CACHE_HOME": "/x"])
        #expect(xdg.cacheDir == "/x/ghcache")
    }

    @Test("precedence across all sources, and every variable read from the config file")
    func precedence() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.file("config.env")
        try """
        # fleet settings
        export CACHE_DEFAULT_TTL=120
        CACHE_MAX_ENTRIES = 50
        CACHE_MAX_BYTES=64M
        CACHE_MAX_STALE=2h
        CACHE_TTL_RULES="/repos/*/*/actions/runs=30"
        CACHE_ENABLE_P2P=false
        CACHE_LISTEN_PORT=9100
        CACHE_BOOTSTRAP_PEERS=/ip4/10.0.0.2/tcp/9000/p2p/12D3KooWA, /ip4/10.0.0.3/tcp/9000/p2p/12D3KooWB
        CACHE_P2P_SHARED_SECRET='fleet secret'
        CACHE_TIMEOUT=2.5
        CACHE_CONNECT_TIMEOUT=1
        GITHUB_API_URL=https://ghe.example.com/api/v3/
        GH_TOKEN=file-token  # a comment
        CACHE_DIR=\(directory.file("from-file"))
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let fromFile = try Configuration.load(environment: ["HOME": "/h"], configFilePath: file)
        #expect(fromFile.cacheDir == directory.file("from-file"))
        #expect(fromFile.ttlPolicy.defaultTTL == 120)
        #expect(fromFile.ttlPolicy.userRules.map(\.description) == ["/repos/*/*/actions/runs=30"])
        #expect(fromFile.maxEntries == 50)
        #expect(fromFile.maxBytes == 64 << 20)
        #expect(fromFile.maxStale == 7200)
        #expect(!fromFile.enableP2P)
        #expect(fromFile.listenPort == 9100)
        #expect(
            fromFile.bootstrapPeers == ["/ip4/10.0.0.2/tcp/9000/p2p/12D3KooWA", "/ip4/10.0.0.3/tcp/9000/p2p/12D3KooWB"])
        #expect(fromFile.p2pSharedSecret == "fleet secret")
        #expect(fromFile.fleetSecretCandidates == ["fleet secret", "file-token"])
        #expect(fromFile.timeout == 2.5 && fromFile.connectTimeout == 1)
        #expect(fromFile.apiURL.absoluteString == "https://ghe.example.com/api/v3")
        #expect(fromFile.explicitToken == "file-token")

        let env = try Configuration.load(
            environment: ["HOME": "/h", "CACHE_DEFAULT_TTL": "60", "GITHUB_TOKEN": "env-token", "CACHE_MAX_STALE": ""],
            configFilePath: file)
        #expect(env.ttlPolicy.defaultTTL == 60)
        #expect(env.explicitToken == "env-token")
        #expect(env.maxStale == 7200, "an empty environment value counts as unset")

        let flag = try Configuration.load(
            flags: [.maxStale: FlagValue("30", flag: "--max-stale")],
            environment: ["HOME": "/h", "CACHE_MAX_STALE": "60"], configFilePath: file)
        #expect(flag.maxStale == 30)
    }

    @Test("$CACHE_DIR/config.env is read without --config")
    func defaultFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try "CACHE_DEFAULT_TTL=77\nSOMETHING_ELSE=1\n".write(
            toFile: directory.file("config.env"), atomically: true, encoding: .utf8)
        let configuration = try Configuration.load(environment: ["CACHE_DIR": directory.path])
        #expect(configuration.ttlPolicy.defaultTTL == 77)
        #expect(
            configuration.warnings == ["ignoring unknown setting SOMETHING_ELSE in \(directory.file("config.env")):2"])
    }

    @Test(
        "a bad value names the variable and the value",
        arguments: [
            ("CACHE_DEFAULT_TTL", "abc", "CACHE_DEFAULT_TTL=abc is not a number of seconds (from environment)"),
            ("CACHE_MAX_ENTRIES", "-5", "CACHE_MAX_ENTRIES=-5 is not a number of entries (from environment)"),
            ("CACHE_ENABLE_P2P", "maybe", "CACHE_ENABLE_P2P=maybe is not true or false (from environment)"),
            ("CACHE_LISTEN_PORT", "70000", "CACHE_LISTEN_PORT=70000 is not a TCP port (0-65535) (from environment)"),
            (
                "GITHUB_API_URL", "ftp://x",
                "GITHUB_API_URL=ftp://x is not an http(s) URL such as https://api.github.com (from environment)"
            ),
            ("CACHE_TIMEOUT", "0", "CACHE_TIMEOUT=0 is not a positive number of seconds (from environment)"),
            ("CACHE_MDNS", "sometimes", "CACHE_MDNS=sometimes is not true or false (from environment)"),
            ("CACHE_MAX_PEERS", "many", "CACHE_MAX_PEERS=many is not a number of peers (from environment)"),
            ("CACHE_DNS_REFRESH", "0", "CACHE_DNS_REFRESH=0 is not a positive number of seconds (from environment)"),
            (
                "CACHE_MAX_BYTES", "lots",
                "CACHE_MAX_BYTES=lots is not a size in bytes (e.g. 268435456, 256M, 1G) (from environment)"
            ),
        ])
    func badValues(variable: String, value: String, message: String) {
        #expect(throws: GHCacheError(message, exitStatus: .usage)) {
            try Configuration.load(environment: ["HOME": "/h", variable: value])
        }
    }

    @Test("discovery settings: CACHE_MDNS, CACHE_MAX_PEERS, CACHE_DNS_REFRESH, CACHE_DHT*")
    func discoverySettings() throws {
        let configuration = try Configuration.load(
            environment: [
                "HOME": "/h", "CACHE_MDNS": "false", "CACHE_MAX_PEERS": "4", "CACHE_DNS_REFRESH": "2.5s",
                "CACHE_DHT": "false", "CACHE_DHT_SERVER": "true", "CACHE_DHT_REFRESH": "120",
            ])
        #expect(!configuration.mdns && configuration.maxPeers == 4 && configuration.dnsRefresh == 2.5)
        #expect(!configuration.dht && configuration.dhtServer && configuration.dhtRefresh == 120)
        #expect(throws: GHCacheError.self) {
            try Configuration.load(environment: ["HOME": "/h", "CACHE_DHT": "maybe"])
        }
    }

    @Test("bad flag values, bad rules, bad and missing files give clear messages")
    func otherErrors() throws {
        #expect(
            throws: GHCacheError(
                "CACHE_MAX_STALE=soon is not a number of seconds (from --max-stale)", exitStatus: .usage)
        ) {
            try Configuration.load(
                flags: [.maxStale: FlagValue("soon", flag: "--max-stale")], environment: ["HOME": "/h"])
        }
        #expect(throws: GHCacheError.self) {
            try Configuration.load(environment: ["HOME": "/h", "CACHE_TTL_RULES": "/a=1,nope"])
        }
        #expect(throws: GHCacheError("config file /nonexistent/x.env does not exist", exitStatus: .usage)) {
            try Configuration.load(environment: ["HOME": "/h"], configFilePath: "/nonexistent/x.env")
        }
        #expect(throws: UsageProblem("f.env:2: expected KEY=VALUE, found \"oops\"")) {
            try ConfigFile.parse("A=1\noops\n", path: "f.env")
        }
    }

    @Test("durations and sizes")
    func parsers() {
        #expect(parseDuration("90") == 90)
        #expect(parseDuration("90s") == 90)
        #expect(parseDuration("15m") == 900)
        #expect(parseDuration("2h") == 7200)
        #expect(parseDuration("7d") == 604800)
        #expect(parseDuration("1.5h") == nil)
        #expect(parseDuration("") == nil)
        #expect(parseDuration("-1") == nil)
        #expect(ValueParsers.bytes("1G") == 1 << 30)
        #expect(ValueParsers.bytes("512KiB") == 512 << 10)
        #expect(ValueParsers.bytes("99999999999999999999") == nil)
    }
}
