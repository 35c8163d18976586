import Foundation
import TestSupport
import Testing

@testable import CacheCore
@testable import LeanCore

/// Bounded fuzzing of the decoders of values from outside the process — GitHub's response headers (status, rate
/// limit, `Retry-After`), settings from the environment and flags, config files, request paths and `Link` headers:
/// each gives a bounded value or a clear refusal, never a trap, and never a secret in a message.
@Suite struct OutsideValuesFuzzTests {
    static let rateHeaders = [
        "x-ratelimit-remaining", "x-ratelimit-limit", "x-ratelimit-reset", "x-ratelimit-resource", "retry-after",
    ]

    @Test func githubResponseHeaders() {
        let now = 1_800_000_000.0
        let ran = Fuzzer.run(seed: 31) { fuzzer, _ in
            var headers: [String: String] = [:]
            for name in Self.rateHeaders where fuzzer.below(2) == 0 {
                headers[name] = fuzzer.mutate(fuzzer.pick(["0", "4999", "5000", "1800003600", "60", "core"]))
            }
            let body = Data(fuzzer.mutate(Array(#"{"message":"You have exceeded a secondary rate limit"}"#.utf8)))
            let response = GitHubResponse(
                status: fuzzer.pick([200, 304, 403, 429, 500, 503]), headers: headers, body: body)
            switch ResponseClassifier.classify(response, now: now) {
            case .secondaryRateLimit(let wait), .serverError(let wait):
                if let wait { #expect(wait >= 0 && wait <= TimeBounds.maxRetryAfter, "\(headers)") }
            case .primaryRateLimit(let reset):
                if let reset { #expect(reset >= 0 && reset <= now + TimeBounds.maxRetryAfter, "\(headers)") }
            case .success, .notModified, .clientError: break
            }
            if let limit = ResponseClassifier.rateLimit(response, now: now) {
                #expect(limit.remaining >= 0)
                if let reset = limit.reset { #expect(reset >= 0 && reset <= TimeBounds.maxUnixTime) }
                // What stats, metrics and --verbose do with it.
                _ = VerboseReport.iso8601(limit.reset ?? 0)
                _ = formatTime(limit.reset ?? 0)
            }
            _ = LinkHeader(fuzzer.mutate("<https://api.github.com/repos?page=2>; rel=\"next\"")).next
        }
        #expect(ran > 100)
    }

    @Test func settingsFromEnvironmentAndFlags() {
        let secret = "ghp_FUZZSECRET0123456789"
        let samples: [ConfigVariable: String] = [
            .defaultTTL: "300", .ttlRules: "/orgs/**=1h", .maxEntries: "10", .maxBytes: "256M", .maxStale: "1d",
            .timeout: "10", .connectTimeout: "5", .enableP2P: "true", .httpListen: "127.0.0.1:8787",
            .listenPort: "9000", .listenAddress: "0.0.0.0", .bootstrapPeers: "/ip4/1.2.3.4/tcp/1",
            .githubToken: secret, .ghToken: secret, .p2pSharedSecret: secret, .webhookSecret: secret,
            .apiURL: "https://api.github.com", .fleetFill: "true", .fillTimeout: "5", .refreshAhead: "0",
            .prewarm: "/repos/o/r", .mdns: "true", .maxPeers: "32", .dnsRefresh: "30",
        ]
        let ran = Fuzzer.run(seed: 32, iterations: 3000) { fuzzer, _ in
            var environment = ["HOME": "/nonexistent-home", "CACHE_DIR": "/nonexistent-cache"]
            var flags: [ConfigVariable: FlagValue] = [:]
            for _ in 0..<(1 + fuzzer.below(3)) {
                let variable = fuzzer.pick(Array(samples.keys).sorted { $0.rawValue < $1.rawValue })
                let value = fuzzer.mutate(samples[variable]!)
                if fuzzer.below(3) == 0 {
                    flags[variable] = FlagValue(value, flag: "--flag")
                } else {
                    environment[variable.rawValue] = value
                }
            }
            do {
                let configuration = try Configuration.load(flags: flags, environment: environment)
                #expect(configuration.maxStale <= TimeBounds.maxSeconds)
                #expect(configuration.ttlPolicy.ttl(path: "/orgs/x", query: []) <= TimeBounds.maxSeconds)
                if let port = configuration.apiURL.port { #expect((1...65535).contains(port)) }
            } catch let error as GHCacheError {
                #expect(error.exitStatus == .usage)
                #expect(!error.message.contains("FUZZSECRET"), "\(error.message)")
            } catch {
                Issue.record("an untyped error: \(error)")
            }
        }
        #expect(ran > 100)
    }

    @Test func configFiles() {
        let sample = """
            # ghcache
            export CACHE_DEFAULT_TTL=300
            CACHE_TTL_RULES="/repos/*/*/actions/runs=30, /orgs/**=1h"
            GITHUB_API_URL='https://ghe.example/api/v3'
            CACHE_MAX_BYTES=1G
            """
        let ran = Fuzzer.run(seed: 33) { fuzzer, _ in
            let text = fuzzer.mutate(sample)
            guard let file = try? ConfigFile.parse(text, path: "config.env") else { return }
            for (key, value) in file.values {
                if let variable = ConfigVariable(rawValue: key) { _ = variable.isCertainlyValid(value) }
            }
        }
        #expect(ran > 100)
    }

    @Test func requestPaths() throws {
        let base = try #require(URL(string: "https://api.github.com"))
        let ran = Fuzzer.run(seed: 34) { fuzzer, _ in
            let path = fuzzer.mutate(
                fuzzer.pick(["/repos/o/r/actions/runs?status=queued&per_page=100", "https://api.github.com/x?a=%20"]))
            if let target = try? RequestTarget(path, apiBase: base) {
                #expect(target.key.utf8.count == 64)
                _ = target.url(base: base)
            }
        }
        #expect(ran > 100)
    }

    @Test func redactionRemovesSecretsFromAnyText() {
        Redaction.register("fleet-secret-under-test-42")
        let ran = Fuzzer.run(seed: 35) { fuzzer, _ in
            let noise = String(decoding: fuzzer.bytes(maxCount: 20), as: UTF8.self)
            let secret = fuzzer.pick([
                "ghp_0123456789abcdefABCDEF", "github_pat_11ABCDEFG0123456789_abcdef", "fleet-secret-under-test-42",
            ])
            let line = fuzzer.pick([
                "Bearer \(secret)", "token \(secret)\r", "https://user:\(secret)@host/x", "\(noise)\(secret)\(noise)",
            ])
            let redacted = Redaction.redact(line)
            #expect(!redacted.contains(secret), "\(line.debugDescription) → \(redacted.debugDescription)")
            #expect(!redacted.unicodeScalars.contains { $0.value < 0x20 && $0 != "\t" })
        }
        #expect(ran > 100)
    }
}
