import CacheCore
import Foundation
import GitHubStandIn
import TestSupport
import Testing
import _CryptoExtras

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon's own credential with real `ghcache-peer` processes against the stand-in: a GitHub App whose
/// installation tokens expire every few seconds, a `CACHE_TOKEN_FILE` rotated under the daemon, and App settings
/// GitHub refuses.
@Suite("daemon credential with real daemons", .serialized)
struct DaemonCredentialProcessTests {
    static let runners = "/orgs/octo/actions/runners"

    /// The settings of a daemon that keeps the admin-only runner list warm with no `GITHUB_TOKEN`. The TTL is 8 s:
    /// refresh-ahead revalidates in the last 5 % of an entry's life (0.4 s), which its 250 ms rounds must not miss.
    static let prewarm = [
        "GITHUB_TOKEN": "", "CACHE_PREWARM": runners, "CACHE_TTL_RULES": "/orgs/*/actions/runners=8",
    ]

    /// Requests the stand-in received for the runner list (answered or refused).
    private func requests(_ environment: Environment) -> Int {
        let counts = environment.server.stats().counts(for: Self.runners)
        return counts.charged + counts.notCharged
    }

    private static func app(_ key: _RSA.Signing.PrivateKey) -> StandInApp {
        StandInApp(
            id: 42, publicKeyPEM: key.publicKey.pemRepresentation,
            installations: [.init(id: 77, account: "octo", grants: [.init(scope: "octo", role: .admin)])])
    }

    /// The runner list in the daemon's store was fetched within the last `seconds`.
    private func isWarm(_ fleet: Fleet, _ name: String, within seconds: Double) throws -> Bool {
        let target = try RequestTarget(Self.runners, apiBase: fleet.environment.server.baseURL)
        let store = try CacheStore.open(directory: fleet.directory(name))
        guard let entry = try store.entry(forKey: target.key) else { return false }
        return Date().timeIntervalSince1970 - entry.fetchedAt < seconds
    }

    @Test(
        "a daemon with only a GitHub App keeps an admin-only path warm across token lifetimes, never sending an expired token"
    )
    func appKeepsPrewarmWarm() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let configuration = StandInConfiguration(apps: [Self.app(key)], installationTokenLifetime: 3)
        try await Environment.with(configuration) { environment in
            let keyFile = (environment.root as NSString).appendingPathComponent("app.pem")
            try key.pkcs8PEMRepresentation.write(toFile: keyFile, atomically: true, encoding: .utf8)
            let fleet = Fleet(environment)
            defer { fleet.stopAll() }
            let daemon = try await fleet.start(
                "r0",
                env: Self.prewarm.merging([
                    "CACHE_GITHUB_APP_ID": "42", "CACHE_GITHUB_APP_PRIVATE_KEY_FILE": keyFile,
                    "CACHE_GITHUB_APP_INSTALLATION_ID": "77",
                ]) { $1 })
            #expect(daemon.stderr.contains("GitHub credential of the daemon: app 42, installation 77"))
            try await eventually("the runner list is prewarmed", timeout: 30) { requests(environment) >= 1 }
            // Two revalidations, 8 s apart: more than five lifetimes of the App's 3-second tokens.
            try await eventually("the runner list is revalidated twice", timeout: 30) { requests(environment) >= 3 }
            let minted = environment.server.mintedTokens()
            #expect(minted.count >= 3, "a token was minted for each revalidation: \(minted.count)")
            #expect(minted.allSatisfy { $0.expiredUses == 0 }, "a request came with an expired token: \(minted)")
            #expect(minted.reduce(0) { $0 + $1.uses } >= 3, "the daemon revalidated with its tokens")
            #expect(try isWarm(fleet, "r0", within: 2), "the admin-only list was refreshed just now")
            let stats = try await fleet.stats("r0")
            #expect(stats["failures"] as? Int == 0)
            let credential = try #require(stats["daemon_credential"] as? [String: Any])
            #expect(credential["kind"] as? String == "app")
            #expect(credential["detail"] as? String == "42, installation 77")
            #expect((credential["expires_at"] as? Int).map { Double($0) > Date().timeIntervalSince1970 - 1 } == true)
            let table = try await environment.run("ghcache-stats", [], env: ["CACHE_DIR": fleet.directory("r0")])
            #expect(table.stdoutText.contains("credential") && table.stdoutText.contains("app 42, installation 77"))
            #expect(!table.stdoutText.contains("ghs_") && !daemon.stderr.contains("ghs_"), "no token is shown")
        }
    }

    @Test("CACHE_TOKEN_FILE rotated under the daemon is used without a restart, with at most one 401")
    func tokenFileRotation() async throws {
        let access = StandInAccess(
            grants: ["tok-a", "tok-b", "tok-c"].map { .init(token: $0, scope: "octo", role: .admin) })
        try await Environment.with(StandInConfiguration(access: access)) { environment in
            let root = environment.root as NSString
            let (a, b, link) = (
                root.appendingPathComponent("a"), root.appendingPathComponent("b"), root.appendingPathComponent("token")
            )
            try "tok-a\n".write(toFile: a, atomically: true, encoding: .utf8)
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: a)
            let fleet = Fleet(environment)
            defer { fleet.stopAll() }
            let daemon = try await fleet.start("r0", env: Self.prewarm.merging(["CACHE_TOKEN_FILE": link]) { $1 })
            #expect(daemon.stderr.contains("GitHub credential of the daemon: token-file \(link)"))
            try await eventually("the runner list is prewarmed", timeout: 30) { requests(environment) >= 1 }

            // A Kubernetes secret update: the link now points at a new file, the old token is revoked.
            try "tok-b\n".write(toFile: b, atomically: true, encoding: .utf8)
            let swap = root.appendingPathComponent("token.new")
            try FileManager.default.createSymbolicLink(atPath: swap, withDestinationPath: b)
            #expect(rename(swap, link) == 0)
            environment.server.expireToken("tok-a")
            try await eventually("the runner list is revalidated", timeout: 15) { requests(environment) >= 2 }
            #expect(environment.server.usesAfterExpiry("tok-a") == 0, "the new file was read before the next request")
            #expect(try isWarm(fleet, "r0", within: 2))

            // A rewrite the stat check cannot see (same inode, size and time): the 401 makes the daemon read again.
            var before = stat()
            #expect(stat(b, &before) == 0)
            let handle = try #require(FileHandle(forWritingAtPath: b))
            handle.write(Data("tok-c\n".utf8))
            try handle.close()
            var times = [before.st_atim, before.st_mtim]
            #expect(utimensat(AT_FDCWD, b, &times, 0) == 0)
            environment.server.expireToken("tok-b")
            try await eventually("a 401, then the revalidation", timeout: 15) { requests(environment) >= 4 }
            #expect(environment.server.usesAfterExpiry("tok-b") == 1, "one 401, then the file was read again")
            #expect(try isWarm(fleet, "r0", within: 2))
            let stats = try await fleet.stats("r0")
            let credential = try #require(stats["daemon_credential"] as? [String: Any])
            #expect(credential["kind"] as? String == "token-file" && credential["detail"] as? String == link)
        }
    }

    @Test("App settings GitHub refuses stop the daemon with exit 2 and the variable to fix")
    func badAppSettings() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        try await Environment.with(StandInConfiguration(apps: [Self.app(key)])) { environment in
            let root = environment.root as NSString
            let keyFile = root.appendingPathComponent("app.pem")
            let badFile = root.appendingPathComponent("bad.pem")
            try key.pemRepresentation.write(toFile: keyFile, atomically: true, encoding: .utf8)
            try "-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----\n".write(
                toFile: badFile, atomically: true, encoding: .utf8)
            let fleet = Fleet(environment)
            defer { fleet.stopAll() }
            let cases: [([String: String], String)] = [
                (
                    ["CACHE_GITHUB_APP_ID": "42", "CACHE_GITHUB_APP_PRIVATE_KEY_FILE": badFile],
                    "CACHE_GITHUB_APP_PRIVATE_KEY_FILE"
                ),
                (
                    ["CACHE_GITHUB_APP_ID": "43", "CACHE_GITHUB_APP_PRIVATE_KEY_FILE": keyFile],
                    "CACHE_GITHUB_APP_ID=43"
                ),
                (
                    [
                        "CACHE_GITHUB_APP_ID": "42", "CACHE_GITHUB_APP_PRIVATE_KEY_FILE": keyFile,
                        "CACHE_GITHUB_APP_INSTALLATION_ID": "99",
                    ],
                    "CACHE_GITHUB_APP_INSTALLATION_ID=99"
                ),
            ]
            for (index, (variables, message)) in cases.enumerated() {
                let env = ["GITHUB_TOKEN": "", "CACHE_GITHUB_APP_INSTALLATION_ID": "77"].merging(variables) { $1 }
                let daemon = try fleet.launch("bad\(index)", env: env)
                let result = try await daemon.process.wait(timeout: 20)
                #expect(result.status == 2, "\(result.stderr)")
                #expect(result.stderr.contains(message), "\(result.stderr)")
            }
        }
    }
}
