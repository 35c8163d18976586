import CacheCore
import Foundation
import LibP2P
import Logging
import Synchronization

/// The owner's side of fleet fill (`/ghcache/fill/1.0.0`, docs/PROTOCOL.md §7): answers "fetch this key" from a
/// runner with this daemon's cache client (never handed on to another owner), which serves a fresh copy, or revalidates or fetches it once however
/// many runners ask at the same time (the store's fetch lease), stores it (the publisher then gossips it) and sends
/// it back sealed exactly as a gossip message.
///
/// An owner without a GitHub credential of its own never calls GitHub: it answers a fresh copy,
/// hands the fetch to a runner that asked (a lease: the runner fetches with its caller's token) and answers the
/// others with that runner's row when it arrives.
final class FillService: Sendable {
    let client: CacheClient
    let intake: EntryIntake
    let localPeer: String
    /// The fleet's leases on the keys this daemon owns: fetches, when it has no credential of its own, and proofs.
    let leases: FillLeases
    /// Whether this daemon has a GitHub credential of its own to fetch with.
    let hasCredential: Bool
    /// How long a runner is kept waiting for another's row or the lease (within its `CACHE_FILL_TIMEOUT`).
    let leaseWait: Duration
    let logger: Logger
    private let admission = PeerAdmission(limit: FillProtocol.maxConcurrentPerPeer)

    init(
        client: CacheClient, intake: EntryIntake, localPeer: String, leases: FillLeases, hasCredential: Bool,
        leaseWait: Duration,
        logger: Logger
    ) {
        self.client = client
        self.intake = intake
        self.localPeer = localPeer
        self.leases = leases
        self.hasCredential = hasCredential
        self.leaseWait = leaseWait
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
            let (request, codec) = try await StreamWatchdog.run(
                stream, idle: FillProtocol.requestTimeout, total: FillProtocol.requestTimeout
            ) { _ in
                let frame = try await FleetFill.frame(stream, &reader)
                // Answered with the key the request was sealed with: during a rotation of the fleet secret, a runner
                // not restarted yet reads the answer of an owner that was (docs/PROTOCOL.md §1).
                let codec = intake.codec.answering(frame)
                return (try codec.openMessage(FillRequest.self, from: frame), codec)
            }
            let frames = frames(await answer(request, from: peer), codec: codec)
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

    /// A runner's turn to prove a token's access to its copy, fetched at `after`: a row fetched since is answered (the
    /// runner proves against it), else the runner gets the lease and proves now, else (another runner is proving)
    /// it waits for that runner's row. Never a call to GitHub.
    private func proofTurn(_ request: FillRequest, from peer: PeerID, after baseline: Double) async -> Reply {
        let turn = await leases.turn(
            key: request.key, holder: peer.description, ttl: request.ttl, baseline: baseline,
            deadline: .now + leaseWait, proof: true)
        switch turn {
        case .fetch(let until) where request.lease == true: return .lease(until: until)
        case .fetch: return .failure("a proof's turn needs a request that can take the lease")
        case .arrived: return .entry(key: request.key, detail: "newer")
        case .timedOut: return .failure("the runner proving first stored nothing in time")
        }
    }

    /// What the owner answers.
    private enum Reply {
        case failure(String)
        case lease(until: Double)
        /// `ok`, with the stored row of `key`.
        case entry(key: String, detail: String)
    }

    /// The answer to `request`.
    private func answer(_ request: FillRequest, from peer: PeerID) async -> Reply {
        guard let target = request.target(apiBase: client.configuration.apiURL) else {
            intake.count([Counter.fillRejected(RejectReason.malformed.rawValue): 1])
            return .failure("the request's fields do not hash to its key")
        }
        if let after = request.proofAfterMs { return await proofTurn(request, from: peer, after: Double(after) / 1000) }
        if !hasCredential { return await answerWithoutCredential(request, from: peer) }
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
            return .failure(error.message)
        }
        guard result.servedFrom != .stale else { return .failure(result.warning ?? "only a stale copy is left") }
        return .entry(key: request.key, detail: Self.describe(result.servedFrom))
    }

    /// The answer of an owner without a credential: never a call to GitHub (the caller's token stays on its runner).
    /// A fresh copy is sent (the requester's access rule then decides, with its caller's token); otherwise the
    /// requester gets the lease and fetches itself, or, while another runner holds it, waits for that runner's row.
    private func answerWithoutCredential(_ request: FillRequest, from peer: PeerID) async -> Reply {
        let now = client.clock()
        let entry: CacheEntry?
        do {
            entry = try client.store.entry(forKey: request.key)
        } catch {
            return .failure(error.message)
        }
        if let entry, !request.noCache, entry.isFresh(ttl: request.ttl, now: now),
            request.revalidate != true || !RefreshAhead.isDue(entry, now: now)
        {
            return .entry(key: request.key, detail: "hit")
        }
        guard request.lease == true else {
            return .failure("this daemon has no GitHub credential of its own: fetch it with the caller's token")
        }
        let baseline = request.noCache ? now : (entry?.fetchedAt ?? -Double.infinity)
        let turn = await leases.turn(
            key: request.key, holder: peer.description, ttl: request.ttl, baseline: baseline,
            deadline: .now + leaseWait)
        switch turn {
        case .fetch(let until):
            intake.count([Counter.fillLeases: 1])
            logger.debug("lease to \(peer)", metadata: ["ghcache.key": "\(request.url)"])
            return .lease(until: until)
        case .arrived: return .entry(key: request.key, detail: "relayed")
        case .timedOut: return .failure("the runner holding the lease stored nothing in time")
        }
    }

    /// The response frames of `reply` sealed with `codec`: the answer, and the entry when it is `ok`.
    private func frames(_ reply: Reply, codec: FleetCodec) -> [[UInt8]] {
        let failure = { (detail: String) in (try? codec.sealMessage(FillAnswer.error(detail))).map { [$0] } ?? [] }
        switch reply {
        case .failure(let detail): return failure(detail)
        case .lease(let until): return (try? codec.sealMessage(FillAnswer.lease(until: until))).map { [$0] } ?? []
        case .entry(let key, let detail):
            do {
                guard let row = try client.store.entry(forKey: key) else { return failure("the entry vanished") }
                // With the validators of this body: who GitHub showed it to, and when (the requester's access rule).
                var entry = try client.store.replicable(row)
                if row.origin == .local || entry.originPeer == nil { entry.originPeer = localPeer }
                let frames = [try codec.sealMessage(FillAnswer.ok(detail)), try codec.seal(entry)]
                intake.count([Counter.fillsServed: 1])
                return frames
            } catch let error as GHCacheError {
                return failure(error.message)
            } catch {
                return failure("\(error)")
            }
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
