import CacheCore
import Foundation
import LibP2P
import Logging
import Synchronization

/// Join-time sync over libp2p streams (`/ghcache/sync/1.0.0`, docs/PROTOCOL.md §6): asks a newly connected peer for
/// the fresh entries we lack, and answers the same request from peers.
final class SyncService: Sendable {
    /// The most sync streams served at once for one remote peer.
    static let maxConcurrentPerPeer = 2
    /// Response frames are written in batches of about this many bytes.
    static let writeBatchBytes = 256 * 1024

    let host: LibP2P.Host
    let intake: EntryIntake
    let localPeer: String
    let maxEntries: Int
    let logger: Logger
    private let admission = PeerAdmission(limit: SyncService.maxConcurrentPerPeer)
    /// After the last overlapping sync (either side) ends: the store's SQLite caches and the freed heap go back to
    /// the OS (a 10 000-entry sync otherwise left the responder's heap tens of MiB larger: BENCHMARKS.md).
    private let relief: MemoryRelief

    init(host: LibP2P.Host, intake: EntryIntake, maxEntries: Int, logger: Logger) {
        self.host = host
        self.intake = intake
        self.localPeer = host.peerID.description
        self.maxEntries = min(max(maxEntries, 0), SyncProtocol.maxEntries)
        self.logger = logger
        self.relief = MemoryRelief { [store = intake.store] in
            store.releaseMemory()
            MemoryRelief.trimHeap()
        }
    }

    private var codec: FleetCodec { intake.codec }
    private var store: CacheStore { intake.store }

    // MARK: requester

    /// Requests the fresh entries `peer` has and we lack, and stores them. Returns how many were stored.
    /// Failures (the peer does not speak the protocol, a reset, a timeout) are logged; what arrived before stays.
    @discardableResult
    func request(from peer: PeerID) async -> Int {
        await relief.session { await requestSession(from: peer) }
    }

    private func requestSession(from peer: PeerID) async -> Int {
        let metadata: Logger.Metadata = ["ghcache.peer": "\(peer)"]
        let stream: P2PStream
        do {
            stream = try await host.newStream(to: peer, protocols: [SyncProtocol.id])
        } catch {
            logger.debug("peer does not serve join-time sync: \(error)", metadata: metadata)
            return 0
        }
        var stored = 0
        var counters: [String: Int] = [:]
        do {
            let now = intake.now
            let have = try store.freshEntryIndex(now: now.timeIntervalSince1970, limit: SyncProtocol.maxEntries)
                .map(SyncRequest.Held.init)
            let payload = try codec.sealRequest(SyncRequest(have: have, limit: maxEntries), now: now)
            try await stream.write(SyncFrame.payload(payload).bytes)
            try await stream.closeWrite()
            try await StreamWatchdog.run(
                stream, idle: SyncProtocol.idleTimeout, total: SyncProtocol.responseTimeout
            ) { watchdog in
                try await readResponse(stream, watchdog: watchdog) { entry in
                    switch intake.take(entry, from: peer.description) {
                    case .stored: stored += 1
                    case .rejected(let rejection):
                        counters[Counter.gossipRejected(rejection.reason.rawValue), default: 0] += 1
                    case .duplicate, .storeFailed: break
                    }
                }
            }
        } catch {
            stream.reset()
            logger.info("join-time sync with \(peer) ended early: \(error)", metadata: metadata)
        }
        counters[Counter.syncSessions] = 1
        counters[Counter.syncEntriesReceived] = stored
        intake.count(counters.filter { $0.value > 0 })
        logger.info("join-time sync received \(stored) entries", metadata: metadata)
        return stored
    }

    /// Reads entry frames until the end marker, passing each payload to `handle`.
    private func readResponse(
        _ stream: P2PStream, watchdog: StreamWatchdog, handle: ([UInt8]) -> Void
    ) async throws {
        var reader = SyncFrameReader()
        var entries = 0
        var bytes = 0
        while true {
            while let frame = try reader.next() {
                watchdog.progress()
                switch frame {
                case .end: return
                case .payload(let payload):
                    entries += 1
                    bytes += payload.count
                    guard entries <= SyncProtocol.maxEntries, bytes <= SyncProtocol.maxResponseBytes else {
                        throw Rejection(.oversized, "response exceeds \(SyncProtocol.maxEntries) entries or 64 MiB")
                    }
                    handle(payload)
                }
            }
            guard let chunk = try await stream.read() else {
                throw Rejection(.malformed, "the responder closed the stream without the end marker")
            }
            reader.append(chunk)
        }
    }

    // MARK: responder

    /// Serves one inbound sync stream: reads the request, sends the selected entries and the end marker.
    func serve(_ stream: P2PStream) async {
        await admission.serve(stream) { await relief.session { await serveAdmitted(stream) } }
    }

    private func serveAdmitted(_ stream: P2PStream) async {
        let peer = stream.remotePeer
        do {
            let sent = try await StreamWatchdog.run(
                stream, idle: SyncProtocol.requestTimeout, total: SyncProtocol.responseTimeout
            ) { watchdog in
                let request = try await readRequest(stream)
                watchdog.progress()
                return try await respond(to: request, on: stream, watchdog: watchdog)
            }
            intake.count([Counter.syncEntriesSent: sent])
            logger.info("join-time sync sent \(sent) entries", metadata: ["ghcache.peer": "\(peer)"])
        } catch let rejection as Rejection {
            stream.reset()
            intake.count([Counter.syncRejectedPrefix + rejection.reason.rawValue: 1])
            logger.info("refused a sync request: \(rejection)", metadata: ["ghcache.peer": "\(peer)"])
        } catch {
            stream.reset()
            logger.debug("sync stream ended early: \(error)", metadata: ["ghcache.peer": "\(peer)"])
        }
    }

    /// Reads and opens the single request frame.
    private func readRequest(_ stream: P2PStream) async throws -> SyncRequest {
        var reader = SyncFrameReader()
        while true {
            switch try reader.next() {
            case .payload(let payload): return try codec.openRequest(payload)
            case .end: throw Rejection(.malformed, "empty sync request")
            case nil:
                guard let chunk = try await stream.read() else {
                    throw Rejection(.malformed, "the requester closed the stream before its request")
                }
                reader.append(chunk)
            }
        }
    }

    /// Sends the entries `request` selects, then the end marker, then FIN. Returns how many were sent.
    private func respond(to request: SyncRequest, on stream: P2PStream, watchdog: StreamWatchdog) async throws -> Int {
        let now = intake.now
        // Only the index is read up front; each selected entry's body is loaded as it is sent.
        let index = try store.freshEntryIndex(now: now.timeIntervalSince1970, limit: SyncProtocol.maxEntries)
        var batch: [UInt8] = []
        var sent = 0
        var bytes = 0
        for held in request.selection(of: index.map(SyncRequest.Held.init)) {
            guard let row = try store.entry(forKey: held.key), row.expiresAt > now.timeIntervalSince1970 else {
                continue  // evicted or expired since the index was read
            }
            var entry = try store.replicable(row)  // with the validators of this body
            if row.origin == .local || entry.originPeer == nil { entry.originPeer = localPeer }
            guard let token = try? codec.seal(entry) else { continue }  // too big to replicate: skip it
            let frame = SyncFrame.payload(token).bytes
            guard bytes + frame.count <= SyncProtocol.maxResponseBytes else { break }
            bytes += frame.count
            batch += frame
            sent += 1
            if batch.count >= Self.writeBatchBytes {
                try await stream.write(batch)
                watchdog.progress()
                batch.removeAll(keepingCapacity: true)
            }
        }
        batch += SyncFrame.end.bytes
        try await stream.write(batch)
        try await stream.closeWrite()
        return sent
    }
}
