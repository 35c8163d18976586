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

        /// Whether the lease runs at `now`, the store's row of the key being fetched at `stored`.
        func runs(now: Double, stored: Double?) -> Bool { until > now && stored.map { $0 <= baseline } ?? true }
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
            let now = clock()
            let stored = (try? store.fetchedAt(key: key)) ?? nil
            if otherLeaseRuns(key: key, holder: holder, now: now, stored: stored) {
                waited = true
            } else {
                if let stored, stored > baseline, isFresh(key: key, ttl: ttl, now: now) {
                    if proof, !waited {
                        _ = claim(key: key, holder: holder, baseline: stored, now: now, stored: stored)
                    }
                    return .arrived
                }
                if let until = claim(key: key, holder: holder, baseline: baseline, now: now, stored: stored) {
                    return .fetch(until: until)
                }
            }
            guard ContinuousClock.now < deadline, !Task.isCancelled else { return .timedOut }
            try? await Task.sleep(for: FillProtocol.leasePollInterval)
        }
    }

    /// Whether a holder other than `holder` has a lease on `key` that runs.
    private func otherLeaseRuns(key: String, holder: String, now: Double, stored: Double?) -> Bool {
        leases.withLock { leases in
            guard let lease = leases[key], lease.holder != holder else { return false }
            return lease.runs(now: now, stored: stored)
        }
    }

    /// The lease for `holder` (its end), or `nil` while another holder's lease runs; `stored` is the fetch time of
    /// the store's row of `key`.
    private func claim(key: String, holder: String, baseline: Double, now: Double, stored: Double?) -> Double? {
        leases.withLock { leases in
            if let lease = leases[key], lease.runs(now: now, stored: stored) {
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

    /// Whether the store's row of `key` is fresh for `ttl`.
    private func isFresh(key: String, ttl: Int, now: Double) -> Bool {
        (try? store.entry(forKey: key))??.isFresh(ttl: ttl, now: now) ?? false
    }
}
