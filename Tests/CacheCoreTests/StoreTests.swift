import Foundation
import Testing

@testable import CacheCore

@Suite("Store: entries, counters, peer API")
struct StoreTests {
    @Test("a new store is 0700 / 0600 with the current schema")
    func permissions() async throws {
        try await withStore { store, directory in
            let attributes = try FileManager.default.attributesOfItem(atPath: directory.file("cache"))
            #expect((attributes[.posixPermissions] as? Int) == 0o700)
            let file = try FileManager.default.attributesOfItem(atPath: store.path)
            #expect((file[.posixPermissions] as? Int) == 0o600)
            #expect(store.notices.isEmpty)
        }
    }

    @Test("a fetched response round-trips; seq grows with every write; rate-limit headers are not kept")
    func roundTrip() async throws {
        try await withStore { store, _ in
            let request = try target("/users/o/repos")
            let first = try store.storeFetched(
                response(
                    "[1]", headers: ["etag": #"W/"abc""#, "x-ratelimit-remaining": "10", "link": "<x>; rel=\"next\""]),
                target: request, ttl: 600, tokenFingerprint: "fp", now: 1000, leaseOwner: nil,
                counters: [Counter.misses: 1])
            #expect(first.body == Data("[1]".utf8))
            #expect(
                first.headers == ["content-type": "application/json", "etag": #"W/"abc""#, "link": "<x>; rel=\"next\""])
            #expect(first.cid == ContentID.of(Data("[1]".utf8)))
            #expect(first.expiresAt == 1600 && first.origin == .local && first.size == 3)
            #expect(try store.entry(forKey: request.key) == first)
            #expect(try store.validators(forKey: request.key, tokenFingerprint: "fp")?.etag == #"W/"abc""#)
            #expect(try store.validators(forKey: request.key, tokenFingerprint: "other") == nil)
            let refreshed = try #require(
                try store.refreshValidated(
                    key: request.key, cid: first.cid, ttl: 600, tokenFingerprint: "fp",
                    validators: Validators(etag: nil, lastModified: nil),
                    now: 2000, leaseOwner: nil, counters: [Counter.notModified: 1]))
            #expect(refreshed.fetchedAt == 2000 && refreshed.seq > first.seq)
            #expect(try store.lastSeq() == refreshed.seq)
            #expect(try store.counters() == [Counter.misses: 1, Counter.notModified: 1])
        }
    }

    @Test("a peer's entry is verified once (key, CID, times); the store never overwrites a newer copy")
    func peerUpsert() async throws {
        try await withStore { store, _ in
            let request = try target("/orgs/o/actions/runners")
            let body = Data(#"{"runners":[]}"#.utf8)
            func replicated(
                fetchedAt: Double, body: Data = body, cid: String? = nil, key: String? = nil, status: Int = 200
            )
                -> ReplicatedEntry
            {
                ReplicatedEntry(
                    key: key ?? request.key, method: "GET", url: request.pathAndQuery, accept: request.accept,
                    apiVersion: request.apiVersion, status: status, headers: ["content-type": "application/json"],
                    body: body,
                    cid: cid ?? ContentID.of(body), fetchedAt: fetchedAt, expiresAt: fetchedAt + 300)
            }
            func verified(_ entry: ReplicatedEntry, now: Double) throws -> VerifiedEntry {
                try VerifiedEntry(checking: entry, now: now)
            }
            func reason(_ entry: ReplicatedEntry, now: Double) -> RejectReason? {
                do {
                    _ = try VerifiedEntry(checking: entry, now: now)
                    return nil
                } catch {
                    return error.reason
                }
            }
            #expect(reason(replicated(fetchedAt: 1200, cid: ContentID.of(Data("x".utf8))), now: 1200) == .cidMismatch)
            #expect(
                reason(replicated(fetchedAt: 1200, key: String(repeating: "0", count: 64)), now: 1200) == .keyMismatch)
            #expect(reason(replicated(fetchedAt: 99999), now: 1200) == .clockSkew)
            #expect(reason(replicated(fetchedAt: 1000), now: 1400) == .expired)
            #expect(reason(replicated(fetchedAt: 1000, status: 304), now: 1000) == .malformed)

            #expect(
                try store.upsertFromPeer(verified(replicated(fetchedAt: 1000), now: 1000), peer: "12D3KooWA", now: 1000)
                    == .inserted)
            #expect(
                try store.upsertFromPeer(verified(replicated(fetchedAt: 1000), now: 1000), peer: "12D3KooWA", now: 1000)
                    == .duplicate)
            #expect(
                try store.upsertFromPeer(verified(replicated(fetchedAt: 900), now: 1000), peer: "12D3KooWA", now: 1000)
                    == .notNewer)
            #expect(
                try store.upsertFromPeer(verified(replicated(fetchedAt: 1100), now: 1100), peer: "12D3KooWB", now: 1100)
                    == .updated)
            let stored = try #require(try store.entry(forKey: request.key))
            #expect(stored.origin == .peer && stored.originPeer == "12D3KooWB" && stored.fetchedAt == 1100)
            let counters = try store.counters()
            #expect(counters[Counter.peerStored] == 2)
            // A local write is newer than the peer copy; a late peer copy must not replace it.
            try store.storeFetched(
                response("[]"), target: request, ttl: 300, tokenFingerprint: "fp", now: 1500, leaseOwner: nil,
                counters: [:])
            #expect(
                try store.upsertFromPeer(verified(replicated(fetchedAt: 1400), now: 1500), peer: "p", now: 1500)
                    == .notNewer)
            #expect(try store.entry(forKey: request.key)?.body == Data("[]".utf8))
        }
    }

    @Test("localEntries tails local writes by seq; freshEntryIndex lists unexpired rows")
    func tailing() async throws {
        try await withStore { store, _ in
            let a = try target("/a")
            let b = try target("/b")
            let c = try target("/c")
            try store.storeFetched(
                response("1"), target: a, ttl: 10, tokenFingerprint: "fp", now: 100, leaseOwner: nil, counters: [:])
            let start = try store.lastSeq()
            try store.storeFetched(
                response("2"), target: b, ttl: 1000, tokenFingerprint: "fp", now: 100, leaseOwner: nil, counters: [:])
            let body = Data("3".utf8)
            _ = try store.upsertFromPeer(
                ReplicatedEntry(
                    key: c.key, method: "GET", url: c.pathAndQuery, accept: c.accept, apiVersion: c.apiVersion,
                    status: 200,
                    headers: [:], body: body, cid: ContentID.of(body), fetchedAt: 100, expiresAt: 1100),
                peer: "p", now: 100)
            #expect(try store.localEntries(afterSeq: 0).map(\.url) == ["/a", "/b"])
            #expect(try store.localEntries(afterSeq: start).map(\.url) == ["/b"])
            #expect(Set(try store.freshEntryIndex(now: 500).map(\.key)) == [b.key, c.key])
            #expect(try store.freshEntryIndex(now: 500).map(\.fetchedAt) == [100, 100])
        }
    }

    @Test("counters are shared between two opened stores (two processes)")
    func sharedCounters() async throws {
        try await withStore { store, directory in
            let other = try CacheStore.open(directory: directory.file("cache"))
            try store.increment(Counter.localHits)
            try other.increment([Counter.localHits: 2, Counter.gossipRejected("undecryptable"): 1])
            #expect(try store.counters() == [Counter.localHits: 3, "gossip_rejected.undecryptable": 1])
        }
    }

    @Test("peer status: alive within 30 s, cleared by its daemon")
    func peerStatus() async throws {
        try await withStore { store, _ in
            #expect(try store.peerStatus() == nil)
            let status = PeerStatus(
                peerID: "12D3KooWX", addresses: ["/ip4/127.0.0.1/tcp/9000"], connectedPeers: ["12D3KooWY"],
                heartbeatAt: 1000, pid: 42)
            try store.writePeerStatus(status)
            #expect(try store.peerStatus() == status)
            #expect(status.isAlive(now: 1029) && !status.isAlive(now: 1031))
            try store.clearPeerStatus(pid: 41)
            #expect(try store.peerStatus() != nil)
            try store.clearPeerStatus(pid: 42)
            #expect(try store.peerStatus() == nil)
        }
    }

    @Test("peer status: how each peer was found round-trips; the old array of peer IDs still reads")
    func peerStatusVia() async throws {
        try await withStore { store, _ in
            let status = PeerStatus(
                peerID: "12D3KooWX", addresses: [], connectedPeers: ["12D3KooWA", "12D3KooWB", "12D3KooWC"],
                via: ["12D3KooWA": "mdns", "12D3KooWB": "dns"], heartbeatAt: 1000, pid: 42)
            try store.writePeerStatus(status)
            #expect(try store.peerStatus() == status)
            let old = CacheStore.connectedPeers(fromJSON: #"["12D3KooWA","12D3KooWB"]"#)
            #expect(old.map(\.peer) == ["12D3KooWA", "12D3KooWB"] && old.allSatisfy { $0.via == nil })
            let mixed = CacheStore.connectedPeers(fromJSON: #"[{"peer":"12D3KooWA","via":"fleet"},{"via":"x"},7]"#)
            #expect(mixed.count == 1 && mixed.first?.via == "fleet")
            #expect(CacheStore.connectedPeers(fromJSON: "not json").isEmpty)
        }
    }

    @Test("fetch leases: one holder at a time; expired leases are taken over")
    func leases() async throws {
        try await withStore { store, _ in
            #expect(try store.acquireFetchLease(key: "k", owner: "a", now: 100, duration: 10))
            #expect(try !store.acquireFetchLease(key: "k", owner: "b", now: 105, duration: 10))
            #expect(try store.isFetchLeaseHeld(key: "k", now: 105))
            #expect(try store.acquireFetchLease(key: "k", owner: "b", now: 111, duration: 10))
            try store.releaseFetchLease(key: "k", owner: "a")
            #expect(try store.isFetchLeaseHeld(key: "k", now: 112))
            try store.releaseFetchLease(key: "k", owner: "b")
            #expect(try !store.isFetchLeaseHeld(key: "k", now: 112))
        }
    }

    @Test("backoff keeps the later mark")
    func backoff() async throws {
        try await withStore { store, _ in
            try store.setBackoff(scope: "fp", Backoff(notBefore: 200, reason: "rate-limit"))
            try store.setBackoff(scope: "fp", Backoff(notBefore: 150, reason: "retry-after"))
            #expect(try store.backoff(scope: "fp", now: 100) == Backoff(notBefore: 200, reason: "rate-limit"))
            #expect(try store.backoff(scope: "fp", now: 200) == nil)
            #expect(try store.backoff(scope: "other", now: 100) == nil)
        }
    }
}
