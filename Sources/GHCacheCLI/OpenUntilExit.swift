import CacheCore
import Synchronization

/// Keeps stores open until the process exits instead of closing them when a command returns.
///
/// Closing the last connection to a WAL database checkpoints it, syncs it to disk and deletes the
/// WAL file, which the next process then has to create again: milliseconds on every short-lived
/// `ghcache-get`. Leaving the connections to `exit` is safe (SQLite's WAL needs no clean close,
/// exactly as after a crash); the WAL stays bounded by automatic checkpoints and `ghcache-gc`.
enum OpenUntilExit {
    private static let stores = Mutex<[CacheStore]>([])

    /// Holds `store` until the process exits.
    static func keep(_ store: CacheStore) {
        stores.withLock { $0.append(store) }
    }
}
