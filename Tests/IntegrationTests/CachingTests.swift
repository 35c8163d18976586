import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("ghcache-get against the stand-in: hits, revalidation, pagination")
struct CachingTests {
    @Test("a second call within the TTL makes no upstream call and prints the same body")
    func hitWithinTTL() async throws {
        try await Environment.with { env in
            let first = try await env.get("repos", "octo", "--verbose")
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stderr.contains("MISS /users/octo/repos"))
            let second = try await env.get("repos", "octo", "--verbose")
            #expect(second.status == 0)
            #expect(second.stdout == first.stdout)
            #expect(second.stderr.contains("HIT local /users/octo/repos"))
            #expect((second.json as? [Any])?.count == 30, "stdout carries only the JSON body")
            #expect(env.server.stats().total == 1)
        }
    }

    @Test("after the TTL a 304 revalidation costs no rate limit and the body is unchanged")
    func revalidation() async throws {
        try await Environment.with { env in
            let first = try await env.get("runs", "octo/app", "--ttl", "1")
            #expect(first.status == 0, "\(first.stderr)")
            try await Task.sleep(for: .milliseconds(1100))
            let second = try await env.get("runs", "octo/app", "--ttl", "1", "--verbose")
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stderr.contains("REVALIDATED /repos/octo/app/actions/runs"))
            #expect(second.stdout == first.stdout)
            let stats = env.server.stats()
            #expect(stats.charged == 1 && stats.notCharged == 1)
            let counters = try await env.run("ghcache-stats", ["--json"])
            let json = try #require(counters.json as? [String: Any])
            #expect(json["not_modified"] as? Int == 1 && json["misses"] as? Int == 1 && json["api_calls"] as? Int == 2)
        }
    }

    @Test("--paginate prints one merged array, for plain and wrapped lists")
    func paginate() async throws {
        try await Environment.with { env in
            let repos = try await env.get("repos", "octo", "--paginate")
            #expect(repos.status == 0, "\(repos.stderr)")
            let names = (repos.json as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
            #expect(names.count == 45 && Set(names).count == 45)
            let runs = try await env.get("api", "/repos/octo/app/actions/runs", "-f", "per_page=10", "--paginate")
            #expect(runs.status == 0, "\(runs.stderr)")
            #expect((runs.json as? [[String: Any]])?.count == 35)
            #expect(env.server.stats().total == 2 + 4)
            let again = try await env.get("repos", "octo", "--paginate")
            #expect(again.stdout == repos.stdout && env.server.stats().total == 6)
        }
    }

    @Test("queue prints queued counts per repository and their total")
    func queue() async throws {
        try await Environment.with { env in
            let result = try await env.get("queue", "octo/app", "octo/api")
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText == #"{"repos":{"octo/api":3,"octo/app":3},"total":6}"# + "\n")
            let runs = try await env.get("runs", "octo/app", "--status", "queued", "--verbose")
            #expect(runs.stderr.contains("HIT local"), "queue and runs --status queued share the entry")
        }
    }

    @Test("--offline never calls GitHub: a miss exits 3, a cached copy is served")
    func offline() async throws {
        try await Environment.with { env in
            let miss = try await env.get("runners", "--org", "octo", "--offline")
            #expect(miss.status == 3)
            #expect(miss.stderr.contains("--offline and no cached copy of /orgs/octo/actions/runners"))
            #expect(try await env.get("runners", "--org", "octo").status == 0)
            let hit = try await env.get("runners", "--org", "octo", "--offline", "--ttl", "0")
            #expect(hit.status == 0 && hit.stderr.contains("warning: serving a cached copy"))
            // Flags before the subcommand, as gh accepts them.
            let before = try await env.get("--offline", "--ttl", "0", "api", "/orgs/octo/actions/runners")
            #expect(before.status == 0, "\(before.stderr)")
            #expect(before.stdout == hit.stdout)
            #expect(env.server.stats().total == 1)
        }
    }

    @Test("a 301 for a renamed repository is followed and the answer cached under the old path")
    func redirect() async throws {
        try await Environment.with { env in
            let path = "/repos/octokit-fixture-org/tmp-scenario-rename-repository-20220719044033126-ukeod"
            let first = try await env.get("api", path)
            #expect(first.status == 0, "\(first.stderr)")
            #expect((first.json as? [String: Any])?["id"] as? Int == 515_436_299)
            let second = try await env.get("api", path, "--verbose")
            #expect(second.stdout == first.stdout && second.stderr.contains("HIT local"))
        }
    }

    @Test("without a token requests go unauthenticated, with a one-line note")
    func unauthenticated() async throws {
        try await Environment.with { env in
            let result = try await env.get("repos", "octo", env: ["GITHUB_TOKEN": ""])
            #expect(result.status == 0)
            #expect(
                result.stderr
                    == "ghcache: note: no GitHub token (GITHUB_TOKEN, GH_TOKEN or `gh auth login`): sending unauthenticated requests (60 per hour)\n"
            )
        }
    }

    @Test("a network fetch notifies the daemon socket with the row key")
    func notifiesDaemon() async throws {
        try await Environment.with { env in
            try FileManager.default.createDirectory(atPath: env.cacheDir, withIntermediateDirectories: true)
            let socketPath = (env.cacheDir as NSString).appendingPathComponent("peer.sock")
            let fd = try bindDatagramSocket(socketPath)
            defer { close(fd) }
            let result = try await env.get("api", "repos/octo/app")
            #expect(result.status == 0, "\(result.stderr)")
            var buffer = [UInt8](repeating: 0, count: 256)
            let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            try #require(count == 64, "no datagram on \(socketPath)")
            let key = String(decoding: buffer[0..<count], as: UTF8.self)
            #expect(key.allSatisfy { $0.isHexDigit })
        }
    }

    private func bindDatagramSocket(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        try #require(bytes.count < MemoryLayout.size(ofValue: address.sun_path), "socket path too long: \(path)")
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(bound == 0, "cannot bind \(path)")
        return fd
    }
}
