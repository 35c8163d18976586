import Crypto
import Foundation
import GitHubStandIn
import Synchronization
import Testing
import _CryptoExtras

@testable import CacheCore

/// The daemon's own credential: the GitHub App's JWT, installation tokens minted and renewed against the stand-in,
/// and `CACHE_TOKEN_FILE`.
@Suite("daemon credential: GitHub App and token file")
struct GitHubAppTests {
    static let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    private static func decode(_ part: Substring) throws -> [String: Any] {
        var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        let data = try #require(Data(base64Encoded: text))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test(
        "the JWT is RS256 over header and claims, iat 60 s back, exp 9 min ahead, iss the App ID",
        arguments: [
            true, false,
        ])
    func jwt(pkcs8: Bool) throws {
        let pem = pkcs8 ? Self.key.pkcs8PEMRepresentation : Self.key.pemRepresentation
        #expect(pem.contains(pkcs8 ? "BEGIN PRIVATE KEY" : "BEGIN RSA PRIVATE KEY"))
        let jwt = try GitHubAppKey(pem: pem).jwt(issuer: "12345", now: 1_800_000_000.7)
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        try #require(parts.count == 3)
        #expect(try Self.decode(parts[0]) as NSDictionary == ["alg": "RS256", "typ": "JWT"] as NSDictionary)
        let claims = try Self.decode(parts[1])
        #expect(claims["iat"] as? Int == 1_800_000_000 - 60)
        #expect(claims["exp"] as? Int == 1_800_000_000 + 540)
        #expect(claims["iss"] as? Int == 12345)
        var signature = String(parts[2]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(
            of: "_", with: "/")
        while signature.count % 4 != 0 { signature += "=" }
        let bytes = try #require(Data(base64Encoded: signature))
        let signed = Data("\(parts[0]).\(parts[1])".utf8)
        #expect(
            Self.key.publicKey.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: bytes), for: signed, padding: .insecurePKCS1v1_5))
        let other = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        #expect(
            !other.publicKey.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: bytes), for: signed, padding: .insecurePKCS1v1_5))
        let byClientID = try GitHubAppKey(pem: pem).jwt(issuer: "Iv23liAbc", now: 1_800_000_000)
        #expect(try Self.decode(byClientID.split(separator: ".")[1])["iss"] as? String == "Iv23liAbc")
    }

    @Test("a key file that is missing, a public key or not a key is refused naming the variable")
    func badKeys() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        await expectError(.usage, containing: "CACHE_GITHUB_APP_PRIVATE_KEY_FILE=\(directory.file("none.pem"))") {
            _ = try GitHubAppKey.load(path: directory.file("none.pem"))
        }
        await expectError(.usage, containing: "public key") {
            _ = try GitHubAppKey(pem: Self.key.publicKey.pemRepresentation)
        }
        await expectError(.usage, containing: "CACHE_GITHUB_APP_PRIVATE_KEY_FILE: the file is not an RSA private key") {
            _ = try GitHubAppKey(pem: "ghp_notakey\n")
        }
        var lines = Self.key.pemRepresentation.split(separator: "\n").map(String.init)
        lines[3] = String(lines[3].reversed())  // inside the base64 body
        let damaged = lines.joined(separator: "\n")
        await expectError(.usage, containing: "cannot be read") { _ = try GitHubAppKey(pem: damaged) }
    }

    @Test("CACHE_GITHUB_APP_* are checked together (by the daemon), and exclude CACHE_TOKEN_FILE")
    func configuration() async throws {
        let base = ["HOME": "/h", "CACHE_DIR": "/tmp/x"]
        func app(_ variables: [String: String]) throws -> GitHubAppSettings? {
            try Configuration.load(environment: base.merging(variables) { $1 }).daemonApp()
        }
        #expect(try app([:]) == nil)
        #expect(
            try app([
                "CACHE_GITHUB_APP_ID": "42", "CACHE_GITHUB_APP_PRIVATE_KEY_FILE": "/k.pem",
                "CACHE_GITHUB_APP_OWNER": "octo-org",
            ]) == GitHubAppSettings(appID: "42", privateKeyFile: "/k.pem", installationID: nil, owner: "octo-org"))
        await expectError(.usage, containing: "without CACHE_GITHUB_APP_PRIVATE_KEY_FILE") {
            _ = try app(["CACHE_GITHUB_APP_ID": "42"])
        }
        await expectError(.usage, containing: "CACHE_GITHUB_APP_INSTALLATION_ID or CACHE_GITHUB_APP_OWNER") {
            _ = try app(["CACHE_GITHUB_APP_ID": "42", "CACHE_GITHUB_APP_PRIVATE_KEY_FILE": "/k"])
        }
        await expectError(.usage, containing: "CACHE_GITHUB_APP_INSTALLATION_ID=0 is not an installation ID") {
            _ = try app(["CACHE_GITHUB_APP_INSTALLATION_ID": "0"])
        }
        await expectError(.usage, containing: "CACHE_GITHUB_APP_ID is not set") {
            _ = try app(["CACHE_GITHUB_APP_OWNER": "octo"])
        }
        await expectError(.usage, containing: "CACHE_GITHUB_APP_OWNER=-octo is not an organisation or user login") {
            _ = try app(["CACHE_GITHUB_APP_OWNER": "-octo"])
        }
        await expectError(.usage, containing: "CACHE_TOKEN_FILE and CACHE_GITHUB_APP_ID are both set") {
            _ = try app([
                "CACHE_GITHUB_APP_ID": "42", "CACHE_GITHUB_APP_PRIVATE_KEY_FILE": "/k.pem",
                "CACHE_GITHUB_APP_INSTALLATION_ID": "7", "CACHE_TOKEN_FILE": "/t",
            ])
        }
    }

    /// A stand-in with App 42 installed on `octo` (installation 77), whose tokens live `lifetime` seconds.
    private func withApp(
        lifetime: Double = 3600, _ body: (StandInServer, String, TemporaryDirectory) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let keyFile = directory.file("app.pem")
        try Self.key.pemRepresentation.write(toFile: keyFile, atomically: true, encoding: .utf8)
        let server = try await StandInServer.start(
            StandInConfiguration(
                apps: [
                    StandInApp(
                        id: 42, publicKeyPEM: Self.key.publicKey.pemRepresentation,
                        installations: [
                            .init(id: 77, account: "octo", grants: [.init(scope: "octo", role: .admin)]),
                            .init(id: 78, account: "hubot", accountType: "User"),
                        ])
                ], installationTokenLifetime: lifetime))
        do {
            try await body(server, keyFile, directory)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    private func provider(_ server: StandInServer, _ variables: [String: String]) throws -> (
        TokenProvider, HTTPTransport
    ) {
        let configuration = try Configuration.load(
            environment: ["HOME": "/h", "CACHE_DIR": "/tmp/x", "GITHUB_API_URL": server.baseURL.absoluteString]
                .merging(variables) { $1 })
        let transport = HTTPTransport(connectTimeout: 5, readTimeout: 5)
        return (try TokenProvider.daemon(configuration: configuration, transport: transport, note: { _ in }), transport)
    }

    @Test("installation tokens are minted (by ID or by owner), renewed at half-life, and 401 renews once")
    func minting() async throws {
        try await withApp(lifetime: 3) { server, keyFile, _ in
            for variables in [["CACHE_GITHUB_APP_INSTALLATION_ID": "77"], ["CACHE_GITHUB_APP_OWNER": "hubot"]] {
                let (tokens, transport) = try provider(
                    server,
                    ["CACHE_GITHUB_APP_ID": "42", "CACHE_GITHUB_APP_PRIVATE_KEY_FILE": keyFile].merging(variables) {
                        $1
                    })
                try await tokens.prepare()
                let first = try #require(try await tokens.token())
                #expect(first.hasPrefix("ghs_42_") && first.split(separator: ".").count == 3 && first.count > 400)
                #expect(try await tokens.token() == first, "a valid token is reused")
                let status = await tokens.status
                #expect(
                    status.kind == "app"
                        && status.detail
                            == "42, installation \(variables.keys.contains("CACHE_GITHUB_APP_OWNER") ? 78 : 77)"
                )
                #expect(status.expiresAt != nil)
                try await Task.sleep(for: .milliseconds(2100))
                let second = try #require(try await tokens.token())
                #expect(second != first, "renewed before expiry")
                #expect(await tokens.rejected(second), "a 401 mints a new token")
                #expect(try await tokens.token() != second)
                #expect(!(await tokens.rejected(try #require(try await tokens.token()))), "but only once per 30 s")
                await transport.shutdown()
            }
            #expect(server.mintedTokens().allSatisfy { $0.expiredUses == 0 })
        }
    }

    @Test("a wrong App ID, a missing installation or owner stop the daemon with the variable to fix")
    func refusals() async throws {
        try await withApp { server, keyFile, _ in
            let cases: [([String: String], String)] = [
                (["CACHE_GITHUB_APP_ID": "43", "CACHE_GITHUB_APP_INSTALLATION_ID": "77"], "CACHE_GITHUB_APP_ID=43"),
                (
                    ["CACHE_GITHUB_APP_ID": "42", "CACHE_GITHUB_APP_INSTALLATION_ID": "99"],
                    "CACHE_GITHUB_APP_INSTALLATION_ID=99"
                ),
                (["CACHE_GITHUB_APP_ID": "42", "CACHE_GITHUB_APP_OWNER": "nobody"], "CACHE_GITHUB_APP_OWNER=nobody"),
            ]
            for (variables, message) in cases {
                let (tokens, transport) = try provider(
                    server, variables.merging(["CACHE_GITHUB_APP_PRIVATE_KEY_FILE": keyFile]) { $1 })
                await expectError(.usage, containing: message) { try await tokens.prepare() }
                await transport.shutdown()
            }
        }
    }

    @Test("the stand-in refuses JWTs as GitHub does: expired, issued in the future, too long, badly signed")
    func jwtRules() async throws {
        try await withApp { server, keyFile, _ in
            let key = try GitHubAppKey.load(path: keyFile)
            let now = Date().timeIntervalSince1970
            let other = try GitHubAppKey(pem: try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation)
            let cases: [(String, String)] = [
                (try key.jwt(issuer: "42", now: now - 700), "'exp'"),
                (try key.jwt(issuer: "42", now: now + 300), "'iat'"),
                (try other.jwt(issuer: "42", now: now), "A JSON web token could not be decoded"),
            ]
            let transport = HTTPTransport(connectTimeout: 5, readTimeout: 5)
            for (jwt, message) in cases {
                let response = try await transport.send(
                    UpstreamRequest(
                        method: "POST", url: server.baseURL.absoluteString + "/app/installations/77/access_tokens",
                        headers: [("Authorization", "Bearer \(jwt)"), ("User-Agent", "test")]))
                #expect(response.status == 401)
                #expect(String(decoding: response.body, as: UTF8.self).contains(message))
            }
            await transport.shutdown()
        }
    }

    @Test("CACHE_TOKEN_FILE is read again when the file changes (a swapped symbolic link too), trimmed")
    func tokenFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = directory.file("first")
        let second = directory.file("second")
        let link = directory.file("token")
        try "tok-one\n".write(toFile: first, atomically: true, encoding: .utf8)
        try "  tok-two \n".write(toFile: second, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: first)
        let configuration = try Configuration.load(
            environment: ["HOME": "/h", "CACHE_DIR": directory.path, "CACHE_TOKEN_FILE": link, "GITHUB_TOKEN": "env"])
        let notes = NoteLog()
        let tokens = try TokenProvider.daemon(
            configuration: configuration, transport: HTTPTransport(connectTimeout: 1, readTimeout: 1),
            note: notes.append)
        #expect(try await tokens.token() == "tok-one")
        #expect(await tokens.status == CredentialStatus(kind: "token-file", detail: link))
        try FileManager.default.removeItem(atPath: link)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: second)
        #expect(try await tokens.token() == "tok-two")
        #expect(!(await tokens.rejected("tok-two")), "the same token again: nothing new to retry with")
        try FileManager.default.removeItem(atPath: second)
        #expect(try await tokens.token() == "tok-two", "a vanished file keeps the last good token")
        #expect(notes.lines.count == 1 && notes.lines[0].contains("CACHE_TOKEN_FILE=\(link): the file is missing"))
        try "".write(toFile: first, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: link)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: first)
        let empty = try Configuration.load(
            environment: ["HOME": "/h", "CACHE_DIR": directory.path, "CACHE_TOKEN_FILE": link])
        await expectError(.usage, containing: "CACHE_TOKEN_FILE=\(link): the file is empty") {
            _ = try TokenProvider.daemon(
                configuration: empty, transport: HTTPTransport(connectTimeout: 1, readTimeout: 1), note: { _ in })
        }
    }
}

/// Notes collected from a provider.
final class NoteLog: Sendable {
    private let storage = Mutex<[String]>([])
    var lines: [String] { storage.withLock { $0 } }
    var append: @Sendable (String) -> Void { { line in self.storage.withLock { $0.append(line) } } }
}
