import Crypto
import Foundation
import _CryptoExtras

/// A GitHub App's private key and the JSON Web Tokens it signs to authenticate as the App.
///
/// GitHub's rules (docs.github.com, "Generating a JSON Web Token (JWT) for a GitHub App"): RS256 (RSASSA-PKCS1-v1_5
/// with SHA-256); `iat` set 60 s in the past against clock drift; `exp` no more than 10 minutes in the future; `iss`
/// the App's client ID or application ID. The key is read from a PEM file as GitHub hands it out (PKCS#1,
/// `BEGIN RSA PRIVATE KEY`) or converted (PKCS#8, `BEGIN PRIVATE KEY`); it stays in memory only.
public struct GitHubAppKey: Sendable {
    private let key: _RSA.Signing.PrivateKey

    /// How far `iat` is set in the past, in seconds.
    public static let backdate = 60
    /// How long after signing `exp` falls, in seconds: 9 minutes, under GitHub's 10-minute limit from `iat` (so the
    /// backdated `iat` keeps `exp - iat` at 10 minutes).
    public static let lifetime = 540

    /// Parses a PEM private key; the error says what is wrong with it (never the key).
    public init(pem: String) throws(GHCacheError) {
        let variable = ConfigVariable.githubAppPrivateKeyFile.rawValue
        guard pem.contains("-----BEGIN RSA PRIVATE KEY-----") || pem.contains("-----BEGIN PRIVATE KEY-----") else {
            let hint =
                pem.contains("ENCRYPTED PRIVATE KEY") || pem.contains("Proc-Type: 4,ENCRYPTED")
                ? "it is encrypted: store it unencrypted, readable only by the daemon's user"
                : pem.contains("PUBLIC KEY")
                    ? "it is a public key: use the private key (.pem) downloaded from the App's settings page"
                    : "expected -----BEGIN RSA PRIVATE KEY----- (as GitHub hands it out) or -----BEGIN PRIVATE KEY-----"
            throw GHCacheError(
                "\(variable): the file is not an RSA private key in PEM form (\(hint))", exitStatus: .usage)
        }
        do {
            key = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
        } catch {
            throw GHCacheError(
                "\(variable): the RSA private key in the file cannot be read (damaged, or shorter than 2048 bits): "
                    + "generate a new private key on the App's settings page", exitStatus: .usage)
        }
    }

    /// Reads the key file named by `CACHE_GITHUB_APP_PRIVATE_KEY_FILE`.
    public static func load(path: String) throws(GHCacheError) -> GitHubAppKey {
        let variable = ConfigVariable.githubAppPrivateKeyFile.rawValue
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read by this user" : "does not exist"
            throw GHCacheError(
                "\(variable)=\(path): the file \(reason); point it at the App's private key (.pem) and let the "
                    + "daemon's user read it", exitStatus: .usage)
        }
        return try GitHubAppKey(pem: String(decoding: data, as: UTF8.self))
    }

    /// A JWT for the App `issuer` (its client ID or application ID), signed now (`now`, Unix seconds).
    public func jwt(issuer: String, now: Double) throws(GHCacheError) -> String {
        let issued = Int(now.rounded(.down)) - Self.backdate
        let header = #"{"alg":"RS256","typ":"JWT"}"#
        // A numeric application ID goes as a number, a client ID (`Iv23…`) as a string; GitHub accepts both.
        let iss = issuer.allSatisfy(\.isASCIIDigitCharacter) ? issuer : "\"\(issuer)\""
        let claims = #"{"iat":\#(issued),"exp":\#(issued + Self.backdate + Self.lifetime),"iss":\#(iss)}"#
        let signingInput = Self.base64URL(Data(header.utf8)) + "." + Self.base64URL(Data(claims.utf8))
        do {
            let signature = try key.signature(for: Data(signingInput.utf8), padding: .insecurePKCS1v1_5)
            return signingInput + "." + Self.base64URL(signature.rawRepresentation)
        } catch {
            throw GHCacheError("cannot sign the GitHub App's JWT: \(error)", exitStatus: .usage)
        }
    }

    /// Unpadded URL-safe base64 (RFC 7515 §2, "Base64url Encoding").
    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
