import Crypto
import Foundation

/// Names a token without revealing it: HMAC-SHA256 of the token under a random key kept in
/// `$CACHE_DIR/fingerprint.key` (mode 0600). The token itself is never written anywhere.
public struct TokenFingerprinter: Sendable {
    private let key: SymmetricKey

    /// The fingerprint used for unauthenticated requests.
    public static let anonymous = "anonymous"

    /// Loads the store's fingerprint key, creating it on first use.
    public init(cacheDir: String) throws(GHCacheError) {
        let path = (cacheDir as NSString).appendingPathComponent("fingerprint.key")
        if let data = FileManager.default.contents(atPath: path), data.count == 32 {
            key = SymmetricKey(data: data)
            return
        }
        let fresh = SymmetricKey(size: .bits256)
        let data = fresh.withUnsafeBytes { Data($0) }
        let temporary = path + ".\(ProcessInfo.processInfo.processIdentifier).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600])
        else {
            throw GHCacheError("cannot write \(temporary): check the permissions of \(cacheDir)", exitStatus: .store)
        }
        // Publish atomically without replacing a key another process wrote meanwhile.
        if link(temporary, path) != 0 { unlink(temporary) } else { unlink(temporary) }
        guard let stored = FileManager.default.contents(atPath: path), stored.count == 32 else {
            throw GHCacheError(
                "\(path) is damaged (expected 32 bytes): delete it (cached validators are then ignored)",
                exitStatus: .store)
        }
        key = SymmetricKey(data: stored)
    }

    /// Creates a fingerprinter with a given key (tests).
    public init(key: SymmetricKey) {
        self.key = key
    }

    /// The fingerprint of `token` (hex, 32 characters), or ``anonymous`` for no token.
    public func fingerprint(_ token: String?) -> String {
        guard let token, !token.isEmpty else { return Self.anonymous }
        return hex(HMAC<SHA256>.authenticationCode(for: Data(token.utf8), using: key).prefix(16))
    }
}
