import CacheCore
import Foundation
import Logging

/// Marks cached resources stale on this daemon (a write through the local endpoint, a webhook, or a peer's
/// invalidation on the control topic) and, when asked, has each key's owner revalidate it after a short delay
/// (GitHub's ETags can lag the event that announced the change).
struct Invalidations: Sendable {
    let store: CacheStore
    let membership: Membership
    /// Revalidates through the owner (the refresh-ahead client: its forwarder is the fleet fill).
    let client: CacheClient
    let delay: Duration
    /// Whether owned keys are revalidated (the daemon has a credential of its own); they are marked stale anyway.
    let refreshes: Bool
    let logger: Logger

    /// The most keys one invalidation revalidates.
    static let maxRefreshed = 100

    /// Marks the keys and the entries under the paths stale from `invalidation.at`; schedules the revalidation of
    /// the keys this daemon owns when `refresh` is set. Returns how many entries it marked.
    @discardableResult
    func apply(_ invalidation: Invalidation) throws(GHCacheError) -> Int {
        let keys = try store.keys(of: invalidation)
        let marked = try store.invalidate(keys: keys, at: invalidation.at)
        logger.debug("invalidated \(marked) entries")
        guard invalidation.refresh, refreshes else { return marked }
        let owned = keys.filter { membership.owners(of: $0).first == membership.localPeer }.prefix(Self.maxRefreshed)
        guard !owned.isEmpty else { return marked }
        Task { [self] in
            try? await Task.sleep(for: delay)
            for key in owned { await revalidate(key) }
        }
        return marked
    }

    private func revalidate(_ key: String) async {
        do {
            guard let entry = try store.entry(forKey: key),
                let target = try? RequestTarget(
                    entry.url, accept: entry.accept, apiVersion: entry.apiVersion, apiBase: client.configuration.apiURL)
            else { return }
            let ttl = max(1, TimeBounds.wholeSeconds(entry.expiresAt - entry.fetchedAt))
            _ = try await client.get(target, options: LookupOptions(ttlOverride: ttl, revalidate: true))
        } catch {
            logger.info("cannot revalidate an invalidated entry: \(error.message)")
        }
    }
}
