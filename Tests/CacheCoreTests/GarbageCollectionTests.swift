import Foundation
import Testing

@testable import CacheCore

@Suite("Garbage collection")
struct GarbageCollectionTests {
    /// Stores `/e<i>` with body size `size` fetched at `fetchedAt`, TTL 100, last used at `access`.
    func seed(_ store: CacheStore, _ name: String, fetchedAt: Double, access: Double, size: Int = 10) throws {
        let request = try target("/\(name)")
        try store.storeFetched(
            GitHubResponse(status: 200, headers: [:], body: Data(repeating: 0x41, count: size)), target: request,
            ttl: 100, tokenFingerprint: "fp", now: fetchedAt, leaseOwner: nil, counters: [:])
        try store.recordServed(key: request.key, counter: Counter.localHits, now: access)
    }

    @Test("drops rows past the stale window, then least recently used beyond the limits; counters stay")
    func evicts() async throws {
        try await withStore { store, _ in
            try seed(store, "expired", fetchedAt: 0, access: 9000)  // expires at 100; +maxStale 1000 < 5000
            try seed(store, "old-use", fetchedAt: 4000, access: 4100)
            try seed(store, "mid-use", fetchedAt: 4000, access: 4200)
            try seed(store, "new-use", fetchedAt: 4000, access: 4300)
            try seed(store, "newest", fetchedAt: 4000, access: 4400, size: 25)
            let countersBefore = try store.counters()
            let dry = try store.collectGarbage(maxEntries: 3, maxBytes: 1000, maxStale: 1000, now: 5000, dryRun: true)
            #expect(dry.expired == 1 && dry.evictedForCount == 1 && dry.entriesAfter == 3)
            #expect(try store.size().entries == 5, "a dry run changes nothing")

            let report = try store.collectGarbage(maxEntries: 3, maxBytes: 40, maxStale: 1000, now: 5000, dryRun: false)
            #expect(report.expired == 1)
            #expect(report.evictedForCount == 1)
            #expect(report.evictedForBytes == 1)  // 25 + 10 = 35 ≤ 40 keeps newest and new-use
            #expect(report.entriesBefore == 5 && report.entriesAfter == 2)
            #expect(report.bodyBytesAfter == 35)
            let kept = try ["expired", "old-use", "mid-use", "new-use", "newest"].filter {
                try store.entry(forKey: target("/\($0)").key) != nil
            }
            #expect(kept == ["new-use", "newest"])
            #expect(try store.counters() == countersBefore)
        }
    }
}
