/// Whether a copy fetched at `fetchedAt` (Unix seconds) may be served with no network at `now`: younger than `ttl`
/// and not invalidated (`invalidatedAt`) since its fetch. The one rule of CacheCore's entries and the lean hit path.
public func isFresh(fetchedAt: Double, invalidatedAt: Double?, ttl: Int, now: Double) -> Bool {
    now - fetchedAt < Double(ttl) && !(invalidatedAt.map { $0 >= fetchedAt } ?? false)
}
