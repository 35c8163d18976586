import CacheCore
import Foundation

/// Writes data to stdout and messages to stderr. Stdout carries only data.
public enum Output {
    /// Writes a body to stdout, adding a final newline when it has none.
    public static func body(_ data: Data) {
        FileDescriptorIO.write(data.last == UInt8(ascii: "\n") ? data : data + Data("\n".utf8), to: STDOUT_FILENO)
    }

    /// Writes a line of text to stdout.
    public static func line(_ text: String) {
        FileDescriptorIO.write(Data((text + "\n").utf8), to: STDOUT_FILENO)
    }

    /// `ghcache: warning: ...` on stderr.
    public static func warn(_ message: String) {
        stderr("warning: \(message)")
    }

    /// Writes `ghcache: <text>` to stderr.
    public static func stderr(_ text: String) {
        FileDescriptorIO.write(Data("ghcache: \(Redaction.redactLines(text))\n".utf8), to: STDERR_FILENO)
    }
}
