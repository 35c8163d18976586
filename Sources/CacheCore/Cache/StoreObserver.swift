/// Told the key of every row a ``CacheClient`` wrote from GitHub's answer (a miss or a revalidation), so the fleet
/// hears of it: inside `ghcache-peer` the publisher itself, in `ghcache-get` a ``LocalNotifier`` datagram to the
/// daemon.
public protocol StoreObserver: Sendable {
    /// `key`'s row was just written from GitHub's answer.
    func stored(key: String)
}
