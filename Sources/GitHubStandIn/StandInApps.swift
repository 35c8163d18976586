import Crypto
import Foundation
import NIOHTTP1
import _CryptoExtras

/// A GitHub App registered with the stand-in (`StandInConfiguration.apps`, `POST /_standin/apps`): its ID, its
/// public key, and where it is installed with which access.
public struct StandInApp: Sendable, Codable, Equatable {
    /// Where the App is installed, and what its installation tokens may read (``StandInAccess`` grants given to
    /// every token minted for it).
    public struct Installation: Sendable, Codable, Equatable {
        public var id: Int
        /// The organisation or user the App is installed on.
        public var account: String
        /// `Organization` or `User` (which of `/orgs/…/installation` and `/users/…/installation` finds it).
        public var accountType: String
        /// Scopes (`owner` or `owner/name`) and roles granted to the installation's tokens.
        public var grants: [Grant]

        public struct Grant: Sendable, Codable, Equatable {
            public var scope: String
            public var role: StandInAccess.Role

            public init(scope: String, role: StandInAccess.Role) {
                self.scope = scope
                self.role = role
            }
        }

        enum CodingKeys: String, CodingKey {
            case id, account, grants
            case accountType = "account_type"
        }

        public init(id: Int, account: String, accountType: String = "Organization", grants: [Grant] = []) {
            self.id = id
            self.account = account
            self.accountType = accountType
            self.grants = grants
        }
    }

    /// The application ID (the JWT's `iss`, as a number or a string).
    public var id: Int
    /// The client ID, also accepted as `iss`.
    public var clientID: String?
    /// The App's public key (PEM), against which JWT signatures are checked.
    public var publicKeyPEM: String
    public var installations: [Installation]

    enum CodingKeys: String, CodingKey {
        case id, installations
        case clientID = "client_id"
        case publicKeyPEM = "public_key_pem"
    }

    public init(id: Int, clientID: String? = nil, publicKeyPEM: String, installations: [Installation]) {
        self.id = id
        self.clientID = clientID
        self.publicKeyPEM = publicKeyPEM
        self.installations = installations
    }
}

/// One installation token the stand-in minted, and how it was used: `GET /_standin/apps` lists them, so a test can
/// check that no request came with an expired token.
public struct MintedTokenRecord: Sendable, Codable, Equatable {
    public var installation: Int
    /// Unix seconds.
    public var mintedAt: Double
    public var expiresAt: Double
    /// API requests made with the token while it was valid.
    public var uses: Int
    /// API requests made with the token after it expired (each answered 401 Bad credentials).
    public var expiredUses: Int

    enum CodingKeys: String, CodingKey {
        case installation, uses
        case mintedAt = "minted_at"
        case expiresAt = "expires_at"
        case expiredUses = "expired_uses"
    }
}

/// The App state of a stand-in: registered Apps, and the installation tokens minted so far (by token).
struct StandInAppState: Sendable {
    var apps: [StandInApp]
    var tokens: [String: MintedTokenRecord] = [:]
    /// Minting order, for the control API's list.
    var order: [String] = []
    /// Tokens made to stop working (``StandInServer/expireToken(_:)``), with the requests made with each since.
    var expired: [String: Int] = [:]
}

/// GitHub's App endpoints (JWT-authenticated) and the life of installation tokens.
extension StandInEngine {
    /// GitHub's answers to a JWT it refuses (401).
    enum JWTRefusal {
        static let undecodable = "A JSON web token could not be decoded"
        static let expired =
            "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the "
            + "assertion expires"
        static let tooLong = "'Expiration time' claim ('exp') is too far in the future"
        static let issuedLater =
            "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
    }

    /// How far in the future `iat` may be (clock drift GitHub tolerates).
    static let allowedSkew: Double = 60

    /// The answer to an App request or to a request with an expired installation token; `nil` for everything else
    /// (a valid installation token is recorded as used and goes on as any token).
    func appReply(_ request: IncomingRequest, now: Date, state: inout State) -> Reply? {
        guard let value = request.headers.first(name: "Authorization") else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, ["token", "bearer"].contains(parts[0].lowercased()) else { return nil }
        let credential = parts[1].trimmingCharacters(in: .whitespaces)
        let seconds = now.timeIntervalSince1970
        if let uses = state.apps.expired[credential] {
            state.apps.expired[credential] = uses + 1
            return .json(.unauthorized, addDocumentation(router.fixtures.badCredentials.response.body))
        }
        if var record = state.apps.tokens[credential] {
            defer { state.apps.tokens[credential] = record }
            if seconds >= record.expiresAt {
                record.expiredUses += 1
                return .json(.unauthorized, addDocumentation(router.fixtures.badCredentials.response.body))
            }
            record.uses += 1
            return nil
        }
        let path = request.path
        let isAppPath =
            path.hasPrefix("/app/") || path == "/app"
            || (path.hasSuffix("/installation") && (path.hasPrefix("/orgs/") || path.hasPrefix("/users/")))
        guard isAppPath, !credential.hasPrefix("ghs_"), credential.split(separator: ".").count == 3 else { return nil }
        switch verifyJWT(credential, now: seconds, apps: state.apps.apps) {
        case .failure(let refusal): return .githubError(.unauthorized, message: refusal.message)
        case .success(let app): return appRoute(request, app: app, now: seconds, state: &state)
        }
    }

    private func appRoute(_ request: IncomingRequest, app: StandInApp, now: Double, state: inout State) -> Reply {
        let parts = request.path.split(separator: "/").map(String.init)
        let notFound = Reply.json(.notFound, Router.notFoundBody)
        func described(_ installation: StandInApp.Installation) -> JSONValue {
            [
                "id": .int(installation.id), "app_id": .int(app.id), "target_type": .string(installation.accountType),
                "account": ["login": .string(installation.account), "type": .string(installation.accountType)],
                "repository_selection": "all",
            ]
        }
        switch (request.method, parts.count) {
        case (.GET, 3) where parts[0] == "orgs" || parts[0] == "users":
            let type = parts[0] == "orgs" ? "Organization" : "User"
            guard
                let installation = app.installations.first(where: {
                    $0.accountType == type && $0.account.caseInsensitiveCompare(parts[1]) == .orderedSame
                })
            else { return notFound }
            return .json(.ok, described(installation))
        case (.GET, 3) where parts[1] == "installations":
            guard let installation = app.installations.first(where: { "\($0.id)" == parts[2] }) else { return notFound }
            return .json(.ok, described(installation))
        case (.POST, 4) where parts[1] == "installations" && parts[3] == "access_tokens":
            guard let installation = app.installations.first(where: { "\($0.id)" == parts[2] }) else { return notFound }
            let token = Self.installationToken(app: app.id, installation: installation.id, now: now)
            let expires = (now + configuration.installationTokenLifetime).rounded(.down)
            state.apps.tokens[token] = MintedTokenRecord(
                installation: installation.id, mintedAt: now, expiresAt: expires, uses: 0, expiredUses: 0)
            state.apps.order.append(token)
            for grant in installation.grants {
                state.access.grant(StandInAccess.Grant(token: token, scope: grant.scope, role: grant.role))
            }
            return .json(
                .created,
                [
                    "token": .string(token),
                    "expires_at": .string(Timestamps.iso8601(Date(timeIntervalSince1970: expires))),
                    "permissions": ["metadata": "read", "actions": "read", "administration": "read"],
                    "repository_selection": "all",
                ])
        default:
            return notFound
        }
    }

    /// The App whose key signed `jwt`, or GitHub's refusal.
    func verifyJWT(_ jwt: String, now: Double, apps: [StandInApp]) -> Result<StandInApp, JWTMessage> {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Self.base64URLDecode(parts[0]),
            let claimsData = Self.base64URLDecode(parts[1]), let signature = Self.base64URLDecode(parts[2]),
            let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any],
            header["alg"] as? String == "RS256",
            let claims = try? JSONSerialization.jsonObject(with: claimsData) as? [String: Any]
        else { return .failure(JWTMessage(JWTRefusal.undecodable)) }
        let issuer = (claims["iss"] as? String) ?? (claims["iss"] as? Int).map(String.init)
        guard let issuer,
            let app = apps.first(where: { "\($0.id)" == issuer || ($0.clientID != nil && $0.clientID == issuer) }),
            let key = try? _RSA.Signing.PublicKey(pemRepresentation: app.publicKeyPEM),
            key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: Data("\(parts[0]).\(parts[1])".utf8),
                padding: .insecurePKCS1v1_5)
        else { return .failure(JWTMessage(JWTRefusal.undecodable)) }
        guard let exp = claims["exp"] as? Int, Double(exp) > now else {
            return .failure(JWTMessage(JWTRefusal.expired))
        }
        guard let iat = claims["iat"] as? Int, Double(iat) <= now + Self.allowedSkew else {
            return .failure(JWTMessage(JWTRefusal.issuedLater))
        }
        guard exp - iat <= 600 else { return .failure(JWTMessage(JWTRefusal.tooLong)) }
        return .success(app)
    }

    struct JWTMessage: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// An installation token in GitHub's stateless format (since April 2026): `ghs_<app>_` and a JWT-like body with
    /// two dots, about 520 characters.
    static func installationToken(app: Int, installation: Int, now: Double) -> String {
        let header = Data(#"{"alg":"RS256","typ":"JWT","kid":"standin"}"#.utf8)
        let claims = Data(
            #"{"iss":"\#(app)","installation":\#(installation),"iat":\#(Int(now)),"jti":"\#(UUID().uuidString)"}"#.utf8)
        let signature = Data((0..<256).map { _ in UInt8.random(in: 0...255) })
        return "ghs_\(app)_" + [header, claims, signature].map(base64URLEncode).joined(separator: ".")
    }

    static func base64URLEncode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard)
    }

    // MARK: Control

    /// Registers `app` (replacing an App with the same ID).
    func registerApp(_ app: StandInApp) throws {
        guard (try? _RSA.Signing.PublicKey(pemRepresentation: app.publicKeyPEM)) != nil else {
            throw StandInError.badControlRequest("public_key_pem is not an RSA public key (2048 bits or more) in PEM")
        }
        state.withLock { state in
            state.apps.apps.removeAll { $0.id == app.id }
            state.apps.apps.append(app)
        }
    }

    /// Makes `token` stop working (a revoked or rotated token): every request with it is answered 401 Bad
    /// credentials from now on, and counted.
    func expireToken(_ token: String) { state.withLock { $0.apps.expired[token] = $0.apps.expired[token] ?? 0 } }

    /// How many requests came with `token` since ``expireToken(_:)`` (`nil`: never expired).
    func usesAfterExpiry(_ token: String) -> Int? { state.withLock { $0.apps.expired[token] } }

    /// The installation tokens minted so far, oldest first.
    func mintedTokens() -> [MintedTokenRecord] {
        state.withLock { state in state.apps.order.compactMap { state.apps.tokens[$0] } }
    }
}
