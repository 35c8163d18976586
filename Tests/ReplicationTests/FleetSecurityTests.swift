import CacheCore
import Foundation
import GitHubStandIn
import TestSupport
import Testing

@testable import Replication

/// What the fleet does with peers and messages it must not trust, and with start-up mistakes.
@Suite("ghcache-peer against other fleets, bad messages and bad settings", .serialized)
struct FleetSecurityTests {
    @Test("a daemon with another secret gets nothing usable and both sides count the refusals")
    func anotherSecretGetsNothing() async throws {
        try await Environment.with { environment in
            let fleet = Fleet(environment)
            defer { fleet.stopAll() }
            let a = try await fleet.start("a")
            let first = try await fleet.get("a", "repos", "octocat")
            try #require(first.status == 0)
            _ = try await fleet.start("x", bootstrap: [a.address], secret: "another-fleet")
            try await eventually("both sides refuse the other's sync request") {
                let refusedByA = try await fleet.stats("a").int("sync.rejected.undecryptable")
                let refusedByX = try await fleet.stats("x").int("sync.rejected.undecryptable")
                return refusedByA == 1 && refusedByX == 1
            }
            #expect(try await fleet.stats("x").int("cache_size") == 0)
            #expect(a.stderr.contains("refused a sync request: undecryptable"))
            let outsider = try await fleet.get("x", "repos", "octocat")
            #expect(outsider.status == 0 && fleet.charged == 2, "the other fleet had to ask GitHub itself")
        }
    }

    @Test("py-libp2p reads our messages; garbage, a tampered body and an older copy are counted, never stored")
    func pythonPeerAndBadMessages() async throws {
        try await Environment.with { environment in
            let fleet = Fleet(environment)
            defer { fleet.stopAll() }
            let a = try await fleet.start("a")
            let codec = FleetCodec(key: FleetKey(secret: Fleet.secret))
            let receiver = try PyPeerProcess(["--connect", a.address, "--topic", codec.topic, "--expect", "1"])
            defer { receiver.stop() }
            _ = try await receiver.event("connected")
            try await Task.sleep(for: .seconds(1.5))  // subscriptions travel
            let first = try await fleet.get("a", "repos", "octocat")
            try #require(first.status == 0)

            let message = try await receiver.event("message")
            let token = try #require(Self.bytes(hex: message["data_hex"] as? String ?? ""))
            let decoded = try Python.run(
                "decode_envelope.py", ["--secret", Fleet.secret, "--ttl", "600"], stdin: Data(token))
            try #require(decoded.status == 0, "\(decoded.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: decoded.stdout) as? [String: Any])
            #expect(object["url"] as? String == "/users/octocat/repos")
            #expect(object["cid_ok"] as? Bool == true && object["origin_peer"] as? String == a.peerID)
            let body = Data(base64Encoded: object["body_base64"] as? String ?? "") ?? Data()
            #expect(body == first.stdout || body + Data("\n".utf8) == first.stdout, "stdout adds at most a newline")

            // A second py-libp2p peer publishes three bad messages on the fleet topic.
            let store = try CacheStore.open(directory: a.directory, mode: .readOnly)
            let fresh = try #require(try store.freshEntryIndex(now: Date().timeIntervalSince1970).first)
            let row = try #require(try store.entry(forKey: fresh.key))
            var older = row.replicated
            older.originPeer = Fixtures.entry().originPeer
            older.fetchedAt -= 30
            older.setBody(Data("[]".utf8))
            let stale = String(decoding: try codec.seal(older), as: UTF8.self)
            let tampered = try Self.tamperedToken(like: older, key: FleetKey(secret: Fleet.secret))
            let publisher = try PyPeerProcess([
                "--connect", a.address, "--topic", codec.topic, "--delay", "2",
                "--publish", "not a fleet token", "--publish", tampered, "--publish", stale,
            ])
            defer { publisher.stop() }
            try await eventually("A counts each bad message under its reason", timeout: 25) {
                let stats = try await fleet.stats("a")
                return stats.int("gossip.rejected.undecryptable") == 1 && stats.int("gossip.rejected.cid_mismatch") == 1
                    && stats.int("gossip.rejected.stale") == 1
            }
            let after = try await fleet.get("a", "repos", "octocat", "--offline")
            #expect(after.status == 0 && after.stdout == first.stdout, "the newer local copy is intact")
            #expect(try await fleet.stats("a").int("cache_size") == 1, "nothing bad was stored")
        }
    }

    @Test("CACHE_ENABLE_P2P=false runs no libp2p; refuses a taken port; warns about per-job tokens in Actions")
    func startUpMistakes() async throws {
        try await Environment.with { environment in
            let fleet = Fleet(environment)
            defer { fleet.stopAll() }
            // Sharing off: only the local endpoint runs (no peer ID, no libp2p port), until SIGTERM.
            let off = try fleet.launch("off", env: ["CACHE_ENABLE_P2P": "false"])
            try await eventually("the endpoint-only daemon did not start") {
                off.stderr.contains("serving the GitHub API on unix:")
            }
            #expect(off.stderr.contains("CACHE_ENABLE_P2P=false") && !off.stderr.contains("listening; fleet secret"))
            let stopped = try await off.terminate()
            #expect(stopped.status == 0 && stopped.stdout.isEmpty)

            let a = try await fleet.start("a")
            let port = try #require(a.address.split(separator: "/").dropFirst(3).first.flatMap { Int($0) })
            let taken = try await fleet.launch("b", port: port).process.wait()
            #expect(taken.status == 4)
            #expect(taken.stderr.contains("already in use") && taken.stderr.contains("CACHE_LISTEN_PORT"))
            #expect(!taken.stderr.contains("Fatal error") && taken.stdout.isEmpty)

            let actions = try await fleet.start("gha", secret: "", env: ["GITHUB_ACTIONS": "true"])
            #expect(actions.stderr.contains("CACHE_P2P_SHARED_SECRET is not set"))
        }
    }

    private static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex)
        guard digits.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(digits[index...index + 1]), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    /// A genuine fleet token whose envelope claims a CID that is not its body's.
    private static func tamperedToken(like entry: ReplicatedEntry, key: FleetKey) throws -> String {
        var metadata = Fixtures.metadata(entry)
        metadata["fetched_at_ms"] = entry.fetchedAtMilliseconds + 60_000
        let envelope = try Fixtures.envelope(metadata: metadata, body: Data("[{\"tampered\":true}]".utf8))
        return Fernet(key: key).encrypt(envelope, now: Date())
    }
}
