import Foundation
import Synchronization
import TestSupport
import Testing

/// Runs the project's Python helpers (Tests/Python) with the test venv's interpreter.
///
/// The interpreter is `$GHCACHE_PYTHON`, else `<package root>/.venv/bin/python`; when neither exists the calling
/// test fails with a message saying how to create it (never a silent skip). Every run is bounded in time.
enum Python {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    struct Output {
        var status: Int32
        var stdout: Data
        var stderr: String
    }

    /// The interpreter to use.
    static func interpreter() throws -> URL { try TestPaths.python() }

    /// Runs `Tests/Python/<script>` with `arguments`, feeding `stdin`; kills it after `timeout`.
    static func run(
        _ script: String, _ arguments: [String] = [], stdin: Data = Data(), timeout: Duration = .seconds(60)
    ) throws -> Output {
        let process = Process()
        process.executableURL = try interpreter()
        process.arguments = [TestPaths.packageRoot.appendingPathComponent("Tests/Python/\(script)").path] + arguments
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        let collected = Mutex((Data(), Data()))
        let group = DispatchGroup()
        for (index, pipe) in [output, errors].enumerated() {
            let handle = pipe.fileHandleForReading
            DispatchQueue.global().async(group: group) {
                let data = ChildOutput.readToEnd(handle)
                collected.withLock { if index == 0 { $0.0 = data } else { $0.1 = data } }
            }
        }
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let writer = input.fileHandleForWriting
        DispatchQueue.global().async {
            try? writer.write(contentsOf: stdin)
            try? writer.close()
        }
        let seconds = Double(timeout.components.seconds)
        guard finished.wait(timeout: .now() + seconds) == .success else {
            throw Failure(description: "\(script) did not finish within \(timeout)")
        }
        guard group.wait(timeout: .now() + 5) == .success else {
            throw Failure(description: "\(script) output was not closed")
        }
        let (stdout, stderr) = collected.withLock { $0 }
        return Output(
            status: process.terminationStatus, stdout: stdout, stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Runs `fernet_tool.py` on a list of operations and returns its results.
    static func fernetTool(_ operations: [[String: Any]]) throws -> [[String: Any]] {
        let request = try JSONSerialization.data(withJSONObject: operations)
        let output = try run("fernet_tool.py", stdin: request)
        guard output.status == 0 else { throw Failure(description: "fernet_tool.py failed: \(output.stderr)") }
        guard let results = try JSONSerialization.jsonObject(with: output.stdout) as? [[String: Any]],
            results.count == operations.count
        else { throw Failure(description: "fernet_tool.py printed unexpected output") }
        return results
    }
}
