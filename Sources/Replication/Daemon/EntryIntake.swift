import CacheCore
import Foundation
import Logging

/// Validates entries received from peers (gossip messages and sync frames) and stores the good ones as peer-origin
/// rows (docs/PROTOCOL.md §5): never over a copy with the same or a later fetch time.
struct EntryIntake: Sendable {
    /// What became of one received message.
    enum Outcome: Sendable, Equatable {
        /// Stored (a new key, or newer than the stored copy).
        case stored
        /// The same fetch the store already holds (e.g. from a second sync responder): dropped, not counted.
        case duplicate
        /// Dropped and counted under the rejection's reason.
        case rejected(Rejection)
        /// The store failed (logged); nothing was stored.
        case storeFailed
    }

    let codec: FleetCodec
    let store: CacheStore
    let logger: Logger
    /// The daemon's clock (Unix seconds): every part of the daemon that holds the intake reads the time here.
    let clock: @Sendable () -> Double

    /// The time now.
    var now: Date { Date(timeIntervalSince1970: clock()) }

    /// Opens `message` (every check: ``FleetCodec/open(_:now:)``) and stores it. Never throws, whatever the bytes.
    func take(_ message: some Collection<UInt8>, from sender: String) -> Outcome {
        let entry: VerifiedEntry
        do {
            entry = try codec.open(message, now: now)
        } catch {
            logger.debug("dropped an entry", metadata: ["ghcache.peer": "\(sender)", "ghcache.reason": "\(error)"])
            return .rejected(error)
        }
        return store(entry, from: sender)
    }

    /// Stores a verified entry (a gossip message, a sync frame, a fill answer) unless the store holds this fetch or
    /// a later one.
    func store(_ verified: VerifiedEntry, from sender: String) -> Outcome {
        let entry = verified.entry
        do {
            switch try store.upsertFromPeer(verified, peer: entry.originPeer ?? sender, now: clock())
            {
            case .inserted, .updated:
                logger.trace(
                    "stored an entry from a peer",
                    metadata: ["ghcache.key": "\(entry.url)", "ghcache.peer": "\(entry.originPeer ?? sender)"])
                return .stored
            case .duplicate:
                return .duplicate
            case .notNewer:
                return .rejected(Rejection(.stale, "the store holds a copy fetched at the same time or later"))
            }
        } catch {
            logger.error("cannot store an entry from a peer: \(error.message)")
            return .storeFailed
        }
    }

    /// Adds `counters` to the store, logging (never throwing) a failure.
    func count(_ counters: [String: Int]) {
        guard !counters.isEmpty else { return }
        do {
            try store.increment(counters)
        } catch {
            logger.warning("cannot update counters: \(error.message)")
        }
    }
}
