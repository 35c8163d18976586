import CacheCore
import Foundation
import LibP2P
import Logging
import Synchronization

/// The owner's side of fleet fill (`/ghcache/fill/1.0.0`, docs/PROTOCOL.md §7): answers "fetch this key" from a
/// runner with this daemon's cache client (never handed on to another owner), which serves a fresh copy, or revalidates or fetches it once however
/// many runners ask at the same time (the store's fetch lease), stores it (the publisher then gossips it) and sends
/// it back sealed exactly as a gossip message.
final class FillService: Sendable {
    let client: CacheClient
    let intake: EntryIntake
    let localPeer: String
    let logger: Logger
    private let admission = PeerAdmission(limit: FillProtocol.maxConcurrentPerPeer)

    init(client: CacheClient, intake: EntryIntake, localPeer: String, logger: Logger) {
        self.client = client
        self.intake = intake
        self.localPeer = localPeer
        self.logger = logger
    }

    /// Serves one inbound fill stream.
    func serve(_ stream: P2PStream) async {
        await admission.serve(stream) { await serveAdmitted(stream) }
    }

    private func serveAdmitted(_ stream: P2PStream) async {
        let peer = stream.remotePeer
        let metadata: Logger.Metadata = ["ghcache.peer": "\(peer)"]
        do {
            var reader = SyncFrameReader()
            let request = try await StreamWatchdog.run(
                stream, idle: FillProtocol.requestTimeout, total: FillProtocol.requestTimeout
            ) { _ in
                try intake.codec.openMessage(FillRequest.self, from: try await FleetFill.frame(stream, &reader))
            }
            let frames = await answer(request)
            try await stream.write(frames.flatMap { SyncFrame.payload($0).bytes })
            try await stream.closeWrite()
        } catch let rejection as Rejection {
            stream.reset()
            intake.count([Counter.fillRejected(rejection.reason.rawValue): 1])
            logger.info("refused a fill request: \(rejection)", metadata: metadata)
        } catch {
            stream.reset()
            logger.debug("fill stream ended early: \(error)", metadata: metadata)
        }
    }

    /// The response frames for `request`: the answer, and the entry when it is `ok`.
    private func answer(_ request: FillRequest) async -> [[UInt8]] {
        let codec = intake.codec
        func failure(_ detail: String) -> [[UInt8]] {
            (try? codec.sealMessage(FillAnswer.error(detail))).map { [$0] } ?? []
        }
        guard let target = request.target(apiBase: client.configuration.apiURL) else {
            intake.count([Counter.fillRejected(RejectReason.malformed.rawValue): 1])
            return failure("the request's fields do not hash to its key")
        }
        let result: LookupResult
        do {
            var revalidate = false
            if request.revalidate == true {
                revalidate = RefreshAhead.isDue(try client.store.entry(forKey: request.key), now: client.clock())
            }
            result = try await client.get(
                target,
                options: LookupOptions(
                    ttlOverride: request.ttl, noCache: request.noCache, revalidate: revalidate, countsAsLookup: false,
                    askForwarder: false))
        } catch {
            return failure(error.message)
        }
        guard result.servedFrom != .stale else { return failure(result.warning ?? "only a stale copy is left") }
        do {
            guard let row = try client.store.entry(forKey: request.key) else { return failure("the entry vanished") }
            // With the validators of this body: who GitHub showed it to, and when (the requester's access rule).
            var entry = try client.store.replicable(row)
            if row.origin == .local || entry.originPeer == nil { entry.originPeer = localPeer }
            let frames = [
                try codec.sealMessage(FillAnswer.ok(Self.describe(result.servedFrom))), try codec.seal(entry),
            ]
            intake.count([Counter.fillsServed: 1])
            return frames
        } catch let error as GHCacheError {
            return failure(error.message)
        } catch {
            return failure("\(error)")
        }
    }

    private static func describe(_ servedFrom: ServedFrom) -> String {
        switch servedFrom {
        case .localHit, .peerHit: "hit"
        case .joinedConcurrentFetch: "coalesced"
        case .miss: "miss"
        case .revalidated: "revalidated"
        case .stale: "stale"
        case .filled: "filled"
        }
    }
}
