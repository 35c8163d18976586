import Synchronization

#if canImport(Glibc)
    import CMalloc
#endif

/// Gives memory back to the operating system when a burst of work (join-time syncs) ends.
///
/// glibc's malloc keeps freed chunks in its arenas: after a daemon answered a 10 000-entry sync, its resident heap
/// stayed 20 MiB above its size before the sync (30 s later, too), although only ~5 MB of the heap was in use
/// (`malloc_stats`; BENCHMARKS.md, "Daemon memory"). `malloc_trim(0)` returns the free pages of every arena. It runs
/// `delay` after the last of the overlapping sessions ended (a trim at the very end left 5.6 MiB that a trim a few
/// seconds later returned, in a 3000-entry trial), and not when another session has started meanwhile, so a burst
/// of connections trims once.
public final class MemoryRelief: Sendable {
    private let state = Mutex((active: 0, generation: 0))
    private let delay: Duration
    private let release: @Sendable () -> Void

    /// `release` runs `delay` after the last of the overlapping sessions ends.
    init(delay: Duration = .seconds(2), release: @escaping @Sendable () -> Void) {
        self.delay = delay
        self.release = release
    }

    /// Runs `body` as one session; when no other session is under way `delay` after its end, `release` runs (in a
    /// task of its own: the session's caller does not wait for it).
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
            try? await Task.sleep(for: delay)
            // Still idle and no session came and went since: release (a later session's end releases otherwise).
            if state.withLock({ $0.active == 0 && $0.generation == generation }) { release() }
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
