import LibP2P
import Synchronization

/// Resets a stream that stalls or runs too long: a timeout that also unblocks a pending read.
///
/// Call ``progress()`` whenever a complete frame arrives; the stream is reset when `idle` passes without progress or
/// `total` passes overall. ``cancel()`` (or leaving the scope of ``run(_:idle:total:_:)``) stops watching.
final class StreamWatchdog: Sendable {
    private let lastProgress: Mutex<ContinuousClock.Instant>
    private let fired = Atomic<Bool>(false)

    private init() {
        lastProgress = Mutex(.now)
    }

    /// Whether the watchdog reset the stream.
    var didFire: Bool { fired.load(ordering: .acquiring) }

    /// Records progress: the idle clock restarts.
    func progress() {
        lastProgress.withLock { $0 = .now }
    }

    /// Runs `body` while watching `stream`; returns what `body` returns.
    static func run<T>(
        _ stream: P2PStream, idle: Duration, total: Duration, _ body: (StreamWatchdog) async throws -> T
    ) async throws -> T {
        let watchdog = StreamWatchdog()
        let start = ContinuousClock.now
        let watcher = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200))
                let now = ContinuousClock.now
                let last = watchdog.lastProgress.withLock { $0 }
                if now - last > idle || now - start > total {
                    watchdog.fired.store(true, ordering: .releasing)
                    stream.reset()
                    return
                }
            }
        }
        defer { watcher.cancel() }
        return try await body(watchdog)
    }
}
