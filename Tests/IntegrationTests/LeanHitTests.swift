import Foundation
import TestSupport
import Testing

/// `ghcache-get` answers fresh hits itself (SQLite only) and runs `ghcache-get-full` for everything else. These tests
/// run both binaries on the same store: the front must behave exactly as the full program would, and must answer the
/// hits it claims without it (``noFullProgram``: a hand-off exits 97 with no output). A corrupt store is
/// FailureTests' (through the front, as every ghcache-get test).
@Suite("ghcache-get's lean hit path: same answers as the full program, hits without it")
struct LeanHitTests {
    /// `GHCACHE_GET_FULL` pointing at a program that prints nothing and exits 97, whatever its arguments.
    static func noFullProgram(_ env: Environment) throws -> [String: String] {
        let path = (env.root as NSString).appendingPathComponent("no-full-program")
        if !FileManager.default.fileExists(atPath: path) {
            try "#!/bin/sh\nexit 97\n".write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
        return ["GHCACHE_GET_FULL": path]
    }

    /// Command lines the front answers itself once the store holds their entry (primed through the full program).
    static let hits: [[String]] = [
        ["repos", "octo"], ["repos", "octo", "--ttl", "1d"], ["repos", "--ttl=5m", "octo"],
        ["repos", "octo", "--offline"],
        ["runs", "octo/app", "--status", "queued"], ["runs", "octo/app"], ["runners", "--org", "octo"],
        ["runners", "--repo=octo/app"], ["api", "/users/octo/repos"], ["api", "users/octo/repos#frag"],
        ["api", "repos/octo/app/actions/runs", "-f", "status=queued"], ["api", "/repos/octo/app", "--field", "a=b c"],
        ["api", "/repos/octo/app", "-H", "Accept: application/vnd.github.raw+json"],
        ["repos", "octo", "--cache-dir", "CACHE"], ["repos", "octo", "--max-stale", "2h", "--timeout", "3"],
        ["repos", "octo", "--verbose"], ["runners", "-v", "--org", "octo"],
    ]

    /// Command lines the front must hand over, each with the environment it runs in.
    static let handOffs: [([String], [String: String])] = [
        ([], [:]), (["--help"], [:]), (["repos", "--help"], [:]), (["repos"], [:]), (["repos", "octo/x"], [:]),
        (["runners"], [:]), (["runners", "--org", "a", "--repo", "o/r"], [:]),
        (["repos", "octo", "--ttl", "soon"], [:]),
        (["repos", "octo", "--max-stale", "bad"], [:]), (["repos", "octo"], ["CACHE_TIMEOUT": "abc"]),
        (["repos", "octo"], ["CACHE_TTL_RULES": "/a=1,nope"]), (["repos", "octo"], ["GITHUB_API_URL": "ftp://x"]),
        (["repos", "octo", "--no-cache", "--offline"], [:]), (["repos", "octo", "--ttl", "5", "--ttl", "6"], [:]),
        (["api", " "], [:]), (["api", "/x", "-f", "=1"], [:]), (["api", "/x", "-H", "Authorization: x"], [:]),
        (["queue", "octo/app"], [:]), (["rate-limit"], [:]), (["nonsense"], [:]), (["repos", "octo", "-vv"], [:]),
        (["repos", "octo", "--paginate"], [:]), (["runs", "octo/app", "--ttl", "0"], [:]),
    ]

    private static func resolve(_ arguments: [String], _ env: Environment) -> [String] {
        arguments.map { $0 == "CACHE" ? env.cacheDir : $0 }
    }

    /// `--verbose` lines with their ages in seconds blanked (two runs a moment apart may round differently).
    private static func withoutAges(_ text: String) -> String {
        text.replacing(/(age|last seen) [0-9]+ s/) { "\($0.output.1) N s" }
    }

    private static func counters(_ env: Environment) async throws -> [String: Int] {
        let stats = try await env.run("ghcache-stats", ["--json"])
        let json = try #require(stats.json as? [String: Any], "\(stats.stderr)")
        return json.compactMapValues { $0 as? Int }.filter { ["local_hits", "peer_hits", "misses"].contains($0.key) }
    }

    @Test("fresh hits: the front answers them alone, with the full program's output and counters")
    func hitsWithoutTheFullProgram() async throws {
        try await Environment.with { env in
            for arguments in Self.hits.map({ Self.resolve($0, env) }) {
                let primed = try await env.run("ghcache-get-full", arguments)
                #expect(primed.status == 0, "\(arguments): \(primed.stderr)")
                let before = try await Self.counters(env)
                let full = try await env.run("ghcache-get-full", arguments)
                let afterFull = try await Self.counters(env)
                let lean = try await env.run("ghcache-get", arguments, env: try Self.noFullProgram(env))
                let afterLean = try await Self.counters(env)
                #expect(lean.status == 0, "\(arguments) was handed off: \(lean.stderr)")
                #expect(lean.stdout == full.stdout, "\(arguments)")
                #expect(Self.withoutAges(full.stderr) == Self.withoutAges(lean.stderr), "\(arguments)")
                #expect(lean.stderr.isEmpty != arguments.contains(where: { $0 == "--verbose" || $0 == "-v" }))
                #expect(afterFull["local_hits", default: 0] == before["local_hits", default: 0] + 1, "\(arguments)")
                #expect(afterLean["local_hits", default: 0] == afterFull["local_hits", default: 0] + 1, "\(arguments)")
                #expect(afterLean["misses"] == afterFull["misses"], "\(arguments)")
            }
            let version = try await env.run("ghcache-get", ["--version"], env: try Self.noFullProgram(env))
            let fullVersion = try await env.run("ghcache-get-full", ["--version"])
            #expect(version.status == 0 && version.stdout == fullVersion.stdout && !version.stdout.isEmpty)
        }
    }

    @Test("everything else: handed to the full program, with the same output and exit status as calling it directly")
    func handOffsBehaveAsTheFullProgram() async throws {
        try await Environment.with { env in
            let primed = try await env.get("repos", "octo")
            #expect(primed.status == 0, "\(primed.stderr)")
            _ = try await env.get("runs", "octo/app")
            for (arguments, extra) in Self.handOffs {
                let alone = try await env.run(
                    "ghcache-get", arguments, env: extra.merging(try Self.noFullProgram(env)) { $1 })
                #expect(alone.status == 97 && alone.stdout.isEmpty, "\(arguments) \(extra) was answered by the front")
                let front = try await env.run("ghcache-get", arguments, env: extra)
                let full = try await env.run("ghcache-get-full", arguments, env: extra)
                #expect(front.status == full.status, "\(arguments) \(extra)")
                #expect(front.stderr == full.stderr, "\(arguments) \(extra)")
                if !arguments.contains("rate-limit") { #expect(front.stdout == full.stdout, "\(arguments) \(extra)") }
            }
        }
    }

    @Test("a stale entry or a config file with a warning goes to the full program, which refreshes it")
    func notFreshGoesToTheFullProgram() async throws {
        try await Environment.with { env in
            #expect(try await env.get("runs", "octo/app", "--ttl", "1").status == 0)
            try await Task.sleep(for: .milliseconds(1100))
            let stale = try await env.run(
                "ghcache-get", ["runs", "octo/app", "--ttl", "1"], env: try Self.noFullProgram(env))
            #expect(stale.status == 97 && stale.stdout.isEmpty, "a stale copy is not a hit")
            let refreshed = try await env.get("runs", "octo/app", "--ttl", "1")
            #expect(refreshed.status == 0, "\(refreshed.stderr)")
            #expect(env.server.stats().notCharged == 1, "the full program revalidated it")

            let unknown = "ignoring unknown setting"
            try "CACHE_NOPE=1\n".write(
                toFile: (env.cacheDir as NSString).appendingPathComponent("config.env"), atomically: true,
                encoding: .utf8)
            let warned = try await env.get("runs", "octo/app", "--ttl", "1d")
            #expect(warned.status == 0 && warned.stderr.contains(unknown), "warnings come from the full program")

        }
    }

    @Test("without HOME the front answers only when the cache directory does not need the password database")
    func withoutHome() async throws {
        try await Environment.with { env in
            #expect(try await env.get("repos", "octo").status == 0)
            let alone = try Self.noFullProgram(env)
            let home = try await env.run("ghcache-get", ["repos", "octo"], env: alone.merging(["HOME": ""]) { $1 })
            #expect(home.status == 0 && !home.stdout.isEmpty, "an absolute CACHE_DIR needs no home: \(home.stderr)")
            let tilde = alone.merging(["CACHE_DIR": "~/cache"]) { $1 }
            let withHome = try await env.run("ghcache-get", ["repos", "octo"], env: tilde)
            #expect(withHome.status == 0 && withHome.stdout == home.stdout, "~ is HOME: \(withHome.stderr)")
            // The front is a static executable and must not call getpwuid: the full program does.
            let noHome = try await env.run("ghcache-get", ["repos", "octo"], env: tilde.merging(["HOME": ""]) { $1 })
            #expect(noHome.status == 97 && noHome.stdout.isEmpty, "handed over")
            let front = try Data(contentsOf: URL(fileURLWithPath: try Binaries.path("ghcache-get")))
            #expect(front.range(of: Data("getpwuid".utf8)) == nil, "the front links glibc's password look-up")
        }
    }

    @Test("without ghcache-get-full next to it, the front says what to install and exits 2")
    func missingFullProgram() async throws {
        try await Environment.with { env in
            let directory = (env.root as NSString).appendingPathComponent("bin")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let copy = (directory as NSString).appendingPathComponent("ghcache-get")
            try FileManager.default.copyItem(atPath: try Binaries.path("ghcache-get"), toPath: copy)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: copy)
            process.arguments = ["repos", "octo"]
            process.environment = env.variables()
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 2)
            #expect(
                message.contains("cannot run ghcache-get-full") && message.contains("GHCACHE_GET_FULL"), "\(message)")
        }
    }
}
