import Synchronization
import Testing

@testable import Replication

@Suite struct MemoryReliefTests {
    struct Failure: Error {}

    /// The release count once it reaches `count`, or after 5 s (releases run in a task of their own).
    private static func releases(_ counter: borrowing Mutex<Int>, reaching count: Int) async -> Int {
        for _ in 0..<500 where counter.withLock({ $0 }) < count { try? await Task.sleep(for: .milliseconds(10)) }
        return counter.withLock { $0 }
    }

    @Test func releasesOnceWhenTheLastOverlappingSessionEnds() async throws {
        let releases = Mutex(0)
        let relief = MemoryRelief(delays: [.zero]) { releases.withLock { $0 += 1 } }
        let (entered, firstEntered) = AsyncStream.makeStream(of: Void.self)
        let (finish, finishFirst) = AsyncStream.makeStream(of: Void.self)
        async let first: Int = relief.session {
            firstEntered.yield()
            for await _ in finish { break }
            return 1
        }
        for await _ in entered { break }
        // A second session starts and ends while the first runs: nothing is released yet.
        #expect(await relief.session { 2 } == 2)
        try await Task.sleep(for: .milliseconds(50))
        #expect(releases.withLock { $0 } == 0)
        finishFirst.yield()
        #expect(await first == 1)
        #expect(await Self.releases(releases, reaching: 1) == 1)
        try await Task.sleep(for: .milliseconds(50))
        #expect(releases.withLock { $0 } == 1, "released once")
    }

    @Test func releasesAtEveryDelayWhileIdle() async {
        let releases = Mutex(0)
        let delays: [Duration] = [.zero, .milliseconds(20), .milliseconds(40)]
        let relief = MemoryRelief(delays: delays) { releases.withLock { $0 += 1 } }
        await relief.session {}
        #expect(await Self.releases(releases, reaching: 3) == 3)
        try? await Task.sleep(for: .milliseconds(50))
        #expect(releases.withLock { $0 } == 3, "once per delay")
    }

    @Test func aNewSessionCancelsTheLaterReleases() async {
        let releases = Mutex(0)
        let relief = MemoryRelief(delays: [.zero, .seconds(1)]) { releases.withLock { $0 += 1 } }
        await relief.session {}
        #expect(await Self.releases(releases, reaching: 1) == 1)
        // A session that starts before the second delay and is still under way when it passes: no release then.
        let (finish, finishSession) = AsyncStream.makeStream(of: Void.self)
        async let running: Void = relief.session { for await _ in finish { break } }
        try? await Task.sleep(for: .milliseconds(1500))
        #expect(releases.withLock { $0 } == 1, "nothing released while a session runs")
        finishSession.yield()
        await running
        #expect(await Self.releases(releases, reaching: 2) == 2, "its own end releases")
    }

    @Test func releasesAfterAFailedSessionToo() async {
        let releases = Mutex(0)
        let relief = MemoryRelief(delays: [.zero]) { releases.withLock { $0 += 1 } }
        await #expect(throws: Failure.self) { try await relief.session { throw Failure() } }
        #expect(await Self.releases(releases, reaching: 1) == 1)
        MemoryRelief.trimHeap()  // the daemon's release: harmless at any time
    }
}
