import Foundation
import TestSupport
import Testing

@Suite("ghcache-gc, ghcache-stats and the common flags")
struct MaintenanceTests {
    @Test("gc evicts least recently used rows beyond the limit; counters stay right")
    func gc() async throws {
        try await Environment.with { env in
            for owner in ["a", "b", "c", "d"] { #expect(try await env.get("repos", owner).status == 0) }
            #expect(try await env.get("repos", "a").status == 0)  // a is now the most recently used
            let dry = try await env.run("ghcache-gc", ["--dry-run", "--json", "--max-entries", "2"])
            #expect((dry.json as? [String: Any])?["evicted_lru_entries"] as? Int == 2)
            let report = try await env.run("ghcache-gc", ["--json", "--max-entries", "2"])
            #expect(report.status == 0, "\(report.stderr)")
            let json = try #require(report.json as? [String: Any])
            #expect(json["evicted_lru_entries"] as? Int == 2 && json["entries_after"] as? Int == 2)
            let kept = try await env.get("repos", "a", "--offline")
            #expect(kept.status == 0)
            #expect(try await env.get("repos", "d", "--offline").status == 0)
            #expect(try await env.get("repos", "b", "--offline").status == 3)
            let stats = try #require(try await env.run("ghcache-stats", ["--json"]).json as? [String: Any])
            #expect(stats["cache_size"] as? Int == 2)
            #expect(stats["misses"] as? Int == 4)
            #expect(stats["local_hits"] as? Int == 3)
            #expect(stats["api_calls"] as? Int == 4)
            #expect(stats["api_calls_saved"] as? Int == 3)
            #expect(stats["peer_id"] is NSNull && stats["connected_peers"] as? Int == 0)
            let rateLimit = try #require(stats["rate_limit"] as? [String: Any])
            #expect(rateLimit["remaining"] as? Int == 4996)
        }
    }

    @Test("ghcache-stats --watch --json prints one JSON line per update, following new lookups")
    func watchJSONLines() async throws {
        try await Environment.with { env in
            #expect(try await env.get("repos", "watched").status == 0)
            let watch = try await env.run("ghcache-stats", ["--watch", "--json", "--interval", "0.2", "--count", "3"])
            #expect(watch.status == 0, "\(watch.stderr)")
            let lines = watch.stdoutText.split(separator: "\n")
            #expect(lines.count == 3)
            for line in lines {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(object?["misses"] as? Int == 1)
            }
            let bad = try await env.run("ghcache-stats", ["--count", "2"])
            #expect(bad.status == 2 && bad.stderr.contains("--count only applies with --watch"))
        }
    }

    @Test(
        "every binary answers --help, --version and --generate-completion-script",
        arguments: [
            "ghcache-get", "ghcache-stats", "ghcache-gc",
        ])
    func commonFlags(binary: String) async throws {
        try await Environment.with { env in
            let help = try await env.run(binary, ["--help"])
            #expect(help.status == 0 && help.stdoutText.contains("EXIT STATUS") && help.stdoutText.contains("$ "))
            let version = try await env.run(binary, ["--version"])
            #expect(version.status == 0 && version.stdoutText == "0.1.0\n")
            let completion = try await env.run(binary, ["--generate-completion-script", "bash"])
            #expect(completion.status == 0 && completion.stdoutText.contains(binary))
        }
    }
}
