import Foundation

/// Reads a child process's pipe. Foundation's `availableData` and `readDataToEndOfFile()` trap
/// (`try!`) when a signal such as SIGCHLD interrupts the read (EINTR); these retry instead.
public enum ChildOutput {
    /// The next chunk of bytes, or empty data at end of file (or on a read error).
    public static func readChunk(_ handle: FileHandle, maxBytes: Int = 65536) -> Data {
        var buffer = [UInt8](repeating: 0, count: maxBytes)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
            if count >= 0 { return Data(buffer[0..<count]) }
            if errno != EINTR { return Data() }
        }
    }

    /// Everything up to end of file.
    public static func readToEnd(_ handle: FileHandle) -> Data {
        var data = Data()
        while true {
            let chunk = readChunk(handle)
            if chunk.isEmpty { return data }
            data.append(chunk)
        }
    }
}

/// Where the package and its test tools are.
public enum TestPaths {
    /// The package root, found from this file's path.
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The Python with the test dependencies: `$GHCACHE_PYTHON`, else `<package root>/.venv/bin/python`.
    /// Throws (so the calling test fails, never skips) with instructions when neither exists.
    public static func python() throws -> URL {
        if let configured = ProcessInfo.processInfo.environment["GHCACHE_PYTHON"], !configured.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: configured) else {
                throw TestSupportError("GHCACHE_PYTHON=\(configured) is not an executable")
            }
            return URL(fileURLWithPath: configured)
        }
        let venv = packageRoot.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: venv.path) else {
            throw TestSupportError(
                """
                no Python for the interop tests: set GHCACHE_PYTHON, or create \(venv.path) with \
                `python3 -m venv .venv && .venv/bin/pip install -r Tests/Python/requirements.txt` \
                (scripts/test does this)
                """)
        }
        return venv
    }
}

/// A test-infrastructure failure with a readable message.
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
