import Foundation
import Logging

/// What a `ghcache-peer` process holds once, for the replication daemon and the local endpoint alike: the cache
/// directory's lock (taken first: it proves no other daemon runs), the store (one `DatabasePool`, one writer queue),
/// the HTTP transport to GitHub and the heartbeat.
public final class DaemonResources: Sendable {
    /// The configuration in force.
    public let configuration: Configuration
    /// The store.
    public let store: CacheStore
    /// The one HTTP client to GitHub.
    public let transport: HTTPTransport
    /// The heartbeat row's writer.
    public let heartbeat: Heartbeat
    /// The process's one clock (Unix seconds), passed to everything that asks what time it is.
    public let clock: @Sendable () -> Double
    private let lock: DaemonLock

    private init(
        configuration: Configuration, store: CacheStore, transport: HTTPTransport, heartbeat: Heartbeat,
        clock: @escaping @Sendable () -> Double, lock: DaemonLock
    ) {
        self.configuration = configuration
        self.store = store
        self.transport = transport
        self.heartbeat = heartbeat
        self.clock = clock
        self.lock = lock
    }

    /// Takes the lock of the cache directory, then opens the store.
    ///
    /// - Throws: a ``GHCacheError`` saying what to do: another daemon runs for this cache directory, or the
    ///   directory or store cannot be used.
    public static func open(
        _ configuration: Configuration, logger: Logger,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) throws(GHCacheError) -> DaemonResources {
        try CacheStore.prepareDirectory(configuration.cacheDir)
        let lock = try DaemonLock.acquire(cacheDirectory: configuration.cacheDir)
        do throws(GHCacheError) {
            let store = try CacheStore.open(directory: configuration.cacheDir)
            // Holding the lock proves that no other daemon runs: a heartbeat row of another process is one a
            // killed daemon left.
            if let status = try store.peerStatus(), status.pid != Int(ProcessInfo.processInfo.processIdentifier) {
                try store.clearPeerStatus(pid: status.pid)
            }
            let transport = HTTPTransport(
                connectTimeout: configuration.connectTimeout, readTimeout: configuration.timeout)
            return DaemonResources(
                configuration: configuration, store: store, transport: transport,
                heartbeat: Heartbeat(store: store, clock: clock, logger: logger), clock: clock, lock: lock)
        } catch {
            lock.release()
            throw error
        }
    }

    /// Removes the heartbeat, closes the HTTP client and releases the cache directory.
    public func close() async {
        heartbeat.clear()
        await transport.shutdown()
        lock.release()
    }
}
