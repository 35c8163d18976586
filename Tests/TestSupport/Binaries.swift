import Foundation
import GitHubStandIn
import Testing

/// What a finished process left behind.
public struct ProcessResult: Sendable {
    public let status: Int32
    public let stdout: Data
    public let stderr: String
    /// Whether the process was ended by a signal (`status` is then the signal's number: a Swift trap is SIGILL, 4,
    /// or SIGTRAP, 5, which a plain status check would take for exit statuses 4 and 5).
    public var signalled = false

    public init(status: Int32, stdout: Data, stderr: String, signalled: Bool = false) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.signalled = signalled
    }

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// Stdout parsed as JSON (stdout must carry only the body).
    public var json: Any? { try? JSONSerialization.jsonObject(with: stdout) }
}

/// The built ghcache binaries: the directory of the running test bundle (`.build/<triple>/debug`),
/// or `GHCACHE_BIN_DIR`.
public enum Binaries {
    public static let directory: String = {
        if let override = ProcessInfo.processInfo.environment["GHCACHE_BIN_DIR"] { return override }
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // On Linux the runner is `<bin>/ghcachePackageTests.xctest`; on macOS a bundle inside <bin>.
        while !directory.path.hasSuffix("/debug") && !directory.path.hasSuffix("/release") && directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.path
    }()

    /// The path of a binary; the test fails with a message when it was not built.
    public static func path(_ name: String) throws -> String {
        let path = (directory as NSString).appendingPathComponent(name)
        try #require(
            FileManager.default.isExecutableFile(atPath: path),
            "\(path) is missing: run `swift build --build-tests` first (or set GHCACHE_BIN_DIR)")
        return path
    }
}

/// A cache directory and a running in-process stand-in for one test; stops the server at the end.
public struct Environment: Sendable {
    public let server: StandInServer
    public let root: String

    public var cacheDir: String { (root as NSString).appendingPathComponent("cache") }
    public var baseURL: String { server.baseURL.absoluteString }

    public static func with(
        _ configuration: StandInConfiguration = StandInConfiguration(), _ body: (Environment) async throws -> Void
    )
        async throws
    {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ghcache-it-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let server = try await StandInServer.start(configuration)
        let environment = Environment(server: server, root: root)
        do {
            try await body(environment)
        } catch {
            await server.shutdown()
            try? FileManager.default.removeItem(atPath: root)
            throw error
        }
        await server.shutdown()
        try? FileManager.default.removeItem(atPath: root)
    }

    /// The environment of a child process: only what ghcache reads, never the developer's token.
    public func variables(_ extra: [String: String] = [:]) -> [String: String] {
        [
            "PATH": "/usr/bin:/bin", "HOME": root, "CACHE_DIR": cacheDir, "GITHUB_API_URL": baseURL,
            "GITHUB_TOKEN": "integration-token",
        ].merging(extra) { $1 }
    }

    /// Starts a binary with output to files; returns the process and a reader for its result. With `wrapper`, the
    /// process is `wrapper(binaryPath, arguments)` instead (e.g. `ip netns exec NS binary ARGS`, which execs the
    /// binary in place, so the process is still the binary).
    public func start(
        _ binary: String, _ arguments: [String], env: [String: String] = [:],
        wrapper: ((String, [String]) -> (String, [String]))? = nil
    ) throws -> RunningProcess {
        let process = Process()
        let (executable, fullArguments) =
            try wrapper?(Binaries.path(binary), arguments) ?? (Binaries.path(binary), arguments)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = fullArguments
        process.environment = variables(env)
        let id = UUID().uuidString
        let out = (root as NSString).appendingPathComponent("\(id).out")
        let err = (root as NSString).appendingPathComponent("\(id).err")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return RunningProcess(process: process, stdoutPath: out, stderrPath: err)
    }

    /// Runs a binary to completion (killed after `timeout` seconds).
    public func run(_ binary: String, _ arguments: [String], env: [String: String] = [:], timeout: Double = 30)
        async throws
        -> ProcessResult
    {
        try await start(binary, arguments, env: env).wait(timeout: timeout)
    }

    /// `ghcache-get ARGS`.
    public func get(_ arguments: String..., env: [String: String] = [:]) async throws -> ProcessResult {
        try await run("ghcache-get", arguments, env: env)
    }
}

/// A child process whose output goes to files.
public struct RunningProcess: @unchecked Sendable {
    public let process: Process
    public let stdoutPath: String
    public let stderrPath: String

    /// Waits for the exit (SIGKILL after `timeout` seconds, and the test fails).
    public func wait(timeout: Double = 30) async throws -> ProcessResult {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                Issue.record("\(process.executableURL?.lastPathComponent ?? "?") did not finish within \(timeout) s")
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus,
            stdout: FileManager.default.contents(atPath: stdoutPath) ?? Data(),
            stderr: String(decoding: FileManager.default.contents(atPath: stderrPath) ?? Data(), as: UTF8.self),
            signalled: process.terminationReason == .uncaughtSignal)
    }
}

/// Polls `condition` every 50 ms until it holds or `timeout` seconds pass; then records a failure with `message` and
/// throws, so a test never waits unbounded.
public func eventually(
    _ message: String, timeout: Double = 15, sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("timed out after \(timeout) s: \(message)", sourceLocation: sourceLocation)
    throw CancellationError()
}
