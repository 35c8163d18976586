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
            let secret = FleetSecret.resolve(settings: settings, environment: env)
            #expect(secret?.value == value)
            #expect(secret?.source == source)
        }
    }

    @Test func ghFailuresMeanNoSecret() throws {
        for script in [nil, "exit 1", "true", "printf 'a\\nb\\n'"] {
            let (env, directory) = try environment(withGh: script)
            defer { try? FileManager.default.removeItem(at: directory) }
            #expect(FleetSecret.resolve(settings: [:], environment: env) == nil, "gh script \(script ?? "missing")")
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
