import Crypto
import Foundation
import _CryptoExtras

/// Fernet (https://github.com/fernet/spec), byte-compatible with Python's `cryptography.fernet.Fernet`.
///
/// A token is padded URL-safe base64 of `0x80 ‖ timestamp (u64 BE, Unix seconds) ‖ IV (16) ‖
/// AES-128-CBC/PKCS7 ciphertext ‖ HMAC-SHA256 (32)` where the HMAC covers everything before it.
/// Decryption checks, in order: the token's shape, the HMAC (constant time), the timestamp against the TTL
/// and the allowed clock skew, and only then decrypts, so an expiry or skew verdict is only ever given for an
/// authentic token.
public struct Fernet: Sendable {
    /// Fernet's version byte.
    static let version: UInt8 = 0x80
    /// version + timestamp + IV + one cipher block + HMAC.
    static let minimumTokenBytes = 1 + 8 + 16 + 16 + 32

    let key: FleetKey

    /// The length of the token text for a plaintext of `plaintextCount` bytes.
    static func tokenLength(plaintextCount: Int) -> Int {
        let raw = 1 + 8 + 16 + (plaintextCount / 16 + 1) * 16 + 32
        return (raw + 2) / 3 * 4
    }

    /// A Fernet instance for the fleet key.
    public init(key: FleetKey) {
        self.key = key
    }

    /// Encrypts `plaintext` into a token stamped with `now`.
    public func encrypt(_ plaintext: some DataProtocol, now: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        return encrypt(plaintext, now: now, iv: (0..<16).map { _ in generator.next() })
    }

    /// Encrypts with a caller-chosen IV (16 bytes); only tests pin the IV.
    func encrypt(_ plaintext: some DataProtocol, now: Date, iv ivBytes: [UInt8]) -> String {
        var token: [UInt8] = [Self.version]
        let timestamp = UInt64(clamping: Int64(now.timeIntervalSince1970.rounded(.down)))
        withUnsafeBytes(of: timestamp.bigEndian) { token.append(contentsOf: $0) }
        token.append(contentsOf: ivBytes)
        // AES-CBC with a 16-byte key, a 16-byte IV and padding on cannot fail.
        let ciphertext =
            (try? AES._CBC.IV(ivBytes: ivBytes)).flatMap {
                try? AES._CBC.encrypt(plaintext, using: key.encryptionKey, iv: $0)
            } ?? Data()
        precondition(!ciphertext.isEmpty, "AES-128-CBC encryption failed")
        token.append(contentsOf: ciphertext)
        token.append(contentsOf: HMAC<SHA256>.authenticationCode(for: token, using: key.signingKey))
        return Base64URL.encode(token)
    }

    /// Decrypts a token.
    ///
    /// - Parameters:
    ///   - token: the token text (ASCII); surrounding whitespace is not allowed.
    ///   - ttl: the oldest token age accepted (`nil`: any age), the replay bound.
    ///   - maxClockSkew: how far in the future a token's timestamp may be (Python's default is 60 s).
    ///   - now: the current time.
    public func decrypt(
        _ token: some StringProtocol, ttl: Duration?, maxClockSkew: Duration = .seconds(60), now: Date = Date()
    ) throws(FernetError) -> Data {
        guard let raw = Base64URL.decode(token) else { throw .notBase64URL }
        let bytes = [UInt8](raw)
        guard bytes.count >= Self.minimumTokenBytes else { throw .tooShort(bytes.count) }
        guard bytes[0] == Self.version else { throw .unsupportedVersion(bytes[0]) }
        let ciphertextCount = bytes.count - (1 + 8 + 16 + 32)
        guard ciphertextCount % 16 == 0 else { throw .ciphertextNotBlockAligned(ciphertextCount) }

        let signed = bytes[0..<(bytes.count - 32)]
        let mac = bytes[(bytes.count - 32)...]
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: key.signingKey) else {
            throw .invalidSignature
        }

        let timestamp = bytes[1..<9].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let current = Int64(now.timeIntervalSince1970.rounded(.down))
        let stamped = Int64(clamping: timestamp)
        if let ttl, stamped.addingReportingOverflow(ttl.wholeSeconds).partialValue < current {
            throw .expired(ageSeconds: current - stamped)
        }
        if current.addingReportingOverflow(maxClockSkew.wholeSeconds).partialValue < stamped {
            throw .fromTheFuture(aheadSeconds: stamped - current)
        }

        guard let iv = try? AES._CBC.IV(ivBytes: bytes[9..<25]),
            let plaintext = try? AES._CBC.decrypt(bytes[25..<(bytes.count - 32)], using: key.encryptionKey, iv: iv)
        else { throw .badPadding }
        return plaintext
    }
}

/// Why a Fernet token was refused.
public enum FernetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not padded URL-safe base64.
    case notBase64URL
    /// Fewer bytes than the smallest possible token.
    case tooShort(Int)
    /// The version byte is not 0x80.
    case unsupportedVersion(UInt8)
    /// The ciphertext is not a whole number of AES blocks.
    case ciphertextNotBlockAligned(Int)
    /// The HMAC does not match: wrong key or tampered token.
    case invalidSignature
    /// Authentic, but older than the TTL.
    case expired(ageSeconds: Int64)
    /// Authentic, but stamped further in the future than the allowed clock skew.
    case fromTheFuture(aheadSeconds: Int64)
    /// Authentic, but the plaintext padding is invalid (only a buggy encrypter produces this).
    case badPadding

    public var description: String {
        switch self {
        case .notBase64URL: "Fernet token is not URL-safe base64"
        case .tooShort(let count): "Fernet token too short (\(count) bytes)"
        case .unsupportedVersion(let version): "unsupported Fernet version 0x\(String(version, radix: 16))"
        case .ciphertextNotBlockAligned(let count): "Fernet ciphertext of \(count) bytes is not block aligned"
        case .invalidSignature: "Fernet token signature does not match (different fleet secret, or tampered)"
        case .expired(let age): "Fernet token expired (\(age) s old)"
        case .fromTheFuture(let ahead): "Fernet token is \(ahead) s in the future (clock skew)"
        case .badPadding: "Fernet plaintext padding is invalid"
        }
    }
}

extension Duration {
    /// Whole seconds, rounded down.
    var wholeSeconds: Int64 { components.seconds }
}
