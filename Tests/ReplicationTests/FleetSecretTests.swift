import CacheCore
import Foundation
import Testing

@testable import Replication

@Suite struct FleetSecretTests {
    /// An environment whose PATH holds only a directory with a fake `gh` printing `script`'s output.
    private func environment(withGh script: String?) throws -> (env: [String: String], directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ghcache-gh-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if let script {
            let gh = directory.appendingPathComponent("gh")
            try ("#!/bin/sh\n" + script + "\n").write(to: gh, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: gh.path)
        }
        return (["PATH": directory.path + ":/usr/bin:/bin"], directory)
    }

    @Test func followsThePrecedenceOrder() throws {
        let (env, directory) = try environment(withGh: "echo gh-token")
        defer { try? FileManager.default.removeItem(at: directory) }
        let all = ["CACHE_P2P_SHARED_SECRET": "shared", "GH_TOKEN": "gh", "GITHUB_TOKEN": "github"]
        let cases: [([String: String], String, SecretSource)] = [
            (all, "shared", .sharedSecret),
            (all.merging(["CACHE_P2P_SHARED_SECRET": ""]) { $1 }, "gh", .ghToken),
            (["GITHUB_TOKEN": "github", "GH_TOKEN": "  "], "github", .githubToken),
            ([:], "gh-token", .ghCLI),
        ]
        for (settings, value, source) in cases {
            let secret = try FleetSecret.resolve(settings: settings, environment: env)
            #expect(secret?.value == value)
            #expect(secret?.source == source)
        }
    }

    @Test func ghFailuresMeanNoSecret() throws {
        for script in [nil, "exit 1", "true", "printf 'a\\nb\\n'"] {
            let (env, directory) = try environment(withGh: script)
            defer { try? FileManager.default.removeItem(at: directory) }
            #expect(try FleetSecret.resolve(settings: [:], environment: env) == nil, "gh script \(script ?? "missing")")
        }
    }

    @Test("installation, per-job and expiring tokens never become the fleet key; long-lived ones still do")
    func refusesExpiringTokens() throws {
        let (env, directory) = try environment(withGh: "echo ghs_fromgh.a.b")
        defer { try? FileManager.default.removeItem(at: directory) }
        for variable in ["GH_TOKEN", "GITHUB_TOKEN"] {
            for token in ["ghs_1234_eyJh.eyJp.c2ln", "ghu_abcdefgh", "ghr_abcdefgh"] {
                #expect {
                    try FleetSecret.resolve(settings: [variable: token], environment: env)
                } throws: { error in
                    let message = "\(error)"
                    return message.contains("CACHE_P2P_SHARED_SECRET") && message.contains("_FILE")
                        && message.contains(variable) && !message.contains(token)
                }
            }
            for token in ["ghp_abcdefgh", "github_pat_abcdefgh", "gho_abcdefgh", "0123456789abcdef0123"] {
                let secret = try FleetSecret.resolve(settings: [variable: token], environment: env)
                #expect(secret?.value == token)
            }
        }
        #expect(throws: FleetSecretError.self) { try FleetSecret.resolve(settings: [:], environment: env) }
        // A shared secret wins: the token is then never looked at.
        let shared = try FleetSecret.resolve(
            settings: ["CACHE_P2P_SHARED_SECRET": "s", "GITHUB_TOKEN": "ghs_x"], environment: env)
        #expect(shared?.source == .sharedSecret)
    }

    @Test("CACHE_P2P_SHARED_SECRET_FILE is read and trimmed; unreadable, empty or doubly set is a clear error")
    func secretFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ghcache-secret-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func file(_ name: String, _ contents: String) throws -> String {
            let path = directory.appendingPathComponent(name).path
            try contents.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let good = try file("secret", "  from-a-file\n")
        let secret = try FleetSecret.resolve(settings: ["CACHE_P2P_SHARED_SECRET_FILE": good], environment: [:])
        #expect(secret?.value == "from-a-file")
        #expect(secret?.source == .sharedSecretFile)
        let previous = try file("previous", "old-one\n")
        let rotating = try FleetSecret.resolve(
            settings: ["CACHE_P2P_SHARED_SECRET_FILE": good, "CACHE_P2P_SHARED_SECRET_PREVIOUS_FILE": previous],
            environment: [:])
        #expect(rotating?.previous == "old-one")
        #expect(!"\(rotating!)".contains("old-one"))
        let cases: [([String: String], String)] = [
            (["CACHE_P2P_SHARED_SECRET_FILE": try file("empty", " \n")], "is empty"),
            (["CACHE_P2P_SHARED_SECRET_FILE": directory.appendingPathComponent("missing").path], "does not exist"),
            (["CACHE_P2P_SHARED_SECRET_FILE": try file("two", "a\nb\n")], "control character"),
            (["CACHE_P2P_SHARED_SECRET_FILE": good, "CACHE_P2P_SHARED_SECRET": "x"], "set only one"),
            (["CACHE_P2P_SHARED_SECRET": "x", "CACHE_P2P_SHARED_SECRET_PREVIOUS": "x"], "the same as"),
            (["CACHE_P2P_SHARED_SECRET_PREVIOUS": "x", "GITHUB_TOKEN": "ghp_abcdefgh"], "without CACHE_P2P"),
            (
                [
                    "CACHE_P2P_SHARED_SECRET": "x", "CACHE_P2P_SHARED_SECRET_PREVIOUS": "y",
                    "CACHE_P2P_SHARED_SECRET_PREVIOUS_FILE": previous,
                ], "set only one"
            ),
        ]
        for (settings, expected) in cases {
            #expect {
                try FleetSecret.resolve(settings: settings, environment: [:])
            } throws: { error in
                "\(error)".contains(expected)
            }
        }
    }

    @Test func aHangingGhIsAbandoned() throws {
        let (env, directory) = try environment(withGh: "exec sleep 30")
        defer { try? FileManager.default.removeItem(at: directory) }
        let start = ContinuousClock.now
        let result = BoundedProcess.run(["gh", "auth", "token"], environment: env, timeout: .milliseconds(300))
        #expect(result == nil)
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test func warnsOnlyInActionsWithoutASharedSecret() {
        let actions = ["GITHUB_ACTIONS": "true"]
        let perJob = FleetSecret(value: "ghs_x", source: .githubToken)
        let warning = perJob.fleetWarning(environment: actions)
        #expect(warning?.contains("CACHE_P2P_SHARED_SECRET") == true)
        #expect(warning?.contains("GITHUB_TOKEN") == true)
        #expect(warning?.contains("ghs_x") == false)
        #expect(perJob.fleetWarning(environment: [:]) == nil)
        #expect(FleetSecret(value: "s", source: .sharedSecret).fleetWarning(environment: actions) == nil)
    }

    @Test func neverPrintsTheSecret() {
        let secret = FleetSecret(value: "ghp_supersecret", source: .ghToken)
        #expect(!"\(secret)".contains("supersecret"))
        #expect(!String(reflecting: secret).contains("supersecret"))
    }
}
