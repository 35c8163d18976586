import CacheCore
import Foundation
import GitHubStandIn
import LibP2P
import TestSupport
import Testing

@testable import Replication

/// Fleet fill with real `ghcache-peer` daemons and `ghcache-get` processes (which reach their daemon through
/// `$CACHE_DIR/api.sock`), against the stand-in.
@Suite("fleet fill with real daemons", .serialized)
struct FleetFillProcessTests {
    private func runsKey(_ server: StandInServer) throws -> String {
        try RequestTarget("/repos/octo/app/actions/runs?status=queued", apiBase: server.baseURL).key
    }

    @Test(
        "five runners polling in step pay one call per window (changing data), or one 200 then free 304s",
        arguments: [true, false])
    func pollingInStep(changing: Bool) async throws {
        try await Environment.with { environment in
            let fleet = Fleet(environment)
            defer { fleet.stopAll() }
            let daemons = try await fleet.startMembers(5)
            for window in 0..<3 {
                if window > 0 {
                    if changing { _ = try environment.server.mutate(path: "/repos/octo/app/actions/runs") }
                    try await Task.sleep(for: .milliseconds(2300))  // past the 2 s TTL
                }
                let results = try await withThrowingTaskGroup(of: ProcessResult.self) { group in
                    for index in daemons.indices {
                        group.addTask {
                            try await fleet.get("r\(index)", "runs", "octo/app", "--status", "queued", "--ttl", "2")
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                for result in results { #expect(result.status == 0, "\(result.stderr)") }
                #expect(Set(results.map(\.stdout)).count == 1, "every runner printed the same body")
            }
            let counts = environment.server.stats().counts(for: "/repos/octo/app/actions/runs?status=queued")
            if changing {
                #expect(counts.charged == 3, "one call per window for five runners, not \(counts)")
            } else {
                #expect(
                    counts.charged == 1 && counts.notCharged == 2, "one 200, then one free 304 per window: \(counts)")
            }
            var filled = 0
            for index in daemons.indices { filled += try await fleet.stats("r\(index)").int("fill.filled") }
            #expect(filled >= 4, "the first window's misses were filled by the key's owner (\(filled))")
        }
    }

    @Test("killing the key's owner mid-fill costs the waiting runner less than CACHE_FILL_TIMEOUT, and it answers")
    func ownerKilledMidFill() async throws {
        try await Environment.with { environment in
            let fleet = Fleet(environment)
            defer { fleet.stopAll() }
            let daemons = try await fleet.startMembers(3, env: ["CACHE_FILL_TIMEOUT": "4"])
            let peers = try daemons.map { try PeerID(parsing: $0.peerID) }
            let owner = try #require(Membership.rank(peers, key: try runsKey(environment.server)).first)
            let ownerIndex = try #require(peers.firstIndex(of: owner))
            let requester = (ownerIndex + 1) % daemons.count
            _ = try environment.server.addFault(
                FaultSpec(pathPrefix: "/repos/octo/app/actions/runs", kind: .hang, count: 1))
            let started = Date()
            let lookup = Task { try await fleet.get("r\(requester)", "runs", "octo/app", "--status", "queued") }
            try await eventually("the owner asks the stand-in") { environment.server.stats().total >= 1 }
            daemons[ownerIndex].kill9()
            let result = try await lookup.value
            let elapsed = Date().timeIntervalSince(started)
            #expect(result.status == 0, "\(result.stderr)")
            #expect((try? JSONSerialization.jsonObject(with: result.stdout)) is [String: Any])
            #expect(elapsed < 4, "the runner waited \(elapsed) s")
            #expect(try await fleet.stats("r\(requester)").int("fill.fallbacks") >= 1)
        }
    }

    @Test("a signed workflow_run webhook to one daemon makes the next lookup of the runs revalidate on all three")
    func webhookReachesTheFleet() async throws {
        let secret = "fleet-webhook-secret"
        try await Environment.with { environment in
            let fleet = Fleet(environment)
            defer { fleet.stopAll() }
            let daemons = try await fleet.startMembers(
                3, env: ["CACHE_HTTP_LISTEN": "127.0.0.1:0", "CACHE_WEBHOOK_SECRET": secret])
            let uri = "/repos/octo/app/actions/runs"
            for index in daemons.indices {
                #expect(try await fleet.get("r\(index)", "api", uri, "--ttl", "600").status == 0)
            }
            #expect(environment.server.stats().counts(for: uri).charged == 1)
            let log = daemons[0].stderr
            let marker = "serving the GitHub API on http://"
            let line = try #require(log.split(separator: "\n").first { $0.contains(marker) })
            let origin = "http://" + String(try #require(line.range(of: marker).map { line[$0.upperBound...] }))
            let body = Data(#"{"action":"requested","repository":{"full_name":"octo/app"}}"#.utf8)
            let file = (environment.root as NSString).appendingPathComponent("workflow_run.json")
            try body.write(to: URL(fileURLWithPath: file))
            // The copies are now at least 3 s old, so an answer from one of them shows in its age.
            try await Task.sleep(for: .seconds(3))
            let webhookAt = Date()
            let curl = Process()
            curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            curl.arguments = [
                "-q", "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                "--data-binary", "@\(file)", "-H", "X-GitHub-Event: workflow_run", "-H", "X-GitHub-Delivery: fleet-1",
                "-H", "X-Hub-Signature-256: \(WebhookDelivery.signature(of: body, secret: secret))",
                origin + "/webhook",
            ]
            let output = Pipe()
            curl.standardOutput = output
            try curl.run()
            curl.waitUntilExit()
            let status = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(status == "202", "the webhook got \(status)")
            for index in daemons.indices {
                try await eventually("r\(index) marks the runs stale") {
                    try await fleet.stats("r\(index)").int("invalidated") >= 1
                }
            }
            // The next lookup on every runner is answered by a copy revalidated after the webhook: the first one
            // through the key's owner (a free 304), the later ones by that copy, gossiped; none by its old copy.
            for index in daemons.indices {
                let answer = try await fleet.get("r\(index)", "api", uri, "--ttl", "600", "--verbose")
                #expect(answer.status == 0, "\(answer.stderr)")
                let age = answer.stderr.range(of: #"age [0-9]+ s"#, options: .regularExpression).flatMap {
                    Int(answer.stderr[$0].dropFirst(4).dropLast(2))
                }
                let sinceWebhook = Date().timeIntervalSince(webhookAt)
                #expect(age.map { Double($0) <= sinceWebhook + 1 } == true, "r\(index): \(answer.stderr)")
            }
            let counts = environment.server.stats().counts(for: uri)
            #expect(counts.charged == 1 && counts.notCharged >= 1, "revalidated for free: \(counts)")
        }
    }
}
