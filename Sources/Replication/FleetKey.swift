import Crypto
import Foundation
import _CryptoExtras

/// The symmetric key a fleet shares: a Fernet key derived from the fleet secret.
///
/// Derivation (the seed's scheme, fixed by DESIGN §5): PBKDF2-HMAC-SHA256 over the UTF-8 secret with salt
/// `github-cache-p2p`, 100 000 iterations, 32 output bytes. The first 16 bytes sign Fernet tokens, the last
/// 16 encrypt them. The key never appears in `description` so it cannot leak into a log by accident.
public struct FleetKey: Sendable, Equatable, CustomStringConvertible {
    /// PBKDF2 salt of the seed's scheme.
    public static let salt = "github-cache-p2p"
    /// PBKDF2 iteration count of the seed's scheme.
    public static let iterations = 100_000

    /// The 32 raw key bytes (signing key ‖ encryption key).
    let rawBytes: [UInt8]

    /// Derives the fleet key from a fleet secret (this takes tens of milliseconds: derive once per process).
    public init(secret: String) {
        // 100 000 rounds is below swift-crypto's 210 000 guard for password storage, but it is the fleet's
        // interoperable scheme, not password storage, so the unchecked entry point is the right one.
        // PBKDF2 with a valid hash, a 32-byte output and positive rounds cannot fail.
        let derived = try? KDF.Insecure.PBKDF2.deriveKey(
            from: Array(secret.utf8), salt: Array(Self.salt.utf8), using: .sha256, outputByteCount: 32,
            unsafeUncheckedRounds: Self.iterations)
        self.rawBytes = derived.map { key in key.withUnsafeBytes { Array($0) } } ?? []
        precondition(rawBytes.count == 32, "PBKDF2-HMAC-SHA256 failed to derive a 32-byte key")
    }

    /// Reads a Fernet key as Python writes it (`Fernet.generate_key()`): 32 bytes in padded URL-safe base64.
    public init(fernetKey: String) throws(FleetKeyError) {
        guard let bytes = Base64URL.decode(fernetKey.trimmingCharacters(in: .whitespacesAndNewlines)),
            bytes.count == 32
        else { throw FleetKeyError.invalidFernetKey }
        self.rawBytes = Array(bytes)
    }

    /// The key in Fernet's text form (padded URL-safe base64), accepted by Python's `Fernet(key)`.
    /// Treat it like the secret itself: never log it.
    public var fernetKey: String { Base64URL.encode(rawBytes) }

    /// HMAC-SHA256 key of Fernet tokens (first 16 bytes).
    var signingKey: SymmetricKey { SymmetricKey(data: rawBytes[0..<16]) }
    /// AES-128-CBC key of Fernet tokens (last 16 bytes).
    var encryptionKey: SymmetricKey { SymmetricKey(data: rawBytes[16..<32]) }

    public var description: String { "FleetKey(redacted)" }
}

/// A Fernet key given as text could not be used.
public enum FleetKeyError: Error, Equatable, CustomStringConvertible {
    /// The text is not 32 bytes in padded URL-safe base64.
    case invalidFernetKey

    public var description: String {
        "invalid Fernet key: expected 32 bytes in URL-safe base64 (44 characters ending in '=')"
    }
}
