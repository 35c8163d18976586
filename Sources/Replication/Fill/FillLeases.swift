import CacheCore
import Foundation
import Synchronization

/// The fleet-wide leases of the keys a daemon owns: one runner asks GitHub for a key while the others wait for its row.
///
/// An owner without a GitHub credential of its own (docs/PROTOCOL.md §7, "Owners without a credential") never calls
/// GitHub, so one runner that asked fetches the key
/// itself, with its caller's token, and the others that ask meanwhile wait for that runner's row (which reaches the
/// owner by gossip) instead of each calling GitHub. A lease ends after ``duration``: when its holder fails (its
/// token may not read the key, GitHub did not answer, the runner died), the next runner that asks gets it.
///
/// The same leases take turns for proofs (``FleetFill``): a runner whose caller's token must prove its access proves
/// first, and the runners proving at the same time wait for its row (a new body after a `200`, or the same one
/// refreshed after a `304`), then prove against it. A lease also ends as soon as a row newer than its holder's copy
/// is stored.
///
/// Holders are peer IDs: the owner's own lookups take leases here too, under its own ID.
final class FillLeases: Sendable {
    /// What a runner asking for a key does next.
    enum Turn: Sendable, Equatable {
        /// Fetch it, with the caller's token: the runner holds the lease until `until` (Unix seconds).
        case fetch(until: Double)
        /// A fresh row fetched after the wait began is in the store.
        case arrived
        /// Neither the row nor the lease came before the deadline.
        case timedOut
    }

    private struct Lease {
        let holder: String
        let until: Double
        /// The fetch time of the holder's copy: a row fetched later ends the lease.
        let baseline: Double
    }

    let store: CacheStore
    /// How long a lease lasts, in seconds.
    let duration: Double
    let clock: @Sendable () -> Double
    private let leases = Mutex<[String: Lease]>([:])
    /// The most leases remembered at once (a runaway of distinct keys grants without remembering).
    static let capacity = 10_000

    init(store: CacheStore, duration: Double, clock: @escaping @Sendable () -> Double) {
        self.store = store
        self.duration = duration
        self.clock = clock
    }

    /// Waits, until `deadline`, for a fresh row of `key` fetched after `baseline` (Unix seconds) or for the lease.
    /// While another holder's lease runs on the newest row, even a runner whose copy is older waits: that row may be
    /// about to be replaced. For a `proof`, a runner handed a newer row without waiting for anyone is the one that
    /// proves it for the fleet: it takes the lease on that row, so that the runners coming meanwhile wait for its.
    func turn(
        key: String, holder: String, ttl: Int, baseline: Double, deadline: ContinuousClock.Instant, proof: Bool = false
    ) async -> Turn {
        var waited = false
        while true {
            if otherLeaseRuns(key: key, holder: holder, now: clock()) {
                waited = true
            } else {
                if let stored = arrived(key: key, ttl: ttl, baseline: baseline) {
                    if proof, !waited { _ = claim(key: key, holder: holder, baseline: stored, now: clock()) }
                    return .arrived
                }
                if let until = claim(key: key, holder: holder, baseline: baseline, now: clock()) {
                    return .fetch(until: until)
                }
            }
            guard ContinuousClock.now < deadline, !Task.isCancelled else { return .timedOut }
            try? await Task.sleep(for: FillProtocol.leasePollInterval)
        }
    }

    /// Whether a holder other than `holder` has a lease on `key` that runs: not past its end, and no row newer than
    /// the holder's copy stored yet.
    private func otherLeaseRuns(key: String, holder: String, now: Double) -> Bool {
        let stored = (try? store.fetchedAt(key: key)) ?? nil
        return leases.withLock { leases in
            guard let lease = leases[key], lease.holder != holder, lease.until > now else { return false }
            return stored.map { $0 <= lease.baseline } ?? true
        }
    }

    /// The lease for `holder` (its end), or `nil` while another holder's lease runs.
    func claim(key: String, holder: String, baseline: Double, now: Double) -> Double? {
        let stored = (try? store.fetchedAt(key: key)) ?? nil
        return leases.withLock { leases in
            if let lease = leases[key], lease.until > now, stored.map({ $0 <= lease.baseline }) ?? true {
                return lease.holder == holder ? lease.until : nil
            }
            let until = now + duration
            if leases.count >= Self.capacity { leases = leases.filter { $0.value.until > now } }
            if leases.count < Self.capacity {
                leases[key] = Lease(holder: holder, until: until, baseline: baseline)
            }
            return until
        }
    }

    /// The fetch time of the row of `key` the store holds when it was fetched after `baseline` and is fresh for
    /// `ttl`, else `nil`.
    private func arrived(key: String, ttl: Int, baseline: Double) -> Double? {
        guard let fetchedAt = try? store.fetchedAt(key: key), fetchedAt > baseline,
            let entry = try? store.entry(forKey: key), entry.isFresh(ttl: ttl, now: clock())
        else { return nil }
        return fetchedAt
    }
}
