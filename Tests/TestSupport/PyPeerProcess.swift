import Foundation
import Synchronization
import Testing

/// A running `Tests/Python/p2p_peer.py` (real py-libp2p 0.8.1), or another script of that folder with the same
/// output contract (first line the multiaddr, then JSON events), killed on `stop()` or deinit.
///
/// Python comes from `GHCACHE_PYTHON`, else `<package root>/.venv/bin/python`; if neither exists
/// the test fails with a message saying how to create the venv.
public final class PyPeerProcess: Sendable {
    private let process: Process
    private let lines = OutputLines()

    /// Starts the peer with `arguments` (a `--timeout` bound is always added). With `wrapper`, the process is
    /// `wrapper(python, arguments)` instead (e.g. ``NetworkLab/command(in:_:_:)`` to run it in a namespace).
    public init(
        _ arguments: [String], script: String = "p2p_peer.py", timeout: Int = 40,
        wrapper: ((String, [String]) -> (String, [String]))? = nil
    ) throws {
        process = Process()
        let python = try TestPaths.python().path
        let full =
            ["-u", TestPaths.packageRoot.appendingPathComponent("Tests/Python/\(script)").path]
            + arguments + ["--timeout", String(timeout)]
        let (executable, processArguments) = wrapper?(python, full) ?? (python, full)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = processArguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        let lines = self.lines
        let reader = stdout.fileHandleForReading
        try process.run()
        Thread.detachNewThread {
            while true {
                let data = ChildOutput.readChunk(reader)
                if data.isEmpty { return }
                lines.append(data)
            }
        }
    }

    deinit { stop() }

    /// Kills the process (SIGKILL) and waits for it.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// All stdout lines so far.
    public var output: [String] { lines.all }

    /// Waits for the first stdout line: the peer's multiaddr.
    public func address(within seconds: Double = 30) async throws -> String {
        try await waitForLine(within: seconds) { $0.hasPrefix("/ip4/") }
    }

    /// Waits for a JSON event line with `"event": name` matching `where`.
    public func event(
        _ name: String, within seconds: Double = 20, where match: @escaping ([String: Any]) -> Bool = { _ in true }
    ) async throws -> [String: Any] {
        let line = try await waitForLine(within: seconds) { line in
            guard let object = Self.json(line), object["event"] as? String == name else { return false }
            return match(object)
        }
        return Self.json(line) ?? [:]
    }

    private static func json(_ line: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    private func waitForLine(within seconds: Double, _ match: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if let line = output.first(where: match) { return line }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw PyPeerError("py peer: expected output not seen within \(seconds) s; output so far: \(output)")
    }
}

/// Complete stdout lines of a process, filled from a pipe's readability handler.
private final class OutputLines: Sendable {
    private let state = Mutex<(lines: [String], partial: Data)>(([], Data()))

    var all: [String] { state.withLock { $0.lines } }

    func append(_ data: Data) {
        state.withLock { s in
            s.partial.append(data)
            while let newline = s.partial.firstIndex(of: 0x0a) {
                s.lines.append(String(decoding: s.partial[s.partial.startIndex..<newline], as: UTF8.self))
                s.partial.removeSubrange(s.partial.startIndex...newline)
            }
        }
    }
}

/// A failure starting or talking to the Python peer.
public struct PyPeerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
