import CacheCore
import Foundation
import GitHubStandIn
import LibP2P
import Logging
import Testing

@testable import Replication

/// Daemons in this process (each with its own cache directory, store and libp2p host on 127.0.0.1), one stand-in.
/// The real-process fleet tests are in FleetTests; these drive the fill protocol directly through the daemons'
/// cache clients, as the local endpoint does.
private final class InProcessFleet: Sendable {
    let server: StandInServer
    let root: String
    let daemons: [PeerDaemon]
    let resources: [DaemonResources]
    let configurations: [Configuration]
    let tasks: [Task<Void, Never>]

    static let token = "fill-test-token"

    private init(
        server: StandInServer, root: String, daemons: [PeerDaemon], resources: [DaemonResources],
        configurations: [Configuration], tasks: [Task<Void, Never>]
    ) {
        self.server = server
        self.root = root
        self.daemons = daemons
        self.resources = resources
        self.configurations = configurations
        self.tasks = tasks
    }

    /// Starts `count` daemons, each bootstrapped to the first one only (a star), and waits until every daemon knows
    /// every other one as a fleet member.
    static func start(_ count: Int, fillTimeout: Double = 5, environment extra: [String: String] = [:]) async throws
        -> InProcessFleet
    {
        let server = try await StandInServer.start()
        let root = NSTemporaryDirectory() + "ghcache-fill-\(UUID().uuidString)"
        var daemons: [PeerDaemon] = []
        var resourceList: [DaemonResources] = []
        var configurations: [Configuration] = []
        var tasks: [Task<Void, Never>] = []
        var logger = Logger(label: "fill-test")
        logger.logLevel = .warning
        for index in 0..<count {
            let environment = [
                "CACHE_DIR": "\(root)/runner-\(index)", "GITHUB_API_URL": server.baseURL.absoluteString,
                "GITHUB_TOKEN": token, "PATH": "", "CACHE_FILL_TIMEOUT": "\(fillTimeout)",
            ].merging(extra) { $1 }
            let configuration = try Configuration.load(environment: environment)
            var settings = PeerDaemonSettings(
                configuration: configuration, secret: FleetSecret(value: "fill-secret", source: .sharedSecret))
            settings.listenAddress = "127.0.0.1"
            settings.listenPort = 0
            settings.announceInterval = .milliseconds(300)
            settings.refreshInterval = .milliseconds(100)
            // Prewarming waits until every daemon of the test fleet has started and heard the others.
            settings.refreshStartDelay = .milliseconds(300 * count + 1500)
            settings.bootstrapPeers = daemons.first.map { [$0.addresses[0]] } ?? []
            let resources = try DaemonResources.open(configuration, logger: logger)
            let daemon = try await PeerDaemon.start(settings, resources: resources, logger: logger)
            resourceList.append(resources)
            daemons.append(daemon)
            configurations.append(configuration)
            tasks.append(Task { try? await daemon.run() })
        }
        let fleet = InProcessFleet(
            server: server, root: root, daemons: daemons, resources: resourceList, configurations: configurations,
            tasks: tasks)
        let deadline = Date().addingTimeInterval(20)
        while daemons.contains(where: { $0.fleetMembers.count < count - 1 }), Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        try #require(daemons.allSatisfy { $0.fleetMembers.count == count - 1 }, "the members did not find each other")
        return fleet
    }

    /// Runner `index`'s cache client (its daemon's): misses go through the fleet fill.
    func client(_ index: Int) throws -> CacheClient { daemons[index].client }

    func target(_ path: String) throws -> RequestTarget { try RequestTarget(path, apiBase: server.baseURL) }

    func counter(_ index: Int, _ name: String) throws -> Int {
        try CacheStore.open(directory: configurations[index].cacheDir).counters()[name] ?? 0
    }

    func stop() async {
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        for resource in resources { await resource.close() }
        await server.shutdown()
        try? FileManager.default.removeItem(atPath: root)
    }
}

@Suite("Fleet fill: one upstream call per key for the whole fleet", .serialized)
struct FleetFillTests {
    @Test("five runners missing the same key at the same instant cost one API call")
    func synchronisedMissesCostOneCall() async throws {
        let fleet = try await InProcessFleet.start(5)
        do {
            let target = try fleet.target("/repos/octo/app/actions/runs?status=queued")
            let clients = try (0..<5).map { try fleet.client($0) }
            let answers = try await withThrowingTaskGroup(of: LookupResult.self) { group in
                for client in clients {
                    group.addTask { try await client.get(target, options: LookupOptions(ttlOverride: 60)) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(fleet.server.stats().charged == 1)
            #expect(Set(answers.map(\.body)).count == 1)
            #expect(answers.filter { $0.servedFrom == .filled }.count >= 3)
            let fills = try (0..<5).reduce(0) { $0 + (try fleet.counter($1, Counter.fills)) }
            let served = try (0..<5).reduce(0) { $0 + (try fleet.counter($1, Counter.fillsServed)) }
            #expect(fills >= 3 && served >= fills)
            let lookupCounters = [
                Counter.localHits, Counter.peerHits, Counter.misses, Counter.notModified, Counter.staleServed,
                Counter.failures,
            ]
            let lookups = try (0..<5).reduce(0) { total, index in
                try lookupCounters.reduce(total) { $0 + (try fleet.counter(index, $1)) }
            }
            #expect(lookups == 5, "each runner counts its own lookup once; the owner does not count fills it serves")
            for client in clients { await client.shutdown() }
        } catch {
            await fleet.stop()
            throw error
        }
        await fleet.stop()
    }

    @Test("every daemon ranks the owners of a key the same way")
    func ownersAgree() async throws {
        let fleet = try await InProcessFleet.start(4)
        let keys = (0..<50).map { "key-\($0)" }
        for key in keys {
            let rankings = Set(fleet.daemons.map { $0.membership.owners(of: key) })
            #expect(rankings.count == 1, "daemons disagree on the owners of \(key)")
        }
        let owners = Set(keys.compactMap { fleet.daemons[0].membership.owners(of: $0).first })
        #expect(owners.count == 4, "50 keys should spread over all four members")
        await fleet.stop()
    }
}

extension InProcessFleet {
    /// The index of the daemon that owns `target`, and the index of another runner.
    func ownerAndRequester(of target: RequestTarget) throws -> (owner: Int, requester: Int) {
        let owner = try #require(daemons[0].membership.owners(of: target.key).first)
        let index = try #require(daemons.firstIndex { $0.host.peerID == owner })
        return (index, (index + 1) % daemons.count)
    }
}

@Suite("Fleet fill: dead, slow and lying owners", .serialized)
struct FleetFillFailureTests {
    @Test("an owner that stops mid-fill costs the waiting runner no more than the fill timeout, and it still answers")
    func ownerStopsMidFill() async throws {
        let fleet = try await InProcessFleet.start(3, fillTimeout: 8)
        do {
            let target = try fleet.target("/repos/octo/dead-owner")
            let (owner, requester) = try fleet.ownerAndRequester(of: target)
            _ = try fleet.server.addFault(FaultSpec(pathPrefix: "/repos/octo/dead-owner", kind: .hang, count: 1))
            let client = try fleet.client(requester)
            let started = ContinuousClock.now
            let lookup = Task { try await client.get(target, options: LookupOptions()) }
            let deadline = Date().addingTimeInterval(10)
            while fleet.server.stats().total == 0, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
            try #require(fleet.server.stats().total == 1, "the owner never asked the stand-in")
            fleet.tasks[owner].cancel()  // the owner's daemon shuts down: its connections close mid-fill
            let answer = try await lookup.value
            let elapsed = ContinuousClock.now - started
            #expect(answer.status == 200)
            #expect(elapsed < .seconds(8), "fell back after \(elapsed)")
            #expect(try fleet.counter(requester, Counter.fillFallbacks) >= 1)
            #expect(fleet.server.stats().charged == 1)
            await client.shutdown()
        } catch {
            await fleet.stop()
            throw error
        }
        await fleet.stop()
    }

    @Test("a slow owner is abandoned after CACHE_FILL_TIMEOUT and the runner fetches the key itself")
    func slowOwnerTimesOut() async throws {
        let fleet = try await InProcessFleet.start(3, fillTimeout: 1.5)
        do {
            let target = try fleet.target("/repos/octo/slow-owner")
            let (_, requester) = try fleet.ownerAndRequester(of: target)
            _ = try fleet.server.addFault(
                FaultSpec(pathPrefix: "/repos/octo/slow-owner", kind: .hang, count: 1, ms: 20_000))
            let client = try fleet.client(requester)
            let started = ContinuousClock.now
            let answer = try await client.get(target, options: LookupOptions())
            let elapsed = ContinuousClock.now - started
            #expect(answer.status == 200)
            #expect(elapsed < .seconds(6), "took \(elapsed)")
            #expect(try fleet.counter(requester, Counter.fillFallbacks) >= 1)
            await client.shutdown()
        } catch {
            await fleet.stop()
            throw error
        }
        await fleet.stop()
    }

    @Test(
        "an owner that answers another key or a body that does not match its CID is rejected and counted",
        arguments: ["key_mismatch", "cid_mismatch"])
    func lyingOwner(lie: String) async throws {
        let fleet = try await InProcessFleet.start(3)
        do {
            let target = try fleet.target("/repos/octo/lied-about")
            let (owner, requester) = try fleet.ownerAndRequester(of: target)
            let liar = fleet.daemons[owner]
            let codec = FleetCodec(key: FleetKey(secret: "fill-secret"))
            liar.host.setStreamHandler(FillProtocol.id) { stream in
                var reader = SyncFrameReader()
                guard let payload = try? await FleetFill.frame(stream, &reader),
                    let request = try? codec.openMessage(FillRequest.self, from: payload)
                else { return stream.reset() }
                let body = Data(#"{"full_name":"octo/evil"}"#.utf8)
                var entry = ReplicatedEntry(
                    key: request.key, method: "GET", url: request.url, accept: request.accept,
                    apiVersion: request.apiVersion,
                    status: 200, headers: [:], body: body, cid: ContentID.of(body),
                    fetchedAt: Date().timeIntervalSince1970, expiresAt: Date().timeIntervalSince1970 + 600,
                    originPeer: liar.peerID)
                if lie == "key_mismatch" {
                    entry.url = "/repos/octo/other"
                    entry.key = RequestTarget.key(
                        method: "GET", url: entry.url, accept: entry.accept, apiVersion: entry.apiVersion)
                } else {
                    entry.body = Data(#"{"full_name":"octo/tampered"}"#.utf8)
                }
                let frames = [try? codec.sealMessage(FillAnswer.ok("miss")), try? codec.seal(entry)].compactMap { $0 }
                try? await stream.write(frames.flatMap { SyncFrame.payload($0).bytes })
                try? await stream.closeWrite()
            }
            let client = try fleet.client(requester)
            let answer = try await client.get(target, options: LookupOptions())
            #expect(answer.status == 200)
            #expect(!String(decoding: answer.body, as: UTF8.self).contains("octo/evil"))
            #expect(!String(decoding: answer.body, as: UTF8.self).contains("octo/tampered"))
            #expect(try fleet.counter(requester, Counter.fillRejected(lie)) == 1)
            #expect(try fleet.counter(requester, Counter.fillFallbacks) == 1)
            let stored = try CacheStore.open(directory: fleet.configurations[requester].cacheDir)
            #expect(try stored.entry(forKey: target.key)?.body == answer.body)
            #expect(
                try stored.entry(
                    forKey: RequestTarget.key(
                        method: "GET", url: "/repos/octo/other", accept: target.accept, apiVersion: target.apiVersion))
                    == nil)
            await client.shutdown()
        } catch {
            await fleet.stop()
            throw error
        }
        await fleet.stop()
    }
}

@Suite("Refresh-ahead: the owner keeps polled keys fresh", .serialized)
struct RefreshAheadTests {
    @Test("a key read late in its window is revalidated by its owner before it expires; an unread one is not")
    func polledKeysStayFresh() async throws {
        let fleet = try await InProcessFleet.start(2, environment: ["CACHE_REFRESH_AHEAD": "60"])
        do {
            let polled = try fleet.target("/repos/octo/polled")
            let unread = try fleet.target("/repos/octo/unread")
            // The reader is not the owner: its reads must still get the key refreshed, by the owner.
            let (_, reader) = try fleet.ownerAndRequester(of: polled)
            let client = try fleet.client(reader)
            // Long enough that a loaded machine still sees the refresh window (the last 5 %: 0.4 s).
            let options = LookupOptions(ttlOverride: 8)
            _ = try await client.get(polled, options: options)
            _ = try await client.get(unread, options: options)
            #expect(fleet.server.stats().charged == 2)
            try await Task.sleep(for: .milliseconds(4500))  // the second half of the 8 s window
            #expect(try await client.get(polled, options: options).servedFrom != .miss)
            try await Task.sleep(for: .milliseconds(4200))  // past the first fetch's expiry
            let again = try await client.get(polled, options: options)
            #expect([.localHit, .peerHit].contains(again.servedFrom), "served \(again.servedFrom.label)")
            let refreshed = try (0..<2).reduce(0) { $0 + (try fleet.counter($1, Counter.refreshAhead)) }
            #expect(refreshed == 1, "one revalidation ahead of expiry, for the polled key only")
            #expect(fleet.server.stats().charged == 2, "the revalidation was a free 304")
            let store = try CacheStore.open(directory: fleet.configurations[reader].cacheDir)
            let stale = try #require(try store.entry(forKey: unread.key))
            #expect(Date().timeIntervalSince1970 - stale.fetchedAt > 8, "the unread key was left to expire")
            await client.shutdown()
        } catch {
            await fleet.stop()
            throw error
        }
        await fleet.stop()
    }

    @Test("CACHE_PREWARM paths are fetched once for the fleet at start-up, by their owner")
    func prewarm() async throws {
        let fleet = try await InProcessFleet.start(3, environment: ["CACHE_PREWARM": "/repos/octo/warm"])
        do {
            let target = try fleet.target("/repos/octo/warm")
            let deadline = Date().addingTimeInterval(10)
            func everyoneHasIt() throws -> Bool {
                try fleet.configurations.allSatisfy {
                    try CacheStore.open(directory: $0.cacheDir).entry(forKey: target.key) != nil
                }
            }
            while try !everyoneHasIt(), Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
            #expect(try everyoneHasIt())
            #expect(fleet.server.stats().charged == 1)
        } catch {
            await fleet.stop()
            throw error
        }
        await fleet.stop()
    }
}
