import CacheCore
import Foundation
import Testing

@testable import Observability

@Suite("Dashboard history: windowed hit rate, one hour kept")
struct DashboardHistoryTests {
    private func stats(hits: Int, misses: Int, saved: Int? = nil) -> CacheStats {
        var stats = CacheStats(p2pEnabled: true)
        stats.localHits = hits
        stats.misses = misses
        return stats
    }

    @Test func hitRateIsPerInterval() async {
        let history = DashboardHistory(interval: .seconds(10))
        await history.record(stats(hits: 1, misses: 1), peers: 2, now: 100)  // 50 % so far
        await history.record(stats(hits: 4, misses: 1), peers: 3, now: 110)  // 3 hits, 0 misses since: 100 %
        await history.record(stats(hits: 4, misses: 1), peers: 3, now: 120)  // no lookups since: no rate
        let samples = await history.all
        #expect(samples.map(\.hitRate) == [0.5, 1.0, nil])
        #expect(samples.map(\.apiCallsSaved) == [1, 4, 4])
        #expect(samples.map(\.peers) == [2, 3, 3])
    }

    @Test func keepsOneHour() async {
        let history = DashboardHistory(interval: .seconds(10))
        for index in 0..<400 { await history.record(stats(hits: index, misses: 0), peers: 0, now: Double(index * 10)) }
        let samples = await history.all
        #expect(samples.count == 360)
        #expect(samples.first?.time == 400)
    }

    @Test func pageIsSelfContained() {
        #expect(!DashboardPage.html.contains("http://") && !DashboardPage.html.contains("https://"))
        #expect(DashboardPage.html.contains(DashboardPage.dataPath))
    }
}
