import CacheCore
import Foundation
import LibP2P
import Logging

/// Publishes the rows this machine fetched from GitHub (origin `local`) to the fleet topic: at once when the
/// daemon's own cache client stores one (it is that client's ``StoreObserver``) or `ghcache-get` announces a key
/// on the local socket, and by tailing the store's write sequence as a fallback.
/// Rows that came from peers are never published as our own. A row revalidated here (a free 304 restarts its
/// clock and makes it local) is published again, with the validators of its body.
actor Publisher: StoreObserver {
    private let gossip: GossipSub
    private let intake: EntryIntake
    private let localPeer: String
    private var lastSeq: Int64
    /// Key → fetch time (ms) of the copy last published, so no row is published twice.
    private var published: [String: Int64] = [:]

    /// A publisher that will publish rows written after `lastSeq`.
    init(gossip: GossipSub, intake: EntryIntake, localPeer: String, lastSeq: Int64) {
        self.gossip = gossip
        self.intake = intake
        self.localPeer = localPeer
        self.lastSeq = lastSeq
    }

    private var logger: Logger { intake.logger }

    /// The daemon's own cache client wrote `key`'s row: publish it.
    nonisolated func stored(key: String) {
        Task { await publish(key: key) }
    }

    /// Publishes the row of `key` if it is a fresh local row not yet published.
    func publish(key: String) async {
        do {
            if let row = try intake.store.entry(forKey: key) { await publish(row) }
        } catch {
            logger.warning("cannot read the row announced on the local socket: \(error.message)")
        }
    }

    /// Publishes every local row written since the last call.
    func tail() async {
        do {
            while true {
                let rows = try intake.store.localEntries(afterSeq: lastSeq, limit: 100)
                for row in rows { await publish(row) }
                guard let last = rows.last else { return }
                lastSeq = last.seq
                if rows.count < 100 { return }
            }
        } catch {
            logger.warning("cannot read new rows from the store: \(error.message)")
        }
    }

    private func publish(_ row: CacheEntry) async {
        let fetched = ReplicatedEntry.milliseconds(row.fetchedAt)
        guard row.origin == .local, row.expiresAt > intake.clock(), published[row.key] != fetched
        else { return }
        published[row.key] = fetched
        var entry: ReplicatedEntry
        do {
            entry = try intake.store.replicable(row)  // with the validators of this body
        } catch {
            logger.warning("cannot read the validators of \(row.url); publishing it without them: \(error.message)")
            entry = row.replicated
        }
        entry.originPeer = localPeer
        let data: [UInt8]
        do {
            data = try intake.codec.seal(entry)
        } catch {
            logger.info("not replicating \(row.url): \(error)")
            return
        }
        do {
            _ = try await gossip.publish(topic: intake.codec.topic, data: data)
            intake.count([Counter.gossipSent: 1])
            logger.debug("published", metadata: ["ghcache.key": "\(row.url)"])
        } catch {
            logger.warning("cannot publish \(row.url): \(error)")
        }
    }
}
