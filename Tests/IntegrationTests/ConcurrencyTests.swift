import Foundation
import GitHubStandIn
import TestSupport
import Testing

@Suite("Many processes on one store", .serialized)
struct ConcurrencyTests {
    @Test("50 concurrent cold processes for one key make exactly one upstream call; none sees a locked database")
    func fiftySameKey() async throws {
        try await Environment.with { env in
            _ = try env.server.addFault(FaultSpec(pathPrefix: "/users/fleet/repos", kind: .latency, ms: 400))
            let processes = try (0..<50).map { _ in try env.start("ghcache-get", ["repos", "fleet"]) }
            var results: [ProcessResult] = []
            for process in processes { results.append(try await process.wait(timeout: 60)) }
            #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.stderr).filter { !$0.isEmpty })")
            #expect(!results.contains { $0.stderr.contains("locked") })
            #expect(Set(results.map(\.stdout)).count == 1)
            #expect(env.server.stats().total == 1)
        }
    }

    @Test("50 concurrent processes for different keys all succeed, one call each")
    func fiftyDifferentKeys() async throws {
        try await Environment.with { env in
            let processes = try (0..<50).map { index in try env.start("ghcache-get", ["repos", "user\(index)"]) }
            var results: [ProcessResult] = []
            for process in processes { results.append(try await process.wait(timeout: 60)) }
            #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.stderr).filter { !$0.isEmpty })")
            #expect(!results.contains { $0.stderr.contains("locked") })
            #expect(env.server.stats().total == 50)
            let stats = try await env.run("ghcache-stats", ["--json"])
            let json = try #require(stats.json as? [String: Any])
            #expect(json["misses"] as? Int == 50 && json["cache_size"] as? Int == 50)
        }
    }

    @Test("kill -9 in the middle of writes leaves a consistent store")
    func killNine() async throws {
        try await Environment.with { env in
            #expect(try await env.get("repos", "seed").status == 0)
            for round in 0..<6 {
                let processes = try (0..<8).map { index in
                    try env.start("ghcache-get", ["repos", "victim\(round)-\(index)", "--no-cache"])
                }
                try await Task.sleep(for: .milliseconds(40 + 15 * round))
                for process in processes { kill(process.process.processIdentifier, SIGKILL) }
                for process in processes { _ = try await process.wait() }
            }
            let store = (env.cacheDir as NSString).appendingPathComponent("cache.sqlite")
            let check = Process()
            check.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
            check.arguments = [store, "PRAGMA integrity_check;"]
            let output = Pipe()
            check.standardOutput = output
            try check.run()
            check.waitUntilExit()
            let verdict = String(decoding: ChildOutput.readToEnd(output.fileHandleForReading), as: UTF8.self)
            #expect(verdict.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
            let hit = try await env.get("repos", "seed", "--verbose")
            #expect(hit.status == 0 && hit.stderr.contains("HIT local"))
            let stats = try await env.run("ghcache-stats", ["--json"])
            #expect(stats.status == 0)
        }
    }
}
