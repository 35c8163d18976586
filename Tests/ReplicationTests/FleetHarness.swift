import CacheCore
import Foundation
import Synchronization
import TestSupport
import Testing

/// A fleet of real `ghcache-peer` processes on 127.0.0.1 sharing one in-process GitHub stand-in (`Environment`, from
/// IntegrationTests/Binaries.swift). Every process started through it is killed by ``stopAll()`` (call it in a
/// `defer`), so a failing test leaves nothing running.
final class Fleet: Sendable {
    static let secret = "fleet-test-secret"

    let environment: Environment
    private let daemons = Mutex<[PeerProcess]>([])

    init(_ environment: Environment) {
        self.environment = environment
    }

    /// A fresh cache directory named `name`.
    func directory(_ name: String) -> String {
        (environment.root as NSString).appendingPathComponent(name)
    }

    /// Starts `ghcache-peer` for the cache directory `name` and waits (≤ 20 s) for its peer ID and address. With
    /// `namespace` (of a ``NetworkLab``) it runs inside that network namespace, listening on `listenAddress`.
    func start(
        _ name: String, bootstrap: [String] = [], secret: String = Fleet.secret, port: Int = 0,
        env: [String: String] = [:], namespace: (lab: NetworkLab, name: String)? = nil,
        listenAddress: String = "127.0.0.1"
    ) async throws -> PeerProcess {
        let process = try launch(
            name, bootstrap: bootstrap, secret: secret, port: port, env: env, namespace: namespace,
            listenAddress: listenAddress)
        let lines = try await process.waitForStartup()
        return PeerProcess(process: process.process, directory: process.directory, lines: lines)
    }

    /// Starts `count` daemons (`r0`, `r1`...) bootstrapped to the first one only, and waits until each has heard every
    /// other one's member announcement.
    func startMembers(_ count: Int, env: [String: String] = [:]) async throws -> [PeerProcess] {
        let first = try await start("r0", env: env)
        var daemons = [first]
        for index in 1..<count {
            daemons.append(try await start("r\(index)", bootstrap: [first.address], env: env))
        }
        for daemon in daemons {
            try await eventually("\(daemon.directory) hears every member", timeout: 20) {
                daemon.stderr.components(separatedBy: "fleet member ").count - 1 >= count - 1
            }
        }
        return daemons
    }

    /// Starts `ghcache-peer` without waiting for it (for start-up failures).
    func launch(
        _ name: String, bootstrap: [String] = [], secret: String = Fleet.secret, port: Int = 0,
        env: [String: String] = [:], namespace: (lab: NetworkLab, name: String)? = nil,
        listenAddress: String = "127.0.0.1"
    ) throws -> PeerProcess {
        var arguments = ["--listen-address", listenAddress, "--port", String(port), "--log-level", "debug"]
        if !bootstrap.isEmpty { arguments += ["--bootstrap", bootstrap.joined(separator: ",")] }
        let variables = ["CACHE_DIR": directory(name), "CACHE_P2P_SHARED_SECRET": secret].merging(env) { $1 }
        let wrapper = namespace.map { namespace in
            { (binary: String, arguments: [String]) in namespace.lab.command(in: namespace.name, binary, arguments) }
        }
        let running = try environment.start("ghcache-peer", arguments, env: variables, wrapper: wrapper)
        let peer = PeerProcess(process: running, directory: directory(name), lines: [])
        daemons.withLock { $0.append(peer) }
        return peer
    }

    /// Kills every daemon still running (SIGKILL) and waits for it.
    func stopAll() {
        for daemon in daemons.withLock({ $0 }) { daemon.kill9() }
    }

    /// `ghcache-get ARGS` with the cache directory `name`.
    func get(_ name: String, _ arguments: String...) async throws -> ProcessResult {
        try await environment.run("ghcache-get", arguments, env: ["CACHE_DIR": directory(name)])
    }

    /// `ghcache-stats --json` of the cache directory `name`.
    func stats(_ name: String) async throws -> [String: Any] {
        let result = try await environment.run(
            "ghcache-stats", ["--json"], env: ["CACHE_DIR": directory(name)], timeout: 15)
        try #require(result.status == 0, "ghcache-stats failed: \(result.stderr)")
        return try #require(result.json as? [String: Any])
    }

    /// Calls the stand-in charged to the rate limit so far.
    var charged: Int { environment.server.stats().charged }
}

/// One `ghcache-peer` process.
struct PeerProcess: Sendable {
    let process: RunningProcess
    let directory: String
    /// The start-up lines: the peer ID, then the multiaddrs.
    let lines: [String]

    var peerID: String { lines.first ?? "" }
    var address: String { lines.dropFirst().first ?? "" }
    var pid: Int32 { process.process.processIdentifier }

    var stderr: String {
        String(decoding: FileManager.default.contents(atPath: process.stderrPath) ?? Data(), as: UTF8.self)
    }

    /// Waits for the peer ID and at least one address on stdout (the daemon is then listening).
    func waitForStartup(timeout: Double = 20) async throws -> [String] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = String(
                decoding: FileManager.default.contents(atPath: process.stdoutPath) ?? Data(), as: UTF8.self)
            let lines = text.split(separator: "\n").map(String.init)
            if lines.count >= 2, lines[0].hasPrefix("12D3KooW") { return lines }
            if !process.process.isRunning {
                Issue.record("ghcache-peer exited during start-up: \(stderr)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("ghcache-peer did not print its address within \(timeout) s: \(stderr)")
        throw CancellationError()
    }

    /// SIGTERM, then the exit status (SIGKILL after `timeout` s, recorded as a failure).
    func terminate(timeout: Double = 10) async throws -> ProcessResult {
        kill(pid, SIGTERM)
        return try await process.wait(timeout: timeout)
    }

    /// SIGKILL and reap.
    func kill9() {
        if process.process.isRunning {
            kill(pid, SIGKILL)
            process.process.waitUntilExit()
        }
    }
}

extension [String: Any] {
    /// An integer at a key path such as `gossip.rejected.stale` (0 when absent).
    func int(_ path: String) -> Int {
        var value: Any? = self
        for key in path.split(separator: ".") { value = (value as? [String: Any])?[String(key)] }
        return (value as? NSNumber)?.intValue ?? 0
    }
}
