import Synchronization

#if canImport(Glibc)
    import CGlibcExtras
#endif

/// Gives memory back to the operating system when a burst of work (join-time syncs) ends.
///
/// glibc's malloc keeps freed chunks in its arenas: after a daemon answered a 10 000-entry sync, its resident heap
/// stayed 20 MiB above its size before the sync (30 s later, too), although only ~5 MB of the heap was in use
/// (`malloc_stats`; BENCHMARKS.md, "Daemon memory"). `malloc_trim(0)` returns the free pages of every arena. It runs
/// at each of `delays` after the last of the overlapping sessions ended, and not once another session has started
/// meanwhile, so a burst of connections trims once per delay. More than one, because memory is still being freed
/// after a sync ends: a trim at the very end left 5.6 MiB that a trim a few seconds later returned (3000 entries),
/// and after a 10 000-entry sync the trim at 2 s left 13 MiB that one 30 s later returned.
public final class MemoryRelief: Sendable {
    private let state = Mutex((active: 0, generation: 0))
    private let delays: [Duration]
    private let release: @Sendable () -> Void

    /// `release` runs at each of `delays` (ascending) after the last of the overlapping sessions ends.
    init(delays: [Duration] = [.seconds(2), .seconds(15)], release: @escaping @Sendable () -> Void) {
        self.delays = delays
        self.release = release
    }

    /// Runs `body` as one session; at each of `delays` after its end at which no other session has come since,
    /// `release` runs (in a task of its own: the session's caller does not wait for it).
    func session<T>(_ body: () async throws -> T) async rethrows -> T {
        state.withLock { $0.active += 1 }
        defer { ended() }
        return try await body()
    }

    private func ended() {
        let generation: Int? = state.withLock { state in
            state.active -= 1
            state.generation += 1
            return state.active == 0 ? state.generation : nil
        }
        guard let generation else { return }
        Task { [self] in
            var waited = Duration.zero
            for delay in delays {
                try? await Task.sleep(for: delay - waited)
                waited = delay
                // Still idle and no session came and went since: release (a later session's end releases otherwise).
                guard state.withLock({ $0.active == 0 && $0.generation == generation }) else { return }
                release()
            }
        }
    }

    /// Returns the free pages of every malloc arena to the operating system (glibc; elsewhere nothing).
    static func trimHeap() {
        #if canImport(Glibc)
            _ = malloc_trim(0)
        #endif
    }

    /// Caps glibc's malloc arenas at two, for a long-lived daemon: by default glibc creates up to 8 per core as
    /// threads contend (NIO event loops, the concurrency pool, Dispatch threads), and each keeps its own free pages
    /// (8 arenas of up to 12 MB each on a 2-core machine after one sync, 5 MB of it in use). Call before the
    /// daemon's threads start allocating.
    public static func limitArenas() {
        #if canImport(Glibc)
            _ = mallopt(M_ARENA_MAX, 2)
        #endif
    }
}
