import CacheCore
import Foundation
import GitHubStandIn
import TestSupport
import Testing

/// One test's world: an in-process GitHub stand-in, a temporary cache directory, and a real `ghcache-peer`
/// serving the local endpoint on `$CACHE_DIR/api.sock` and on 127.0.0.1 (a free port). ``with(p2p:_:)``
/// kills the daemon and stops the stand-in however the test ends.
struct EndpointWorld: Sendable {
    static let token = "endpoint-token"

    let environment: Environment
    let daemon: RunningProcess
    /// `$CACHE_DIR/api.sock`.
    let socketPath: String
    /// `http://127.0.0.1:PORT` of the TCP listener.
    let origin: String
    /// The TCP listener's port.
    var port: Int {
        get throws { try #require(URL(string: origin)?.port) }
    }

    var server: StandInServer { environment.server }
    var cacheDir: String { environment.cacheDir }
    var baseURL: String { environment.baseURL }

    /// Runs `body` with a daemon serving the endpoint (`CACHE_ENABLE_P2P=false` unless `p2p`).
    static func with(
        p2p: Bool = false, env: [String: String] = [:], standIn: StandInConfiguration = StandInConfiguration(),
        _ body: @Sendable (EndpointWorld) async throws -> Void
    ) async throws {
        try await Environment.with(standIn) { environment in
            let daemon = try startDaemon(environment, p2p: p2p, env: env)
            do {
                let (socket, origin) = try await waitForListeners(daemon)
                try await body(
                    EndpointWorld(environment: environment, daemon: daemon, socketPath: socket, origin: origin))
            } catch {
                stop(daemon)
                throw error
            }
            stop(daemon)
        }
    }

    static func startDaemon(_ environment: Environment, p2p: Bool, env: [String: String] = [:]) throws
        -> RunningProcess
    {
        var variables = ["CACHE_HTTP_LISTEN": "127.0.0.1:0", "CACHE_ENABLE_P2P": p2p ? "true" : "false"]
        if p2p { variables["CACHE_P2P_SHARED_SECRET"] = "endpoint-test-secret" }
        var arguments = ["--log-level", "debug"]
        if p2p { arguments += ["--listen-address", "127.0.0.1", "--port", "0"] }
        return try environment.start("ghcache-peer", arguments, env: variables.merging(env) { $1 })
    }

    /// Waits (≤ 20 s) for both "serving the GitHub API on ..." lines.
    static func waitForListeners(_ daemon: RunningProcess) async throws -> (socket: String, origin: String) {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let text = stderr(daemon)
            var socket: String?
            var origin: String?
            for line in text.split(separator: "\n") {
                if let range = line.range(of: "serving the GitHub API on unix:") {
                    socket = String(line[range.upperBound...])
                } else if let range = line.range(of: "serving the GitHub API on http://") {
                    origin = "http://" + String(line[range.upperBound...])
                }
            }
            if let socket, let origin { return (socket, origin) }
            if !daemon.process.isRunning {
                Issue.record("ghcache-peer exited during start-up: \(text)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("ghcache-peer did not report its listeners within 20 s: \(stderr(daemon))")
        throw CancellationError()
    }

    static func stderr(_ daemon: RunningProcess) -> String {
        String(decoding: FileManager.default.contents(atPath: daemon.stderrPath) ?? Data(), as: UTF8.self)
    }

    /// SIGTERM, then SIGKILL after 10 s.
    static func stop(_ daemon: RunningProcess) {
        guard daemon.process.isRunning else { return }
        kill(daemon.process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while daemon.process.isRunning, Date() < deadline { usleep(20_000) }
        if daemon.process.isRunning {
            kill(daemon.process.processIdentifier, SIGKILL)
            daemon.process.waitUntilExit()
        }
    }

    /// The daemon's stderr so far (its debug log names every request).
    var daemonLog: String { Self.stderr(daemon) }

    /// Calls the stand-in charged to the rate limit for `uri` (path and query as the stand-in received it).
    func charged(_ uri: String) -> Int { server.stats().counts(for: uri).charged }

    /// Every call the stand-in received for `uri`, charged or not.
    func received(_ uri: String) -> Int {
        let counts = server.stats().counts(for: uri)
        return counts.charged + counts.notCharged
    }

    // MARK: clients

    /// `curl ARGS` (never the user's config: `-q`), with a 20 s limit.
    func curl(_ arguments: [String]) async throws -> ToolResult {
        try await Tool.run(
            "/usr/bin/curl", ["-q", "-sS", "--max-time", "20"] + arguments, env: ["HOME": environment.root])
    }

    /// `curl` over the unix socket: `-D -` headers, then the body, for `path`.
    func curlSocket(_ path: String, _ extra: [String] = []) async throws -> HTTPAnswer {
        try HTTPAnswer(
            try await curl(["--unix-socket", socketPath, "-D", "-", "http://api.github.com\(path)"] + extra))
    }

    /// `curl` of `/repos/octo/hello` with the test's token over `socket`, for a daemon started without a world.
    static func curlHello(socket: String) async throws -> HTTPAnswer {
        try HTTPAnswer(
            try await Tool.run(
                "/usr/bin/curl",
                ["-q", "-sS", "-D", "-", "--unix-socket", socket] + auth + ["http://api.github.com/repos/octo/hello"],
                env: [:]))
    }

    /// `curl` over TCP for `path`.
    func curlTCP(_ path: String, _ extra: [String] = []) async throws -> HTTPAnswer {
        try HTTPAnswer(try await curl(["-D", "-", "\(origin)\(path)"] + extra))
    }

    /// The `Authorization` header of this test's token for curl.
    static let auth = ["-H", "Authorization: token \(token)"]

    /// `gh ARGS` with its own config directory pointed at the socket (never the user's), `GH_TOKEN` set.
    func gh(_ arguments: [String], configDir: String) async throws -> ToolResult {
        try await Tool.run(
            try Tool.find("gh"), arguments,
            env: [
                "HOME": environment.root, "GH_CONFIG_DIR": configDir, "GH_TOKEN": Self.token,
                "GH_NO_UPDATE_NOTIFIER": "1", "GH_PROMPT_DISABLED": "1", "NO_COLOR": "1", "GH_PAGER": "cat",
                "PATH": "/usr/bin:/bin",
            ])
    }

    /// A fresh gh config directory whose `http_unix_socket` is the endpoint's socket.
    func ghConfig() async throws -> String {
        let directory = (environment.root as NSString).appendingPathComponent("gh-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let set = try await gh(["config", "set", "http_unix_socket", socketPath], configDir: directory)
        try #require(set.status == 0, "gh config set failed: \(set.stderr)")
        return directory
    }

    /// `ghcache-get ARGS` with this world's cache directory (and `env` on top).
    func ghcacheGet(_ arguments: [String], env: [String: String] = [:]) async throws -> ProcessResult {
        try await environment.run("ghcache-get", arguments, env: ["GITHUB_TOKEN": Self.token].merging(env) { $1 })
    }
}

/// What an HTTP exchange printed by `curl -D -` looked like.
struct HTTPAnswer: Sendable {
    let status: Int
    /// Lower-case names; the last value of a repeated header.
    let headers: [String: String]
    let body: Data

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: Any? { try? JSONSerialization.jsonObject(with: body) }
    var outcome: String? { headers["x-ghcache"] }

    init(_ result: ToolResult) throws {
        try #require(result.status == 0, "curl failed (\(result.status)): \(result.stderr)")
        try self.init(reply: [UInt8](result.stdout))
    }

    /// An HTTP/1.1 reply as it came off the wire (or as `curl -D -` printed it): the header block, then the body.
    init(reply bytes: [UInt8]) throws {
        let separator = Array("\r\n\r\n".utf8)
        var split: Int?
        if bytes.count >= 4 {
            for index in 0...(bytes.count - 4) where Array(bytes[index..<index + 4]) == separator {
                split = index
                break
            }
        }
        let end = try #require(
            split, "no header block in the reply: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        let head = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusLine = head.first?.split(separator: " ") ?? []
        status = statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        self.headers = headers
        body = Data(bytes[(end + 4)...])
    }
}

/// What an external program left behind.
struct ToolResult: Sendable {
    let status: Int32
    let stdout: Data
    let stderr: String

    var text: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs programs that are not ours (curl, gh, Python) with output to files and a time limit.
enum Tool {
    /// The path of `name` on the standard `PATH`; fails the test with the install hint when missing.
    static func find(_ name: String) throws -> String {
        for directory in ["/usr/bin", "/bin", "/usr/local/bin"] {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw TestSupportError("\(name) is not installed: run scripts/test (it installs gh and curl with apt-get)")
    }

    static func run(
        _ executable: String, _ arguments: [String], env: [String: String], stdin: Data? = nil, timeout: Double = 30
    ) async throws -> ToolResult {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ghcache-tool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("out")
        let err = directory.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"].merging(env) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        if let stdin {
            let input = directory.appendingPathComponent("in")
            _ = FileManager.default.createFile(atPath: input.path, contents: stdin)
            process.standardInput = try FileHandle(forReadingFrom: input)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                Issue.record("\(executable) \(arguments.prefix(3)) did not finish within \(timeout) s")
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        process.waitUntilExit()
        return ToolResult(
            status: process.terminationStatus, stdout: (try? Data(contentsOf: out)) ?? Data(),
            stderr: String(decoding: (try? Data(contentsOf: err)) ?? Data(), as: UTF8.self))
    }
}

/// A helper process that runs for the length of a test (the write proxy); ``stop()`` kills it.
struct BackgroundTool: @unchecked Sendable {
    let process: Process

    /// Starts `executable ARGS` and waits (≤ 15 s) for its first stdout line.
    static func start(_ executable: String, _ arguments: [String], root: String) async throws -> (
        BackgroundTool, String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": root, "PYTHONUNBUFFERED": "1"]
        let id = UUID().uuidString
        let out = (root as NSString).appendingPathComponent("\(id).out")
        let err = (root as NSString).appendingPathComponent("\(id).err")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let tool = BackgroundTool(process: process)
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            let text = String(decoding: FileManager.default.contents(atPath: out) ?? Data(), as: UTF8.self)
            if let line = text.split(separator: "\n").first, text.contains("\n") { return (tool, String(line)) }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        tool.stop()
        let errors = String(decoding: FileManager.default.contents(atPath: err) ?? Data(), as: UTF8.self)
        throw TestSupportError("\(executable) \(arguments) printed no first line: \(errors)")
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
