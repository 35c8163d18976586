import ArgumentParser
import Dispatch
import Foundation
import GitHubStandIn

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `github-stand-in`: the local api.github.com stand-in as a process. Prints its base URL as the first stdout
/// line, logs to stderr, stops on SIGTERM/SIGINT.
@main
struct GitHubStandInCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "github-stand-in",
        abstract: "A local stand-in for api.github.com, for tests, demos and benchmarks.",
        discussion: """
            Listens on 127.0.0.1 only and prints its base URL (http://127.0.0.1:PORT) as the first line on stdout; \
            everything else goes to stderr. SIGTERM or SIGINT stops it. Control API (JSON, never charged): \
            GET /_standin/stats, POST /_standin/reset, POST /_standin/faults, POST /_standin/mutate, \
            POST /_standin/access, POST /_standin/etag; see \
            Sources/GitHubStandIn/README.md.

            Examples:
              $ github-stand-in --port 0 --rate-limit 100
              $ GITHUB_API_URL=$(github-stand-in | head -1) ghcache-get repos octocat
            """)

    @Option(help: "TCP port on 127.0.0.1 (0 picks a free port).")
    var port: Int = 0

    @Option(help: "Primary rate-limit budget per token per hour (unauthenticated clients get 60).")
    var rateLimit: Int = 5000

    @Option(help: "Milliseconds added to every API response.")
    var latencyMs: Int = 0

    @Option(help: "A fixtures directory to use instead of the bundled one.")
    var fixtures: String?

    @Option(
        help: ArgumentHelp(
            "A JSON file of access rules: private repositories and grants (see POST /_standin/access).",
            valueName: "file"))
    var access: String?

    @Option(
        help: ArgumentHelp(
            "How ETags are computed: github (GitHub's formula), body-only or salted (both drift from it).",
            valueName: "formula"))
    var etagFormula: String = ETagFormula.github.rawValue

    @Flag(help: "Log every request to stderr.")
    var verbose = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, got \(port)") }
        guard rateLimit >= 1 else { throw ValidationError("--rate-limit must be at least 1, got \(rateLimit)") }
        guard (0...600_000).contains(latencyMs) else {
            throw ValidationError("--latency-ms must be in 0...600000, got \(latencyMs)")
        }
        guard ETagFormula(rawValue: etagFormula) != nil else {
            let known = ETagFormula.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--etag-formula must be one of \(known), got \(etagFormula)")
        }
    }

    /// The rules in `--access FILE`.
    private func accessRules() throws -> StandInAccess {
        guard let access else { return StandInAccess() }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: access))
        } catch {
            throw ValidationError("--access: cannot read \(access): \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(StandInAccess.self, from: data)
        } catch {
            throw ValidationError(
                "--access: \(access) is not a JSON object like "
                    + #"{"private_repositories":["o/r"],"grants":[{"token":"t","scope":"o/r","role":"read"}]}"#)
        }
    }

    func run() async throws {
        let log: @Sendable (String) -> Void = { line in
            FileHandle.standardError.write(Data("github-stand-in: \(line)\n".utf8))
        }
        var configuration = StandInConfiguration(port: port, rateLimit: rateLimit, latency: .milliseconds(latencyMs))
        configuration.fixturesDirectory = fixtures.map { URL(fileURLWithPath: $0, isDirectory: true) }
        configuration.access = try accessRules()
        configuration.etagFormula = ETagFormula(rawValue: etagFormula) ?? .github
        if verbose { configuration.requestLog = log }

        let (signals, continuation) = AsyncStream<Int32>.makeStream()
        let sources = [SIGTERM, SIGINT].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .main)
            source.setEventHandler { continuation.yield(signalNumber) }
            source.resume()
            return source
        }

        let server: StandInServer
        do {
            server = try await StandInServer.start(configuration)
        } catch {
            log("cannot start: \(error)")
            throw ExitCode.failure
        }
        // Unbuffered: the first stdout line is the base URL, available as soon as the socket listens.
        FileHandle.standardOutput.write(Data("\(server.baseURL.absoluteString)\n".utf8))
        log("listening on \(server.baseURL.absoluteString) (rate limit \(rateLimit)/h per token)")
        var iterator = signals.makeAsyncIterator()
        let received = await iterator.next()
        log("signal \(received ?? 0): shutting down")
        await server.shutdown()
        sources.forEach { $0.cancel() }
    }
}
