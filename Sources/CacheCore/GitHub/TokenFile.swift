import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `CACHE_TOKEN_FILE`: the daemon's token in a file that something else rewrites (a Kubernetes secret volume, which
/// swaps a symbolic link to a new directory; Vault Agent; systemd's `LoadCredential=`; a cron job).
///
/// Before each use the file is `stat`ed (following links): when its device, inode, size or modification time
/// differ from the last read, it is read again. The content is trimmed of surrounding white space (a trailing
/// newline); an empty file or one with several lines is refused. When the file turns unreadable or bad after a
/// good read, the last good token is kept and a note says why, once per change.
final class TokenFile: Sendable {
    let path: String
    private let note: @Sendable (String) -> Void

    private struct Snapshot: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modifiedSeconds: Int
        var modifiedNanoseconds: Int
    }

    private struct State {
        var snapshot: Snapshot?
        var token: String?
        /// The file's state when a read last failed (so the note is given once per change); `nil`: no failure.
        var failedAt: Snapshot??
    }

    private let state = Mutex(State())

    init(path: String, note: @escaping @Sendable (String) -> Void) {
        self.path = path
        self.note = note
    }

    /// The token, read again if the file changed since the last read.
    func token() throws(GHCacheError) -> String {
        let current = Self.snapshot(path)
        if let token = state.withLock({ $0.snapshot == current && current != nil ? $0.token : nil }) { return token }
        return try read(current)
    }

    /// GitHub refused `rejected`: reads the file again whatever its state; whether it now holds another token.
    func reread(rejected: String) -> Bool {
        guard let token = try? read(Self.snapshot(path)) else { return false }
        return token != rejected
    }

    private func read(_ snapshot: Snapshot?) throws(GHCacheError) -> String {
        let variable = ConfigVariable.tokenFile.rawValue
        let problem: String
        if let data = FileManager.default.contents(atPath: path) {
            let text = String(decoding: data, as: UTF8.self).trimmingWhitespace()
            if text.isEmpty {
                problem = "the file is empty"
            } else if Redaction.hasControlCharacter(text) || text.contains(where: \.isNewline) || text.contains(" ") {
                problem = "the file holds more than one token (several lines, spaces or control characters)"
            } else {
                Redaction.register(text)
                state.withLock { $0 = State(snapshot: snapshot, token: text, failedAt: nil) }
                return text
            }
        } else {
            problem =
                FileManager.default.fileExists(atPath: path)
                ? "the file cannot be read by this user" : "the file is missing"
        }
        let message = "\(variable)=\(path): \(problem); write the daemon's GitHub token into it (one line)"
        let (kept, first) = state.withLock { state -> (String?, Bool) in
            let first = state.failedAt != .some(snapshot)
            state.failedAt = .some(snapshot)
            return (state.token, first)
        }
        guard let kept else { throw GHCacheError(message, exitStatus: .usage) }
        if first { note("\(message) (the token read before is used meanwhile)") }
        return kept
    }

    private static func snapshot(_ path: String) -> Snapshot? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
            let modified = info.st_mtimespec
        #else
            let modified = info.st_mtim
        #endif
        return Snapshot(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modifiedSeconds: Int(modified.tv_sec), modifiedNanoseconds: Int(modified.tv_nsec))
    }
}
