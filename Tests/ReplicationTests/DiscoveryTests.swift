import CacheCore
import Foundation
import TestSupport
import Testing

/// Discovery between real `ghcache-peer` processes in network namespaces on a private bridge (``NetworkLab``): DNS
/// names in the bootstrap list, peers learnt from peers, mDNS. Skipped, with the reason, where namespaces are
/// unavailable (they need root; CI runs as root).
@Suite(
    "fleet discovery in network namespaces", .serialized,
    .enabled(if: NetworkLab.isAvailable, "\(NetworkLab.unavailableReason ?? "")"))
struct DiscoveryTests {
    /// Daemons in namespaces listen on every interface of their namespace (port 9000 each: one per namespace).
    static let port = 9000

    @Test("three daemons with no bootstrap configuration find each other by mDNS and replicate within seconds")
    func mdnsFleetWithNoConfiguration() async throws {
        try await Lab.with(nodes: 3) { lab, fleet in
            var daemons: [PeerProcess] = []
            for (index, name) in ["a", "b", "c"].enumerated() {
                daemons.append(
                    try await fleet.node(name, lab, index + 1))
            }
            let started = ContinuousClock.now
            for (index, name) in ["a", "b", "c"].enumerated() {
                let others = Set(daemons.enumerated().filter { $0.offset != index }.map(\.element.peerID))
                try await eventually("\(name) connects to the other two", timeout: 20) {
                    // A status row written between a connection and its dial's return names no `via` yet.
                    let peers = try await fleet.peers(name)
                    return Set(peers.map(\.peer)) == others && peers.allSatisfy { $0.via != nil }
                }
            }
            let formed = ContinuousClock.now - started
            // Every connection was made by an mDNS dial on one side (the other side sees it inbound).
            var viaMDNS = 0
            for name in ["a", "b", "c"] {
                for peer in try await fleet.peers(name) {
                    #expect(["mdns", "inbound", "fleet"].contains(peer.via ?? ""), "\(name): \(peer)")
                    if peer.via == "mdns" { viaMDNS += 1 }
                }
            }
            #expect(viaMDNS >= 2, "at least two of the three links were dialled after an mDNS answer")

            // A fetch on A (ghcache-get runs outside the namespaces, on A's store and socket) reaches B and C.
            let first = try await fleet.get("a", "repos", "octocat")
            try #require(first.status == 0, "\(first.stderr)")
            let fetched = ContinuousClock.now
            for name in ["b", "c"] {
                try await eventually("the entry reaches \(name)", timeout: 10) {
                    try await fleet.stats(name).int("cache_size") == 1
                }
            }
            let replicated = ContinuousClock.now - fetched
            print("mDNS fleet: formed in \(formed), one entry replicated to both in \(replicated)")
            #expect(fleet.charged == 1)

            // Hostile packets on the LAN: random bytes and truncated or corrupted mDNS answers, multicast and unicast
            // to every daemon. Nobody crashes, and discovery still works for a daemon that starts afterwards.
            let flood = try Self.flood(lab, from: 1, targets: (1...3).map { lab.address($0) })
            #expect(flood.status == 0, "the flood ran: \(flood.stderr)")
            for daemon in daemons { #expect(daemon.process.process.isRunning, "\(daemon.peerID) survived") }
            // The well-formed answers among them reached the daemons (they name a peer nobody runs).
            try await eventually("the flood reached the daemons", timeout: 5) {
                daemons.contains {
                    $0.stderr.contains("mDNS: found 12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB")
                }
            }
            try lab.addNode(4)
            let late = try await fleet.node("d", lab, 4)
            try await eventually("a daemon started after the flood finds the fleet", timeout: 20) {
                try await fleet.peers("d").count == 3
            }
            _ = late
        }
    }

    @Test("py-libp2p 0.8.1 with mDNS and a ghcache daemon find each other both ways")
    func pyLibp2pMDNSInterop() async throws {
        try await Lab.with(nodes: 2) { lab, fleet in
            // py only reports what its mDNS found (never dials), so a connection can only come from our side.
            let py = try PyPeerProcess(
                ["--mdns", "--mdns-no-dial", "--listen", lab.address(1), "--port", "4001", "--no-pubsub", "--linger"],
                timeout: 60, wrapper: { lab.command(in: lab.namespace(1), $0, $1) })
            defer { py.stop() }
            let pyAddress = try await py.address()
            let pyPeer = String(pyAddress.split(separator: "/").last ?? "")
            let daemon = try await fleet.node("a", lab, 2)
            // Our daemon found py (its answer's dnsaddr records) and dialled it.
            try await eventually("the daemon dials the py peer it found by mDNS", timeout: 30) {
                try await fleet.peers("a").contains { $0.peer == pyPeer && $0.via == "mdns" }
            }
            // py found our daemon (our answer to its zeroconf browser), with our namespace address.
            let found = try await py.event("mdns_found", within: 30) { $0["peer"] as? String == daemon.peerID }
            let addresses = found["addrs"] as? [String] ?? []
            #expect(addresses.contains { $0.hasPrefix("/ip4/\(lab.address(2))/tcp/\(Self.port)") }, "\(found)")
            #expect(!addresses.contains { $0.contains("/ip4/127.") }, "loopback is never advertised: \(addresses)")
        }
    }

    @Test("a DNS name with two addresses: both are dialled, peer IDs learnt from Noise; re-resolved, a third joins")
    func dnsNameResolvingToTwoAddresses() async throws {
        try await Lab.with(nodes: 3) { lab, fleet in
            let quiet = ["CACHE_MDNS": "false"]
            let a = try await fleet.node("a", lab, 1, env: quiet)
            let b = try await fleet.node("b", lab, 2, env: quiet)
            try lab.setHosts(lab.namespace(3), ["\(lab.address(1)) runners.test", "\(lab.address(2)) runners.test"])
            let d = try await fleet.node(
                "d", lab, 3, bootstrap: ["/dns4/runners.test/tcp/\(Self.port)"],
                env: quiet.merging(["CACHE_DNS_REFRESH": "1"]) { $1 })
            try await eventually("D connects to A and B through the name", timeout: 20) {
                Set(try await fleet.peers("d").filter { $0.via == "dns" }.map(\.peer)) == [a.peerID, b.peerID]
            }
            try await eventually("A records D's connection as inbound", timeout: 10) {
                try await fleet.peers("a").contains { $0.peer == d.peerID && $0.via == "inbound" }
            }

            // The name now lists a third runner: D dials it at the next resolution (CACHE_DNS_REFRESH=1).
            try lab.addNode(4)
            let e = try await fleet.node("e", lab, 4, env: quiet)
            try lab.setHosts(
                lab.namespace(3),
                ["\(lab.address(1)) runners.test", "\(lab.address(2)) runners.test", "\(lab.address(4)) runners.test"])
            try await eventually("D dials the new address of the name", timeout: 15) {
                try await fleet.peers("d").contains { $0.peer == e.peerID && $0.via == "dns" }
            }
        }
    }

    @Test("a fourth daemon that knows one peer ends up connected to all three; CACHE_MAX_PEERS caps its own dials")
    func fourthDaemonLearnsTheFleet() async throws {
        try await Lab.with(nodes: 5) { lab, fleet in
            let quiet = ["CACHE_MDNS": "false"]
            func address(_ node: Int, _ peer: PeerProcess) -> String {
                "/ip4/\(lab.address(node))/tcp/\(Self.port)/p2p/\(peer.peerID)"
            }
            let a = try await fleet.node("a", lab, 1, env: quiet)
            let b = try await fleet.node("b", lab, 2, bootstrap: [address(1, a)], env: quiet)
            let c = try await fleet.node("c", lab, 3, bootstrap: [address(2, b)], env: quiet)
            let d = try await fleet.node("d", lab, 4, bootstrap: [address(1, a)], env: quiet)
            try await eventually("D is connected to A, B and C, knowing how it found each", timeout: 30) {
                let peers = try await fleet.peers("d")
                return Set(peers.map(\.peer)) == [a.peerID, b.peerID, c.peerID] && peers.allSatisfy { $0.via != nil }
            }
            let found = Dictionary(uniqueKeysWithValues: try await fleet.peers("d").map { ($0.peer, $0.via) })
            #expect(found[a.peerID] == "bootstrap")
            // B and C were learnt from announcements, or dialled D first after hearing D's: never anything else.
            for peer in [b.peerID, c.peerID] { #expect(["fleet", "inbound"].contains(found[peer] ?? "")) }

            // E may dial one peer on its own: it dials its bootstrap peer and no announced member.
            let e = try await fleet.node(
                "e", lab, 5, bootstrap: [address(1, a)], env: quiet.merging(["CACHE_MAX_PEERS": "1"]) { $1 })
            try await eventually("the others dial E after its announcements", timeout: 30) {
                try await fleet.peers("e").count == 4
            }
            let eFound = try await fleet.peers("e")
            #expect(eFound.filter { $0.via == "fleet" }.isEmpty, "E dialled beyond its target: \(eFound)")
            #expect(eFound.contains { $0.peer == a.peerID && $0.via == "bootstrap" })
            _ = (d, e)
        }
    }
}

extension DiscoveryTests {
    /// Sends 3000 hostile datagrams to UDP 5353 from node `from`'s namespace (system `python3`, at most 30 s):
    /// random bytes, an mDNS answer truncated or with random bytes changed, and now and then that answer intact.
    static func flood(_ lab: NetworkLab, from node: Int, targets: [String]) throws -> ProcessResult {
        let script = """
            import os, random, socket
            random.seed(7)
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
            name = b"\\x04_p2p\\x04_udp\\x05local\\x00"
            txt = b"dnsaddr=/ip4/10.213.0.9/tcp/1/p2p/12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB"
            answer = (b"\\x00\\x00\\x84\\x00\\x00\\x00\\x00\\x01\\x00\\x00\\x00\\x01" + name + b"\\x00\\x0c\\x00\\x01"
                      + b"\\x00\\x00\\x00\\x78\\x00\\x06\\x03abc\\xc0\\x0c" + b"\\x03abc\\xc0\\x0c\\x00\\x10\\x00\\x01"
                      + b"\\x00\\x00\\x00\\x78" + bytes([0, len(txt) + 1, len(txt)]) + txt)
            targets = ["224.0.0.251", \(targets.map { "'\($0)'" }.joined(separator: ", "))]
            for i in range(3000):
                if i % 100 == 1:
                    packet = answer  # well-formed, naming a peer nobody runs
                elif i % 3 == 0:
                    packet = os.urandom(random.randrange(0, 1500))
                else:
                    packet = bytearray(answer)
                    for _ in range(random.randrange(1, 6)):
                        packet[random.randrange(len(packet))] = random.randrange(256)
                    if i % 3 == 2:
                        packet = packet[: random.randrange(len(packet))]
                s.sendto(bytes(packet), (targets[i % len(targets)], 5353))
            """
        let (executable, arguments) = lab.command(in: lab.namespace(node), "/usr/bin/python3", ["-c", script])
        return try NetworkLab.runBounded(executable, arguments, timeout: 30)
    }
}

/// A ``NetworkLab`` with `nodes` nodes and a ``Fleet`` whose daemons are killed before the namespaces go.
enum Lab {
    static func with(nodes: Int, _ body: (NetworkLab, Fleet) async throws -> Void) async throws {
        let lab = try NetworkLab()
        defer { lab.destroy() }
        for index in 1...nodes { try lab.addNode(index) }
        try await Environment.with { environment in
            let fleet = Fleet(environment)
            defer { fleet.stopAll() }
            try await body(lab, fleet)
        }
    }
}

extension Fleet {
    /// Starts `ghcache-peer` for the cache directory `name` in node `index` of `lab`, listening on every address of
    /// its namespace at ``DiscoveryTests/port``.
    func node(
        _ name: String, _ lab: NetworkLab, _ index: Int, bootstrap: [String] = [], env: [String: String] = [:]
    ) async throws -> PeerProcess {
        try await start(
            name, bootstrap: bootstrap, port: DiscoveryTests.port, env: env, namespace: (lab, lab.namespace(index)),
            listenAddress: "0.0.0.0")
    }

    /// The `peers` of `ghcache-stats --json` of the cache directory `name`: each connected peer and how it was found.
    func peers(_ name: String) async throws -> [(peer: String, via: String?)] {
        let list = try await stats(name)["peers"] as? [[String: Any]] ?? []
        return list.compactMap { item in (item["peer"] as? String).map { ($0, item["via"] as? String) } }
    }
}
