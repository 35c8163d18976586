import Crypto
import Foundation

/// Names a token without revealing it: HMAC-SHA256 of the token under a key kept in
/// `$CACHE_DIR/fingerprint.key` (32 raw bytes, mode 0600). The token itself is never written anywhere.
///
/// On a machine without a daemon the key is random (created on first use). `ghcache-peer` installs a key derived
/// from the fleet key (``install(key:cacheDir:)``), so every runner of a fleet gives a token the same fingerprint
/// and validators can travel with replicated entries. Validators stored under an earlier key no longer match
/// (each costs one charged refresh).
public struct TokenFingerprinter: Sendable {
    private let key: SymmetricKey

    /// The length of a fingerprint key, in bytes.
    public static let keyBytes = 32

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

    /// Makes `key` (``keyBytes`` bytes) the fingerprint key of `cacheDir`, for every process that opens it from
    /// now on: written to a temporary file (mode 0600) and renamed over `fingerprint.key`, so a reader sees the old
    /// key or the new one, never a torn file. Nothing is written when the file already holds `key`.
    ///
    /// - Returns: whether the file changed (validators stored under the previous key stop matching).
    @discardableResult
    public static func install(key: some Collection<UInt8>, cacheDir: String) throws(GHCacheError) -> Bool {
        let data = Data(key)
        guard data.count == keyBytes else {
            throw GHCacheError(
                "a token fingerprint key must be \(keyBytes) bytes, not \(data.count)", exitStatus: .store)
        }
        let path = (cacheDir as NSString).appendingPathComponent("fingerprint.key")
        if let current = FileManager.default.contents(atPath: path), current == data { return false }
        let temporary = path + ".\(ProcessInfo.processInfo.processIdentifier).install.tmp"
        unlink(temporary)
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600])
        else {
            throw GHCacheError("cannot write \(temporary): check the permissions of \(cacheDir)", exitStatus: .store)
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw GHCacheError("cannot replace \(path): \(reason)", exitStatus: .store)
        }
        return true
    }

    /// The fingerprint of `token` (hex, 32 characters), or ``anonymous`` for no token.
    public func fingerprint(_ token: String?) -> String {
        guard let token, !token.isEmpty else { return Self.anonymous }
        return hexString(HMAC<SHA256>.authenticationCode(for: Data(token.utf8), using: key).prefix(16))
    }
}
