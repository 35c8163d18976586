import ArgumentParser
import CacheCore
import Foundation
import GitHubStandIn
import Synchronization
import Testing

@testable import GHCacheCLI

/// What a command wrote to the context's stdout and stderr.
final class CapturedOutput: Sendable {
    private let standardOutput = Mutex(Data())
    private let standardError = Mutex(Data())

    var output: Output {
        Output(
            stdout: { data in self.standardOutput.withLock { $0.append(data) } },
            stderr: { data in self.standardError.withLock { $0.append(data) } })
    }

    /// Everything written to stdout so far, then forgotten.
    func takeStdout() -> String {
        String(
            decoding: standardOutput.withLock { data in
                defer { data = Data() }
                return data
            }, as: UTF8.self)
    }

    /// Everything written to stderr so far, then forgotten.
    func takeStderr() -> String {
        String(
            decoding: standardError.withLock { data in
                defer { data = Data() }
                return data
            }, as: UTF8.self)
    }
}

/// A clock the test moves.
final class TestClock: Sendable {
    private let seconds = Mutex(Date().timeIntervalSince1970)

    var now: Double { seconds.withLock { $0 } }

    func advance(_ by: Double) { seconds.withLock { $0 += by } }
}

/// The ghcache-get, -stats and -gc commands run in-process, in a context of the test's: its output, environment
/// (a cache directory of its own, the stand-in as GitHub) and clock. What needs real processes (the lean front,
/// signals, concurrency across processes) stays in IntegrationTests.
@Suite("Commands in-process (CommandContext)", .serialized)
struct CommandTests {
    struct World {
        let server: StandInServer
        let root: String
        let captured = CapturedOutput()
        let clock = TestClock()

        var context: CommandContext {
            CommandContext(
                output: captured.output,
                environment: [
                    "HOME": root, "CACHE_DIR": "\(root)/cache", "GITHUB_API_URL": server.baseURL.absoluteString,
                    "GITHUB_TOKEN": "ghp_in_process", "PATH": "",
                ],
                clock: { [clock] in clock.now })
        }

        func run(_ root: any AsyncParsableCommand.Type, _ arguments: String...) async -> Int32 {
            await CommandEntry.run(root, arguments: arguments, in: context)
        }

        func advance(_ seconds: Double) { clock.advance(seconds) }
    }

    static func with(_ body: (World) async throws -> Void) async throws {
        let server = try await StandInServer.start()
        let root = NSTemporaryDirectory() + "ghcache-cli-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            try await body(World(server: server, root: root))
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    @Test("repos: a miss, then a hit by the context's clock, then a revalidation once it has moved past the TTL")
    func getUsesTheContext() async throws {
        try await Self.with { world in
            #expect(await world.run(GetCommand.self, "repos", "octo", "--verbose") == 0)
            let body = world.captured.takeStdout()
            #expect((try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [Any])?.count == 30)
            #expect(world.captured.takeStderr().contains("MISS /users/octo/repos"))

            world.advance(299)  // within CACHE_ACCESS_TTL (300 s) and the 600 s rule for repository lists
            #expect(await world.run(GetCommand.self, "repos", "octo", "--verbose") == 0)
            #expect(world.captured.takeStdout() == body)
            #expect(world.captured.takeStderr().contains("HIT local /users/octo/repos"))
            #expect(world.server.stats().total == 1)

            world.advance(302)  // past the 600 s rule for repository lists, by the context's clock only
            #expect(await world.run(GetCommand.self, "repos", "octo", "--verbose") == 0)
            #expect(world.captured.takeStderr().contains("REVALIDATED /users/octo/repos"))
            #expect(world.server.stats().charged == 1 && world.server.stats().notCharged == 1)
        }
    }

    @Test("errors: one line on the context's stderr with the documented status; usage errors exit 2; help on stdout")
    func errorsAndHelp() async throws {
        try await Self.with { world in
            #expect(await world.run(GetCommand.self, "api", "/no/such/endpoint") == 1)
            let missing = world.captured.takeStderr()
            #expect(missing.hasPrefix("ghcache: error: GitHub answered 404"), "\(missing)")
            #expect(world.captured.takeStdout().isEmpty)

            #expect(await world.run(GetCommand.self, "runners", "--org", "octo", "--offline") == 3)
            #expect(world.captured.takeStderr().contains("--offline and no cached copy of /orgs/octo/actions/runners"))

            #expect(await world.run(GetCommand.self, "repos", "octo", "--ttl", "soon") == 2)
            #expect(world.captured.takeStderr().contains("--ttl soon is not a number of seconds"))

            #expect(await world.run(GetCommand.self, "--help") == 0)
            #expect(world.captured.takeStdout().contains("USAGE: ghcache-get <subcommand>"))
        }
    }

    @Test("stats --json and gc --dry-run --json read the store the get commands wrote")
    func statsAndGC() async throws {
        try await Self.with { world in
            #expect(await world.run(GetCommand.self, "runs", "octo/app", "--status", "queued") == 0)
            _ = world.captured.takeStdout()
            #expect(await world.run(StatsCommand.self, "--json") == 0)
            let stats = try #require(
                try JSONSerialization.jsonObject(with: Data(world.captured.takeStdout().utf8)) as? [String: Any])
            #expect(stats["misses"] as? Int == 1 && stats["api_calls"] as? Int == 1)
            #expect(stats["cache_size"] as? Int == 1)

            world.advance(86400 * 2)  // beyond the TTL and the 24 h stale window: the row has expired
            #expect(await world.run(GCCommand.self, "--dry-run", "--json") == 0)
            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(world.captured.takeStdout().utf8)) as? [String: Any])
            #expect(report["dry_run"] as? Bool == true && report["expired"] as? Int == 1)
            #expect(report["entries_before"] as? Int == 1)
            #expect(world.captured.takeStderr().isEmpty)
            #expect(await world.run(StatsCommand.self, "--json") == 0)
            let after = try #require(
                try JSONSerialization.jsonObject(with: Data(world.captured.takeStdout().utf8)) as? [String: Any])
            #expect(after["cache_size"] as? Int == 1, "a dry run removes nothing")
        }
    }
}
