import CacheCore
import Foundation

/// Where a command writes: data to stdout, messages to stderr (stdout carries only data). ``live`` is the
/// process's file descriptors; a test gives sinks of its own.
public struct Output: Sendable {
    private let standardOutput: @Sendable (Data) -> Void
    private let standardError: @Sendable (Data) -> Void

    /// An output writing data to `stdout` and messages to `stderr`.
    public init(stdout: @escaping @Sendable (Data) -> Void, stderr: @escaping @Sendable (Data) -> Void) {
        standardOutput = stdout
        standardError = stderr
    }

    /// The process's stdout and stderr.
    public static let live = Output(
        stdout: { FileDescriptorIO.write($0, to: STDOUT_FILENO) },
        stderr: { FileDescriptorIO.write($0, to: STDERR_FILENO) })

    /// Writes a body to stdout, adding a final newline when it has none.
    public func body(_ data: Data) {
        standardOutput(data.last == UInt8(ascii: "\n") ? data : data + Data("\n".utf8))
    }

    /// Writes a line of text to stdout.
    public func line(_ text: String) {
        standardOutput(Data((text + "\n").utf8))
    }

    /// `ghcache: warning: ...` on stderr.
    public func warn(_ message: String) {
        stderr("warning: \(message)")
    }

    /// Writes `ghcache: <text>` to stderr.
    public func stderr(_ text: String) {
        standardError(Data("ghcache: \(Redaction.redactLines(text))\n".utf8))
    }

    /// Writes `text` to stderr as it is (ArgumentParser's usage messages).
    func rawError(_ text: String) {
        standardError(Data(text.utf8))
    }

    /// Writes a line to stdout through ``live`` (the daemon, which runs as its own process only).
    public static func line(_ text: String) { live.line(text) }

    /// `ghcache: warning: ...` on the process's stderr.
    public static func warn(_ message: String) { live.warn(message) }

    /// `ghcache: <text>` on the process's stderr.
    public static func stderr(_ text: String) { live.stderr(text) }
}
