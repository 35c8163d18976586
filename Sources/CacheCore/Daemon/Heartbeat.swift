import Foundation
import Logging
import Synchronization

/// The daemon's heartbeat row (`peer_status`), which `ghcache-get` (is the daemon's socket worth asking?) and
/// `ghcache-stats` read: one writer per daemon process, rewritten every ``interval`` and at once on every change
/// (a peer connected or gone), removed on shutdown.
public final class Heartbeat: Sendable {
    private let store: CacheStore
    private let interval: Duration
    private let clock: @Sendable () -> Double
    private let logger: Logger
    private let status: Mutex<PeerStatus>

    /// A heartbeat for this process, with no addresses until ``update(_:)`` gives them.
    public init(
        store: CacheStore, interval: Duration = .seconds(5),
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }, logger: Logger
    ) {
        self.store = store
        self.interval = interval
        self.clock = clock
        self.logger = logger
        self.status = Mutex(
            PeerStatus(
                peerID: "", addresses: [], connectedPeers: [], heartbeatAt: 0,
                pid: Int(ProcessInfo.processInfo.processIdentifier)))
    }

    /// Changes what the row says, and writes it now.
    public func update(_ change: (inout PeerStatus) -> Void) {
        status.withLock { change(&$0) }
        write()
    }

    /// Rewrites the row with the current time.
    public func write() {
        let current = status.withLock { status in
            status.heartbeatAt = clock()
            return status
        }
        do {
            try store.writePeerStatus(current)
        } catch {
            logger.warning("cannot write the heartbeat: \(error.message)")
        }
    }

    /// Rewrites the row every ``interval`` until cancelled.
    public func run() async {
        while !Task.isCancelled {
            write()
            try? await Task.sleep(for: interval)
        }
    }

    /// Removes the row (the daemon is stopping).
    public func clear() {
        do {
            try store.clearPeerStatus(pid: status.withLock { $0.pid })
        } catch {
            logger.warning("cannot clear the heartbeat: \(error.message)")
        }
    }
}
