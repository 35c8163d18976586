import CacheCore
import Foundation
import LibP2P
import Logging

/// The requester's side of fleet fill: a ``MissForwarder`` that asks the key's owner (rendezvous over the members)
/// to fetch a key this daemon lacks, so one API call serves the fleet even when every runner misses at once.
///
/// Concurrent lookups of one key in this daemon share one fill: the cache client's single flight sends only the
/// first here. A failed owner (dial refused,
/// stream reset, timeout, a lying answer) is suspected for a while and the next owner is asked; when this daemon
/// is the next owner, or the fill deadline (`CACHE_FILL_TIMEOUT`) passes, the lookup fetches the key itself.
///
/// An owner without a credential of its own answers `lease` instead of fetching: the lookup then fetches the key
/// itself, with its caller's token, for the fleet. When this daemon is the owner and has no credential, its own
/// lookups take the same leases (``leases``): a lookup whose key another runner is fetching waits for that row.
///
/// Before a proof (``ForwardedLookup/proofBaseline``), every daemon, with a credential or not, takes its turn at the
/// owner's leases the same way, so that runners proving at once after a change pay for the new body once.
final class FleetFill: MissForwarder {
    let host: LibP2P.Host
    let membership: Membership
    let intake: EntryIntake
    let timeout: Duration
    /// `CACHE_FLEET_FILL`: `false` makes every lookup fetch locally.
    let enabled: Bool
    /// The leases of the keys this daemon owns (``FillService/leases``).
    let leases: FillLeases
    /// Whether this daemon has a GitHub credential of its own (else the keys it owns are fetched under leases).
    let hasCredential: Bool
    let logger: Logger

    /// The outcome of one fill exchange.
    enum FillResult: Sendable {
        /// The entry is stored; the owner that answered.
        case filled(PeerID)
        /// Fetch it locally.
        case fetchLocally
        /// Fetch it locally: the owner (without a credential) handed this runner the fleet's lease on it.
        case lease(PeerID)
    }

    init(
        host: LibP2P.Host, membership: Membership, intake: EntryIntake, timeout: Duration, enabled: Bool,
        leases: FillLeases, hasCredential: Bool, logger: Logger
    ) {
        self.host = host
        self.membership = membership
        self.intake = intake
        self.timeout = timeout
        self.enabled = enabled
        self.leases = leases
        self.hasCredential = hasCredential
        self.logger = logger
    }

    private var store: CacheStore { intake.store }

    func forward(_ lookup: ForwardedLookup) async throws(GHCacheError) -> LookupResult? {
        let key = lookup.target.key
        guard enabled else { return nil }
        if let baseline = lookup.proofBaseline {
            await proofTurn(lookup, baseline: baseline)
            return nil
        }
        let owner: PeerID
        if membership.owners(of: key).first == membership.localPeer {
            // This daemon owns the key: without a credential, its lookups take the fleet's lease like the others.
            guard !hasCredential, lookup.token != nil else { return nil }
            let entry = try store.entry(forKey: key)
            let now = intake.clock()
            let turn = await leases.turn(
                key: key, holder: membership.localPeer.description, ttl: lookup.ttl,
                baseline: lookup.options.noCache ? now : (entry?.fetchedAt ?? -Double.infinity),
                deadline: .now + timeout)
            guard turn == .arrived else { return nil }
            owner = membership.localPeer
        } else {
            switch await fill(lookup) {
            case .filled(let filler): owner = filler
            case .fetchLocally: return nil
            case .lease(let lessor):
                logger.debug(
                    "fetching for the fleet: \(lessor) has no credential", metadata: ["ghcache.key": "\(lookup.target)"]
                )
                return nil
            }
        }
        guard let entry = try store.entry(forKey: key) else { return nil }
        let now = intake.clock()
        guard entry.isFresh(ttl: lookup.ttl, now: now) else { return nil }
        // A refresh ahead of expiry is not a read: it must not keep the key "read lately" by itself.
        if !lookup.options.revalidate { try store.recordServed(key: key, counter: Counter.peerHits, now: now) }
        intake.count([Counter.fills: 1])
        logger.debug("filled by \(owner)", metadata: ["ghcache.key": "\(lookup.target)"])
        return LookupResult(entry: entry, target: lookup.target, servedFrom: .filled, ttl: lookup.ttl, now: now)
    }

    /// Before this daemon proves a token's access to its copy of a key (fetched at `baseline`): waits its turn at the
    /// key's owner (``FillLeases``), which answers a newer row if one arrived since `baseline`, or lets this runner
    /// prove now while the runners that ask meanwhile wait for its row (docs/PROTOCOL.md §7, "Proofs"). The proof
    /// then goes ahead whatever happened here: an unreachable owner or a timeout only costs the coordination.
    private func proofTurn(_ lookup: ForwardedLookup, baseline: Double) async {
        let key = lookup.target.key
        guard let owner = membership.owners(of: key).first else { return }
        let deadline = ContinuousClock.now + timeout
        if owner == membership.localPeer {
            _ = await leases.turn(
                key: key, holder: owner.description, ttl: lookup.ttl, baseline: baseline, deadline: deadline,
                proof: true)
            return
        }
        var request = FillRequest(lookup)
        request.lease = true
        do {
            _ = try await ask(owner, request, deadline: deadline)
        } catch {
            logger.debug(
                "proof turn at \(owner) failed: \(error); proving anyway", metadata: ["ghcache.key": "\(lookup.target)"]
            )
        }
    }

    /// Asks the owners in turn until one answers, this daemon is next, or the deadline passes.
    private func fill(_ lookup: ForwardedLookup) async -> FillResult {
        let deadline = ContinuousClock.now + timeout
        let request = FillRequest(lookup)
        for owner in membership.owners(of: request.key).prefix(FillProtocol.maxOwnersTried) {
            guard owner != membership.localPeer, ContinuousClock.now < deadline else { return .fetchLocally }
            do {
                return try await ask(owner, request, deadline: deadline) ? .filled(owner) : .lease(owner)
            } catch {
                membership.suspect(owner, for: FillProtocol.suspectFor)
                intake.count([Counter.fillFallbacks: 1])
                if let rejection = error as? Rejection {
                    intake.count([Counter.fillRejected(rejection.reason.rawValue): 1])
                }
                logger.info(
                    "fill by \(owner) failed: \(error); trying the next owner",
                    metadata: ["ghcache.key": "\(lookup.target)"])
            }
        }
        return .fetchLocally
    }

    /// One fill exchange with `owner`; returns `true` once the answered entry is stored (or the store holds a copy
    /// at least as new), `false` when the owner handed this runner the lease. Throws on any failure, a ``Rejection``
    /// for a bad answer.
    private func ask(_ owner: PeerID, _ request: FillRequest, deadline: ContinuousClock.Instant) async throws -> Bool {
        try await connect(owner, deadline: deadline)
        let stream = try await host.newStream(to: owner, protocols: [FillProtocol.id])
        let remaining = deadline - ContinuousClock.now
        do {
            return try await exchange(stream, request, within: remaining)
        } catch {
            stream.reset()
            throw error
        }
    }

    private func exchange(_ stream: P2PStream, _ request: FillRequest, within remaining: Duration) async throws
        -> Bool
    {
        let owner = stream.remotePeer
        return try await StreamWatchdog.run(stream, idle: remaining, total: remaining) { _ in
            try await stream.write(SyncFrame.payload(try intake.codec.sealMessage(request)).bytes)
            try await stream.closeWrite()
            var reader = SyncFrameReader()
            let answer = try intake.codec.openMessage(FillAnswer.self, from: try await Self.frame(stream, &reader))
            switch answer.outcome {
            case .ok: break
            case .lease where request.lease == true: return false
            case .lease: throw Rejection(.malformed, "a lease answered to a request that cannot take one")
            case .error: throw FillError.ownerFailed(answer.detail)
            }
            let entry = try intake.codec.open(try await Self.frame(stream, &reader))
            guard entry.entry.key == request.key else {
                throw Rejection(
                    .keyMismatch, "the owner answered key \(entry.entry.key.prefix(12))… for \(request.url)")
            }
            switch intake.store(entry, from: owner.description) {
            case .stored, .duplicate: return true
            case .rejected(let rejection) where rejection.reason == .stale: return true  // a newer copy is here already
            case .rejected(let rejection): throw rejection
            case .storeFailed: throw FillError.ownerFailed("the store could not take the answer")
            }
        }
    }

    /// Makes sure a connection to `peer` exists, dialling its announced addresses.
    private func connect(_ peer: PeerID, deadline: ContinuousClock.Instant) async throws {
        if host.isConnected(to: peer) { return }
        var lastError: any Error = FillError.unreachable(peer)
        for address in membership.addresses(of: peer) where ContinuousClock.now < deadline {
            do {
                let dialled = try await host.dial(address)
                guard dialled == peer else { throw FillError.unreachable(peer) }
                return
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    /// Reads the next frame's payload (the end marker or EOF is an error here).
    static func frame(_ stream: P2PStream, _ reader: inout SyncFrameReader) async throws -> [UInt8] {
        while true {
            switch try reader.next() {
            case .payload(let payload): return payload
            case .end: throw Rejection(.malformed, "unexpected end marker")
            case nil:
                guard let chunk = try await stream.read() else {
                    throw Rejection(.malformed, "the stream closed before a complete frame")
                }
                reader.append(chunk)
            }
        }
    }
}

/// Why a fill failed without a bad message.
enum FillError: Error, CustomStringConvertible {
    case ownerFailed(String)
    case unreachable(PeerID)

    var description: String {
        switch self {
        case .ownerFailed(let detail): "the owner could not fill it (\(detail))"
        case .unreachable(let peer): "no announced address of \(peer) answered"
        }
    }
}
