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
    /// Starts `count` daemons bootstrapped to the first one only, and waits until each has heard every other one's
    /// member announcement.
    private func startFleet(_ fleet: Fleet, _ count: Int, env: [String: String] = [:]) async throws -> [PeerProcess] {
        let first = try await fleet.start("r0", env: env)
        var daemons = [first]
        for index in 1..<count {
            daemons.append(try await fleet.start("r\(index)", bootstrap: [first.address], env: env))
        }
        for daemon in daemons {
            try await eventually("\(daemon.directory) hears every member", timeout: 20) {
                daemon.stderr.components(separatedBy: "fleet member ").count - 1 >= count - 1
            }
        }
        return daemons
    }

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
            let daemons = try await startFleet(fleet, 5)
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
            #expect(filled >= 8, "most lookups were filled by the key's owner (\(filled))")
        }
    }

    @Test("killing the key's owner mid-fill costs the waiting runner less than CACHE_FILL_TIMEOUT, and it answers")
    func ownerKilledMidFill() async throws {
        try await Environment.with { environment in
            let fleet = Fleet(environment)
            defer { fleet.stopAll() }
            let daemons = try await startFleet(fleet, 3, env: ["CACHE_FILL_TIMEOUT": "4"])
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
}
